// The pure helpers of the CPU benchmark (bench/_stats.ts, bench/_cpu_config.ts): /proc parsing,
// the marginal cost of a job, medians, paired ratios, and the settings.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  cpuMicrosFromStat,
  marginal,
  median,
  ratios,
  rssBytesFromStatus,
} from "../bench/_stats.ts";
import { cpuConfig } from "../bench/_cpu_config.ts";

// A real line of /proc/<pid>/stat, but for a command named "a) b (c" and utime 1234, stime 56.
const STAT =
  "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 2200 0 0 0 1234 56 0 0 20 0 " +
  "11 0 9000 1200000000 30000 18446744073709551615 1 1 0 0 0 0 0 4096 134234626 " +
  "0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

test("cpuMicrosFromStat() adds utime and stime, counting fields after the last parenthesis", () => {
  assert.equal(cpuMicrosFromStat(STAT, 100), (1234 + 56) * 10_000);
  assert.equal(cpuMicrosFromStat(STAT, 1000), (1234 + 56) * 1000);
});

test("cpuMicrosFromStat() refuses text that is no stat line", () => {
  assert.throws(() => cpuMicrosFromStat("4242 S 1 2 3", 100), /Not a/);
  assert.throws(() => cpuMicrosFromStat("4242 (x) S 1 2", 100), /No utime/);
});

test("rssBytesFromStatus() reads the VmRSS line in kB", () => {
  const status =
    "Name:\tnode\nVmPeak:\t  999 kB\nVmRSS:\t   61440 kB\nRssAnon:\t 100 kB\n";
  assert.equal(rssBytesFromStatus(status), 61440 * 1024);
  assert.throws(() => rssBytesFromStatus("Name:\tzombie\n"), /No VmRSS/);
});

test("marginal() is the cost of the long run's extra jobs, start-up excluded", () => {
  const short = { jobs: 5000, cpuMicros: 400_000, seconds: 1.5, rssBytes: 0 };
  const long = { jobs: 60_000, cpuMicros: 2_600_000, seconds: 7, rssBytes: 0 };
  const m = marginal(long, short);
  assert.equal(m.cpuPerJob, 40);
  assert.equal(m.rate, 10_000);
  assert.throws(() => marginal(short, long), RangeError);
  assert.throws(() => marginal(short, short), RangeError);
});

test("median() takes the middle value, or the mean of the middle two", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.throws(() => median([]), RangeError);
});

test("ratios() divides each round's figure by the other side's of the same round", () => {
  assert.deepEqual(ratios([10, 30, 8], [5, 10, 8]), [2, 3, 1]);
  assert.throws(() => ratios([1, 2], [1]), RangeError);
});

test("cpuConfig() is quick without FAKTORY_URL, full against a server, flags over env", () => {
  const embedded = cpuConfig([], {});
  assert.equal(embedded.quick, true);
  assert.deepEqual(
    [embedded.rounds, embedded.longJobs, embedded.shortJobs],
    [2, 20_000, 2000],
  );
  assert.deepEqual(embedded.runtimes, ["node", "deno", "bun"]);
  const env = { FAKTORY_URL: "tcp://127.0.0.1:7419", CPU_BENCH_ROUNDS: "5" };
  const real = cpuConfig([], env);
  assert.deepEqual(
    [real.quick, real.rounds, real.longJobs, real.shortJobs, real.concurrency],
    [false, 5, 60_000, 5000, 20],
  );
  const flagged = cpuConfig(
    ["bun", "--rounds", "4", "--jobs=30_000,3000", "--concurrency=50"],
    env,
  );
  assert.deepEqual(
    [flagged.rounds, flagged.longJobs, flagged.shortJobs, flagged.concurrency],
    [4, 30_000, 3000, 50],
  );
  assert.deepEqual(flagged.runtimes, ["bun"]);
  assert.equal(
    cpuConfig([], { ...env, GO_WORKER: "/bin/go-worker" }).goWorker,
    "/bin/go-worker",
  );
  assert.throws(() => cpuConfig(["--jobs=100,200"], env), RangeError);
  assert.throws(() => cpuConfig(["--rounds=0"], env), RangeError);
});
