// What users pay: the worker process's CPU time per job, measured from outside (/proc), for our
// worker on Node (the built package, dist/, under plain node), Deno and Bun (the sources), and,
// when GO_WORKER names it, the reference Go worker on the same jobs in the same rounds.
// Each round runs every worker on a short and a long queue of no-op jobs pushed beforehand;
// (CPU of the long run - CPU of the short) / (jobs of the long - jobs of the short) is the
// marginal CPU per job, start-up excluded; likewise the marginal jobs/s. Ratios to Go are the
// median over the rounds of each round's ratio. Against FAKTORY_URL (a real Faktory: the
// target), else against the embedded server in its own process (a regression guard only).
// Runs once, from Node, whatever runtimes it measures (scripts/bench_all.ts starts it).
// Usage: tsx bench/cpu_bench.ts [node] [deno] [bun] [--quick] [--rounds=N] [--jobs=LONG,SHORT]
//   [--concurrency=N]; settings in bench/_cpu_config.ts, how to run it in bench/README.md.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { Client } from "../mod.ts";
import { cpuConfig } from "./_cpu_config.ts";
import {
  cleanUpOnce,
  current,
  entryOf,
  fill,
  idleFloor,
  measureRun,
  type RunPlace,
  type WorkerCommand,
} from "./_cpu_run.ts";
import { hasProc } from "./_proc.ts";
import { serveInChild } from "./_serve.ts";
import { marginal, median, ratios, type Sample } from "./_stats.ts";

const root = resolve(import.meta.dirname ?? ".", "..");
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const config = cpuConfig(process.argv.slice(2));

if (!hasProc) {
  console.log("cpu_bench: skipped, it reads /proc (Linux only)");
  process.exit(0);
}
if (config.goWorker && !existsSync(config.goWorker)) {
  throw new Error(`GO_WORKER names no file: ${config.goWorker}`);
}

// Node runs the package as users get it from npm: build it first.
if (config.runtimes.includes("node")) {
  const built = spawnSync(
    process.execPath,
    ["--import", "tsx", join("scripts", "build_npm.ts")],
    { cwd: root, stdio: "inherit" },
  );
  if (built.status !== 0) throw new Error("npm run build failed");
}

const peer = join("bench", "_peer_worker.mjs");
const launchers = {
  node: [process.execPath, []],
  deno: [bin("deno"), ["run", "-A"]],
  bun: [bin("bun"), []],
} as const;
const workers: WorkerCommand[] = [
  ...(config.goWorker
    ? [{ name: "go", command: config.goWorker, args: [] }]
    : []),
  ...config.runtimes.map((name) => ({
    name,
    command: launchers[name][0],
    args: [...launchers[name][1], peer],
  })),
];

const external = process.env.FAKTORY_URL;
const server = external ? undefined : await serveInChild();
const url = external ?? server!.url;
const client = await Client.connect(url);
const queue = `cpu-bench-${Math.random().toString(36).slice(2, 8)}`;
const dir = mkdtempSync(join(tmpdir(), "cpu-bench-"));
const place: RunPlace = {
  url,
  queue,
  concurrency: config.concurrency,
  dir,
  root,
};

const cleanUp = cleanUpOnce({
  worker: () => current,
  client,
  queue: external ? queue : undefined,
  server,
  dir,
});

const info = await client.info();
const where = external
  ? `Faktory ${info.server.faktory_version} at ${url}`
  : `the embedded server in its own process: a regression guard, not the target (set FAKTORY_URL for a real Faktory)`;
console.log(
  `cpu_bench: marginal CPU per job of each worker process, against ${where}\n` +
    `${config.rounds} rounds of ${config.longJobs} and ${config.shortJobs} no-op jobs, ` +
    `concurrency ${config.concurrency}${config.quick ? " (quick)" : ""}; ` +
    `order per round: ${workers.map((w) => w.name).join(", ")}; ` +
    `load average ${
      loadavg()[0]!.toFixed(2)
    } on ${availableParallelism()} CPUs`,
);

