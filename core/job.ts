/**
 * Job payloads: the JSON a producer pushes and a worker fetches, the options
 * users set in TypeScript idiom, and validation that matches the server's.
 *
 * @module
 */

import { InvalidJobError, RemoteProtocolError } from "./errors.ts";
import { enterpriseCustom } from "./job_enterprise.ts";
import { isPlainObject, validateJob } from "./job_validation.ts";

export { checkQueueName, validateJob } from "./job_validation.ts";
export { InvalidJobError } from "./errors.ts";

/**
 * A value that survives a JSON round trip unchanged.
 *
 * @example
 * ```ts
 * import type { JsonValue } from "@x/faktory-worker";
 * const args: JsonValue[] = [1, "two", { three: [3] }, null];
 * console.log(args.length);
 * ```
 */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/**
 * A job as sent on the wire by PUSH. Only fields the caller set are present:
 * the server owns every default (queue `default`, retry 25, reserve_for 1800).
 *
 * @example
 * ```ts
 * import type { JobPayload } from "@x/faktory-worker";
 * const job: JobPayload = { jid: "0123456789abcdef", jobtype: "Email", args: [42] };
 * console.log(job.jobtype);
 * ```
 */
export interface JobPayload {
  /** Unique job id, at least 8 bytes (UTF-8); any characters. */
  readonly jid: string;
  /** The name a worker registered a handler under. */
  readonly jobtype: string;
  /** Positional arguments for the handler. */
  readonly args: readonly JsonValue[];
  /** Queue name; the server uses `default` when absent. */
  readonly queue?: string;
  /** Seconds the job may run before the server retries it (at most 86400). */
  readonly reserve_for?: number;
  /** RFC 3339 time at which the job becomes runnable. */
  readonly at?: string;
  /** Retries before the job dies: 0 discards it on failure, -1 kills it. */
  readonly retry?: number;
  /** Number of backtrace lines the server keeps for a failure. */
  readonly backtrace?: number;
  /** Free-form metadata, also used by Enterprise features. */
  readonly custom?: { readonly [key: string]: JsonValue };
}

/**
 * Failure details the server records on a retried job.
 *
 * @example
 * ```ts
 * import type { JobFailure } from "@x/faktory-worker";
 * const failure: JobFailure = { retry_count: 1, message: "boom", errtype: "Error" };
 * console.log(failure.retry_count);
 * ```
 */
export interface JobFailure {
  /** Failures so far. */
  readonly retry_count: number;
  /** Retries left. */
  readonly remaining?: number;
  /** When the job last failed. */
  readonly failed_at?: string;
  /** When the job runs again. */
  readonly next_at?: string;
  /** The last error's message. */
  readonly message?: string;
  /** The last error's type. */
  readonly errtype?: string;
  /** The last error's stack lines. */
  readonly backtrace?: readonly string[];
}

/**
 * A job as FETCH returns it: the pushed payload plus the server's fields.
 *
 * @example
 * ```ts
 * import type { Job } from "@x/faktory-worker";
 * function describe(job: Job): string {
 *   return `${job.jobtype}(${job.jid}) from ${job.queue ?? "default"}`;
 * }
 * console.log(describe({ jid: "0123456789ab", jobtype: "T", args: [] }));
 * ```
 */
export interface Job extends JobPayload {
  /** When the job was first pushed. */
  readonly created_at?: string;
  /** When the job was last put on its queue. */
  readonly enqueued_at?: string;
  /** Details of the last failure, for a retried job. */
  readonly failure?: JobFailure;
}

/**
 * Options for a job, in TypeScript idiom. Keys are sent in the order given.
 * The Faktory Pro and Enterprise options (`uniqueFor`, `uniqueUntil`,
 * `expiresAt`, `expiresIn`, `track`) are sent as the `custom` keys the
 * server reads, over any same-named keys of `custom`; the open-source server
 * ignores them.
 *
 * @example
 * ```ts
 * import type { JobOptions } from "@x/faktory-worker";
 * const options: JobOptions = { queue: "critical", retry: 3, at: new Date("2030-01-01T09:00:00Z") };
 * const unique: JobOptions = { uniqueFor: 600, uniqueUntil: "start", expiresIn: 3600 };
 * console.log(options.queue, unique.uniqueFor);
 * ```
 */
export interface JobOptions {
  /** Job id; generated (16 random bytes, hex) when absent. */
  readonly jid?: string;
  /** Queue name (letters, digits, `.`, `_`, `-`). */
  readonly queue?: string;
  /** Seconds the job may run before the server retries it, 1..86400. */
  readonly reserveFor?: number;
  /** When the job becomes runnable: a Date or an RFC 3339 string. */
  readonly at?: Date | string;
  /** Retries before the job dies: 0 discards on failure, -1 kills at once. */
  readonly retry?: number;
  /** Number of backtrace lines to keep on failure. */
  readonly backtrace?: number;
  /** Free-form JSON metadata. */
  readonly custom?: { readonly [key: string]: JsonValue };
  /**
   * Faktory Pro: while an equal job (same type, arguments and queue) pushed
   * within this many seconds (fractions allowed) holds the lock, PUSH fails
   * with `NotUniqueError`. Sent as `custom.unique_for`.
   */
  readonly uniqueFor?: number;
  /**
   * Faktory Pro: when the unique lock is released: `"success"` (the
   * default: when the job is ACKed) or `"start"` (when it is fetched).
   * Needs `uniqueFor`. Sent as `custom.unique_until`.
   */
  readonly uniqueUntil?: "success" | "start";
  /**
   * Faktory Enterprise: the job is dropped, not run, if fetched after this
   * time. Sent as `custom.expires_at`.
   */
  readonly expiresAt?: Date | string;
  /**
   * Faktory Enterprise: seconds from the job's creation after which it is
   * dropped, not run. Sent as `custom.expires_at`.
   */
  readonly expiresIn?: number;
  /**
   * Faktory Enterprise: track the job's progress, which the job reports
   * with `ctx.trackProgress()`. Sent as `custom.track` (`false` removes it).
   */
  readonly track?: boolean;
}

