// CPU-bound jobs (about 20 ms of pure-JS hashing each, which keeps one core busy: no I/O, no
// thread pool) through the Manager at `processes: 1` and `processes: 2`, concurrency 1 per
// process: jobs per second and the ratio. The rate is taken while the queue drains from 90% to
// 10% of its jobs, so neither the children's start-up nor the tail counts. Against the embedded
// server in its own process, or against FAKTORY_URL when set (with a queue of its own).
// This file is also the children's program: with `processes: 2` the supervisor starts it again,
// and `Manager.isChild` sends the children straight to their worker.
// With --noop, no-op jobs instead, concurrency 20 (the default) per process: what a second
// process adds when the worker's own CPU per job, not the jobs, is the limit.
// Usage: <runtime> bench/processes_bench.ts [jobs] [--noop]
import process from "node:process";
import { Client, createJob, detectRuntime, Manager } from "../mod.ts";
import { serveInChild } from "./_serve.ts";

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

/** Jobs per second while the queue drains from 90% to 10%. */
async function rate(processes: number): Promise<number> {
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
  let from = 0;
  let to = 0;
  for (let left = total; left > 0;) {
    await new Promise((r) => setTimeout(r, 10));
    left = await queued();
    if (!from && left <= total * 0.9) from = performance.now();
    if (!to && left <= total * 0.1) to = performance.now();
  }
  await mgr.stop();
  await running;
  return Math.round(total * 0.8 / ((to - from) / 1000));
}

const one = await rate(1);
const two = await rate(2);
const kind = noop
  ? "no-op jobs (concurrency 20 per process)"
  : `CPU-bound jobs (${work} iterations, about 20 ms each)`;
console.log(
  `${runtime.padEnd(5)} ${
    external ? "faktory" : "embedded"
  } ${kind}, ${total} jobs: processes 1: ${one} jobs/s, processes 2: ${two} jobs/s, ratio ${
    (two / one).toFixed(2)
  }x`,
);

if (external) await producer.removeQueues([queue]).catch(() => {});
await producer.close();
await server?.stop();
