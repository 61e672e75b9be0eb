import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createJob,
  defineJob,
  type JobContext,
  Manager,
  ShutdownTimeoutError,
} from "../mod.ts";
import { rig, until } from "./_manager_util.ts";

test("Manager runs registered jobs with their args and ACKs them", async () => {
  const r = await rig();
  const seen: unknown[] = [];
  let context: JobContext | undefined;
  r.manager.register("Add", (ctx: JobContext, a: number, b: number) => {
    context = ctx;
    seen.push(a + b);
  });
  const running = r.manager.run();
  const job = createJob("Add", [2, 3], {
    custom: { bid: "b-1", _bid: "cb-1" },
    reserveFor: 120,
  });
  await r.client.push(job);
  await until(() => seen.length === 1);
  assert.deepEqual(seen, [5]);
  assert.equal(context!.jid, job.jid);
  assert.equal(context!.jobType, "Add");
  assert.deepEqual(context!.args, [2, 3]);
  assert.equal(context!.queue, "default");
  assert.equal(context!.bid, "b-1");
  assert.equal(context!.callbackBid, "cb-1");
  assert.equal(context!.retryCount, 0);
  assert.equal(context!.signal.aborted, false);
  assert.ok(
    Math.abs(context!.deadline.getTime() - (Date.now() + 120_000)) < 5_000,
  );
  await until(
    () => r.server.busy().length === 0 && r.server.commands("ACK") === 1,
    5000,
    "ACK",
  );
  assert.equal(r.manager.state, "running");
  await r.close();
  await running;
  assert.equal(r.manager.state, "stopped");
});

test("Manager FAILs a throwing job with errtype, message and backtrace", async () => {
  const r = await rig();
  r.manager.register("Boom", () => {
    throw new RangeError("out of range");
  });
  r.manager.register("Plain", () => Promise.reject("just a string"));
  void r.manager.run();
  await r.client.push("Boom", [], { retry: 3 });
  await r.client.push("Plain", [], { retry: 3 });
  await until(() => r.server.retries().length === 2);
  const failures = Object.fromEntries(
    r.server.retries().map((
      j,
    ) => [
      j.jobtype,
      j.failure as { errtype: string; message: string; backtrace: string[] },
    ]),
  );
  assert.equal(failures.Boom!.errtype, "RangeError");
  assert.equal(failures.Boom!.message, "out of range");
  assert.ok(
    failures.Boom!.backtrace.length > 0 &&
      failures.Boom!.backtrace.length <= 50,
  );
  assert.equal(failures.Plain!.errtype, "string");
  assert.equal(failures.Plain!.message, "just a string");
  await r.close();
});

test("Manager FAILs a job with no handler once, as UnknownJobTypeError, without a hot loop", async () => {
  const r = await rig();
  void r.manager.run();
  await r.client.push("Nobody", [1], { retry: 5 });
  await until(() => r.server.retries().length === 1);
  const [retry] = r.server.retries();
  assert.equal(
    (retry!.failure as { errtype: string }).errtype,
    "UnknownJobTypeError",
  );
  assert.match(
    (retry!.failure as { message: string }).message,
    /No handler is registered for job type "Nobody"/,
  );
  await new Promise((res) => setTimeout(res, 200));
  assert.equal(r.server.commands("FAIL"), 1);
  await r.close();
});

test("Manager never runs more than concurrency jobs, and never holds a job it cannot start", async () => {
  const r = await rig({ concurrency: 3 });
  let active = 0;
  let peak = 0;
  let reservedPeak = 0;
  let done = 0;
  r.manager.register("Slow", async () => {
    peak = Math.max(peak, ++active);
    reservedPeak = Math.max(reservedPeak, r.server.busy().length);
    await new Promise((res) => setTimeout(res, 20));
    active--;
    done++;
  });
  void r.manager.run();
  await r.client.pushBulk(
    Array.from({ length: 30 }, () => createJob("Slow", [])),
  );
  await until(() => done === 30);
  assert.equal(peak, 3);
  assert.ok(reservedPeak <= 3, `server had ${reservedPeak} jobs reserved`);
  assert.ok(r.manager.peakFetchers <= 3);
  await r.close();
});

test("Manager fetches strict priority queues in order", async () => {
  const r = await rig({ concurrency: 1 });
  const order: string[] = [];
  r.manager.register("Q", (ctx: JobContext) => void order.push(ctx.queue));
  r.manager.processStrictPriorityQueues("critical", "default", "bulk");
  for (const q of ["bulk", "default", "critical", "bulk", "critical"]) {
    await r.client.push("Q", [], { queue: q });
  }
  void r.manager.run();
  await until(() => order.length === 5);
  assert.deepEqual(order, ["critical", "critical", "default", "bulk", "bulk"]);
  await r.close();
});

