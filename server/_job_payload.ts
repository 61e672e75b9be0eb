/**
 * The jobs of PUSH and PUSHB as the embedded server reads them: decoded
 * with Go's JSON semantics, checked with the server's messages (core's job
 * validation where the server and core agree, Go's time parsing for `at`),
 * and given the server's defaults.
 *
 * @module
 */

import { InvalidJobError, validateJob } from "../core/job.ts";
import { checkJobTypes, goParseJobs } from "./_go_json.ts";
import { parseGoTime } from "./_go_time.ts";
import { iso, StoredJob } from "./_stored_job.ts";

/**
 * Decodes the payload of PUSH: one job (or null), typed as Go would.
 *
 * @throws {GoJsonError} With Go's message, for bad JSON or field types.
 */
export function decodeJob(payload: string): unknown {
  const parsed = goParseJobs(payload, 1);
  checkJobTypes(parsed.value, parsed.literals[0]);
  return parsed.value;
}

/**
 * Decodes the payload of PUSHB: an array of jobs, typed as Go would.
 *
 * @throws {GoJsonError} With Go's message, for bad JSON or field types.
 */
export function decodeJobs(payload: string): unknown[] {
  const parsed = goParseJobs(payload, 2);
  const raw = parsed.value;
  if (!Array.isArray(raw)) {
    throw new Error(
      `json: cannot unmarshal ${
        raw === null ? "null" : typeof raw
      } into Go value of type []client.Job`,
    );
  }
  let objects = 0;
  for (const item of raw) {
    const isObject = typeof item === "object" && item !== null &&
      !Array.isArray(item);
    checkJobTypes(item, isObject ? parsed.literals[objects++] : undefined);
  }
  return raw;
}

/**
 * The checks of Faktory's PUSH that core's {@linkcode validateJob} makes
 * too, with the same messages: jid, jobtype, args and the upper bound of
 * reserve_for. Only those fields are passed, as the server does not check
 * the others (a reserve_for below 1 means its default).
 */
function sharedCheck(job: Record<string, unknown>): string | undefined {
  const reserveFor = job.reserve_for;
  try {
    validateJob({
      jid: job.jid,
      jobtype: job.jobtype,
      args: job.args === undefined || job.args === null ? job.args : [],
      ...(typeof reserveFor === "number" && reserveFor >= 1
        ? { reserve_for: Math.min(reserveFor, Number.MAX_SAFE_INTEGER) }
        : {}),
    });
  } catch (err) {
    if (err instanceof InvalidJobError) return err.message;
    throw err;
  }
  return undefined;
}

/**
 * Validates and normalizes a decoded job as the server does.
 *
 * @param raw A decoded job (see {@linkcode decodeJob}).
 * @param now The time, in ms, for `created_at`.
 * @param defaultRetry The `retry` of a job that has none.
 * @returns The job to store, or the server's error message.
 */
export function normalizeJob(
  raw: unknown,
  now: number,
  defaultRetry: number,
): StoredJob | string {
  const job = (raw ?? {}) as Record<string, unknown>;
  const refused = sharedCheck(job);
  if (refused !== undefined) return refused;
  if (job.at) {
    const t = parseGoTime(job.at as string);
    if (typeof t === "string") {
      return `invalid timestamp for 'at': ${JSON.stringify(job.at)}: ${t}`;
    }
  }
  return new StoredJob({
    ...job,
    queue: job.queue || "default",
    created_at: job.created_at || iso(now),
    retry: job.retry ?? defaultRetry,
  });
}

/** When a job's `at` lies, in ms; 0 when it has none. */
export function scheduledAt(job: StoredJob): number {
  return job.fields.at ? parseGoTime(job.fields.at as string) as number : 0;
}
