// Worker code paths beyond the happy path: reservation expiry, the server's terminate while jobs
// run, listeners that throw or reject, execute() with a client, and the one-listener wake-up.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Client,
  createJob,
  type JobContext,
  LocalProtocolError,
  Manager,
  ReservationExpiredError,
} from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { Emitter } from "../worker/_emitter.ts";
import { Jobs } from "../worker/_jobs.ts";
import { Reconnect, Wakeup } from "../worker/_reconnect.ts";
import { Registry } from "../worker/_registry.ts";
import { Results } from "../worker/_results.ts";
import { Progress } from "../worker/_progress.ts";
import { Slots } from "../worker/_slots.ts";
import { captureLogger, rig, seeded, until } from "./_manager_util.ts";

function runner(
  registry: Registry,
  lend: <T>(fn: (client: Client) => Promise<T> | T) => Promise<T> = () =>
    Promise.reject(new Error("no client here")),
) {
  const logger = captureLogger();
  const results = new Results({
    logger,
    flushDelay: 1,
    retry: { initial: 1, max: 1 },
    random: seeded(1),
  });
  const slots = new Slots(2);
  const jobs = new Jobs({
    registry,
    results,
    slots,
    events: new Emitter(() => logger),
    logger,
    progress: new Progress(logger),
    with: lend,
  });
  return { jobs, results, slots, logger };
}

test("A job that outlives its reservation has ctx.signal aborted with ReservationExpiredError", async () => {
  const registry = new Registry();
  let reason: unknown;
  let deadline: Date | undefined;
  registry.register(
    "Long",
    (ctx: JobContext) =>
      new Promise<void>((resolve) => {
        deadline = ctx.deadline;
        ctx.signal.addEventListener("abort", () => {
          reason = ctx.signal.reason;
          resolve();
        });
      }),
  );
  registry.register(
    "Fresh",
    (ctx: JobContext) =>
      new Promise<void>((resolve) =>
        setTimeout(() => {
          reason ??= ctx.signal.aborted ? "fresh job aborted" : undefined;
          resolve();
        }, 60)
      ),
  );
  const { jobs, results, slots, logger } = runner(registry);
  const reserved = createJob("Long", [], { reserveFor: 60 });
  // Fetched 61 s ago: its 60 s reservation has expired.
  await slots.acquire();
  jobs.start(reserved, Date.now() - 61_000);
  await slots.acquire();
  jobs.start(createJob("Fresh", [], { reserveFor: 60 }), Date.now());
  assert.equal(deadline!.getTime() < Date.now(), true);
  jobs.watchDeadlines(5);
  await until(() => jobs.size === 0, 2000, "both jobs settled");
  jobs.stop();
  assert.ok(reason instanceof ReservationExpiredError, String(reason));
  assert.match((reason as Error).message, new RegExp(reserved.jid));
  assert.ok(
    logger.lines.some((l) =>
      l.level === "warn" && /reservation expired/.test(l.message) &&
      l.fields?.jid === reserved.jid
    ),
  );
  assert.equal(slots.free, 2, "both slots released");
  assert.equal(results.outstanding, 2, "both results queued");
  results.stop();
});

test("ctx.trackProgress with reserveUntil moves ctx.deadline, and the signal is not aborted before it", async () => {
  const registry = new Registry();
  const sent: unknown[] = [];
  const fakeClient = {
    trackSet: (payload: unknown) => void sent.push(payload),
  } as unknown as Client;
  const until2h = new Date(Date.now() + 2 * 3_600_000);
  let before: number | undefined;
  let after: number | undefined;
  let extended = false;
  let aborted: unknown;
  let finish!: () => void;
  registry.register("Long", async (ctx: JobContext) => {
    before = ctx.deadline.getTime();
    await ctx.trackProgress(10, "slow", { reserveUntil: until2h });
    after = ctx.deadline.getTime();
    extended = true;
    ctx.signal.addEventListener("abort", () => aborted = ctx.signal.reason);
    await new Promise<void>((r) => finish = r);
  });
  const { jobs, results, slots } = runner(
    registry,
    async (fn) => await fn(fakeClient),
  );
  await slots.acquire();
  jobs.start(createJob("Long", [], { reserveFor: 60 }), Date.now());
  await until(() => extended, 2000, "progress reported");
  assert.deepEqual(sent, [{
    jid: (sent[0] as { jid: string }).jid,
    percent: 10,
    desc: "slow",
    reserve_until: until2h.toISOString(),
  }]);
  assert.ok(before! < Date.now() + 61_000);
  assert.equal(after, until2h.getTime());
  jobs.sweep(Date.now() + 120_000); // past the first reservation of 60 s
  assert.equal(aborted, undefined);
  jobs.sweep(until2h.getTime() + 1);
  assert.ok((aborted as unknown) instanceof ReservationExpiredError);
  finish();
  await until(() => jobs.size === 0, 2000, "job settled");
  results.stop();
});

