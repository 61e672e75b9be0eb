// CPU-bound jobs (about 20 ms of pure-JS hashing each, which keeps one core busy: no I/O, no
// thread pool) through the Manager at `processes: 1` and `processes: 2`, concurrency 1 per
// process: jobs per second, the ratio, and whether it reaches the 1.7x target. The rate is taken
// while the queue drains from 90% to 10% of its jobs, so neither the children's start-up nor the
// tail counts. The queue is read every 200 ms (20 ms with --noop), so that at `processes: 2`
// this process (also the supervisor, itself idle) leaves both cores to the children. Against the
// embedded server in its own process, or against FAKTORY_URL when set (with a queue of its own).
// This file is also the children's program: with `processes: 2` the supervisor starts it again,
// and `Manager.isChild` sends the children straight to their worker.
// With --noop, no-op jobs instead, concurrency 20 (the default) per process: what a second
// process adds when the worker's own CPU per job, not the jobs, is the limit.
// Usage: <runtime> bench/processes_bench.ts [jobs] [--noop]
import process from "node:process";
import { Client, createJob, detectRuntime, Manager } from "../mod.ts";
import { serveInChild } from "./_serve.ts";

/** What `processes: 2` should reach for CPU-bound jobs on two otherwise idle cores. */
const TARGET = 1.7;

/** FNV-1a over a counter: pure CPU, nothing the runtime can hand to another thread. */
function spin(iterations: number): number {
  let h = 2166136261;
  for (let i = 0; i < iterations; i++) {
    h ^= i & 0xff;
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

function worker(processes: number, url: string, queue: string, work: number) {
  const mgr = new Manager({
    url,
    processes,
    concurrency: work === 0 ? 20 : 1,
    queues: [queue],
    logLevel: "warn",
  });
  mgr.register("Spin", work === 0 ? () => {} : () => void spin(work));
  return mgr;
}

if (Manager.isChild) {
  const env = process.env;
  const mgr = worker(
    2,
    env.BENCH_URL!,
    env.BENCH_QUEUE!,
    Number(env.BENCH_WORK),
  );
  await mgr.run();
  process.exit(0);
}

const noop = process.argv.includes("--noop");
const total = Number(
  process.argv.find((a) => /^\d+$/.test(a)) ?? (noop ? 5000 : 500),
);
const runtime = detectRuntime();
const external = process.env.FAKTORY_URL;
const server = external ? undefined : await serveInChild();
const url = external ?? server!.url;
const queue = `bench-cpu-${Math.random().toString(36).slice(2, 8)}`;
const producer = await Client.connect(url);

// Iterations for 20 ms on this machine, measured here and passed to the children (0: no-op).
spin(1e6); // warm-up
const started = performance.now();
spin(2e7);
const work = noop ? 0 : Math.round(2e7 / (performance.now() - started) * 20);
Object.assign(process.env, {
  BENCH_URL: url,
  BENCH_QUEUE: queue,
  BENCH_WORK: String(work),
});

async function queued(): Promise<number> {
  return (await producer.info()).faktory.queues[queue] ?? 0;
}

/**
 * How often the queue's length is read while it drains, in ms: no-op jobs drain
 * 80% of 5,000 in about a second, and INFO is little beside their FETCH and ACK.
 */
const POLL_MS = noop ? 20 : 200;

/** Where a line through two samples [time, left] crosses `left === level`. */
function crossing(a: [number, number], b: [number, number], level: number) {
  return a[0] + (b[0] - a[0]) * (a[1] - level) / (a[1] - b[1]);
}

/**
 * Jobs per second while the queue drains from 90% to 10%, and the CPU this
 * process used meanwhile (as a share of one core). The queue's length is read
 * (INFO) every POLL_MS, and the two moments are interpolated between samples:
 * reading it more often takes CPU from the workers (this process and the
 * server answer every INFO), and at `processes: 2` both cores are theirs.
 */
async function rate(processes: number): Promise<[number, number]> {
  for (let i = 0; i < total; i += 1000) {
    await producer.pushBulk(
      Array.from(
        { length: Math.min(1000, total - i) },
        () => createJob("Spin", [], { queue }),
      ),
    );
  }
  const mgr = worker(processes, url, queue, work);
  const running = mgr.run();
  const high = total * 0.9;
  const low = total * 0.1;
  let last: [number, number] = [performance.now(), total];
  let from = 0;
  let to = 0;
  let cpu: [number, ReturnType<typeof process.cpuUsage>] | undefined;
  let used = 0;
  while (last[1] > 0) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    const sample: [number, number] = [performance.now(), await queued()];
    if (!from && sample[1] <= high) {
      from = crossing(last, sample, high);
      cpu = [sample[0], process.cpuUsage()];
    }
    if (!to && sample[1] <= low) {
      to = crossing(last, sample, low);
      const { user, system } = process.cpuUsage(cpu![1]);
      used = (user + system) / 1000 / (sample[0] - cpu![0]);
    }
    last = sample;
  }
  await mgr.stop();
  await running;
  return [Math.round(total * 0.8 / ((to - from) / 1000)), used];
}

const [one] = await rate(1);
const [two, parentCpu] = await rate(2);
const ratio = two / one;
const kind = noop
  ? "no-op jobs (concurrency 20 per process)"
  : `CPU-bound jobs (${work} iterations, about 20 ms each)`;
console.log(
  `${runtime.padEnd(5)} ${
    external ? "faktory" : "embedded"
  } ${kind}, ${total} jobs: processes 1: ${one} jobs/s, processes 2: ${two} jobs/s, ratio ${
    ratio.toFixed(2)
  }x`,
);
console.log(
  `  at processes 2, this process (the supervisor, and the queue read every ${POLL_MS} ms) used ${
    (parentCpu * 100).toFixed(1)
  }% of a core`,
);
if (!noop) {
  console.log(
    `  target: at least ${TARGET}x on 2 quiet cores: ${
      ratio >= TARGET ? "met" : "NOT met"
    }`,
  );
}

if (external) await producer.removeQueues([queue]).catch(() => {});
await producer.close();
await server?.stop();
