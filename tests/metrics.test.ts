// The worker's metrics against the embedded server, through a fake meter that records every
// call: jobs processed and failed by type and queue, one duration per job, queue latency from
// enqueued_at, busy slots, reconnects after a restart, results sent again after a lost reply;
// and mgr.stats(), which has the same numbers without a meter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createJob, type Job, Manager, type MetricsMeter } from "../mod.ts";
import { Metrics } from "../worker/_metrics.ts";
import { rig, until } from "./_manager_util.ts";

type Attributes = { readonly [key: string]: string | number | boolean };

interface Observation {
  value: number;
  attributes: Attributes | undefined;
}

/** A meter that keeps every instrument, histogram record and observable callback. */
function fakeMeter() {
  const instruments = new Map<
    string,
    { kind: string; options: Record<string, unknown> | undefined }
  >();
  const records: (Observation & { name: string })[] = [];
  const callbacks = new Map<string, ((r: {
    observe(value: number, attributes?: Attributes): void;
  }) => void)[]>();
  const observable = (kind: string) =>
  (
    name: string,
    options?: Record<string, unknown>,
  ) => {
    instruments.set(name, { kind, options });
    return {
      addCallback(
        cb: (r: { observe(v: number, a?: Attributes): void }) => void,
      ) {
        callbacks.set(name, [...(callbacks.get(name) ?? []), cb]);
      },
    };
  };
  const meter = {
    createHistogram(name: string, options?: Record<string, unknown>) {
      instruments.set(name, { kind: "histogram", options });
      return {
        record(value: number, attributes?: Attributes) {
          records.push({ name, value, attributes });
        },
      };
    },
    createObservableCounter: observable("counter"),
    createObservableUpDownCounter: observable("updowncounter"),
  } satisfies MetricsMeter;
  return {
    meter,
    instruments,
    /** The histogram values recorded under `name`. */
    recorded: (name: string) => records.filter((r) => r.name === name),
    /** Runs the callbacks of `name`, as a collection does. */
    observe(name: string): Observation[] {
      const out: Observation[] = [];
      for (const cb of callbacks.get(name) ?? []) {
        cb({ observe: (value, attributes) => out.push({ value, attributes }) });
      }
      return out;
    },
  };
}

const byKey = (a: Observation, b: Observation) =>
  JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes));

