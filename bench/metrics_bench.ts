// What the metrics cost per job, in worker CPU. Two measurements:
// 1. End to end: the same no-op jobs drained by a Manager at concurrency 20 without a meter,
//    with the no-op meter of @opentelemetry/api (no SDK registered: the library's own cost),
//    and with the OpenTelemetry SDK's meter; runs alternate, medians compared. The Manager keeps
//    the numbers of mgr.stats() in every variant.
// 2. The recording path alone (what the runner calls per job: start, finish, two clock reads),
//    in a tight loop: stats only, and with the SDK's meter.
// Against the embedded server in its own process, or FAKTORY_URL when set (a queue of its own).
// Usage: <runtime> bench/metrics_bench.ts [jobs] [runs]
import process from "node:process";
import { metrics } from "@opentelemetry/api";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import {
  Client,
  createJob,
  detectRuntime,
  type Job,
  Manager,
  type MetricsMeter,
} from "../mod.ts";
import { Metrics } from "../worker/_metrics.ts";
import { serveInChild } from "./_serve.ts";

const numbers = process.argv.filter((a) => /^\d+$/.test(a)).map(Number);
const total = numbers[0] ?? 20_000;
const runs = numbers[1] ?? 5;
const runtime = detectRuntime();
const external = process.env.FAKTORY_URL;
const server = external ? undefined : await serveInChild();
const url = external ?? server!.url;
const queue = `bench-${Math.random().toString(36).slice(2, 8)}`;
const producer = await Client.connect(url);

/** A reader that collects only when asked (never during a run). */
class ManualReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
const provider = new MeterProvider({ readers: [new ManualReader()] });
const meters: [string, () => MetricsMeter | undefined][] = [
  ["no meter", () => undefined],
  ["API no-op meter", () => metrics.getMeter("bench")],
  ["SDK meter", () => provider.getMeter("bench")],
];

async function fill(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    await producer.pushBulk(
      Array.from(
        { length: Math.min(1000, n - i) },
        () => createJob("Noop", [], { queue }),
      ),
    );
  }
}

/** Drains `n` queued no-op jobs; the worker's CPU time per job, in microseconds. */
async function drain(
  n: number,
  meter: MetricsMeter | undefined,
): Promise<number> {
  const mgr = new Manager({
    url,
    concurrency: 20,
    queues: [queue],
    logLevel: "warn",
    handleSignals: false,
    ...(meter ? { meter } : {}),
  });
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  mgr.register("Noop", () => {
    if (++done === n) finish();
  });
  const cpu = process.cpuUsage();
  const running = mgr.run();
  await all;
  const used = process.cpuUsage(cpu);
  await mgr.stop();
  await running;
  return (used.user + used.system) / n;
}

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const target = external ? "faktory" : "embedded";

const cpu = new Map<string, number[]>(meters.map(([name]) => [name, []]));
await fill(total);
await drain(total, undefined); // warm-up
for (let i = 0; i < runs; i++) {
  // Each round in another order, so that no variant always runs first or last.
  const order = [...meters.slice(i % 3), ...meters.slice(0, i % 3)];
  for (const [name, meter] of order) {
    await fill(total);
    cpu.get(name)!.push(await drain(total, meter()));
  }
}
const signed = (us: number, digits: number) =>
  `${us >= 0 ? "+" : ""}${us.toFixed(digits)}`;
const base = cpu.get("no meter")!;
console.log(
  `${
    runtime.padEnd(5)
  } ${target} metrics, end to end (concurrency 20, ${total} jobs, ${runs} rounds, CPU us/job, medians): ${
    meters.map(([name]) => {
      const all = cpu.get(name)!;
      if (name === "no meter") return `${name} ${median(all).toFixed(1)}`;
      // The difference within each round, where the variants ran back to back.
      const diff = median(all.map((us, i) => us - base[i]!));
      return `${name} ${median(all).toFixed(1)} (${signed(diff, 1)})`;
    }).join(", ")
  }`,
);

/** The CPU time of `n` starts and finishes on the recording path, per job, in microseconds. */
function recordingPath(meter: MetricsMeter | undefined, n: number): number {
  const m = new Metrics(meter, { busy: () => 0, concurrency: 20 });
  const job = {
    jid: "0123456789abcdef",
    jobtype: "Noop",
    args: [],
    queue: "default",
    enqueued_at: new Date().toISOString(),
  } as Job;
  const loop = (count: number) => {
    for (let i = 0; i < count; i++) {
      const started = Date.now();
      const tally = m.started(job, started);
      const t0 = performance.now();
      m.finished(tally, (performance.now() - t0) / 1000, undefined);
    }
  };
  loop(50_000); // warm-up
  const before = process.cpuUsage();
  loop(n);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}
const n = 500_000;
const path = meters.map(([name, meter]) =>
  [name, median([1, 2, 3].map(() => recordingPath(meter(), n)))] as const
);
const stats = path[0]![1];
const withSdk = path[2]![1] - stats;
console.log(
  `${
    runtime.padEnd(5)
  } metrics, recording path alone (start + finish per job, median of 3 x ${n}, CPU us/job): ${
    path.map(([name, us]) =>
      name === "no meter"
        ? `stats only ${us.toFixed(2)}`
        : `${name} ${signed(us - stats, 2)}`
    ).join(", ")
  }: a meter costs ${withSdk.toFixed(2)} us/job (budget 2${
    withSdk > 2 ? ", OVER" : ""
  })`,
);

await provider.shutdown();
if (external) await producer.removeQueues([queue]).catch(() => {});
await producer.close();
await server?.stop();