const floors = new Map<string, number>();
const samples = new Map<string, { short: Sample; long: Sample }[]>(
  workers.map((w) => [w.name, []]),
);
const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
try {
  for (const name of config.runtimes) {
    const [command, args] = launchers[name];
    floors.set(name, await idleFloor(command, args, root));
  }
  for (let round = 1; round <= config.rounds; round++) {
    for (const worker of workers) {
      const short = await measureRun(
        worker,
        config.shortJobs,
        await fill(client, queue, config.shortJobs),
        place,
      );
      const long = await measureRun(
        worker,
        config.longJobs,
        await fill(client, queue, config.longJobs),
        place,
      );
      samples.get(worker.name)!.push({ short, long });
      const m = marginal(long, short);
      const from = round === 1 && worker.name !== "go"
        ? `, library from ${entryOf(place, worker.name)}`
        : "";
      console.log(
        `  round ${round}/${config.rounds} ${worker.name.padEnd(4)} ${
          m.cpuPerJob.toFixed(1)
        } us/job, ${Math.round(m.rate)} jobs/s, RSS ${mb(long.rssBytes)} MB` +
          ` (CPU ${
            (short.cpuMicros / 1e6).toFixed(2)
          } s for ${short.jobs} jobs, ` +
          `${(long.cpuMicros / 1e6).toFixed(2)} s for ${long.jobs})${from}`,
      );
    }
  }
  report();
  const after = await client.info();
  const left = after.faktory.queues[queue] ?? 0;
  if (left > 0) throw new Error(`${left} jobs left in ${queue}`);
} finally {
  await cleanUp();
}

/** The table: one row per worker, medians over the rounds, ratios to Go per round. */
function report(): void {
  const per = (name: string) =>
    samples.get(name)!.map(({ short, long }) => ({
      ...marginal(long, short),
      rss: long.rssBytes,
    }));
  const go = config.goWorker ? per("go") : undefined;
  const range = (xs: number[], digits: number) =>
    `${fix(Math.min(...xs), digits)}-${fix(Math.max(...xs), digits)}`;
  const fix = (x: number, digits: number) =>
    digits === 0 ? Math.round(x).toLocaleString("en-US") : x.toFixed(digits);
  const rows = workers.map(({ name }) => {
    const runs = per(name);
    const cpu = runs.map((r) => r.cpuPerJob);
    const rate = runs.map((r) => r.rate);
    const rss = median(runs.map((r) => r.rss));
    const floor = floors.get(name);
    const vsGo = (ours: number[], theirs: number[] | undefined) =>
      theirs ? `${median(ratios(ours, theirs)).toFixed(2)}x` : "-";
    return [
      name,
      `${fix(median(cpu), 1)} (${range(cpu, 1)})`,
      vsGo(cpu, go?.map((r) => r.cpuPerJob)),
      `${fix(median(rate), 0)} (${range(rate, 0)})`,
      vsGo(rate, go?.map((r) => r.rate)),
      mb(rss),
      floor === undefined ? "-" : mb(floor),
    ];
  });
  const head = [
    "worker",
    "CPU us/job, median (min-max)",
    "CPU vs Go",
    "jobs/s, median (min-max)",
    "jobs/s vs Go",
    "RSS MB",
    "idle floor MB",
  ];
  const widths = head.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => r[i]!.length))
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(
    [
      "",
      line(head),
      line(widths.map((w) => "-".repeat(w))),
      ...rows.map(line),
      "",
      "CPU and jobs/s are marginal (long run minus short run), so start-up is excluded; " +
      '"vs Go" is the median of each round\'s ratio (CPU: lower is better, jobs/s: higher). ' +
      "RSS is the worker's after the long run; the idle floor is the runtime alone " +
      "(a script that loads nothing and waits). " +
      `Load average at the end ${loadavg()[0]!.toFixed(2)}.`,
    ].join("\n"),
  );
}
