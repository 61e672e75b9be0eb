// One conformance suite for the Transport of whichever runtime runs it.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import * as tls from "node:tls";
import {
  Client,
  ConnectError,
  type ConnectOptions,
  detectRuntime,
} from "../mod.ts";
import { defaultTransport } from "../protocol.ts";
import { guardConnect } from "../adapters/transport.ts";
import { testCerts } from "./_certs.ts";
import { ReplayServer } from "./_replay.ts";

const runtime = detectRuntime();

interface Peer {
  port: number;
  sockets: net.Socket[];
  accepted: Promise<net.Socket>;
  close(): Promise<void>;
}

async function listen(
  secure = false,
  onSocket: (s: net.Socket) => void = () => {},
): Promise<Peer> {
  const sockets: net.Socket[] = [];
  let first!: (s: net.Socket) => void;
  const accepted = new Promise<net.Socket>((r) => (first = r));
  const handler = (s: net.Socket) => {
    sockets.push(s);
    s.on("error", () => {});
    onSocket(s);
    first(s);
  };
  const certs = secure ? testCerts() : undefined;
  const server = certs
    ? tls.createServer({ key: certs.key, cert: certs.cert }, handler)
    : net.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    accepted,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

function recorder() {
  const chunks: Uint8Array[] = [];
  let closed!: (err?: Error) => void;
  const closedP = new Promise<Error | undefined>((r) => (closed = r));
  let closeCalls = 0;
  return {
    chunks,
    closed: closedP,
    get closeCalls() {
      return closeCalls;
    },
    text: () => new TextDecoder().decode(concat(chunks)),
    handlers: {
      data: (c: Uint8Array) => void chunks.push(c.slice()),
      close: (err?: Error) => {
        closeCalls++;
        closed(err);
      },
    },
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) out.set(c, off), (off += c.length);
  return out;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

test(`${runtime} transport: connects over TCP, exchanges bytes both ways, closes once`, async () => {
  const peer = await listen(false, (s) => s.on("data", (d) => s.write(d)));
  const t = await defaultTransport();
  assert.equal(t.name, runtime);
  const rec = recorder();
  const sock = await t.connect(
    { host: "127.0.0.1", port: peer.port },
    rec.handlers,
  );
  await sock.write(new TextEncoder().encode("ping\r\n"));
  await until(() => rec.text() === "ping\r\n");
  sock.close();
  sock.close();
  assert.equal(await rec.closed, undefined);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(rec.closeCalls, 1);
  await peer.close();
});

test(`${runtime} transport: TLS with a CA verifies the server and carries data`, async () => {
  const certs = testCerts();
  const peer = await listen(true, (s) => s.on("data", (d) => s.write(d)));
  const t = await defaultTransport();
  const rec = recorder();
  const sock = await t.connect({
    host: "127.0.0.1",
    port: peer.port,
    tls: { ca: certs.ca },
  }, rec.handlers);
  await sock.write(new TextEncoder().encode("secret\r\n"));
  await until(() => rec.text() === "secret\r\n");
  sock.close();
  await rec.closed;
  await peer.close();
});

test(`${runtime} transport: TLS refuses a server whose certificate the CA did not sign`, async () => {
  const certs = testCerts();
  const peer = await listen(true);
  const t = await defaultTransport();
  await assert.rejects(
    t.connect({
      host: "127.0.0.1",
      port: peer.port,
      tls: { ca: certs.otherCa },
      connectTimeout: 3000,
    }, recorder().handlers),
    (err) => err instanceof ConnectError && err.code !== "ETIMEDOUT",
  );
  // Without a CA, the system store does not know the test CA either.
  await assert.rejects(
    t.connect({
      host: "127.0.0.1",
      port: peer.port,
      tls: true,
      connectTimeout: 3000,
    }, recorder().handlers),
    ConnectError,
  );
  await peer.close();
});

test(`${runtime} transport: Client speaks Faktory over TLS with a CA (tcp+tls://)`, async () => {
  const certs = testCerts();
  const server = await ReplayServer.start([[
    { send: '+HI {"v":2}\r\n' },
    { expect: /^HELLO / },
    { send: "+OK\r\n" },
    { expect: "INFO\r\n" },
    { send: '$14\r\n{"faktory":{}}\r\n' },
    { expect: "END\r\n" },
  ]], { tls: { key: certs.key, cert: certs.cert } });
  const client = await Client.connect({
    url: `tcp+tls://127.0.0.1:${server.port}`,
    tls: { ca: certs.ca },
  });
  assert.deepEqual((await client.info()).faktory, {});
  await client.close();
  await server.finished();
  assert.deepEqual(server.errors, []);
  await server.close();
});

test(`${runtime} transport: a large write arrives intact and in order`, async () => {
  const size = 8 * 1024 * 1024;
  let received = 0;
  let sum = 0;
  const peer = await listen(false, (s) =>
    s.on("data", (d: Uint8Array) => {
      for (const b of d) sum = (sum * 31 + b) >>> 0;
      received += d.length;
    }));
  const t = await defaultTransport();
  const sock = await t.connect(
    { host: "127.0.0.1", port: peer.port },
    recorder().handlers,
  );
  const data = new Uint8Array(size);
  let expected = 0;
  for (let i = 0; i < size; i++) {
    data[i] = (i * 7 + (i >> 13)) & 0xff;
    expected = (expected * 31 + data[i]!) >>> 0;
  }
  await Promise.all([
    sock.write(data.subarray(0, size / 2)),
    sock.write(data.subarray(size / 2)),
  ]);
  await until(() => received === size, 10_000);
  assert.equal(sum, expected);
  sock.close();
  await peer.close();
});

test(`${runtime} transport: write waits while the peer does not read (back-pressure)`, async () => {
  const peer = await listen(false, (s) => s.pause());
  const t = await defaultTransport();
  const sock = await t.connect(
    { host: "127.0.0.1", port: peer.port },
    recorder().handlers,
  );
  const remote = await peer.accepted;
  const big = new Uint8Array(64 * 1024 * 1024);
  let done = false;
  const write = sock.write(big).then(() => (done = true));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(
    done,
    false,
    "a 64 MiB write to a peer that reads nothing must not complete",
  );
  let received = 0;
  remote.on("data", (d: Uint8Array) => (received += d.length));
  remote.resume();
  await write;
  await until(() => received === big.length, 20_000);
  sock.close();
  await peer.close();
});

test(`${runtime} transport: the peer closing mid-message delivers what arrived, then close`, async () => {
  const peer = await listen(false, (s) => s.end('$825\r\n{"faktory":'));
  const t = await defaultTransport();
  const rec = recorder();
  const sock = await t.connect(
    { host: "127.0.0.1", port: peer.port },
    rec.handlers,
  );
  await rec.closed;
  assert.equal(rec.text(), '$825\r\n{"faktory":');
  await assert.rejects(sock.write(new TextEncoder().encode("INFO\r\n")));
  await peer.close();
});

test(`${runtime} transport: connection refused is a ConnectError`, async () => {
  const peer = await listen();
  const port = peer.port;
  await peer.close();
  const t = await defaultTransport();
  await assert.rejects(
    t.connect({ host: "127.0.0.1", port }, recorder().handlers),
    (err) => {
      assert.ok(err instanceof ConnectError, String(err));
      assert.equal(err.code, "ECONNREFUSED");
      assert.match(err.message, /tcp:\/\/127\.0\.0\.1:\d+ refused/);
      return true;
    },
  );
});

test(`${runtime} transport: a TLS handshake that never completes times out`, async () => {
  // A plain TCP peer that accepts and then says nothing: the TLS handshake stalls.
  const peer = await listen(false);
  const t = await defaultTransport();
  const started = Date.now();
  await assert.rejects(
    t.connect({
      host: "127.0.0.1",
      port: peer.port,
      tls: { ca: testCerts().ca },
      connectTimeout: 300,
    }, recorder().handlers),
    (err) => err instanceof ConnectError && err.code === "ETIMEDOUT",
  );
  assert.ok(Date.now() - started < 3000);
  await peer.close();
});

test("guardConnect times out, aborts, and closes a socket that opens too late", async () => {
  const opts: ConnectOptions = { host: "h", port: 1, connectTimeout: 50 };
  let cancelled = 0;
  let disposed = 0;
  let open!: (s: string) => void;
  const late = new Promise<string>((r) => (open = r));
  await assert.rejects(
    guardConnect(opts, late, () => cancelled++, () => disposed++),
    /timed out after 50 ms/,
  );
  open("socket");
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual([cancelled, disposed], [1, 1]);
  const ctl = new AbortController();
  const pending = guardConnect(
    { ...opts, connectTimeout: 5000, signal: ctl.signal },
    new Promise<string>(() => {}),
    () => cancelled++,
    () => {},
  );
  ctl.abort();
  await assert.rejects(
    pending,
    (err) => err instanceof ConnectError && err.code === "ABORTED",
  );
  await assert.rejects(
    guardConnect(
      { ...opts, signal: AbortSignal.abort() },
      Promise.resolve("s"),
      () => {},
      () => disposed++,
    ),
    /aborted/,
  );
});

test(`${runtime} transport: a listened socket reads nothing more between pause() and resume()`, async () => {
  const t = await defaultTransport();
  let received = 0;
  let server: { pause?(): void; resume?(): void } | undefined;
  const listener = await t.listen({ port: 0 }, (socket) => {
    server = socket;
    return {
      data: (chunk) => {
        if (received === 0) socket.pause?.();
        received += chunk.length;
      },
      close: () => {},
    };
  });
  const client = net.connect(listener.port, "127.0.0.1");
  client.on("error", () => {});
  await new Promise((r) => client.once("connect", r));
  const total = 16 << 20;
  client.write(new Uint8Array(total));
  await until(() => received > 0);
  for (let last = -1; last !== received;) {
    last = received;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(received < total / 4, `read ${received} bytes while paused`);
  server!.resume!();
  await until(() => received === total, 10_000);
  client.destroy();
  await listener.close();
});

for (const secure of [false, true]) {
  test(`${runtime} transport: listen() accepts ${secure ? "TLS" : "TCP"} connections and echoes in order`, async () => {
    const certs = testCerts();
    const t = await defaultTransport();
    const accepted: { closed: boolean }[] = [];
    const listener = await t.listen(
      {
        port: 0,
        ...(secure ? { tls: { key: certs.key, cert: certs.cert } } : {}),
      },
      (socket) => {
        const state = { closed: false };
        accepted.push(state);
        return {
          data: (chunk) => void socket.write(chunk.slice()),
          close: () => void (state.closed = true),
        };
      },
    );
    assert.ok(listener.port > 0);
    const clients = await Promise.all([1, 2, 3].map(async (n) => {
      const rec = recorder();
      const sock = await t.connect(
        {
          host: "127.0.0.1",
          port: listener.port,
          ...(secure ? { tls: { ca: certs.ca } } : {}),
        },
        rec.handlers,
      );
      const msg = `client ${n} `.repeat(1000);
      await sock.write(new TextEncoder().encode(msg));
      return { rec, sock, msg };
    }));
    for (const c of clients) await until(() => c.rec.text() === c.msg);
    assert.equal(accepted.length, 3);
    for (const c of clients) c.sock.close();
    await until(() => accepted.every((a) => a.closed));
    await listener.close();
    await listener.close();
    await assert.rejects(
      t.connect({
        host: "127.0.0.1",
        port: listener.port,
        connectTimeout: 2000,
      }, recorder().handlers),
      ConnectError,
    );
  });
}
