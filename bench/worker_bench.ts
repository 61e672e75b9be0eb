// No-op jobs per second through the Manager at concurrency 1, 20 and 100, beside a raw client
// (FETCH then ACK on as many connections as the Manager fetches with, no job machinery) in the
// same run; the worker process's CPU time per job for both, the sockets the Manager used, and
// its RSS at idle and after 100,000 jobs. Against the embedded server in its own process, or
// against FAKTORY_URL when set (with a queue of its own).
// Usage: <runtime> bench/worker_bench.ts [jobs] [runs]
import process from "node:process";
import { Client, createJob, detectRuntime, Manager } from "../mod.ts";
import { Connection, defaultPlatform } from "../protocol.ts";
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

interface Drained {
  /** Jobs per second. */
  rate: number;
  /** Worker process CPU time (user + system) per job, in microseconds. */
  cpuPerJob: number;
  /** The most sockets open at once. */
  sockets: number;
}

/** Measures wall and CPU time of `work`, which handles `n` jobs. */
async function measure(
  n: number,
  work: () => Promise<number>,
): Promise<Drained> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const sockets = await work();
  const secs = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    rate: Math.round(n / secs),
    cpuPerJob: Math.round((used.user + used.system) / n),
    sockets,
  };
}

/** Drains `n` queued jobs with `conns` connections doing FETCH, then ACK, and nothing else. */
async function rawDrain(conns: number, n: number): Promise<Drained> {
  const open = await Promise.all(
    Array.from({ length: conns }, () => Connection.open({ url })),
  );
  let loops: Promise<void>[] = [];
  const result = await measure(n, async () => {
    let left = n;
    let acked = 0;
    let finish!: () => void;
    const all = new Promise<void>((r) => (finish = r));
    loops = open.map(async (conn) => {
      while (left > 0) {
        const job = await conn.request({ type: "FETCH", queues: [queue] });
        if (!job) continue;
        left--;
        await conn.request({ type: "ACK", jid: job.jid });
        if (++acked === n) finish();
      }
    });
    // Done at the last ACK: the other connections may still wait in a FETCH that
    // blocks for up to 2 s on the empty queue, which is not the client's time.
    await all;
    return conns;
  });
  // Let those FETCHes come back empty before closing: closing a connection while
  // its FETCH blocks could hand the next run's first job to a dead connection.
  await Promise.all(loops);
  await Promise.all(open.map((c) => c.close()));
  return result;
}

/** Runs `n` queued no-op jobs through a fresh Manager; returns jobs/s and the peak socket count. */
async function drain(
  concurrency: number,
  n: number,
  manager?: Manager,
): Promise<Drained> {
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
  let running!: Promise<void>;
  const result = await measure(n, async () => {
    running = mgr.run();
    await all;
    return Math.max(peak, mgr.sockets);
  });
  if (!manager) {
    await mgr.stop();
    await running;
  }
  return result;
}

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const target = external ? "faktory" : "embedded";
for (const concurrency of [1, 20, 100]) {
  // The Manager fetches on at most 15 connections (plus its control connection).
  const conns = Math.min(concurrency, 15);
  const mgr: Drained[] = [];
  const raw: Drained[] = [];
  for (let i = 0; i < runs; i++) {
    await fill(total);
    raw.push(await rawDrain(conns, total));
    await fill(total);
    mgr.push(await drain(concurrency, total));
  }
  const rate = median(mgr.map((r) => r.rate));
  const rawRate = median(raw.map((r) => r.rate));
  console.log(
    `${runtime.padEnd(5)} ${target} concurrency ${
      String(concurrency).padStart(3)
    }: ${String(rate).padStart(6)} jobs/s (${
      Math.round((100 * rate) / rawRate)
    }% of raw ${rawRate} on ${conns} conns; runs ${
      mgr.map((r) => r.rate).join(", ")
    }), CPU ${median(mgr.map((r) => r.cpuPerJob))} us/job (raw ${
      median(raw.map((r) => r.cpuPerJob))
    }), peak sockets ${Math.max(...mgr.map((r) => r.sockets))}`,
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
