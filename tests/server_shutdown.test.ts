// FaktoryServer.stop() and restart() shut down as Faktory 1.8 does on SIGTERM: the listener
// closes first, the next command on an open connection gets "-ERR shutdown in progress" and
// its connection is closed, and reservations survive for a late ACK or FAIL.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client, ConnectError } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { RawConn } from "./_fidelity.ts";

const OK = { type: "simple", value: "OK" };
const SHUTDOWN = {
  type: "error",
  code: "ERR",
  message: "shutdown in progress",
};

async function ready(port: number, wid?: string): Promise<RawConn> {
  const conn = await RawConn.open(port);
  await conn.take(1);
  conn.write(`HELLO ${JSON.stringify({ v: 2, ...(wid ? { wid } : {}) })}\r\n`);
  assert.deepEqual(await conn.take(1), [OK]);
  return conn;
}

test("FaktoryServer.stop() closes the listener, answers the next command with -ERR shutdown in progress and closes that connection", async () => {
  const server = await FaktoryServer.start({
    taskInterval: 0,
    fetchTimeout: 10_000,
  });
  const url = server.url;
  const active = await ready(server.port);
  const idle = await ready(server.port);
  const fetching = await ready(server.port, "w-blocked");
  fetching.write("FETCH nothing-here\r\n");
  await new Promise((r) => setTimeout(r, 20));
  const started = Date.now();
  const stopping = server.stop();
  assert.equal(server.listening, false, "the listener closes at once");
  active.write("INFO\r\n");
  assert.deepEqual(await active.take(1), [SHUTDOWN]);
  assert.ok(await active.eof(1000), "closed after the error");
  await assert.rejects(Client.connect(url), ConnectError);
  await stopping;
  assert.ok(Date.now() - started < 1000, "stop() does not wait for clients");
  assert.equal(server.connections, 0);
  assert.ok(await idle.eof(1000), "an idle connection is closed by stop()");
  assert.ok(
    await fetching.eof(1000),
    "a blocked FETCH ends with its connection",
  );
  assert.deepEqual(fetching.replies, [], "the blocked FETCH gets no reply");
  for (const c of [active, idle, fetching]) c.close();
});

test("FaktoryServer.restart() keeps reservations: a late ACK and FAIL work after it, as after a Faktory restart", async () => {
  const server = await FaktoryServer.start({
    taskInterval: 0,
    fetchTimeout: 100,
  });
  try {
    const producer = await Client.connect(server.url);
    await producer.push("A", [], { jid: "late-ack-0001", queue: "r" });
    await producer.push("B", [], { jid: "late-fail-001", queue: "r" });
    await producer.push("C", [], { jid: "still-queued1", queue: "r" });
    const worker = await ready(server.port, "w-late");
    worker.write("FETCH r\r\nFETCH r\r\n");
    assert.equal((await worker.take(2)).length, 2);
    const restarting = server.restart();
    worker.write('ACK {"jid":"late-ack-0001"}\r\n');
    assert.deepEqual(await worker.take(1), [SHUTDOWN]);
    assert.ok(await worker.eof(1000));
    await restarting;
    assert.equal(server.listening, true);
    assert.equal(server.workers().length, 0, "workers live in memory");
    assert.deepEqual(server.busy().map((b) => b.job.jid).sort(), [
      "late-ack-0001",
      "late-fail-001",
    ]);
    assert.equal(server.queue("r").length, 1);

    const again = await ready(server.port, "w-late");
    again.write('ACK {"jid":"late-ack-0001"}\r\n');
    assert.deepEqual(await again.take(1), [OK]);
    again.write(
      'FAIL {"jid":"late-fail-001","errtype":"E","message":"m"}\r\n',
    );
    assert.deepEqual(await again.take(1), [OK]);
    assert.deepEqual(server.busy(), []);
    assert.deepEqual(server.retries().map((j) => j.jid), ["late-fail-001"]);
    again.write('ACK {"jid":"never-reserved"}\r\n');
    assert.deepEqual(await again.take(1), [OK]);
    again.write('FAIL {"jid":"never-reserved","errtype":"E"}\r\n');
    assert.deepEqual(await again.take(1), [{
      type: "error",
      code: "ERR",
      message: "Job not found never-reserved",
    }]);
    again.close();
    worker.close();
    await producer.close().catch(() => {});
  } finally {
    await server.stop();
  }
});

test("FaktoryServer.stop() resolves at once when no connection is open, and start() serves again", async () => {
  const server = await FaktoryServer.start({ taskInterval: 0 });
  const started = Date.now();
  await server.stop();
  assert.ok(Date.now() - started < 50);
  await server.start();
  const c = await Client.connect(server.url);
  await c.info();
  await c.close();
  await server.stop();
});
