/**
 * Job validation that matches the server's: the checks and messages Faktory
 * applies to a pushed job, and the plain-JSON walk that refuses what cannot
 * be sent.
 *
 * @module
 */

import { InvalidJobError } from "./errors.ts";
import type { JobPayload } from "./job.ts";
import { isRfc3339 } from "./_rfc3339.ts";

const QUEUE_NAME = /^[a-zA-Z0-9._-]+$/;

/**
 * Checks a queue name the way the server does.
 *
 * @param name The queue name.
 * @returns The name.
 * @throws {InvalidJobError} When the name has characters the server refuses.
 *
 * @example
 * ```ts
 * import { checkQueueName } from "@x/faktory-worker/protocol";
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
 * Validates a job payload the way the server does, with the server's
 * messages, and returns it typed.
 *
 * @param job An object that should be a job payload.
 * @returns The same object, typed.
 * @throws {InvalidJobError} When the server would refuse the job.
 *
 * @example
 * ```ts
 * import { validateJob } from "@x/faktory-worker/protocol";
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
  if (at !== undefined && (typeof at !== "string" || !isRfc3339(at))) {
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

/**
 * Whether Go's encoding/json reads this JSON number literal into an `int`
 * (int64): an integer literal (no fraction, no exponent) within its range.
 */
export function isGoInt(literal: string): boolean {
  if (!GO_INT.test(literal)) return false;
  const n = BigInt(literal);
  return n >= -INT64 && n < INT64;
}

function checkInteger(value: unknown, field: string, min: number): void {
  if (Number.isInteger(value)) {
    // The server unmarshals the JSON text into a Go int (int64) first: an
    // integer literal within that range (1e+300 is neither).
    const text = JSON.stringify(value);
    if (!isGoInt(text)) {
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

/** Whether `value` is an object literal (or has no prototype). */
export function isPlainObject(
  value: unknown,
): value is Record<string, unknown> {
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
