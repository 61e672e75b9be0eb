// One measured run of the CPU benchmark: a worker process is started on a queue filled
// beforehand, and measured from outside (/proc) once DONE_LOG holds every job; then it gets
// SIGTERM and shuts down gracefully. Also the idle floor of a runtime.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type Client, createJob } from "../mod.ts";
import { cpuMicros, rssBytes } from "./_proc.ts";
import type { Sample } from "./_stats.ts";

/** A worker to measure: its label and the command that starts it. */
export interface WorkerCommand {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

/** Where and how a run happens. */
export interface RunPlace {
  readonly url: string;
  readonly queue: string;
  readonly concurrency: number;
  /** A scratch folder for the DONE_LOG files and the workers' output. */
  readonly dir: string;
  /** The repository, the workers' working directory. */
  readonly root: string;
}

/** The child being measured, so that an interrupted benchmark can stop it. */
export let current: ChildProcess | undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pushes `n` no-op `Ok` jobs with PUSHB, 1,000 at a time; returns the bytes their jids make in DONE_LOG. */
export async function fill(
  client: Client,
  queue: string,
  n: number,
): Promise<number> {
  let bytes = 0;
  for (let i = 0; i < n; i += 1000) {
    const jobs = Array.from(
      { length: Math.min(1000, n - i) },
      () => createJob("Ok", [], { queue }),
    );
    const refused = await client.pushBulk(jobs);
    if (Object.keys(refused).length > 0) {
      throw new Error(`The server refused jobs: ${JSON.stringify(refused)}`);
    }
    for (const job of jobs) bytes += job.jid.length + 1;
  }
  return bytes;
}

/** Waits up to `ms` for the child to exit; true if it did. */
function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** The end of a worker's output, for an error message. */
function tail(path: string): string {
  return readFileSync(path, "utf8").split("\n").slice(-15).join("\n");
}

/**
 * Starts `worker` on `place.queue`, which holds `jobs` jobs whose jids make
 * `bytes` bytes of DONE_LOG, and measures it when the last one is logged.
 */
export async function measureRun(
  worker: WorkerCommand,
  jobs: number,
  bytes: number,
  place: RunPlace,
): Promise<Sample> {
  const doneLog = join(place.dir, `${worker.name}-${jobs}.done`);
  const logPath = join(place.dir, `${worker.name}.log`);
  closeSync(openSync(doneLog, "w"));
  const out = openSync(logPath, "a");
  const started = performance.now();
  const child = spawn(worker.command, worker.args, {
    cwd: place.root,
    stdio: ["ignore", out, out],
    env: {
      ...process.env,
      FAKTORY_URL: place.url,
      QUEUE: place.queue,
      CONCURRENCY: String(place.concurrency),
      SHUTDOWN_TIMEOUT_S: "10",
      DONE_LOG: doneLog,
      DENO_NO_UPDATE_CHECK: "1",
    },
  });
  closeSync(out);
  current = child;
  try {
    // A generous limit: 500 jobs/s, plus a minute to start.
    const deadline = started + 60_000 + (jobs / 500) * 1000;
    while (statSync(doneLog).size < bytes) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `${worker.name} exited (${
            child.exitCode ?? child.signalCode
          }) before its ${jobs} jobs were done:\n${tail(logPath)}`,
        );
      }
      if (performance.now() > deadline) {
        throw new Error(
          `${worker.name} did not finish ${jobs} jobs in time (${
            statSync(doneLog).size
          } of ${bytes} bytes of DONE_LOG):\n${tail(logPath)}`,
        );
      }
      await sleep(10);
    }
    const seconds = (performance.now() - started) / 1000;
    const sample = {
      jobs,
      seconds,
      cpuMicros: cpuMicros(child.pid!),
      rssBytes: rssBytes(child.pid!),
    };
    if (statSync(doneLog).size !== bytes) {
      throw new Error(`${worker.name} logged more jobs than it was given`);
    }
    return sample;
  } finally {
    await stop(child, worker.name);
    current = undefined;
  }
}

/** Where our worker loaded the library from, relative to `root` (its first line of output says). */
export function entryOf(place: RunPlace, name: string): string {
  const log = readFileSync(join(place.dir, `${name}.log`), "utf8");
  const url = /@x\/faktory-worker from (\S+),/.exec(log)?.[1];
  return url ? relative(place.root, fileURLToPath(url)) : "unknown";
}

/** SIGTERM, then SIGKILL after 30 s (which would leave its jobs reserved on the server). */
export async function stop(child: ChildProcess, name: string): Promise<void> {
  child.kill("SIGTERM");
  if (await exited(child, 30_000)) return;
  child.kill("SIGKILL");
  await exited(child, 5_000);
  throw new Error(`${name} did not stop within 30 s of SIGTERM: killed`);
}

/** RSS of a runtime running a script that loads nothing and waits, in bytes. */
export async function idleFloor(
  command: string,
  args: readonly string[],
  root: string,
): Promise<number> {
  const child = spawn(command, [...args, join("bench", "_idle.mjs")], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
  });
  current = child;
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once("data", () => resolve());
      child.once("exit", (code) => reject(new Error(`Exited with ${code}`)));
    });
    await sleep(500);
    return rssBytes(child.pid!);
  } finally {
    child.kill("SIGTERM");
    await exited(child, 5_000);
    current = undefined;
  }
}

/** What a benchmark leaves behind: its worker, its queue, its client, its server, its folder. */
export interface Leftovers {
  worker(): ChildProcess | undefined;
  readonly client: Client;
  /** The queue to remove, on a server that is not the benchmark's own. */
  readonly queue: string | undefined;
  readonly server: { stop(): Promise<void> } | undefined;
  readonly dir: string;
}

/**
 * Returns the clean-up of a benchmark (it runs once, however often called),
 * and runs it on Ctrl-C before exiting: the worker stops gracefully first, so
 * no job stays reserved.
 */
export function cleanUpOnce(leftovers: Leftovers): () => Promise<void> {
  let cleaned: Promise<void> | undefined;
  const cleanUp = () =>
    cleaned ??= (async () => {
      const worker = leftovers.worker();
      if (worker) await stop(worker, "worker").catch(() => {});
      if (leftovers.queue !== undefined) {
        await leftovers.client.removeQueues([leftovers.queue]).catch(() => {});
      }
      await leftovers.client.close().catch(() => {});
      await leftovers.server?.stop();
      rmSync(leftovers.dir, { recursive: true, force: true });
    })();
  process.once("SIGINT", () => {
    console.log("\ninterrupted: cleaning up");
    void cleanUp().then(() => process.exit(130));
  });
  return cleanUp;
}