test("Manager with weighted queues serves every queue", async () => {
  const r = await rig({ concurrency: 1 });
  const order: string[] = [];
  r.manager.register("Q", (ctx: JobContext) => void order.push(ctx.queue));
  r.manager.processWeightedPriorityQueues({ heavy: 9, light: 1 });
  for (let i = 0; i < 20; i++) {
    await r.client.push("Q", [], { queue: i % 2 ? "heavy" : "light" });
  }
  void r.manager.run();
  await until(() => order.length === 20);
  assert.equal(order.filter((q) => q === "light").length, 10);
  // Weighting shows in the order: heavy jobs mostly come first.
  assert.ok(
    order.slice(0, 10).filter((q) => q === "heavy").length >= 6,
    order.join(","),
  );
  await r.close();
});

test("Manager middleware wraps jobs in registration order and can skip or fail them", async () => {
  const r = await rig({ concurrency: 1 });
  const trace: string[] = [];
  r.manager.use(async (ctx, next) => {
    trace.push(`outer>${ctx.jobType}`);
    await next();
    trace.push(`outer<${ctx.jobType}`);
  });
  r.manager.use(async (ctx, next) => {
    if (ctx.jobType === "Skip") return; // not calling next: skipped and ACKed
    if (ctx.jobType === "Veto") throw new Error("vetoed by middleware");
    trace.push(`inner>${ctx.jobType}`);
    await next();
  });
  r.manager.register("Run", () => void trace.push("handler"));
  r.manager.register("Skip", () => void trace.push("never"));
  r.manager.register("Veto", () => void trace.push("never"));
  void r.manager.run();
  for (const t of ["Run", "Skip", "Veto"]) {
    await r.client.push(t, [], { retry: 1 });
  }
  await until(() => r.server.commands("ACK") + r.server.commands("FAIL") === 3);
  assert.deepEqual(trace, [
    "outer>Run",
    "inner>Run",
    "handler",
    "outer<Run",
    "outer>Skip",
    "outer<Skip",
    "outer>Veto",
  ]);
  assert.equal(
    (r.server.retries()[0]!.failure as { message: string }).message,
    "vetoed by middleware",
  );
  await r.close();
});

test("Manager emits lifecycle and job events, and a throwing listener does not break the worker", async () => {
  const r = await rig();
  const events: string[] = [];
  r.manager.on(
    "startup",
    ({ wid }) => void events.push(`startup:${wid === r.manager.wid}`),
  );
  r.manager.on("job:start", () => void events.push("job:start"));
  r.manager.on("job:start", () => {
    throw new Error("listener bug");
  });
  r.manager.on(
    "job:success",
    ({ durationMs }) => void events.push(`job:success:${durationMs >= 0}`),
  );
  r.manager.on(
    "job:failure",
    ({ error }) => void events.push(`job:failure:${(error as Error).message}`),
  );
  const off = r.manager.on("quiet", () => void events.push("quiet"));
  off();
  r.manager.on(
    "shutdown",
    ({ reason }) => void events.push(`shutdown:${reason}`),
  );
  r.manager.register("Ok", () => {});
  r.manager.register("Bad", () => {
    throw new Error("bad");
  });
  void r.manager.run();
  await r.client.push("Ok", []);
  await until(() => events.includes("job:success:true"));
  await r.client.push("Bad", []);
  await until(() => events.includes("job:failure:bad"));
  r.manager.quiet();
  await r.close();
  assert.deepEqual(events, [
    "startup:true",
    "job:start",
    "job:success:true",
    "job:start",
    "job:failure:bad",
    "shutdown:api",
  ]);
  assert.ok(
    r.logger.lines.some((l) =>
      l.level === "warn" && /job:start listener threw/.test(l.message)
    ),
  );
});

test("Manager.quiet() stops fetching, lets running jobs finish, and keeps beating as quiet", async () => {
  const r = await rig({ concurrency: 2 });
  let release!: () => void;
  const gate = new Promise<void>((res) => (release = res));
  let started = 0;
  r.manager.register("Wait", async () => {
    started++;
    await gate;
  });
  void r.manager.run();
  await r.client.push("Wait", []);
  await until(() => started === 1);
  r.manager.quiet();
  r.manager.quiet();
  assert.equal(r.manager.state, "quiet");
  // A FETCH already waiting on the server may still bring a job (it then runs);
  // once that returns (fetchTimeout 100 ms here), nothing more is fetched.
  await new Promise((res) => setTimeout(res, 250));
  await r.client.push("Wait", []);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(started, 1, "no job is fetched while quiet");
  assert.equal(r.server.queue("default").length, 1);
  await until(
    () => r.server.workers()[0]?.currentState === "quiet",
    2000,
    "quiet heartbeat",
  );
  release();
  await until(() => r.server.busy().length === 0);
  await r.close();
});

