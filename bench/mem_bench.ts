// What the worker holds in memory while it works: the RSS of our worker process (_peer_worker.mjs,
// as in cpu_bench.ts: Node on the built package, dist/, under plain node; Deno and Bun on the
// sources), read from /proc every N jobs over a long soak, beside the runtime's idle floor and
// the worker's own view (heap, external, array buffers, V8's young generation) from MEM_PROBE.
// Jobs are pushed as the worker drains them (at most 20,000 waiting), so the server holds
// little. Against FAKTORY_URL (a real Faktory: the target), else the embedded server in its own
// process. Runs once, from Node, whatever runtimes it measures (scripts/bench_all.ts starts it).
// Usage: tsx bench/mem_bench.ts [node] [deno] [bun] [--soak=N] [--every=N] [--concurrency=N]
//   --soak (MEM_BENCH_SOAK): jobs of the soak, default 500,000 (50,000 without FAKTORY_URL)
//   --every (MEM_BENCH_EVERY): a sample every N jobs, default jobs / 10
//   --concurrency (MEM_BENCH_CONCURRENCY): default 20
// Runtime flags reach the workers through the environment (NODE_OPTIONS, DENO_V8_FLAGS).
import { spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { Client, createJob } from "../mod.ts";
import { type Runtime, RUNTIMES } from "./_cpu_config.ts";
import { cleanUpOnce, idleFloor, stop } from "./_cpu_run.ts";
import { hasProc, rssBytes } from "./_proc.ts";
import { serveInChild } from "./_serve.ts";

const root = resolve(import.meta.dirname ?? ".", "..");
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const args = process.argv.slice(2);
const flag = (name: string, env: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ??
    process.env[env];
const external = process.env.FAKTORY_URL;
const jobs = Number(
  flag("soak", "MEM_BENCH_SOAK") ?? (external ? 500_000 : 50_000),
);
const every = Number(flag("every", "MEM_BENCH_EVERY") ?? jobs / 10);
const concurrency = Number(flag("concurrency", "MEM_BENCH_CONCURRENCY") ?? 20);
for (
  const [name, n] of [["soak", jobs], ["every", every], [
    "concurrency",
    concurrency,
  ]] as const
) {
  if (!Number.isInteger(n) || n <= 0) {
    throw new RangeError(`--${name} must be a positive integer, got ${n}`);
  }
}
const named = RUNTIMES.filter((r) => args.includes(r));
const runtimes: readonly Runtime[] = named.length > 0 ? named : RUNTIMES;

if (!hasProc) {
  console.log("mem_bench: skipped, it reads /proc (Linux only)");
  process.exit(0);
}
if (runtimes.includes("node")) {
  const built = spawnSync(
    process.execPath,
    ["--import", "tsx", join("scripts", "build_npm.ts")],
    { cwd: root, stdio: "inherit" },
  );
  if (built.status !== 0) throw new Error("npm run build failed");
}

const launchers = {
  node: [process.execPath, []],
  deno: [bin("deno"), ["run", "-A"]],
  bun: [bin("bun"), []],
} as const;

/** The worker's own figures (bench/_mem_probe.mjs), in bytes. */
interface Probe {
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  newSpace: number | null;
}

/** One sample: jobs done so far, RSS from /proc, and the worker's own figures. */
interface Row {
  jobs: number;
  rss: number;
  probe: Probe | undefined;
}

const server = external ? undefined : await serveInChild();
const url = external ?? server!.url;
const client = await Client.connect(url);
const queue = `mem-bench-${Math.random().toString(36).slice(2, 8)}`;
const dir = mkdtempSync(join(tmpdir(), "mem-bench-"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number | null | undefined) =>
  bytes === null || bytes === undefined ? "-" : (bytes / 1048576).toFixed(1);
let child: ReturnType<typeof spawn> | undefined;

const cleanUp = cleanUpOnce({
  worker: () => child,
  client,
  queue: external ? queue : undefined,
  server,
  dir,
});

function readProbe(path: string): Probe | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined; // not written yet, or caught mid-write
  }
}

/** Runs one runtime's worker through the soak, sampling every `every` jobs. */
async function soak(runtime: Runtime): Promise<{ started: Row; rows: Row[] }> {
  const [command, pre] = launchers[runtime];
  const doneLog = join(dir, `${runtime}.done`);
  const probePath = join(dir, `${runtime}.probe`);
  const logPath = join(dir, `${runtime}.log`);
  closeSync(openSync(doneLog, "w"));
  const out = openSync(logPath, "a");
  child = spawn(command, [...pre, join("bench", "_peer_worker.mjs")], {
    cwd: root,
    stdio: ["ignore", out, out],
    env: {
      ...process.env,
      FAKTORY_URL: url,
      QUEUE: queue,
      CONCURRENCY: String(concurrency),
      SHUTDOWN_TIMEOUT_S: "10",
      DONE_LOG: doneLog,
      MEM_PROBE: probePath,
      DENO_NO_UPDATE_CHECK: "1",
    },
  });
  closeSync(out);
  const pid = child.pid!;
  const alive = () => {
    if (child!.exitCode !== null || child!.signalCode !== null) {
      throw new Error(
        `${runtime} exited early:\n${
          readFileSync(logPath, "utf8").slice(-2000)
        }`,
      );
    }
  };
  // Started: connected and fetching from the empty queue for a second.
  while (!/Worker started/.test(readFileSync(logPath, "utf8"))) {
    alive();
    await sleep(20);
  }
  await sleep(1000);
  const started = { jobs: 0, rss: rssBytes(pid), probe: readProbe(probePath) };
  const jidBytes = 25; // a 24-character jid and its newline
  const rows: Row[] = [];
  let pushed = 0;
  let next = every;
  const deadline = performance.now() + 60_000 + (jobs / 500) * 1000;
  for (;;) {
    alive();
    const done = statSync(doneLog).size / jidBytes;
    while (done >= next && next <= jobs) {
      rows.push({
        jobs: next,
        rss: rssBytes(pid),
        probe: readProbe(probePath),
      });
      next += every;
    }
    if (done >= jobs) break;
    if (pushed < jobs && pushed - done < 10_000) {
      const batch = Array.from(
        { length: Math.min(1000, jobs - pushed) },
        () => createJob("Ok", [], { queue }),
      );
      if (batch.some((j) => j.jid.length + 1 !== jidBytes)) {
        throw new Error("A jid is not 24 characters long");
      }
      const refused = await client.pushBulk(batch);
      if (Object.keys(refused).length > 0) {
        throw new Error(`The server refused jobs: ${JSON.stringify(refused)}`);
      }
      pushed += batch.length;
      continue;
    }
    if (performance.now() > deadline) {
      throw new Error(`${runtime} did not finish ${jobs} jobs in time`);
    }
    await sleep(10);
  }
  await stop(child, runtime);
  child = undefined;
  if (statSync(doneLog).size !== jobs * jidBytes) {
    throw new Error(`${runtime} logged more jobs than it was given`);
  }
  return { started, rows };
}

console.log(
  `mem_bench: RSS of the worker process every ${every} jobs over ${jobs} no-op jobs, ` +
    `concurrency ${concurrency}, against ${
      external ? `${url}` : "the embedded server in its own process"
    }` +
    (process.env.NODE_OPTIONS
      ? `; NODE_OPTIONS=${process.env.NODE_OPTIONS}`
      : "") +
    (process.env.DENO_V8_FLAGS
      ? `; DENO_V8_FLAGS=${process.env.DENO_V8_FLAGS}`
      : ""),
);
const summary: string[][] = [];
try {
  for (const runtime of runtimes) {
    const [command, pre] = launchers[runtime];
    const floor = await idleFloor(command, pre, root);
    const { started, rows } = await soak(runtime);
    console.log(
      `\n${runtime}: idle floor ${
        mb(floor)
      } MB (a script that loads nothing)\n` +
        "| jobs | RSS MB | heap total MB | heap used MB | external MB | array buffers MB | young generation MB |\n" +
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n" +
        [started, ...rows].map((r) =>
          `| ${r.jobs === 0 ? "started" : r.jobs.toLocaleString("en-US")} | ${
            mb(r.rss)
          } | ${mb(r.probe?.heapTotal)} | ${mb(r.probe?.heapUsed)} | ${
            mb(r.probe?.external)
          } | ${mb(r.probe?.arrayBuffers)} | ${mb(r.probe?.newSpace)} |`
        ).join("\n"),
    );
    const at100k = rows.find((r) => r.jobs >= 100_000) ?? rows.at(-1)!;
    const later = rows.filter((r) => r.jobs >= at100k.jobs).map((r) => r.rss);
    summary.push([
      runtime,
      mb(floor),
      mb(started.rss),
      `${mb(at100k.rss)} (${at100k.jobs.toLocaleString("en-US")})`,
      `${mb(Math.min(...later))}-${mb(Math.max(...later))}`,
      mb(rows.at(-1)!.rss),
    ]);
  }
  console.log(
    "\n| runtime | idle floor MB | started MB | after 100k MB (jobs) | from 100k to the end MB | at the end MB |\n" +
      "| --- | ---: | ---: | ---: | ---: | ---: |\n" +
      summary.map((r) => `| ${r.join(" | ")} |`).join("\n"),
  );
  const info = await client.info();
  const left = info.faktory.queues[queue] ?? 0;
  if (left > 0) throw new Error(`${left} jobs left in ${queue}`);
} finally {
  await cleanUp();
}