test("Manager metrics: jobs processed and failed by type and queue, one duration each, and stats() agrees", async () => {
  const m = fakeMeter();
  const r = await rig({ meter: m.meter, queues: ["critical", "default"] });
  r.manager.register("Ok", async (ctx) => {
    if (ctx.args[0] === "slow") await new Promise((res) => setTimeout(res, 60));
  });
  r.manager.register("Boom", () => {
    throw new TypeError("boom");
  });
  void r.manager.run();
  await r.client.pushBulk([
    createJob("Ok", ["slow"]),
    createJob("Ok", []),
    createJob("Ok", []),
    createJob("Ok", [], { queue: "critical" }),
    createJob("Boom", []),
    createJob("Boom", []),
  ]);
  await until(() => r.manager.stats().processed === 6);

  const system = { "messaging.system": "faktory" };
  const at = (queue: string, type: string) => ({
    "messaging.destination.name": queue,
    "faktory.job.type": type,
  });
  assert.deepEqual(
    m.observe("faktory.jobs.processed").sort(byKey),
    [
      { value: 1, attributes: at("critical", "Ok") },
      { value: 2, attributes: at("default", "Boom") },
      { value: 3, attributes: at("default", "Ok") },
    ].sort(byKey),
  );
  assert.deepEqual(m.observe("faktory.jobs.failed"), [
    {
      value: 2,
      attributes: { ...at("default", "Boom"), "error.type": "TypeError" },
    },
  ]);
  assert.deepEqual(
    m.observe("messaging.client.consumed.messages").sort(byKey),
    [
      ["critical", "Ok", 1],
      ["default", "Boom", 2],
      ["default", "Ok", 3],
    ].map(([q, t, n]) => ({
      value: n as number,
      attributes: {
        ...system,
        "messaging.operation.name": "fetch",
        ...at(q as string, t as string),
      },
    })).sort(byKey),
  );

  // One duration per job (recorded by the collection above), in seconds, with
  // error.type only on failures.
  const durations = m.recorded("messaging.process.duration");
  assert.equal(durations.length, 6);
  const process = (q: string, t: string) => ({
    ...system,
    "messaging.operation.name": "process",
    ...at(q, t),
  });
  assert.equal(
    durations.filter((d) =>
      JSON.stringify(d.attributes) === JSON.stringify(process("default", "Ok"))
    ).length,
    3,
  );
  assert.equal(
    durations.filter((d) =>
      JSON.stringify(d.attributes) ===
        JSON.stringify({
          ...process("default", "Boom"),
          "error.type": "TypeError",
        })
    ).length,
    2,
  );
  const slowest = Math.max(...durations.map((d) => d.value));
  assert.ok(slowest >= 0.055 && slowest < 5, `slow job took ${slowest} s`);
  assert.ok(durations.every((d) => d.value >= 0));
  assert.deepEqual(m.instruments.get("messaging.process.duration"), {
    kind: "histogram",
    options: {
      description: "Duration of processing operation",
      unit: "s",
      advice: {
        explicitBucketBoundaries: [
          0.005,
          0.01,
          0.025,
          0.05,
          0.075,
          0.1,
          0.25,
          0.5,
          0.75,
          1,
          2.5,
          5,
          7.5,
          10,
        ],
      },
    },
  });

  const stats = r.manager.stats();
  assert.equal(stats.processed, 6);
  assert.equal(stats.failed, 2);
  assert.deepEqual(stats.byJobType, {
    Ok: { processed: 4, failed: 0 },
    Boom: { processed: 2, failed: 2 },
  });
  assert.deepEqual(stats.byQueue, {
    critical: { processed: 1, failed: 0 },
    default: { processed: 5, failed: 2 },
  });
  assert.equal(stats.duration.count, 6);
  assert.equal(stats.duration.max, slowest);
  const sum = durations.reduce((s, d) => s + d.value, 0);
  assert.ok(Math.abs(stats.duration.sum - sum) < 1e-9);
  assert.equal(stats.concurrency, 5);
  assert.equal(stats.reconnects, 0);
  assert.equal(stats.resultsResent, 0);
  await r.close();
});

test("Manager metrics: queue latency is measured from the job's enqueued_at", async () => {
  const m = fakeMeter();
  // The server's clock runs 5 s behind: each job looks enqueued 5 s before it starts.
  const r = await rig({ meter: m.meter }, { now: () => Date.now() - 5000 });
  r.manager.register("Ok", () => {});
  void r.manager.run();
  await r.client.push(createJob("Ok", []));
  await until(() => r.manager.stats().processed === 1);
  const latencies = m.recorded("faktory.job.latency");
  assert.equal(latencies.length, 1);
  const [latency] = latencies;
  assert.equal(latency!.attributes, undefined);
  assert.ok(
    latency!.value >= 5 && latency!.value < 6,
    `latency ${latency!.value} s`,
  );
  assert.deepEqual(r.manager.stats().latency, {
    count: 1,
    sum: latency!.value,
    max: latency!.value,
  });
  assert.equal(m.instruments.get("faktory.job.latency")?.options?.unit, "s");
  await r.close();
});

test("Manager metrics: busy goes up while a job runs and back down when it ends", async () => {
  const m = fakeMeter();
  const r = await rig({ meter: m.meter });
  let release!: () => void;
  const gate = new Promise<void>((res) => (release = res));
  let running = false;
  r.manager.register("Gated", async () => {
    running = true;
    await gate;
  });
  void r.manager.run();
  assert.deepEqual(m.observe("faktory.worker.busy"), [
    { value: 0, attributes: undefined },
  ]);
  assert.deepEqual(m.observe("faktory.worker.concurrency"), [
    { value: 5, attributes: undefined },
  ]);
  await r.client.push(createJob("Gated", []));
  await until(() => running);
  assert.deepEqual(m.observe("faktory.worker.busy"), [
    { value: 1, attributes: undefined },
  ]);
  assert.equal(r.manager.stats().busy, 1);
  release();
  await until(() => r.manager.stats().processed === 1);
  assert.deepEqual(m.observe("faktory.worker.busy"), [
    { value: 0, attributes: undefined },
  ]);
  assert.equal(r.manager.stats().busy, 0);
  assert.equal(m.instruments.get("faktory.worker.busy")?.kind, "updowncounter");
  await r.close();
});

