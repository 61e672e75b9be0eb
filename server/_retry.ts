/**
 * Faktory's retry policy: when a failed job runs again, and the order of the
 * fields of its `failure` record.
 *
 * @module
 */

/** A failure record with its fields in the order Faktory marshals them. */
export function orderFailure(
  f: Record<string, unknown>,
): Record<string, unknown> {
  const order = [
    "retry_count",
    "remaining",
    "failed_at",
    "next_at",
    "message",
    "errtype",
    "backtrace",
  ];
  const out: Record<string, unknown> = {};
  for (const k of order) if (f[k] !== undefined) out[k] = f[k];
  return out;
}

const NS_PER_SEC = 1_000_000_000n;

/**
 * When a job that failed `count` times before runs again, in ms. Faktory
 * computes `count^4 + 15 + rand(30) * (count + 1)` seconds in Go's int64 and
 * multiplies by time.Second, which wraps around silently for large counts;
 * this does the same arithmetic, so the result is always within about 292
 * years of `now` (possibly in the past, as on Faktory), never an invalid date.
 */
export function nextRetry(
  now: number,
  count: number,
  random: () => number,
): number {
  const c = BigInt(Math.max(0, Math.min(Math.trunc(count), 2 ** 53)));
  const jitter = BigInt(Math.floor(random() * 30));
  const secs = BigInt.asIntN(64, c ** 4n + 15n + jitter * (c + 1n));
  const ns = BigInt.asIntN(64, secs * NS_PER_SEC);
  return now + Number(ns / 1_000_000n);
}
