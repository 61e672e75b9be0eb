// What the Manager does when the server misbehaves: restarts, refuses connections, drops a
// connection mid-reply, answers garbage or slowly, or forgets the worker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client, createJob, type JobContext } from "../mod.ts";
import { rig, until } from "./_manager_util.ts";

test("Manager survives a server restart mid-job: the result is delivered after reconnecting, no reservation is left", async () => {
  const r = await rig({ concurrency: 2 });
  let release!: () => void;
  const gate = new Promise<void>((res) => (release = res));
  let runs = 0;
  r.manager.register("Gated", async () => {
    runs++;
    await gate;
  });
  const events: string[] = [];
  r.manager.on("connection:lost", () => void events.push("lost"));
  r.manager.on("connection:restored", () => void events.push("restored"));
  void r.manager.run();
  const job = createJob("Gated", []);
  await r.client.push(job);
  await until(() => runs === 1);
  r.server.restart(); // drops every connection and forgets the worker
  await new Promise((res) => setTimeout(res, 50));
  release();
  await until(() => r.server.busy().length === 0, 5000, "reservation cleared");
  await until(
    () => r.server.workers().length === 1,
    5000,
    "worker said HELLO again",
  );
  assert.equal(runs, 1, "the job ran once");
  assert.deepEqual(events, ["lost", "restored"]);
  assert.equal(
    r.logger.lines.filter((l) =>
      l.level === "warn" && /unreachable/.test(l.message)
    ).length,
    1,
  );
  // Work goes on after the restart (the test's own client was dropped too).
  const client = await Client.connect(r.server.url);
  await client.push("Gated", []);
  await until(() => runs === 2 && r.server.busy().length === 0);
  await client.close();
  await r.close();
});

test("Manager keeps running jobs while the server is down, backs off without log floods, and delivers results when it is back", async () => {
  const r = await rig({ concurrency: 4, reconnect: { initial: 10, max: 100 } });
  let release!: () => void;
  const gate = new Promise<void>((res) => (release = res));
  let finished = 0;
  r.manager.register("Gated", async () => {
    await gate;
    finished++;
  });
  void r.manager.run();
  await r.client.pushBulk([
    createJob("Gated", []),
    createJob("Gated", []),
    createJob("Gated", []),
  ]);
  await until(() => r.server.busy().length === 3);
  await r.server.stop(); // connections refused from now on
  release();
  await until(() => finished === 3);
  await new Promise((res) => setTimeout(res, 600)); // many backoff rounds while down
  const warnings = r.logger.lines.filter((l) =>
    l.level === "warn" && /unreachable/.test(l.message)
  );
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.equal(
    r.server.busy().length,
    3,
    "results cannot reach a stopped server",
  );
  await r.server.start(); // same port, data kept
  await until(
    () => r.server.busy().length === 0,
    5000,
    "results delivered after the restart",
  );
  assert.equal(r.server.commands("ACK") >= 3, true);
  assert.equal(
    r.logger.lines.filter((l) => /restored/.test(l.message)).length,
    1,
  );
  await r.close();
});

for (const action of ["cut-reply", "close-after", "close"] as const) {
  test(`Manager resends an ACK whose connection dropped (${action}) and leaves no reservation`, async () => {
    const r = await rig({ concurrency: 1 });
    let runs = 0;
    r.manager.register("Once", () => void runs++);
    r.server.fault({ action, verb: "ACK" });
    void r.manager.run();
    await r.client.push("Once", []);
    await until(
      () => runs === 1 && r.server.busy().length === 0,
      5000,
      "ACK delivered",
    );
    await until(
      () => r.server.commands("ACK") >= 2,
      5000,
      "the ACK was sent again",
    );
    assert.equal(runs, 1);
    await r.close();
  });
}

test("Manager recovers from a garbage reply to FETCH", async () => {
  const r = await rig({ concurrency: 1 });
  const seen: number[] = [];
  r.manager.register("N", (_ctx: JobContext, n: number) => void seen.push(n));
  r.server.fault({ action: "garbage", verb: "FETCH" });
  void r.manager.run();
  await until(
    () => r.server.commands("FETCH") >= 2,
    5000,
    "a second FETCH after the garbage",
  );
  for (let i = 0; i < 5; i++) await r.client.push("N", [i]);
  await until(() => seen.length === 5);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  await r.close();
});

test("Manager keeps working with slow replies", async () => {
  const r = await rig({ concurrency: 3 });
  let done = 0;
  r.manager.register("N", () => void done++);
  r.server.fault({ action: "delay", ms: 150, times: 20 });
  void r.manager.run();
  await r.client.pushBulk(Array.from({ length: 10 }, () => createJob("N", [])));
  await until(() => done === 10 && r.server.busy().length === 0, 10_000);
  await r.close();
});

test("Manager says HELLO again when the server forgot it (unknown worker) and carries on", async () => {
  const r = await rig({ concurrency: 1 }, { heartbeatTimeout: 1 });
  let done = 0;
  r.manager.register("N", () => void done++);
  void r.manager.run();
  // Both connections said HELLO (the fetcher's comes before its FETCH, the
  // control connection's before its BEAT): a HELLO after the reap would make
  // the server know the worker again.
  await until(() =>
    r.server.workers().length === 1 && r.server.commands("FETCH") >= 1 &&
    r.server.commands("BEAT") >= 1
  );
  await new Promise((res) => setTimeout(res, 5));
  r.server.runTasks(); // reaps the worker: its next BEAT gets "unknown worker"
  assert.equal(r.server.workers().length, 0);
  await until(
    () =>
      r.logger.lines.some((l) => /no longer knows this worker/.test(l.message)),
    3000,
    "re-HELLO",
  );
  await until(() => r.server.workers().length === 1, 3000, "known again");
  assert.equal(
    r.logger.lines.filter((l) => /unreachable/.test(l.message)).length,
    0,
    "a re-HELLO is not an outage",
  );
  await r.client.push("N", []);
  await until(() => done === 1 && r.server.busy().length === 0);
  assert.equal(r.manager.state, "running");
  await r.close();
});

