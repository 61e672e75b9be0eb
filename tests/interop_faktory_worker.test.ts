// The embedded server against the Node reference client (the npm package
// faktory-worker): its producer, its worker and its handshake must work
// against FaktoryServer as they do against Faktory 1.8.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import faktory from "faktory-worker";
import { Client, type JobContext, Manager } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { captureLogger, until } from "./_manager_util.ts";

type ReferenceWorker = InstanceType<typeof faktory.Worker>;
type ReferenceOptions = ConstructorParameters<typeof faktory.Worker>[0];

const SIGNALS = ["SIGTERM", "SIGINT", "SIGTSTP"] as const;
const signalListeners = () => SIGNALS.map((s) => process.listenerCount(s));

/** A short sleep, only where a test must see that nothing happens. */
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a reference worker with fast heartbeats, collecting its errors (so
 * it does not print them) and the promise of its stop, whoever calls it.
 */
async function referenceWorker(
  options: ReferenceOptions,
  handlers: Record<string, (...args: unknown[]) => unknown>,
) {
  const worker = new faktory.Worker({
    concurrency: 2,
    beatInterval: 0.05,
    timeout: 5,
    ...options,
  });
  const errors: unknown[] = [];
  worker.on("error", (err: unknown) => errors.push(err));
  for (const [name, fn] of Object.entries(handlers)) worker.register(name, fn);
  const stop = worker.stop.bind(worker);
  let stopped: Promise<void> | undefined;
  worker.stop = () => (stopped ??= stop());
  await worker.work();
  return {
    worker,
    errors,
    get stopped() {
      return stopped;
    },
    stop: () => worker.stop(),
  };
}

test("faktory-worker's producer pushes jobs that our Manager runs and ACKs", async () => {
  const server = await FaktoryServer.start({
    host: "127.0.0.1",
    port: 0,
    fetchTimeout: 100,
    taskInterval: 0,
  });
  const producer = new faktory.Client({ url: server.url });
  const seen: unknown[][] = [];
  const manager = new Manager({
    url: server.url,
    queues: ["default", "interop"],
    heartbeatInterval: 50,
    handleSignals: false,
    logger: captureLogger(),
  });
  manager.register("Add", (_ctx: JobContext, ...args: unknown[]) => {
    seen.push(args);
  });
  const running = manager.run();
  try {
    const jid1 = await producer.job("Add", 2, 3, { n: [1] }).push();
    const jid2 = await producer.push({
      jobtype: "Add",
      args: ["x"],
      queue: "interop",
      custom: { from: "node" },
    });
    assert.equal(typeof jid1, "string");
    assert.notEqual(jid1, jid2);
    await until(() => server.commands("ACK") === 2, 5000, "two ACKs");
    assert.deepEqual(
      seen.sort((a, b) => a.length - b.length),
      [["x"], [2, 3, { n: [1] }]],
    );
    assert.deepEqual(server.busy(), []);
    assert.deepEqual(server.queues(), { default: 0, interop: 0 });
  } finally {
    await manager.stop();
    await running;
    await producer.close();
    await server.stop();
  }
});

test("faktory-worker's worker runs and ACKs jobs our Client pushes", async () => {
  const server = await FaktoryServer.start({
    host: "127.0.0.1",
    port: 0,
    fetchTimeout: 100,
    taskInterval: 0,
  });
  const client = await Client.connect(server.url);
  const before = signalListeners();
  const seen: unknown[][] = [];
  const ref = await referenceWorker({ url: server.url, queues: ["interop"] }, {
    Add: (...args: unknown[]) => void seen.push(args),
  });
  try {
    for (let i = 0; i < 5; i++) {
      await client.push("Add", [i, { i }], { queue: "interop" });
    }
    await until(() => server.commands("ACK") === 5, 5000, "five ACKs");
    assert.deepEqual(
      seen.sort((a, b) => (a[0] as number) - (b[0] as number)),
      [0, 1, 2, 3, 4].map((i) => [i, { i }]),
    );
    assert.deepEqual(server.busy(), []);
    const info = await client.info();
    assert.equal(info.faktory.total_processed, 5);
    assert.equal(info.faktory.total_failures, 0);
  } finally {
    await ref.stop();
    await client.close();
    await server.stop();
  }
  assert.deepEqual(ref.errors, []);
  assert.deepEqual(signalListeners(), before);
});

