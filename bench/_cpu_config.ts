// Settings of the CPU benchmark, from flags (first) or the environment:
//   --quick, CPU_BENCH_QUICK=1       2 rounds of 20,000 and 2,000 jobs (a smoke run)
//   --rounds=N, CPU_BENCH_ROUNDS     paired rounds (default 3; 2 when quick)
//   --jobs=LONG,SHORT, CPU_BENCH_JOBS  jobs of the long and the short run (default 60000,5000)
//   --concurrency=N, CPU_BENCH_CONCURRENCY  the workers' concurrency (default 20)
//   node, deno, bun                  only these runtimes (default all three)
//   GO_WORKER=<path>                 the reference Go worker, run in the same rounds
// Against the embedded server (no FAKTORY_URL) the quick settings are the default.
import process from "node:process";

/** The runtimes our worker runs on. */
export const RUNTIMES = ["node", "deno", "bun"] as const;

/** One of {@linkcode RUNTIMES}. */
export type Runtime = (typeof RUNTIMES)[number];

/** What the benchmark runs. */
export interface CpuConfig {
  readonly rounds: number;
  readonly longJobs: number;
  readonly shortJobs: number;
  readonly concurrency: number;
  readonly runtimes: readonly Runtime[];
  /** The Go worker's executable, if any. */
  readonly goWorker: string | undefined;
  readonly quick: boolean;
}

/** The value of `--name=value` or `--name value` in `args`, if given. */
function flag(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
    if (arg === `--${name}`) return args[i + 1];
  }
  return undefined;
}

/** A positive integer, or a RangeError naming the setting. */
function positive(text: string, what: string): number {
  const n = Number(text.replaceAll("_", ""));
  if (!Number.isInteger(n) || n <= 0) {
    throw new RangeError(`${what} must be a positive integer, got ${text}`);
  }
  return n;
}

/** Reads the settings from the command line and the environment. */
export function cpuConfig(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): CpuConfig {
  const quick = args.includes("--quick") ||
    ["1", "true"].includes(env.CPU_BENCH_QUICK ?? "") ||
    !env.FAKTORY_URL;
  const rounds = flag(args, "rounds") ?? env.CPU_BENCH_ROUNDS;
  const jobs = flag(args, "jobs") ?? env.CPU_BENCH_JOBS;
  const concurrency = flag(args, "concurrency") ?? env.CPU_BENCH_CONCURRENCY;
  const [longText, shortText] = (jobs ?? (quick ? "20000,2000" : "60000,5000"))
    .split(",");
  const longJobs = positive(longText ?? "", "The long run's jobs");
  const shortJobs = positive(shortText ?? "", "The short run's jobs");
  if (longJobs <= shortJobs) {
    throw new RangeError(
      `The long run needs more jobs than the short one, got ${jobs}`,
    );
  }
  const named = RUNTIMES.filter((r) => args.includes(r));
  return {
    rounds: positive(rounds ?? (quick ? "2" : "3"), "Rounds"),
    longJobs,
    shortJobs,
    concurrency: positive(concurrency ?? "20", "Concurrency"),
    runtimes: named.length > 0 ? named : RUNTIMES,
    goWorker: env.GO_WORKER || undefined,
    quick,
  };
}
