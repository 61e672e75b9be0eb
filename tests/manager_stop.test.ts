// How fast the Manager stops and goes quiet on the embedded server, and that a
// fast stop never hands a job to a connection that is going away.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client, createJob, Manager } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import type { Fault } from "../testing/mod.ts";
import { captureLogger, until } from "./_manager_util.ts";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("Manager.stop() on the embedded server with its defaults does not wait out a blocked FETCH", async () => {
  // Written as the README's testing section does: no fetch timeout, no tuning.
  const server = await FaktoryServer.start();
  const client = await Client.connect(server.url);
  const mgr = new Manager({
    url: server.url,
    handleSignals: false,
    logger: captureLogger(),
  });
  let ran = 0;
  mgr.register("Noop", () => void ran++);
  const running = mgr.run();
  await client.push("Noop", []);
  await until(() => ran === 1 && server.busy().length === 0);
  await pause(50); // the fetcher is now blocked in FETCH (2 s on this server)
  const started = Date.now();
  await mgr.stop();
  await running;
  const took = Date.now() - started;
  console.log(`stop() took ${took} ms`);
  // Before, stop() waited for the blocked FETCH: about 2000 ms. It must take
  // well under 250 ms.
  assert.ok(took < 250, `stop() took ${took} ms`);
  await client.close();
  await server.stop();
});

test("Manager.stop() ends FETCHes blocked on the server, however long they would block", async () => {
  const server = await FaktoryServer.start({ fetchTimeout: 20_000 });
  const client = await Client.connect(server.url);
  const mgr = new Manager({
    url: server.url,
    concurrency: 4,
    handleSignals: false,
    logger: captureLogger(),
  });
  mgr.register("Noop", () => {});
  const running = mgr.run();
  await until(() => server.workers().length === 1);
  await pause(50);
  const started = Date.now();
  await mgr.stop();
  await running;
  const took = Date.now() - started;
  assert.ok(took < 5000, `stop() took ${took} ms`); // before: 20 s
  assert.equal(server.workers()[0]?.state, "terminate");
  assert.equal(server.workers()[0]?.currentState, "terminate");
  await client.push("Noop", []);
  assert.equal(server.queue("default").length, 1, "nothing fetches any more");
  await client.close();
  await server.stop();
});

test("Manager.quiet() tells the server at once, and its blocked FETCH ends with no job", async () => {
  const server = await FaktoryServer.start({ fetchTimeout: 20_000 });
  const client = await Client.connect(server.url);
  const mgr = new Manager({
    url: server.url,
    handleSignals: false,
    heartbeatInterval: 60_000, // no regular beat during the test
    logger: captureLogger(),
  });
  mgr.register("Noop", () => {});
  const running = mgr.run();
  await until(() => server.workers().length === 1);
  await pause(50);
  mgr.quiet();
  try {
    await until(() => server.workers()[0]?.state === "quiet", 2000, "quiet");
    await pause(50);
    await client.push("Noop", []);
    await pause(100);
    assert.equal(server.queue("default").length, 1, "a quiet worker: no job");
    assert.equal(server.busy().length, 0);
    const started = Date.now();
    await mgr.stop();
    await running;
    assert.ok(Date.now() - started < 5000, "no FETCH was left blocked");
  } finally {
    await mgr.stop();
    await client.close();
    await server.stop();
  }
});

// The fault matrix: jobs arrive while the worker stops, and the BEAT that says
// "terminate", the FETCHes and the ACKs meet each fault the server can inject.
// Whatever happens, every job either ran and was ACKed or is still queued:
// none is left reserved by a FETCH whose connection went away. (A FETCH reply
// lost on the wire strands its job whether or not the worker stops, so it is
// not part of this matrix.)
const faults: (Fault | undefined)[] = [
  undefined,
  { action: "delay", verb: "BEAT", ms: 200, times: 5 },
  { action: "close", verb: "BEAT", times: 5 },
  { action: "close-after", verb: "BEAT", times: 5 },
  { action: "cut-reply", verb: "BEAT", times: 5 },
  { action: "garbage", verb: "BEAT", times: 5 },
  { action: "error", verb: "BEAT", times: 5 },
  { action: "delay", verb: "FETCH", ms: 50, times: 20 },
  { action: "close-after", verb: "ACK", after: 1, times: 2 },
];

for (const fault of faults) {
  const name = fault ? `${fault.action} on ${fault.verb}` : "no fault";
  test(`Manager.stop() while jobs arrive strands no job (${name})`, async () => {
    const server = await FaktoryServer.start({ taskInterval: 0 });
    const client = await Client.connect(server.url);
    const mgr = new Manager({
      url: server.url,
      concurrency: 3,
      handleSignals: false,
      reconnect: { initial: 10, max: 50 },
      logger: captureLogger(),
    });
    const ran = new Set<string>();
    mgr.register("Work", async (ctx) => {
      await pause(5);
      ran.add(ctx.jid);
    });
    const running = mgr.run();
    await until(() => server.workers().length === 1);
    const pushed: string[] = [];
    const push = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const job = createJob("Work", [i]);
        pushed.push(job.jid);
        await client.push(job);
      }
    };
    await push(6);
    await until(() => ran.size >= 2);
    if (fault) server.fault(fault);
    // Jobs keep coming while the worker stops.
    const stopping = mgr.stop();
    await Promise.all([push(6), stopping]);
    await running;
    await push(2);
    // Results are all in: nothing is reserved, and every job ran or waits.
    const queued = new Set(server.queue("default").map((j) => j.jid));
    assert.deepEqual(server.busy(), [], "no reservation is left");
    for (const jid of pushed) {
      assert.ok(
        ran.has(jid) !== queued.has(jid),
        `${jid} ran (${ran.has(jid)}) or is queued (${queued.has(jid)}), once`,
      );
    }
    assert.deepEqual(server.retries(), [], "nothing was FAILed");
    await client.close();
    await server.stop();
  });
}