test("A job failed at the shutdown timeout is never ACKed when its handler returns later", async () => {
  const registry = new Registry();
  let finish!: () => void;
  registry.register("Hang", () => new Promise<void>((r) => (finish = r)));
  const { jobs, results } = runner(registry);
  const job = createJob("Hang", []);
  jobs.start(job, Date.now());
  await until(() => finish !== undefined, 1000, "handler started");
  const failed = jobs.failUnfinished(false, 100);
  assert.deepEqual(failed.map((e) => e.job.jid), [job.jid]);
  assert.ok(failed[0]!.abort.aborted);
  finish();
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(results.outstanding, 1, "one result: the FAIL");
  assert.deepEqual(results.undelivered(), [job.jid]);
  results.stop();
});

test("A job fetched after shutdown failed the running jobs is FAILed without running, and frees its slot", async () => {
  const registry = new Registry();
  let ran = 0;
  registry.register("Late", () => void ran++);
  const { jobs, results, slots } = runner(registry);
  assert.deepEqual(jobs.failUnfinished(true, 100), []);
  const job = createJob("Late", []);
  assert.ok(await slots.acquire());
  jobs.start(job, Date.now()); // a FETCH under way brought it
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(ran, 0);
  assert.equal(slots.free, 2);
  const left = results.unconfirmed();
  assert.deepEqual(left.failed, [job.jid]);
  assert.deepEqual(left.acked, []);
  results.stop();
});

test("Results says which results the server confirmed, and which are unconfirmed or awaiting a reply", async () => {
  const logger = captureLogger();
  const replies: (() => void)[] = [];
  const conn = {
    closed: false,
    state: "ready",
    request: (command: { type: string }) =>
      command.type === "ACK"
        ? Promise.resolve()
        : new Promise<void>((resolve) => replies.push(resolve)),
  };
  const results = new Results({
    logger,
    flushDelay: 1,
    retry: { initial: 1, max: 1 },
    random: seeded(1),
  });
  const record = results.record();
  results.push({ type: "ACK", jid: "0123456789ab" });
  results.push({
    type: "FAIL",
    payload: { jid: "0123456789ac", errtype: "E", message: "m", backtrace: [] },
  });
  assert.deepEqual(results.unconfirmed(), {
    acked: ["0123456789ab"],
    failed: ["0123456789ac"],
    awaitingReply: [],
  });
  results.sendAllOn(conn as never);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(record, { acked: ["0123456789ab"], failed: [] });
  assert.deepEqual(results.unconfirmed(), {
    acked: [],
    failed: ["0123456789ac"],
    awaitingReply: ["0123456789ac"],
  });
  replies[0]!();
  await results.idle();
  assert.deepEqual(record, {
    acked: ["0123456789ab"],
    failed: ["0123456789ac"],
  });
  results.stop();
});

test("Manager finishes running jobs and delivers their results when the server asks it to terminate", async () => {
  const r = await rig({ concurrency: 2, shutdownTimeout: 5000 });
  let release!: () => void;
  const gate = new Promise<void>((res) => (release = res));
  let started = 0;
  r.manager.register("Gated", async () => {
    started++;
    await gate;
  });
  const reasons: string[] = [];
  r.manager.on("shutdown", ({ reason }) => void reasons.push(reason));
  const running = r.manager.run();
  await r.client.pushBulk([createJob("Gated", []), createJob("Gated", [])]);
  await until(() => started === 2, 5000, "both jobs started");
  r.server.terminate(r.manager.wid);
  await until(() => r.manager.state === "stopping", 2000, "stopping");
  assert.equal(r.manager.busy, 2, "jobs keep running during shutdown");
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(r.server.commands("ACK"), 0);
  release();
  await running;
  assert.deepEqual(reasons, ["server"]);
  assert.equal(r.server.commands("ACK"), 2);
  assert.equal(r.server.busy().length, 0, "both results delivered");
  assert.equal(r.server.retries().length, 0, "nothing was failed");
  assert.equal(r.manager.state, "stopped");
  await r.close();
});

test("Manager.quiet() before run() does nothing, and a quiet manager still shuts down", async () => {
  const r = await rig();
  r.manager.register("X", () => {});
  r.manager.quiet();
  assert.equal(r.manager.state, "idle");
  const running = r.manager.run();
  await until(() => r.server.workers().length === 1, 5000, "HELLO");
  r.manager.quiet();
  assert.equal(r.manager.state, "quiet");
  await r.manager.stop();
  await running;
  assert.equal(r.manager.state, "stopped");
  r.manager.quiet();
  assert.equal(r.manager.state, "stopped", "quiet after stop changes nothing");
  await r.close();
});