test("faktory-worker's FAIL lands in retries as it sends it, and the job runs again when due", async () => {
  let now = Date.parse("2030-01-01T00:00:00Z");
  const server = await FaktoryServer.start({
    host: "127.0.0.1",
    port: 0,
    fetchTimeout: 100,
    taskInterval: 0,
    now: () => now,
  });
  const client = await Client.connect(server.url);
  let runs = 0;
  let stack: string[] = [];
  const ref = await referenceWorker({ url: server.url, queues: ["interop"] }, {
    Flaky: () => {
      runs++;
      if (runs > 1) return;
      const err = Object.assign(new Error("kaboom"), { code: "EKABOOM" });
      stack = err.stack!.split("\n");
      throw err;
    },
  });
  try {
    const jid = await client.push("Flaky", [], { queue: "interop" });
    await until(() => server.retries().length === 1, 5000, "a retry");
    const [retried] = server.retries();
    assert.equal(retried!.created_at, "2030-01-01T00:00:00Z");
    assert.equal(retried!.jid, jid);
    const failure = retried!.failure as Record<string, unknown>;
    // Faktory 1.8 marshals its Failure struct in this order, with these names.
    assert.deepEqual(Object.keys(failure), [
      "retry_count",
      "remaining",
      "failed_at",
      "next_at",
      "message",
      "errtype",
      "backtrace",
    ]);
    assert.equal(failure.retry_count, 0);
    assert.equal(failure.remaining, 25);
    assert.equal(failure.message, "kaboom");
    assert.equal(failure.errtype, "EKABOOM");
    assert.deepEqual(failure.backtrace, stack.slice(0, 50));
    assert.equal(failure.failed_at, "2030-01-01T00:00:00Z");
    const due = Date.parse(String(failure.next_at)) - now;
    assert.ok(due >= 15_000 && due <= 44_000, `retry in ${due} ms`);
    assert.deepEqual(server.busy(), []);

    now += 44_000;
    server.runTasks();
    await until(() => server.commands("ACK") === 1, 5000, "the rerun's ACK");
    assert.equal(runs, 2);
    assert.deepEqual(server.retries(), []);
    assert.deepEqual(server.busy(), []);
    const info = await client.info();
    assert.equal(info.faktory.total_failures, 1);
    assert.equal(info.faktory.total_processed, 2);
    assert.equal(info.now, "2030-01-01T00:00:44Z"); // Go's RFC3339Nano
  } finally {
    await ref.stop();
    await client.close();
    await server.stop();
  }
  assert.deepEqual(ref.errors, []);
});

test("faktory-worker's worker goes quiet, then stops, when the server says so on BEAT", async () => {
  const server = await FaktoryServer.start({
    host: "127.0.0.1",
    port: 0,
    fetchTimeout: 100,
    taskInterval: 0,
  });
  const client = await Client.connect(server.url);
  const before = signalListeners();
  const seen: unknown[] = [];
  const ref = await referenceWorker(
    { url: server.url, queues: ["interop"], wid: "ref-quiet-1" },
    { Job: (n: unknown) => void seen.push(n) },
  );
  try {
    await client.push("Job", [1], { queue: "interop" });
    await until(() => seen.length === 1, 5000, "the first job");
    assert.deepEqual(SIGNALS.map((s) => process.listenerCount(s)), [
      before[0]! + 1,
      before[1]! + 1,
      before[2]! + 1,
    ]);

    server.quiet("ref-quiet-1");
    const beats = server.commands("BEAT");
    await until(() => server.commands("BEAT") > beats + 1, 5000, "a BEAT");
    await pause(300); // a FETCH sent before the BEAT ends within 100 ms
    const fetches = server.commands("FETCH");
    await client.push("Job", [2], { queue: "interop" });
    await pause(300);
    assert.equal(server.commands("FETCH"), fetches, "no FETCH once quiet");
    assert.equal(server.queue("interop").length, 1);
    assert.deepEqual(seen, [1]);
    assert.equal(ref.stopped, undefined, "quiet does not stop it");
    assert.equal(server.workers()[0]!.state, "quiet");

    server.terminate("ref-quiet-1");
    await until(() => ref.stopped !== undefined, 5000, "the stop");
    await ref.stopped;
    await until(() => server.workers()[0]!.connections === 0, 5000, "closed");
    assert.deepEqual(signalListeners(), before);
    assert.equal(server.queue("interop").length, 1);
  } finally {
    await ref.stop();
    await client.close();
    await server.stop();
  }
  assert.deepEqual(
    ref.errors.filter((e) => !/draining/i.test(String(e))),
    [],
  );
});

