// The dev server (`faktory-worker dev`, started as users run it, in a process of its own) under
// load. Throughput: no-op jobs per second drained by our Manager at concurrency 20 and 100 (the
// queue filled beforehand with PUSHB), median of the rounds; with FAKTORY_URL set, the same
// drain against that server in the same rounds (interleaved), and the ratio. The goal: at least
// 20,000 jobs/s on the dev server. Dashboard: with 100,000 jobs queued (two queues) and 10,000
// dead, each page's response time over HTTP (20 GETs after one warm-up, median and max); the
// goal: every page's median under 100 ms. Exits with 1 when a goal is missed.
// Usage: <runtime> bench/dev_bench.ts [jobs] [rounds]
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import process from "node:process";
import { Client, createJob, detectRuntime, Manager } from "../mod.ts";
import { PER_PAGE } from "../dashboard/_pages_queues.ts";
import { type DevChild, startDev } from "./_dev_child.ts";
import { cpuMicros, hasProc } from "./_proc.ts";
import { median, ratios } from "./_stats.ts";

const numbers = process.argv.filter((a) => /^\d+$/.test(a)).map(Number);
const total = numbers[0] ?? 50_000;
const rounds = Math.max(numbers[1] ?? 3, 1);
const GOAL_RATE = 20_000;
const GOAL_MS = 100;
const QUEUED = 100_000;
const DEAD = 10_000;
const REQUESTS = 20;
const runtime = detectRuntime();
const label = runtime.padEnd(5);
const external = process.env.FAKTORY_URL;
const queue = `dev-bench-${Math.random().toString(36).slice(2, 8)}`;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

// Node runs the npm program as built: build it first, as cpu_bench.ts does.
if (runtime === "node") {
  const root = resolve(import.meta.dirname ?? ".", "..");
  const built = spawnSync(
    process.execPath,
    ["--import", "tsx", join("scripts", "build_npm.ts")],
    { cwd: root, stdio: ["ignore", "ignore", "inherit"] },
  );
  if (built.status !== 0) throw new Error("npm run build failed");
}

const dev: DevChild = await startDev();
console.log(`${label} dev server: ${dev.command}`);
const devClient = await Client.connect(dev.url);
const realClient = external ? await Client.connect(external) : undefined;
/** The Manager draining now, stopped on Ctrl-C so that it leaves no job reserved. */
let running: Manager | undefined;

/** Queues `n` no-op jobs on `q` with PUSHB, 1,000 at a time. */
async function fill(client: Client, n: number, q: string): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    await client.pushBulk(
      Array.from(
        { length: Math.min(1000, n - i) },
        (_, k) => createJob("Noop", [i + k], { queue: q }),
      ),
    );
  }
}

/** Drains `n` queued no-op jobs with a fresh Manager; jobs/s from its start to the last job. */
async function drain(
  url: string,
  concurrency: number,
  n: number,
): Promise<number> {
  const mgr = new Manager({
    url,
    concurrency,
    queues: [queue],
    logLevel: "warn",
    handleSignals: false,
  });
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  mgr.register("Noop", () => {
    if (++done === n) finish();
  });
  running = mgr;
  const started = performance.now();
  const run = mgr.run();
  await all;
  const secs = (performance.now() - started) / 1000;
  await mgr.stop();
  await run;
  running = undefined;
  return n / secs;
}

/** One drain of the dev server: jobs/s and its CPU time per job (µs, from /proc; NaN without). */
async function devDrain(concurrency: number) {
  await fill(devClient, total, queue);
  const cpu = hasProc ? cpuMicros(dev.pid) : Number.NaN;
  const rate = await drain(dev.url, concurrency, total);
  const cpuPerJob = hasProc ? (cpuMicros(dev.pid) - cpu) / total : Number.NaN;
  return { rate, cpuPerJob };
}

/** Throughput, interleaved with the real server's when given; whether the goal was met. */
async function throughput(): Promise<boolean> {
  let best = 0;
  for (const concurrency of [20, 100]) {
    const ours: number[] = [];
    const cpu: number[] = [];
    const theirs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Alternate who goes first, so a drift of the machine's load favours neither.
      if (realClient && round % 2 === 1) {
        await fill(realClient, total, queue);
        theirs.push(await drain(external!, concurrency, total));
      }
      const d = await devDrain(concurrency);
      ours.push(d.rate);
      cpu.push(d.cpuPerJob);
      if (realClient && round % 2 === 0) {
        await fill(realClient, total, queue);
        theirs.push(await drain(external!, concurrency, total));
      }
    }
    const rate = median(ours);
    best = Math.max(best, rate);
    const runs = (xs: number[]) => xs.map(fmt).join(", ");
    const vs = realClient
      ? `; Faktory ${fmt(median(theirs))} jobs/s (runs ${
        runs(theirs)
      }); dev/Faktory ${median(ratios(ours, theirs)).toFixed(2)}x`
      : "";
    console.log(
      `${label} dev concurrency ${String(concurrency).padStart(3)}: ${
        fmt(rate)
      } jobs/s (runs ${runs(ours)}; server CPU ${
        fmt(median(cpu))
      } us/job)${vs}: ${rate >= GOAL_RATE ? "PASS" : "FAIL"}`,
    );
  }
  const pass = best >= GOAL_RATE;
  console.log(
    `${label} dev throughput: ${pass ? "PASS" : "FAIL"} (best median ${
      fmt(best)
    } jobs/s, goal ${fmt(GOAL_RATE)} jobs/s, ${
      fmt(total)
    } jobs a run, ${rounds} rounds)`,
  );
  return pass;
}

