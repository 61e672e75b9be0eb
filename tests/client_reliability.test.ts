// What the Client does with a hostile or broken peer and with inputs it cannot send: every
// failure is one of the library's typed errors, and nothing hangs past its timeout.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import {
  Client,
  ConnectError,
  ConnectionClosedError,
  createJob,
  InvalidJobError,
  LocalProtocolError,
  Manager,
  RemoteProtocolError,
  type Socket,
  type SocketHandlers,
} from "../mod.ts";
import type { Transport } from "../protocol.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { ReplayServer, type ReplayStep } from "./_replay.ts";

const LAB = { hostname: "lab-host", pid: 4242, labels: ["lab"] } as const;
const text = (s: string) => new TextEncoder().encode(s);

/** A server that greets every connection with `greeting` and then says nothing. */
async function greeter(
  greeting: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => {});
    sock.on("close", () => sockets.delete(sock));
    sock.write(greeting);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `tcp://:secret@127.0.0.1:${port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A transport whose socket greets, accepts HELLO, then fails every write with `error`. */
function brokenWrites(error: Error): Transport {
  return {
    name: "broken-writes",
    listen: () => Promise.reject(new Error("not used")),
    connect(_options, handlers: SocketHandlers): Promise<Socket> {
      let writes = 0;
      queueMicrotask(() => handlers.data(text('+HI {"v":2}\r\n')));
      return Promise.resolve({
        write() {
          if (writes++ > 0) return Promise.reject(error);
          queueMicrotask(() => handlers.data(text("+OK\r\n")));
          return Promise.resolve();
        },
        close() {},
      });
    },
  };
}

test("Client.connect() refuses a HI asking for more than 1,000,000 hash iterations with RemoteProtocolError", async () => {
  const server = await greeter('+HI {"v":2,"i":1000000000000,"s":"salt"}\r\n');
  try {
    const started = Date.now();
    await assert.rejects(
      Client.connect({ url: server.url, ...LAB }),
      (err) =>
        err instanceof RemoteProtocolError && /iterations/.test(err.message),
    );
    assert.ok(Date.now() - started < 2000);
  } finally {
    await server.close();
  }
});

test("Client.connect() counts the greeting and the password hash against connectTimeout", async () => {
  // A greeting that never comes: connectTimeout, not the 10 s read timeout, ends the wait,
  // and the error says the peer sent no greeting.
  const silent = await ReplayServer.start([[{ delay: 3000 }]]);
  let started = Date.now();
  await assert.rejects(
    Client.connect({ url: silent.url, connectTimeout: 300, ...LAB }),
    (err) =>
      err instanceof RemoteProtocolError &&
      /^No greeting within/.test(err.message),
  );
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  await silent.close();
  // The largest challenge allowed still takes longer than 20 ms to hash.
  const slow = await greeter('+HI {"v":2,"i":1000000,"s":"salt"}\r\n');
  try {
    started = Date.now();
    await assert.rejects(
      Client.connect({ url: slow.url, connectTimeout: 20, ...LAB }),
      (err) => err instanceof ConnectError && err.code === "ETIMEDOUT",
    );
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
  } finally {
    await slow.close();
  }
});

test("Client.connect() stops at its signal during the handshake with ConnectError ABORTED", async () => {
  const slow = await greeter('+HI {"v":2,"i":1000000,"s":"salt"}\r\n');
  try {
    const ctl = new AbortController();
    const reason = new Error("not needed any more");
    setTimeout(() => ctl.abort(reason), 20);
    const started = Date.now();
    await assert.rejects(
      Client.connect({ url: slow.url, signal: ctl.signal, ...LAB }),
      (err) =>
        err instanceof ConnectError && err.code === "ABORTED" &&
        err.cause === reason,
    );
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
  } finally {
    await slow.close();
  }
});

test("Manager.run() does not hang on a HI with a huge iteration count: it rejects with RemoteProtocolError", async () => {
  const server = await greeter('+HI {"v":2,"i":1000000000000,"s":"salt"}\r\n');
  const manager = new Manager({
    url: server.url,
    handleSignals: false,
    reconnect: { initial: 20, max: 100 },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  manager.register("Noop", () => {});
  const outcome = await Promise.race([
    manager.run().then(() => "resolved", (err) => err),
    new Promise((r) => setTimeout(() => r("still running"), 3000)),
  ]);
  await manager.stop();
  await server.close();
  assert.ok(outcome instanceof RemoteProtocolError, String(outcome));
  assert.equal(manager.state, "stopped");
});

test("Client requests reject with ConnectionClosedError when the socket fails a write", async () => {
  const reset = Object.assign(new Error("Connection reset by peer"), {
    name: "ConnectionReset",
  });
  for (const error of [new Error("Socket is closed"), reset]) {
    const client = await Client.connect({
      url: "tcp://127.0.0.1:7419",
      transport: brokenWrites(error),
      ...LAB,
    });
    const first = client.info();
    const second = client.ack("0123456789ab");
    for (const request of [first, second]) {
      await assert.rejects(request, (err) => {
        assert.ok(err instanceof ConnectionClosedError, String(err));
        assert.equal((err as Error).cause, error);
        return true;
      });
    }
    await assert.rejects(client.info(), ConnectionClosedError);
    assert.ok(client.closed);
  }
});

test("Client.connect() turns a transport's untyped failure into ConnectError", async () => {
  const transport: Transport = {
    name: "failing",
    listen: () => Promise.reject(new Error("not used")),
    connect: () => Promise.reject(new TypeError("setKeepAlive failed")),
  };
  await assert.rejects(
    Client.connect({ url: "tcp://127.0.0.1:7419", transport, ...LAB }),
    (err) =>
      err instanceof ConnectError && err.cause instanceof TypeError &&
      /setKeepAlive failed/.test(err.message),
  );
});

test("Client.connect() and new Manager() refuse malformed URLs and out-of-range options with LocalProtocolError", async () => {
  const bad: Record<string, unknown>[] = [
    { url: "tcp://:100%@127.0.0.1:7419" },
    { url: "tcp://127.0.0.1:0" },
    { url: "tcp://127.0.0.1:99999" },
    { url: "http://127.0.0.1:7419" },
    { timeout: 2000 },
    { timeout: Number.NaN },
    { timeout: Infinity },
    { connectTimeout: -1 },
    { connectTimeout: 0 },
    { maxReplyBytes: 0 },
  ];
  for (const options of bad) {
    await assert.rejects(
      Client.connect({ url: "tcp://127.0.0.1:1", ...LAB, ...options }),
      LocalProtocolError,
      JSON.stringify(options),
    );
  }
  for (const options of bad) {
    assert.throws(
      () =>
        new Manager({
          url: "tcp://127.0.0.1:1",
          handleSignals: false,
          logger: { debug() {}, info() {}, warn() {}, error() {} },
          ...options,
        }),
      LocalProtocolError,
      JSON.stringify(options),
    );
  }
});

test("Client.fail() fails the jid it is given even when the error object has a jid field", async () => {
  const script: ReplayStep[] = [
    { send: '+HI {"v":2}\r\n' },
    { expect: /^HELLO / },
    { send: "+OK\r\n" },
    {
      expect: 'FAIL {"jid":"right-jid-1","errtype":"E","message":"boom"}\r\n',
    },
    { send: "+OK\r\n" },
    { expect: /^FAIL \{"jid":"right-jid-2","errtype":"Error"/ },
    { send: "+OK\r\n" },
    { expect: "END\r\n" },
  ];
  const server = await ReplayServer.start([script]);
  const client = await Client.connect({ url: server.url, ...LAB });
  await client.fail("right-jid-1", {
    jid: "wrong-jid-1",
    errtype: "E",
    message: "boom",
  });
  await client.fail(
    "right-jid-2",
    Object.assign(new Error("boom"), { jid: "wrong-jid-2" }),
  );
  await client.close();
  await server.finished();
  assert.deepEqual(server.errors, []);
  await server.close();
});

/** Args that JSON.stringify cannot turn into a job, each a different way. */
function unserializable(): [string, unknown][] {
  let deep: unknown = [];
  for (let i = 0; i < 200_000; i++) deep = [deep];
  const revocable = Proxy.revocable({}, {});
  revocable.revoke();
  const cycle: unknown[] = [];
  cycle.push(cycle);
  return [
    ["200k-deep nesting", deep],
    ["a throwing getter", {
      get boom() {
        throw new Error("getter failed");
      },
    }],
    ["a revoked Proxy", revocable.proxy],
    [
      "a Proxy with a throwing trap",
      new Proxy({}, {
        ownKeys() {
          throw new Error("trap failed");
        },
      }),
    ],
    ["a BigInt", 10n],
    ["a cycle", cycle],
  ];
}

test("Client.push() refuses args it cannot serialize with InvalidJobError, sending nothing", async () => {
  const server = await FaktoryServer.start();
  const client = await Client.connect({ url: server.url, ...LAB });
  try {
    for (const [what, arg] of unserializable()) {
      await assert.rejects(
        client.push("T", [arg as never]),
        (err) => err instanceof InvalidJobError && err.field === "args",
        what,
      );
      await assert.rejects(
        client.push({
          jid: "0123456789ab",
          jobtype: "T",
          args: [arg as never],
        }),
        InvalidJobError,
        what,
      );
    }
    assert.equal(server.commands("PUSH"), 0);
    assert.ok(!client.closed);
    await client.push("T", [[[[1]]]]); // the connection still works
  } finally {
    await client.close();
    await server.stop();
  }
});

test("Client.pushBulk() refuses only the jobs it cannot serialize and pushes the rest", async () => {
  const server = await FaktoryServer.start();
  const client = await Client.connect({ url: server.url, ...LAB });
  try {
    const bad = unserializable().map(([, arg], i) => ({
      jid: `bad-job-${i}`,
      jobtype: "T",
      args: [arg as never],
    }));
    const good = [createJob("T", [1]), createJob("T", [2])];
    const refused = await client.pushBulk([good[0]!, ...bad, good[1]!]);
    assert.deepEqual(Object.keys(refused).sort(), bad.map((j) => j.jid));
    for (const reason of Object.values(refused)) {
      assert.equal(typeof reason, "string");
    }
    assert.deepEqual(
      server.queue("default").map((j) => j.jid),
      good.map((j) => j.jid),
    );
  } finally {
    await client.close();
    await server.stop();
  }
});

test("Client.mutate() filters on values with spaces (the JSON carries them as \\u0020)", async () => {
  const server = await FaktoryServer.start();
  const client = await Client.connect({ url: server.url, ...LAB });
  try {
    const at = new Date(Date.now() + 3_600_000);
    await client.push("Send Email", ["a b"], { at });
    await client.push("Other", [], { at });
    await client.kill("scheduled", { jobtype: "Send Email" });
    assert.deepEqual(server.dead().map((j) => j.jobtype), ["Send Email"]);
    await client.discard("dead", { regexp: "*a b*" });
    assert.deepEqual(server.dead(), []);
    assert.deepEqual(server.scheduled().map((j) => j.jobtype), ["Other"]);
  } finally {
    await client.close();
    await server.stop();
  }
});