test("faktory-worker connects with a password from the URL and says HELLO with its wid, pid and labels", async () => {
  const server = await FaktoryServer.start({
    host: "127.0.0.1",
    port: 0,
    fetchTimeout: 100,
    taskInterval: 0,
    password: "p@ss w0rd:",
  });
  assert.match(server.url, /^tcp:\/\/:p%40ss%20w0rd%3A@127\.0\.0\.1:\d+$/);
  const ref = await referenceWorker({
    url: server.url,
    queues: ["interop"],
    wid: "ref-hello-1",
    labels: ["interop", "node"],
  }, {});
  try {
    const producer = new faktory.Client({ url: server.url });
    await producer.push({ jobtype: "Nothing", args: [], queue: "other" });
    await producer.close();
    assert.deepEqual(server.queues(), { other: 1 });
    const [info] = server.workers();
    assert.equal(info!.wid, "ref-hello-1");
    assert.deepEqual(info!.labels, ["interop", "node"]);
    assert.equal(info!.pid, process.pid);
    assert.ok(info!.hostname.length > 0);

    const port = server.port;
    const wrong = new faktory.Client({
      url: `tcp://:wrong@127.0.0.1:${port}`,
    });
    wrong.connectionFactory.onConnectionError = () => {};
    await assert.rejects(wrong.connect(), /Invalid password/);
  } finally {
    await ref.stop();
    await server.stop();
  }
  assert.deepEqual(ref.errors, []);
});

test("faktory-worker's MUTATE requeue puts retries and scheduled jobs back as they were, as Faktory 1.8 does", async () => {
  let now = Date.parse("2030-01-01T00:00:00Z");
  const server = await FaktoryServer.start({
    host: "127.0.0.1",
    port: 0,
    fetchTimeout: 100,
    taskInterval: 0,
    now: () => now,
  });
  const client = new faktory.Client({ url: server.url, wid: "ref-mutate-1" });
  try {
    const failed = client.job("Failed", 1);
    failed.queue = "interop";
    await failed.push();
    const later = client.job("Later", 2);
    later.queue = "interop";
    later.at = new Date(now + 3_600_000);
    await later.push();
    const job = await client.fetch("interop");
    assert.equal(job?.jid, failed.jid);
    await client.fail(failed.jid, new Error("boom"));
    now += 5_000;
    // Faktory pushes the stored bytes back on the queue: no new enqueued_at.
    await client.retries.withJids(failed.jid).requeue();
    await client.scheduled.ofType("Later").requeue();
    const [retried, scheduled] = server.queue("interop");
    assert.equal(retried!.jid, failed.jid);
    assert.equal(retried!.enqueued_at, "2030-01-01T00:00:00Z");
    assert.equal(scheduled!.jid, later.jid);
    assert.equal(scheduled!.enqueued_at, undefined);
    assert.equal(scheduled!.at, later.at);
    assert.deepEqual(server.retries(), []);
    assert.deepEqual(server.scheduled(), []);
  } finally {
    await client.close();
    await server.stop();
  }
});
