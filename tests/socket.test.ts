// The socket state every adapter shares (write queue, back-pressure, closing
// once), tested through a scripted runtime, then on the real one.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import * as tls from "node:tls";
import process from "node:process";
import { detectRuntime } from "../mod.ts";
import { defaultTransport } from "../protocol.ts";
import { type RawSocket, SocketCore } from "../adapters/_socket.ts";
import { testCerts } from "./_certs.ts";

const runtime = detectRuntime();
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A runtime that takes `room` bytes, then is full until `drain()`. */
function scripted(room: number) {
  const written: string[] = [];
  let left = room;
  let ended = 0;
  const raw: RawSocket = {
    write(b) {
      const n = Math.min(left, b.length);
      left -= n;
      written.push(text(b.subarray(0, n)));
      return n;
    },
    end: () => void ended++,
  };
  return {
    raw,
    written,
    get ended() {
      return ended;
    },
    room(n: number) {
      left = n;
    },
  };
}

test("SocketCore writes through while the runtime takes the bytes", async () => {
  const rt = scripted(100);
  const core = new SocketCore(rt.raw);
  await core.write(bytes("INFO\r\n"));
  await core.write(bytes("END\r\n"));
  assert.deepEqual(rt.written, ["INFO\r\n", "END\r\n"]);
});

test("SocketCore queues writes while the runtime is full and sends them in one write at the drain", async () => {
  const rt = scripted(2);
  const core = new SocketCore(rt.raw);
  const done: number[] = [];
  const writes = [0, 1, 2, 3].map((i) =>
    core.write(bytes(`W${i};`)).then(() => done.push(i))
  );
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(done, []);
  assert.deepEqual(rt.written, ["W0"]);
  rt.room(1000);
  core.drained();
  await Promise.all(writes);
  assert.deepEqual(done, [0, 1, 2, 3]);
  assert.deepEqual(rt.written, ["W0", ";W1;W2;W3;"]);
});

test("SocketCore.close() ends once, after the queue went out", () => {
  const rt = scripted(2);
  const core = new SocketCore(rt.raw);
  void core.write(bytes("ACK\r\n"));
  core.close();
  core.close();
  assert.equal(rt.ended, 0);
  rt.room(100);
  core.drained();
  assert.equal(rt.ended, 1);
  assert.deepEqual(rt.written, ["AC", "K\r\n"]);
});

test("SocketCore.close() gives up on bytes a peer does not take within the grace, and ends once", async () => {
  const rt = scripted(2);
  const core = new SocketCore(rt.raw, undefined, 20);
  const waiting = core.write(bytes("INFO\r\n"));
  core.close();
  assert.equal(rt.ended, 0);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(rt.ended, 1);
  rt.room(100);
  core.drained(); // too late: nothing more is written or ended
  assert.deepEqual(rt.written, ["IN"]);
  assert.equal(rt.ended, 1);
  core.finish();
  await assert.rejects(waiting, /Socket is closed/);
});

test("SocketCore fails waiting and later writes with the runtime's error and calls close once", async () => {
  const rt = scripted(0);
  const closes: (Error | undefined)[] = [];
  const core = new SocketCore(rt.raw, {
    data() {},
    close: (error) => void closes.push(error),
  });
  const waiting = core.write(bytes("FETCH q\r\n"));
  const reset = new Error("Connection reset by peer");
  core.failed(reset);
  core.finish();
  core.finish(new Error("second"));
  await assert.rejects(waiting, (e) => e === reset);
  await assert.rejects(core.write(bytes("INFO\r\n")), (e) => e === reset);
  assert.deepEqual(closes, [reset]);
  assert.ok(core.closed);
});

test("SocketCore rejects writes after a clean close with 'Socket is closed'", async () => {
  const core = new SocketCore(scripted(100).raw);
  core.finish();
  await assert.rejects(core.write(bytes("INFO\r\n")), /Socket is closed/);
});

test(`${runtime} transport: 50 back-pressured writes on one socket wait without piling up listeners`, async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => void warnings.push(w);
  process.on("warning", onWarning);
  let remote!: net.Socket;
  let received = 0;
  const server = net.createServer((s) => {
    remote = s;
    s.pause();
    s.on("data", (d: Uint8Array) => void (received += d.length));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const t = await defaultTransport();
    const sock = await t.connect({ host: "127.0.0.1", port }, {
      data() {},
      close() {},
    });
    const chunk = new Uint8Array(1024 * 1024);
    let done = 0;
    const writes = Array.from(
      { length: 50 },
      () => sock.write(chunk).then(() => void done++),
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(done < 50, "the peer reads nothing: writes must wait");
    remote.resume();
    await Promise.all(writes);
    while (received < 50 * chunk.length) {
      await new Promise((r) => setTimeout(r, 10));
    }
    sock.close();
    await new Promise((r) => setTimeout(r, 20)); // warnings are emitted on a later tick
    assert.deepEqual(
      warnings.filter((w) => w.name === "MaxListenersExceededWarning").map(
        (w) => w.message,
      ),
      [],
    );
  } finally {
    process.off("warning", onWarning);
    remote?.destroy();
    await new Promise((r) => server.close(r));
  }
});

for (const secure of [false, true]) {
  test(
    `${runtime} transport: bytes the server sends at once on accept all arrive (${
      secure ? "TLS" : "TCP"
    })`,
    async () => {
      // The handlers must be in place from the socket's first event: data that
      // arrives while connect() is still settling must not be dropped.
      const greeting = '+HI {"v":2}\r\n'.repeat(200);
      const certs = secure ? testCerts() : undefined;
      const onSocket = (s: net.Socket) => void s.end(greeting);
      const server = certs
        ? tls.createServer({ key: certs.key, cert: certs.cert }, onSocket)
        : net.createServer(onSocket);
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const port = (server.address() as net.AddressInfo).port;
      try {
        const t = await defaultTransport();
        await Promise.all(Array.from({ length: 20 }, async () => {
          let got = "";
          const decoder = new TextDecoder();
          let closed!: () => void;
          const done = new Promise<void>((r) => (closed = r));
          await t.connect({
            host: "127.0.0.1",
            port,
            ...(certs
              ? { tls: { ca: certs.ca, serverName: "localhost" } }
              : {}),
          }, {
            data: (c) => void (got += decoder.decode(c, { stream: true })),
            close: () => closed(),
          });
          await done;
          assert.equal(got, greeting);
        }));
      } finally {
        await new Promise((r) => server.close(r));
      }
    },
  );
}
