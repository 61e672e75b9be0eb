// No-op jobs per second through the Manager at concurrency 1, 20 and 100, the sockets it
// used, and its RSS at idle and after 100,000 jobs. Against the embedded server in its own
// process, or against FAKTORY_URL when set (with a queue of its own).
// Usage: <runtime> bench/worker_bench.ts [jobs] [runs]
import process from "node:process";
import {
  Client,
  createJob,
  defaultPlatform,
  detectRuntime,
  Manager,
} from "../mod.ts";
import { serveInChild } from "./_serve.ts";

const numbers = process.argv.filter((a) => /^\d+$/.test(a)).map(Number);
const total = numbers[0] ?? 20_000;
const runs = numbers[1] ?? 3;
const runtime = detectRuntime();
const external = process.env.FAKTORY_URL;
const server = external ? undefined : await serveInChild();
const url = external ?? server!.url;
const queue = `bench-${Math.random().toString(36).slice(2, 8)}`;
const platform = await defaultPlatform();
const producer = await Client.connect(url);

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

/** Runs `n` queued no-op jobs through a fresh Manager; returns jobs/s and the peak socket count. */
async function drain(
  concurrency: number,
  n: number,
  manager?: Manager,
): Promise<{ rate: number; sockets: number }> {
  const mgr = manager ??
    new Manager({
      url,
      concurrency,
      queues: [queue],
      logLevel: "warn",
      handleSignals: false,
    });
  let done = 0;
  let peak = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  mgr.register("Noop", () => {
    if (++done % 256 === 0) peak = Math.max(peak, mgr.sockets);
    if (done === n) finish();
  });
  const started = performance.now();
  const running = mgr.run();
  await all;
  const secs = (performance.now() - started) / 1000;
  peak = Math.max(peak, mgr.sockets);
  if (!manager) {
    await mgr.stop();
    await running;
  }
  return { rate: Math.round(n / secs), sockets: peak };
}

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const target = external ? "faktory" : "embedded";
for (const concurrency of [1, 20, 100]) {
  const rates: number[] = [];
  let sockets = 0;
  for (let i = 0; i < runs; i++) {
    await fill(total);
    const r = await drain(concurrency, total);
    rates.push(r.rate);
    sockets = Math.max(sockets, r.sockets);
  }
  console.log(
    `${runtime.padEnd(5)} ${target} concurrency ${
      String(concurrency).padStart(3)
    }: ${String(median(rates)).padStart(6)} jobs/s (median of ${runs}: ${
      rates.join(", ")
    }), peak sockets ${sockets}`,
  );
}

// Memory: RSS with an idle manager, then after 100,000 jobs through the same manager.
{
  const mgr = new Manager({
    url,
    concurrency: 20,
    queues: [queue],
    logLevel: "warn",
    handleSignals: false,
  });
  let done = 0;
  let waiter: (() => void) | undefined;
  let goal = 0;
  mgr.register("Noop", () => {
    if (++done === goal) waiter?.();
  });
  const running = mgr.run();
  const until = (n: number) =>
    new Promise<void>((r) => ((goal = n), (waiter = r), done >= n && r()));
  await new Promise((r) => setTimeout(r, 1000));
  const mb = () => (platform.rssBytes() / 1048576).toFixed(1);
  const idle = mb();
  await fill(20_000);
  await until(20_000);
  const warm = mb();
  for (let k = 1; k <= 4; k++) {
    await fill(20_000);
    await until(20_000 + k * 20_000);
  }
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 500));
  const after = mb();
  console.log(
    `${
      runtime.padEnd(5)
    } ${target} RSS: idle ${idle} MB, after 20k jobs ${warm} MB, after 100k jobs ${after} MB`,
  );
  await mgr.stop();
  await running;
}

if (external) await producer.removeQueues([queue]).catch(() => {});
await producer.close();
await server?.stop();
