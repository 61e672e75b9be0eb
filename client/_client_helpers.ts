/**
 * Helpers of the {@linkcode Client}: checking middleware, and the payloads
 * of FAIL and of refused jobs.
 *
 * @module
 */

import type { FailPayload } from "../core/commands.ts";
import type { JobOptions, JobPayload, JsonValue } from "../core/job.ts";
import type { RequestOptions } from "./connection_options.ts";
import { createJob, isJobDefinition, type JobDefinition } from "./jobs.ts";
import type { PushMiddleware } from "./push_middleware.ts";

/** What a push call was given: a payload, a type name or a definition. */
export type PushTarget =
  | JobPayload
  | string
  | JobDefinition<readonly unknown[]>;

/**
 * The payload and request options of a `push(...)` call, whichever of its
 * forms was used.
 */
export function pushArguments(
  job: PushTarget,
  argsOrOptions: readonly unknown[] | RequestOptions | undefined,
  options: JobOptions & RequestOptions,
): { payload: JobPayload; request: RequestOptions | undefined } {
  if (typeof job === "string" || isJobDefinition(job)) {
    const { signal, ...jobOptions } = options;
    const args = (argsOrOptions ?? []) as JsonValue[];
    return {
      payload: typeof job === "string"
        ? createJob(job, args, jobOptions)
        : job.create(args, jobOptions),
      request: signal ? { signal } : undefined,
    };
  }
  return {
    payload: job,
    request: argsOrOptions as RequestOptions | undefined,
  };
}

/**
 * The jobs and request options of a `pushBulk(...)` call, whichever of its
 * forms was used.
 */
export function bulkArguments(
  jobsOrType: readonly JobPayload[] | JobDefinition<readonly unknown[]>,
  argsOrOptions: readonly (readonly unknown[])[] | RequestOptions | undefined,
  options: JobOptions & RequestOptions,
): { jobs: readonly JobPayload[]; request: RequestOptions | undefined } {
  if (isJobDefinition(jobsOrType)) {
    const { signal, ...jobOptions } = options;
    const argsList = (argsOrOptions ?? []) as readonly (readonly unknown[])[];
    return {
      jobs: argsList.map((args) => jobsOrType.create(args, jobOptions)),
      request: signal ? { signal } : undefined,
    };
  }
  return {
    jobs: jobsOrType,
    request: argsOrOptions as RequestOptions | undefined,
  };
}

/** Returns the middleware, or throws a TypeError for a non-function. */
export function checkMiddleware(middleware: PushMiddleware): PushMiddleware {
  if (typeof middleware !== "function") {
    throw new TypeError(
      `Push middleware must be a function, got ${typeof middleware}`,
    );
  }
  return middleware;
}

/** The jid of a job that failed validation, or "" as the server keys it. */
export function jidOf(job: unknown): string {
  try {
    const jid = (job as { jid?: unknown } | null)?.jid;
    return typeof jid === "string" ? jid : "";
  } catch {
    return ""; // a throwing getter
  }
}

/** A FAIL payload from ready fields: the jid given wins over any in them. */
export function failFields(
  jid: string,
  fields: Omit<FailPayload, "jid">,
): FailPayload {
  const { errtype, message, backtrace } = fields;
  return Array.isArray(backtrace)
    ? { jid, errtype, message, backtrace }
    : { jid, errtype, message };
}

/** Whether a value is the fields of a FAIL payload (not a thrown value). */
export function isFailFields(
  value: unknown,
): value is Omit<FailPayload, "jid"> {
  if (typeof value !== "object" || value === null || value instanceof Error) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return typeof v.errtype === "string" && typeof v.message === "string" &&
    Object.getPrototypeOf(value) === Object.prototype;
}