test("Manager goes quiet and terminates when the server asks through BEAT", async () => {
  const r = await rig();
  r.manager.register("T", () => {});
  const running = r.manager.run();
  await until(() => r.server.workers().length === 1);
  const reasons: string[] = [];
  r.manager.on("quiet", ({ reason }) => void reasons.push(`quiet:${reason}`));
  r.manager.on(
    "shutdown",
    ({ reason }) => void reasons.push(`shutdown:${reason}`),
  );
  r.server.quiet(r.manager.wid);
  await until(() => r.manager.state === "quiet", 2000, "quiet");
  r.server.terminate(r.manager.wid);
  await running;
  assert.deepEqual(reasons, ["quiet:server", "shutdown:server"]);
  assert.ok(r.server.workers()[0]!.rssKb! > 0, "heartbeats report rss_kb");
  await r.close();
});

test("Manager.stop() fails unfinished jobs after the timeout, aborts their signal, and never ACKs them later", async () => {
  const r = await rig({ shutdownTimeout: 200 });
  let signal: AbortSignal | undefined;
  let finishLate!: () => void;
  r.manager.register("Hang", (ctx: JobContext) => {
    signal = ctx.signal;
    return new Promise<void>((res) => (finishLate = res));
  });
  r.manager.register("Never", () => new Promise(() => {}));
  const running = r.manager.run();
  await r.client.push("Hang", [], { retry: 2 });
  await r.client.push("Never", [], { retry: 2 });
  await until(() => r.server.busy().length === 2);
  const started = Date.now();
  const [a, b] = [r.manager.stop(), r.manager.stop()];
  assert.equal(a, b);
  await a;
  await running;
  assert.ok(
    Date.now() - started < 3000,
    `stop took ${Date.now() - started} ms`,
  );
  assert.ok(signal?.aborted);
  assert.ok(signal?.reason instanceof ShutdownTimeoutError);
  assert.equal(r.server.busy().length, 0, "no reservation is left behind");
  const failures = r.server.retries().map((j) =>
    (j.failure as { errtype: string }).errtype
  );
  assert.deepEqual(failures, ["ShutdownTimeoutError", "ShutdownTimeoutError"]);
  finishLate();
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(r.server.commands("ACK"), 0);
  assert.equal(r.server.connections, 1, "only the test's own client is left");
  await r.close();
});

test("Manager.run() rejects on a wrong password instead of retrying forever", async () => {
  const r = await rig({}, { password: "right" });
  const m = new Manager({
    url: r.server.url.replace("right", "wrong"),
    handleSignals: false,
    logger: r.logger,
  });
  await assert.rejects(m.run(), { name: "AuthenticationError" });
  assert.equal(m.state, "stopped");
  await r.close();
});

test("Manager validates its options", () => {
  assert.throws(() => new Manager({ concurrency: 0 }), RangeError);
  assert.throws(() => new Manager({ concurrency: 1.5 }), RangeError);
  assert.throws(() => new Manager({ heartbeatInterval: 61_000 }), RangeError);
  assert.throws(() => new Manager({ maxFetchers: 16 }), RangeError);
  assert.throws(() => new Manager().register("", () => {}), TypeError);
  assert.throws(() => new Manager().processStrictPriorityQueues(), RangeError);
  assert.throws(
    () => new Manager().processWeightedPriorityQueues({ a: 0 }),
    RangeError,
  );
});

test("Manager.register() accepts typed job definitions, and ctx.with() pushes from inside a job", async () => {
  const r = await rig();
  const Resize = defineJob<[url: string, width: number]>("Resize", {
    queue: "images",
  });
  const Done = defineJob<[url: string]>("Done");
  const done: string[] = [];
  r.manager.processStrictPriorityQueues("images", "default");
  r.manager.register(Resize, async (ctx, url, width) => {
    await ctx.with((client) => client.push(Done.create([`${url}@${width}`])));
  });
  r.manager.register(Done, (_ctx, url) => void done.push(url));
  void r.manager.run();
  await r.client.push(Resize.create(["a.png", 64]));
  await until(() => done.length === 1);
  assert.deepEqual(done, ["a.png@64"]);
  // Control + at most min(concurrency 5, maxFetchers 15) fetchers + the ctx.with pool.
  assert.ok(r.manager.sockets <= 1 + 5 + 1, `${r.manager.sockets} sockets`);
  await r.close();
});

test("Manager.execute() runs one job through middleware and handler without a server", async () => {
  const m = new Manager({ handleSignals: false });
  const calls: string[] = [];
  m.use(async (_ctx, next) => {
    calls.push("mw");
    await next();
  });
  m.register("Ok", (_ctx: JobContext, x: number) => void calls.push(`ok ${x}`));
  m.register("Bad", () => {
    throw new TypeError("nope");
  });
  assert.deepEqual((await m.execute(createJob("Ok", [7]))).ok, true);
  const bad = await m.execute(createJob("Bad", []));
  assert.equal(bad.ok, false);
  assert.equal(!bad.ok && bad.failure.errtype, "TypeError");
  const unknown = await m.execute(createJob("Missing", []));
  assert.equal(!unknown.ok && unknown.failure.errtype, "UnknownJobTypeError");
  // Middleware does not run for a job type without a handler.
  assert.deepEqual(calls, ["mw", "ok 7", "mw"]);
});