test("Manager metrics: a reconnect is counted after the server restarts", async () => {
  const m = fakeMeter();
  const r = await rig({ meter: m.meter });
  r.manager.register("Ok", () => {});
  let started = false;
  r.manager.on("startup", () => void (started = true));
  void r.manager.run();
  await until(() => started);
  assert.deepEqual(m.observe("faktory.worker.reconnects"), [
    { value: 0, attributes: undefined },
  ]);
  await r.server.restart();
  await until(() => r.manager.stats().reconnects === 1, 5000, "reconnect");
  assert.deepEqual(m.observe("faktory.worker.reconnects"), [
    { value: 1, attributes: undefined },
  ]);
  await r.close();
});

test("Manager metrics: a result whose reply was lost is counted as sent again", async () => {
  const m = fakeMeter();
  const r = await rig({ meter: m.meter });
  r.manager.register("Ok", () => {});
  // The first ACK is applied, then its connection closes without a reply.
  r.server.fault({ action: "close-after", verb: "ACK" });
  void r.manager.run();
  await r.client.push(createJob("Ok", []));
  await until(() => r.manager.stats().resultsResent === 1, 5000, "resent");
  await until(() => r.server.busy().length === 0, 5000, "acknowledged");
  assert.deepEqual(m.observe("faktory.worker.results.resent"), [
    { value: 1, attributes: undefined },
  ]);
  const stats = r.manager.stats();
  assert.equal(stats.processed, 1);
  assert.equal(stats.resultsResent, 1);
  await r.close();
});

test("Manager stats() works without a meter", async () => {
  const r = await rig();
  r.manager.register("Ok", () => {});
  void r.manager.run();
  await r.client.push(createJob("Ok", [], { queue: "default" }));
  await until(() => r.manager.stats().processed === 1);
  const stats = r.manager.stats();
  assert.deepEqual(stats.byJobType, { Ok: { processed: 1, failed: 0 } });
  assert.equal(stats.duration.count, 1);
  assert.equal(stats.latency.count, 1);
  await r.close();
});

test("Manager refuses a meter without the methods it calls, naming the option", () => {
  assert.throws(
    () => new Manager({ meter: {} as MetricsMeter }),
    (err: Error) =>
      err instanceof TypeError &&
      /^meter must be an OpenTelemetry Meter/.test(err.message) &&
      err.message.includes("createObservableUpDownCounter"),
  );
  assert.throws(
    () => new Manager({ meter: "otel" as unknown as MetricsMeter }),
    TypeError,
  );
});

test("Metrics records durations into the meter in batches of 512, and the rest at each collection, each once", () => {
  const m = fakeMeter();
  const metrics = new Metrics(m.meter, { busy: () => 0, concurrency: 1 });
  const job = {
    jid: "0123456789ab",
    jobtype: "Ok",
    args: [],
    queue: "q",
  } as Job;
  const durations = () => m.recorded("messaging.process.duration");
  for (let i = 0; i < 600; i++) {
    metrics.finished(metrics.started(job, Date.now()), i / 1000, undefined);
  }
  assert.equal(durations().length, 512, "a full batch is recorded at once");
  assert.deepEqual(m.observe("faktory.worker.busy"), [
    { value: 0, attributes: undefined },
  ]);
  assert.equal(durations().length, 600, "a collection records the rest");
  assert.deepEqual(
    durations().map((d) => d.value),
    Array.from({ length: 600 }, (_, i) => i / 1000),
  );
  m.observe("faktory.jobs.processed");
  assert.equal(durations().length, 600, "nothing twice");
  assert.deepEqual(metrics.stats().duration, {
    count: 600,
    sum: durations().reduce((s, d) => s + d.value, 0),
    max: 0.599,
  });
});
