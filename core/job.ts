/**
 * Job payloads: the JSON a producer pushes and a worker fetches, the options
 * users set in TypeScript idiom, and validation that matches the server's.
 *
 * @module
 */

import { LocalProtocolError, RemoteProtocolError } from "./errors.ts";

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
  readonly retry_remaining?: number;
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
 *
 * @example
 * ```ts
 * import type { JobOptions } from "@x/faktory-worker";
 * const options: JobOptions = { queue: "critical", retry: 3, at: new Date("2030-01-01T09:00:00Z") };
 * console.log(options.queue);
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
}

/**
 * A job that failed validation before it was sent. The message is the one
 * the server would have answered with, where the server has one.
 *
 * @example
 * ```ts
 * import { buildJob, InvalidJobError } from "@x/faktory-worker";
 * try {
 *   buildJob("Email", [1], { jid: "short" }, "unused0");
 * } catch (err) {
 *   if (err instanceof InvalidJobError) console.log(err.field); // "jid"
 * }
 * ```
 */
export class InvalidJobError extends LocalProtocolError {
  /** The offending field, such as `jid` or `args`. */
  readonly field: string;

  /**
   * Creates the error.
   *
   * @param field The offending field.
   * @param message What is wrong with it.
   * @param options The standard error options; `cause` when wrapping.
   */
  constructor(field: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.field = field;
  }
}

const QUEUE_NAME = /^[a-zA-Z0-9._-]+$/;
const RFC3339 =
  /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const OPTION_KEYS: Record<keyof JobOptions, keyof JobPayload | undefined> = {
  jid: undefined,
  queue: "queue",
  reserveFor: "reserve_for",
  at: "at",
  retry: "retry",
  backtrace: "backtrace",
  custom: "custom",
};

/**
 * Checks a queue name the way the server does.
 *
 * @param name The queue name.
 * @returns The name.
 * @throws {InvalidJobError} When the name has characters the server refuses.
 *
 * @example
 * ```ts
 * import { checkQueueName } from "@x/faktory-worker";
 * console.log(checkQueueName("critical"));
 * ```
 */
export function checkQueueName(name: string): string {
  if (typeof name !== "string" || !QUEUE_NAME.test(name)) {
    throw new InvalidJobError(
      "queue",
      `cannot get ${
        JSON.stringify(String(name))
      } queue: queue names must match \\A[a-zA-Z0-9._-]+\\z`,
    );
  }
  return name;
}

/**
 * Builds a job payload from a job type, arguments and options, validating it
 * like the server does. The jid comes from `options.jid` or, when absent, the
 * `jid` parameter (the caller generates it, so this function stays pure).
 *
 * @param jobtype The registered job type.
 * @param args The handler's arguments (JSON values only).
 * @param options Queue, retry, schedule and other options.
 * @param jid The jid to use when `options.jid` is absent.
 * @returns A payload ready for PUSH.
 * @throws {InvalidJobError} When a field would be refused by the server.
 *
 * @example
 * ```ts
 * import { buildJob } from "@x/faktory-worker";
 * const job = buildJob("Email", ["a@example.com"], { queue: "mail", retry: 3 }, "0123456789abcdef");
 * console.log(JSON.stringify(job));
 * ```
 */
export function buildJob(
  jobtype: string,
  args: readonly JsonValue[],
  options: JobOptions,
  jid: string,
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
 * import { reservationSeconds } from "@x/faktory-worker";
 * console.log(reservationSeconds(undefined), reservationSeconds(10), reservationSeconds(600)); // 1800 60 600
 * ```
 */
export function reservationSeconds(reserveFor: number | undefined): number {
  return Math.min(Math.max(reserveFor || 1800, 60), 86_400);
}

/**
 * Validates a job payload the way the server does, with the server's
 * messages, and returns it typed.
 *
 * @param job An object that should be a job payload.
 * @returns The same object, typed.
 * @throws {InvalidJobError} When the server would refuse the job.
 *
 * @example
 * ```ts
 * import { validateJob } from "@x/faktory-worker";
 * const job = validateJob({ jid: "0123456789abcdef", jobtype: "T", args: [] });
 * console.log(job.jid);
 * ```
 */
export function validateJob(job: unknown): JobPayload {
  try {
    return checkJob(job);
  } catch (err) {
    if (err instanceof InvalidJobError) throw err;
    // A getter or Proxy trap of the job object itself threw.
    throw new InvalidJobError("job", `Job cannot be read: ${describe(err)}`, {
      cause: err,
    });
  }
}