test("Manager socket count is bounded and follows demand, not concurrency", async () => {
  const r = await rig({ concurrency: 100 });
  let done = 0;
  let peakSockets = 0;
  r.manager.register("N", async () => {
    peakSockets = Math.max(peakSockets, r.manager.sockets);
    await new Promise((res) => setTimeout(res, 2));
    done++;
  });
  void r.manager.run();
  for (let i = 0; i < 2000; i += 500) {
    await r.client.pushBulk(
      Array.from({ length: 500 }, () => createJob("N", [])),
    );
  }
  await until(() => done === 2000, 20_000);
  assert.ok(
    r.manager.peakFetchers <= 15,
    `peak fetchers ${r.manager.peakFetchers}`,
  );
  // Control + at most maxFetchers (15); no ctx.with here, so no pool socket.
  assert.ok(peakSockets <= 16, `peak sockets ${peakSockets}`);
  // Once the queue is empty, fetchers retire down to one: an idle worker holds 2 sockets.
  await until(() => r.manager.sockets === 2, 5000, "idle socket count of 2");
  await r.close();
});

// A garbage reply (not RESP) ends the connection while the server may still run the FETCH
// sent with the ACK: fetch_pipelining.test.ts shows that job coming back after its reservation.
for (const action of ["cut-reply", "close-after"] as const) {
  test(`A bad reply to ACK (${action}) strands no job: every job runs and no reservation is left`, async () => {
    const r = await rig({ concurrency: 3 });
    const seen = new Set<string>();
    r.manager.register("N", (ctx: JobContext) => void seen.add(ctx.jid));
    r.server.fault({ action, verb: "ACK", after: 2, times: 15 });
    void r.manager.run();
    await r.client.pushBulk(
      Array.from({ length: 60 }, () => createJob("N", [])),
    );
    await until(
      () => seen.size === 60 && r.server.busy().length === 0,
      10_000,
      `all 60 jobs run and acknowledged (ran ${seen.size}, reserved ${r.server.busy().length})`,
    );
    await r.close();
  });
}

test("An -ERR reply to ACK (shutdown in progress, a storage error) is not final: the ACK is sent again, with backoff", async () => {
  const r = await rig({ concurrency: 1 });
  let runs = 0;
  r.manager.register("Once", () => void runs++);
  r.server.fault({
    action: "error",
    verb: "ACK",
    times: 1000,
    message: "READONLY You can't write against a read only replica.",
  });
  void r.manager.run();
  await r.client.push("Once", []);
  await until(() => runs === 1 && r.server.commands("ACK") >= 2);
  await new Promise((res) => setTimeout(res, 500));
  const attempts = r.server.commands("ACK");
  // 50 ms doubling to 2 s: a handful of attempts in half a second, not a spin.
  assert.ok(attempts >= 3 && attempts <= 8, `${attempts} ACK attempts`);
  assert.equal(r.server.busy().length, 1, "still reserved while refused");
  r.server.clearFaults();
  await until(() => r.server.busy().length === 0, 5000, "ACK delivered");
  assert.equal(runs, 1);
  assert.equal(
    r.logger.lines.filter((l) =>
      /not confirmed/.test(l.message) && l.level === "warn"
    ).length,
    1,
    "one warning for the streak",
  );
  await r.close();
});

test("A FAIL answered 'Job not found' is final; other -ERR replies to FAIL are retried", async () => {
  const r = await rig({ concurrency: 1 });
  r.manager.register("Boom", () => {
    throw new Error("boom");
  });
  r.server.fault({
    action: "error",
    verb: "FAIL",
    times: 2,
    message: "shutdown in progress",
  });
  void r.manager.run();
  await r.client.push(createJob("Boom", [], { retry: 0 }));
  await until(
    () => r.server.commands("FAIL") >= 3,
    5000,
    "FAIL sent a third time",
  );
  await until(() => r.server.busy().length === 0, 5000, "FAIL delivered");
  r.server.fault({
    action: "error",
    verb: "FAIL",
    times: 1,
    message: "Job not found 0123456789ab",
  });
  await r.client.push(createJob("Boom", [], { retry: 0 }));
  await until(() => r.server.commands("FAIL") >= 4);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(r.server.commands("FAIL"), 4, "Job not found ends the result");
  await r.close();
});

test("A server restart under load (shutdown in progress, then close) loses no result: every job ran once, no reservation is left", async () => {
  const r = await rig({ concurrency: 20 });
  const runs = new Map<string, number>();
  r.manager.register("Short", async (ctx: JobContext) => {
    runs.set(ctx.jid, (runs.get(ctx.jid) ?? 0) + 1);
    await new Promise((res) => setTimeout(res, 2));
  });
  const total = 1500;
  await r.client.pushBulk(
    Array.from({ length: total }, () => createJob("Short", [])),
  );
  void r.manager.run();
  await until(() => runs.size >= total / 3, 10_000, "a third of the jobs ran");
  await r.server.restart(); // -ERR shutdown in progress to the next command on each connection
  await until(() => runs.size === total, 20_000, "every job ran");
  await until(
    () => r.server.busy().length === 0,
    5000,
    "every result delivered",
  );
  assert.equal([...runs.values()].filter((n) => n > 1).length, 0);
  assert.ok(r.server.commands("ACK") >= total);
  await r.close();
});