test("Manager logs listeners that throw or reject, for lifecycle events too, and carries on", async () => {
  const r = await rig();
  const seen: string[] = [];
  r.manager.on("startup", () => {
    throw new Error("startup listener bug");
  });
  r.manager.on("job:success", () => Promise.reject(new Error("async bug")));
  r.manager.on("job:success", () => void seen.push("success"));
  r.manager.on("shutdown", () => {
    throw new Error("shutdown listener bug");
  });
  r.manager.register("Ok", () => {});
  const running = r.manager.run();
  await r.client.push("Ok", []);
  await until(() => seen.length === 1, 5000, "job:success");
  await r.close();
  await running;
  const warned = r.logger.lines.filter((l) =>
    l.level === "warn" && /listener threw/.test(l.message)
  ).map((l) => l.message).sort();
  assert.deepEqual(warned, [
    "A job:success listener threw",
    "A shutdown listener threw",
    "A startup listener threw",
  ]);
  assert.equal(r.server.commands("ACK"), 1);
});

test("Manager.execute() lends the given client to ctx.with, and fails ctx.with without one", async () => {
  const server = await FaktoryServer.start();
  const client = await Client.connect(server.url);
  const mgr = new Manager({ handleSignals: false, logger: captureLogger() });
  mgr.register("Chain", async (ctx: JobContext, next: string) => {
    await ctx.with((c) => c.push(next, []));
  });
  const ok = await mgr.execute(createJob("Chain", ["Next"]), { client });
  assert.equal(ok.ok, true);
  assert.equal(server.queue("default").length, 1);
  assert.equal(server.queue("default")[0]!.jobtype, "Next");
  const without = await mgr.execute(createJob("Chain", ["Next"]));
  assert.equal(without.ok, false);
  assert.ok(!without.ok && without.error instanceof LocalProtocolError);
  const aborted = new AbortController();
  aborted.abort(new Error("cancelled"));
  let sawAbort = false;
  mgr.register(
    "Sig",
    (ctx: JobContext) => void (sawAbort = ctx.signal.aborted),
  );
  await mgr.execute(createJob("Sig", []), { signal: aborted.signal });
  assert.equal(sawAbort, true, "the caller's signal reaches ctx.signal");
  await client.close();
  await server.stop();
});

test("Wakeup wakes many sleepers through one listener on the shared signal", async () => {
  const controller = new AbortController();
  let listeners = 0;
  const add = controller.signal.addEventListener.bind(controller.signal);
  controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
    listeners++;
    return add(...args);
  }) as typeof add;
  const wake = new Wakeup(controller.signal);
  const sleepers = Array.from({ length: 50 }, () => wake.sleep(60_000));
  const scoped = wake.scoped((signal) =>
    new Promise<unknown>((resolve) =>
      signal.addEventListener("abort", () => resolve(signal.reason))
    )
  );
  assert.equal(wake.waiting, 51);
  assert.equal(listeners, 1);
  controller.abort(new Error("stop"));
  await Promise.all(sleepers);
  assert.match(String(await scoped), /stop/);
  assert.equal(wake.waiting, 0);
  await wake.sleep(60_000); // already aborted: returns at once
});

test("Reconnect.pause() backs off, then waits until the server is reachable", async () => {
  const reconnect = new Reconnect({ initial: 10, max: 40 }, seeded(3));
  const wake = new Wakeup(new AbortController().signal);
  let resumed = false;
  const started = Date.now();
  const paused = reconnect.pause(1, wake, true).then(() => (resumed = true));
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(resumed, false, "still offline");
  reconnect.setOnline();
  await paused;
  assert.ok(Date.now() - started >= 60);
  await reconnect.pause(0, wake, true); // no failure yet: no wait at all
  const opened = await reconnect.open(
    (() => {
      let n = 0;
      return () =>
        ++n < 3 ? Promise.reject(new Error(`try ${n}`)) : Promise.resolve("ok");
    })(),
    {
      failures: 0,
      wake,
      untilOnline: true,
      alive: () => true,
      failed: () => {},
    },
  );
  assert.deepEqual(opened, { value: "ok", failures: 2 });
});

test("A job's abort signal is made only when asked for, and is aborted whenever it is asked", async () => {
  const { JobAbort } = await import("../worker/context.ts");
  const early = new JobAbort();
  const signal = early.signal();
  early.abort(new Error("stop"));
  assert.equal(signal.aborted, true);
  assert.equal((signal.reason as Error).message, "stop");
  const late = new JobAbort();
  late.abort("late");
  late.abort("again"); // once
  assert.equal(late.aborted, true);
  assert.equal(late.signal().aborted, true);
  assert.equal(late.signal().reason, "late");
});