function checkJob(job: unknown): JobPayload {
  if (!isPlainObject(job)) {
    throw new InvalidJobError("job", "A job must be a plain object");
  }
  const { jid, jobtype, args, queue, reserve_for, at, retry, backtrace } = job;
  // The server counts bytes (Go's len), and accepts any characters.
  if (typeof jid !== "string" || utf8Length(jid) < 8) {
    throw new InvalidJobError(
      "jid",
      "jobs must have a reasonable jid parameter",
    );
  }
  if (typeof jobtype !== "string" || jobtype === "") {
    throw new InvalidJobError("jobtype", "jobs must have a jobtype parameter");
  }
  if (args === undefined || args === null) {
    throw new InvalidJobError("args", "jobs must have an args parameter");
  }
  if (!Array.isArray(args)) {
    throw new InvalidJobError("args", "Job args must be an array");
  }
  checkJson(args, "args");
  if (queue !== undefined) checkQueueName(queue as string);
  if (reserve_for !== undefined) {
    checkInteger(reserve_for, "reserve_for", 1);
    if ((reserve_for as number) > 86400) {
      throw new InvalidJobError(
        "reserve_for",
        "jobs cannot be reserved for more than one day",
      );
    }
  }
  if (at !== undefined && (typeof at !== "string" || !RFC3339.test(at))) {
    throw new InvalidJobError(
      "at",
      `invalid timestamp for 'at': ${
        JSON.stringify(String(at))
      }: expected RFC 3339, such as 2006-01-02T15:04:05Z`,
    );
  }
  if (retry !== undefined) checkInteger(retry, "retry", -1);
  if (backtrace !== undefined) checkInteger(backtrace, "backtrace", 0);
  if (job.custom !== undefined) {
    if (!isPlainObject(job.custom)) {
      throw new InvalidJobError("custom", "Job custom must be a plain object");
    }
    checkJson(job.custom, "custom");
  }
  if ("priority" in job) {
    throw new InvalidJobError(
      "priority",
      "Job priority no longer exists in Faktory: use queues instead",
    );
  }
  for (const [key, value] of Object.entries(job)) {
    if (key !== "args" && key !== "custom") checkJson(value, key);
  }
  return job as unknown as JobPayload;
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
 * import { parseJob } from "@x/faktory-worker";
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
 * import { formatTime } from "@x/faktory-worker";
 * console.log(formatTime(new Date(0))); // "1970-01-01T00:00:00.000Z"
 * ```
 */
export function formatTime(date: Date): string {
  if (Number.isNaN(date.getTime())) {
    throw new InvalidJobError("at", "invalid timestamp for 'at': Invalid Date");
  }
  return date.toISOString();
}

/** The length of `text` in UTF-8 bytes, as the server measures strings. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (
      c >= 0xd800 && c < 0xdc00 && i + 1 < text.length &&
      (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      bytes += 4; // a surrogate pair: one code point beyond the BMP
      i++;
    } else bytes += 3; // a lone surrogate arrives as U+FFFD, 3 bytes
  }
  return bytes;
}

const GO_INT = /^-?(0|[1-9][0-9]*)$/;
const INT64 = 2n ** 63n;

function checkInteger(value: unknown, field: string, min: number): void {
  if (Number.isInteger(value)) {
    // The server unmarshals the JSON text into a Go int (int64) first: an
    // integer literal within that range (1e+300 is neither).
    const text = JSON.stringify(value);
    if (!GO_INT.test(text) || BigInt(text) < -INT64 || BigInt(text) >= INT64) {
      throw new InvalidJobError(
        field,
        `invalid JSON: json: cannot unmarshal number ${text} into Go struct field Job.${field} of type int`,
      );
    }
  }
  if (!Number.isInteger(value) || (value as number) < min) {
    throw new InvalidJobError(
      field,
      `Job ${field} must be an integer of at least ${min}, got ${
        String(value)
      }`,
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * How deeply a job's JSON may nest, the job object itself counting as one
 * level. The server's decoder (Go's encoding/json) accepts 10,000 levels, but
 * Node's JSON.stringify overflows its stack at about 4,000, so no job deeper
 * than that could be sent from Node anyway. One limit, well below both, keeps
 * every runtime alike and is far beyond any real job's arguments.
 */
const MAX_JOB_DEPTH = 1_000;

interface Container {
  readonly value: object;
  readonly path: string;
  readonly children: [key: string, value: unknown][];
  next: number;
}

/**
 * Checks that a top-level job field is plain JSON, without recursion (so
 * deep nesting is refused, not a stack overflow), reading every property
 * once. A getter or Proxy trap that throws is reported as the field's error.
 */
function checkJson(root: unknown, field: string): void {
  const stack: Container[] = [];
  const open = new Set<object>();
  const enter = (value: unknown, path: string): void => {
    switch (typeof value) {
      case "string":
      case "boolean":
        return;
      case "number":
        if (Number.isFinite(value)) return;
        throw new InvalidJobError(
          field,
          `Job ${path} is ${value}, which JSON cannot carry`,
        );
      case "object": {
        if (value === null) return;
        if (open.has(value)) {
          throw new InvalidJobError(field, `Job ${path} is circular`);
        }
        // The job object is level 1, its fields level 2.
        if (stack.length + 2 > MAX_JOB_DEPTH) {
          throw new InvalidJobError(
            field,
            `Job ${field} nests deeper than the ${MAX_JOB_DEPTH} levels the server accepts`,
          );
        }
        const children = childrenOf(value, path, field);
        open.add(value);
        stack.push({ value, path, children, next: 0 });
        return;
      }
      default:
        throw new InvalidJobError(
          field,
          `Job ${path} is a ${typeof value}, not a JSON value`,
        );
    }
  };
  enter(root, field);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const child = top.children[top.next++];
    if (child === undefined) {
      open.delete(top.value);
      stack.pop();
    } else enter(child[1], top.path + child[0]);
  }
}

/** The entries of an array or plain object, each read once; refuses other objects. */
function childrenOf(
  value: object,
  path: string,
  field: string,
): [string, unknown][] {
  let notJson: string | undefined;
  try {
    if (Array.isArray(value)) {
      const children: [string, unknown][] = [];
      value.forEach((item, i) => children.push([`[${i}]`, item]));
      return children;
    }
    if (isPlainObject(value)) {
      return Object.entries(value).map(([k, v]) => [`.${k}`, v]);
    }
    notJson = value.constructor?.name ?? "object";
  } catch (err) {
    throw new InvalidJobError(
      field,
      `Job ${path} cannot be read: ${describe(err)}`,
      { cause: err },
    );
  }
  throw new InvalidJobError(
    field,
    `Job ${path} is a ${notJson}, not a JSON value (convert it first)`,
  );
}

function describe(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return "unreadable error";
  }
}