const OPTION_KEYS: Record<keyof JobOptions, keyof JobPayload | undefined> = {
  jid: undefined,
  queue: "queue",
  reserveFor: "reserve_for",
  at: "at",
  retry: "retry",
  backtrace: "backtrace",
  custom: "custom",
  uniqueFor: undefined,
  uniqueUntil: undefined,
  expiresAt: undefined,
  expiresIn: undefined,
  track: undefined,
};

/**
 * Builds a job payload from a job type, arguments and options, validating it
 * like the server does. The jid comes from `options.jid` or, when absent, the
 * `jid` parameter (the caller generates it, so this function stays pure), and
 * so does the current time that `expiresIn` counts from.
 *
 * @param jobtype The registered job type.
 * @param args The handler's arguments (JSON values only).
 * @param options Queue, retry, schedule and other options.
 * @param jid The jid to use when `options.jid` is absent.
 * @param now The current time in ms since the epoch; needed for `expiresIn`.
 * @returns A payload ready for PUSH.
 * @throws {InvalidJobError} When a field would be refused by the server.
 *
 * @example
 * ```ts
 * import { buildJob } from "@x/faktory-worker/protocol";
 * const job = buildJob("Email", ["a@example.com"], { queue: "mail", retry: 3 }, "0123456789abcdef");
 * console.log(JSON.stringify(job));
 * ```
 */
export function buildJob(
  jobtype: string,
  args: readonly JsonValue[],
  options: JobOptions,
  jid: string,
  now?: number,
): JobPayload {
  const job: Record<string, unknown> = {
    jid: options.jid ?? jid,
    jobtype,
    args,
  };
  for (const key of Object.keys(options) as (keyof JobOptions)[]) {
    const wire = OPTION_KEYS[key];
    const value = options[key];
    if (wire === undefined || value === undefined) continue;
    job[wire] = value instanceof Date ? formatTime(value) : value;
  }
  const extra = enterpriseCustom(options, now);
  if (extra) {
    const custom = options.custom;
    // A custom that is not a plain object is left for validateJob to refuse.
    if (custom === undefined || isPlainObject(custom)) {
      const merged: Record<string, unknown> = { ...custom };
      for (const [key, value] of Object.entries(extra)) {
        if (value === undefined) delete merged[key];
        else merged[key] = value;
      }
      if (custom !== undefined || Object.keys(merged).length > 0) {
        job.custom = merged;
      }
    }
  }
  return validateJob(job);
}

/**
 * How long the server reserves a job once fetched, in seconds: its
 * `reserve_for`, 1800 when unset, clamped by the server to 60..86400.
 *
 * @param reserveFor The job's `reserve_for`, if any.
 * @returns The reservation length in seconds.
 *
 * @example
 * ```ts
 * import { reservationSeconds } from "@x/faktory-worker/protocol";
 * console.log(reservationSeconds(undefined), reservationSeconds(10), reservationSeconds(600)); // 1800 60 600
 * ```
 */
export function reservationSeconds(reserveFor: number | undefined): number {
  return Math.min(Math.max(reserveFor || 1800, 60), 86_400);
}

/**
 * Parses the JSON of a fetched job and checks the fields a worker relies on.
 *
 * @param text The bulk reply of FETCH.
 * @returns The job.
 * @throws {RemoteProtocolError} When the text is not a job.
 *
 * @example
 * ```ts
 * import { parseJob } from "@x/faktory-worker/protocol";
 * const job = parseJob('{"jid":"0123456789ab","jobtype":"T","args":[]}');
 * console.log(job.jobtype);
 * ```
 */
export function parseJob(text: string): Job {
  let job: unknown;
  try {
    job = JSON.parse(text);
  } catch (err) {
    throw new RemoteProtocolError("FETCH returned invalid JSON", {
      cause: err,
    });
  }
  if (
    !isPlainObject(job) || typeof job.jid !== "string" ||
    typeof job.jobtype !== "string" || !Array.isArray(job.args)
  ) {
    throw new RemoteProtocolError(
      "FETCH returned JSON that is not a job (needs jid, jobtype, args)",
    );
  }
  return job as unknown as Job;
}

/**
 * Formats a Date as RFC 3339 in UTC, as the server expects for `at`.
 *
 * @param date The time.
 * @returns The formatted time.
 * @throws {InvalidJobError} When the date is invalid.
 *
 * @example
 * ```ts
 * import { formatTime } from "@x/faktory-worker/protocol";
 * console.log(formatTime(new Date(0))); // "1970-01-01T00:00:00.000Z"
 * ```
 */
export function formatTime(date: Date): string {
  if (Number.isNaN(date.getTime())) {
    throw new InvalidJobError("at", "invalid timestamp for 'at': Invalid Date");
  }
  return date.toISOString();
}