/** Fills the dev server with DEAD dead jobs (retry -1: dead at the first failure); their jids. */
async function kill(): Promise<string[]> {
  const q = `${queue}-dead`;
  const jobs = Array.from(
    { length: DEAD },
    (_, i) => createJob("Fails", [i], { queue: q, retry: -1, backtrace: 10 }),
  );
  for (let i = 0; i < DEAD; i += 1000) {
    await devClient.pushBulk(jobs.slice(i, i + 1000));
  }
  const mgr = new Manager({
    url: dev.url,
    concurrency: 20,
    queues: [q],
    logLevel: "error",
    handleSignals: false,
  });
  mgr.register("Fails", () => {
    throw new Error("Deliberate failure, to fill the dead set");
  });
  running = mgr;
  const run = mgr.run();
  const deadline = Date.now() + 120_000;
  while ((await devClient.info()).faktory.tasks.Dead.size < DEAD) {
    if (Date.now() > deadline) throw new Error("The dead set did not fill");
    await new Promise((r) => setTimeout(r, 100));
  }
  await mgr.stop();
  await run;
  running = undefined;
  return jobs.map((j) => j.jid);
}

/** GETs `path` once; its time in ms and its size. Anything but 200 is an error. */
async function get(path: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const res = await fetch(`${dev.web}${path}`, { redirect: "manual" });
  const body = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200) {
    throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 200)}`);
  }
  return { ms, bytes: body.length };
}

/** The dashboard's pages with a full server; whether every median is under the goal. */
async function dashboard(): Promise<boolean> {
  const [a, b] = [`${queue}-a`, `${queue}-b`];
  const setUp = performance.now();
  await fill(devClient, QUEUED / 2, a);
  await fill(devClient, QUEUED / 2, b);
  const jids = await kill();
  console.log(
    `${label} dev dashboard: ${fmt(QUEUED)} jobs queued (${a}, ${b}), ${
      fmt(DEAD)
    } dead, set up in ${((performance.now() - setUp) / 1000).toFixed(1)} s`,
  );
  const pages = [
    "/",
    "/busy",
    "/queues",
    `/queues/${a}`,
    `/queues/${a}?page=${Math.ceil(QUEUED / 2 / PER_PAGE / 2)}`,
    `/queues/${a}?page=${Math.ceil(QUEUED / 2 / PER_PAGE)}`,
    "/scheduled",
    "/retries",
    "/dead",
    `/dead?page=${Math.ceil(DEAD / PER_PAGE)}`,
    `/dead/${jids[0]}`,
    `/dead/${jids[DEAD - 1]}`,
    "/api/stats",
  ];
  let pass = true;
  for (const path of pages) {
    await get(path);
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const r = await get(path);
      times.push(r.ms);
      bytes = r.bytes;
    }
    const mid = median(times);
    if (mid >= GOAL_MS) pass = false;
    console.log(
      `${label} dev GET ${path.padEnd(44)} median ${
        mid.toFixed(1).padStart(5)
      } ms, max ${Math.max(...times).toFixed(1).padStart(5)} ms, ${
        (bytes / 1024).toFixed(0).padStart(3)
      } KB: ${mid < GOAL_MS ? "PASS" : "FAIL"}`,
    );
  }
  console.log(
    `${label} dev dashboard: ${
      pass ? "PASS" : "FAIL"
    } (goal: every page's median under ${GOAL_MS} ms, ${REQUESTS} GETs each)`,
  );
  return pass;
}

let cleaned: Promise<void> | undefined;
/** Stops the running Manager, removes our queue from the real server and stops the dev server. */
function cleanUp(): Promise<void> {
  cleaned ??= (async () => {
    await running?.stop().catch(() => {});
    if (realClient) {
      await realClient.removeQueues([queue]).catch(() => {});
      await realClient.close();
    }
    await devClient.close();
    await dev.stop();
  })();
  return cleaned;
}
process.on("SIGINT", () => void cleanUp().then(() => process.exit(130)));

let pass = false;
try {
  const fast = await throughput();
  const responsive = await dashboard();
  pass = fast && responsive;
} finally {
  await cleanUp();
}
process.exit(pass ? 0 : 1);
