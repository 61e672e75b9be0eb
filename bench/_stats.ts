// Pure helpers of the CPU benchmark: /proc parsing, the marginal cost of a job, medians.
// No I/O here, so tests/bench_stats.test.ts can check them on every runtime.

/** A worker process measured once all of its jobs were done. */
export interface Sample {
  /** Jobs the run processed. */
  readonly jobs: number;
  /** The process's user + system CPU time since it started, in microseconds. */
  readonly cpuMicros: number;
  /** Wall time from starting the process to its last job, in seconds. */
  readonly seconds: number;
  /** Resident set size at that moment, in bytes. */
  readonly rssBytes: number;
}

/** What one more job costs: the difference of a long and a short run, start-up excluded. */
export interface Marginal {
  /** CPU time per job, in microseconds. */
  readonly cpuPerJob: number;
  /** Jobs per second. */
  readonly rate: number;
}

/**
 * User + system CPU time, in microseconds, from the text of `/proc/<pid>/stat`.
 * The command name (field 2, in parentheses) may hold spaces and parentheses,
 * so fields are counted from the last `)`: utime and stime are fields 14 and 15.
 */
export function cpuMicrosFromStat(
  text: string,
  ticksPerSecond: number,
): number {
  const end = text.lastIndexOf(")");
  if (end === -1) throw new Error(`Not a /proc/<pid>/stat line: ${text}`);
  const fields = text.slice(end + 1).trim().split(/\s+/);
  // fields[0] is field 3 (state), so field n is fields[n - 3]
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) {
    throw new Error(`No utime and stime in /proc/<pid>/stat: ${text}`);
  }
  return ((utime + stime) * 1_000_000) / ticksPerSecond;
}

/** The resident set size, in bytes, from the text of `/proc/<pid>/status` (its `VmRSS` line). */
export function rssBytesFromStatus(text: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  if (!match) throw new Error("No VmRSS line in /proc/<pid>/status");
  return Number(match[1]) * 1024;
}

/** The cost of the jobs a long run did beyond a short one; throws unless `long` has more jobs. */
export function marginal(long: Sample, short: Sample): Marginal {
  const jobs = long.jobs - short.jobs;
  if (jobs <= 0) {
    throw new RangeError(
      `The long run needs more jobs than the short one, got ${long.jobs} and ${short.jobs}`,
    );
  }
  const seconds = long.seconds - short.seconds;
  return {
    cpuPerJob: (long.cpuMicros - short.cpuMicros) / jobs,
    rate: seconds > 0 ? jobs / seconds : Number.POSITIVE_INFINITY,
  };
}

/** The median (the mean of the middle two for an even count); throws on no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    throw new RangeError("No values to take the median of");
  }
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Each of `ours` divided by the `theirs` of the same round (paired runs). */
export function ratios(
  ours: readonly number[],
  theirs: readonly number[],
): number[] {
  if (ours.length !== theirs.length) {
    throw new RangeError(
      `Paired runs need as many rounds on each side, got ${ours.length} and ${theirs.length}`,
    );
  }
  return ours.map((x, i) => x / theirs[i]!);
}
