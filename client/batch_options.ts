/**
 * What a new batch is made of: its description and callback jobs.
 *
 * @module
 */

import type { BatchPayload } from "../core/commands.ts";
import { LocalProtocolError } from "../core/errors.ts";
import { type JobPayload, validateJob } from "../core/job.ts";
import { createJob } from "./jobs.ts";

/**
 * A batch callback: a job payload (see `createJob`), or just a job type
 * name for a callback with no arguments.
 *
 * @example
 * ```ts
 * import { type BatchCallback, createJob } from "@x/faktory-worker";
 * const done: BatchCallback = createJob("ImportDone", [42], { queue: "critical" });
 * const audit: BatchCallback = "ImportAudit";
 * console.log(typeof done, audit);
 * ```
 */
export type BatchCallback = JobPayload | string;

/**
 * What a new batch is: a description for the Web UI and at least one
 * callback job. The server adds `custom._bid` (the batch id) and
 * `custom._cb` (`"complete"` or `"success"`) to the callback it pushes.
 *
 * @example
 * ```ts
 * import { type BatchOptions, createJob } from "@x/faktory-worker";
 * const options: BatchOptions = {
 *   description: "Import of upload 42",
 *   success: createJob("ImportDone", [42]),
 *   complete: "ImportReport",
 * };
 * console.log(options.description);
 * ```
 */
export interface BatchOptions {
  /** Shown in the Web UI. */
  readonly description?: string;
  /** Pushed once every job of the batch (and of its children) succeeded. */
  readonly success?: BatchCallback;
  /**
   * Pushed once every job of the batch (and of its children) ran, whether
   * it succeeded or failed. It runs before `success`.
   */
  readonly complete?: BatchCallback;
}

/**
 * The body of BATCH NEW for these options.
 *
 * @throws {LocalProtocolError} When neither callback is given.
 * @throws {InvalidJobError} When a callback job is invalid.
 */
export function batchPayload(
  options: BatchOptions,
  parentBid: string | undefined,
): BatchPayload {
  const { description, success, complete } = options;
  if (success === undefined && complete === undefined) {
    throw new LocalProtocolError(
      "A batch needs a success or a complete callback job",
    );
  }
  if (description !== undefined && typeof description !== "string") {
    throw new TypeError("A batch description must be a string");
  }
  return {
    ...(description === undefined ? {} : { description }),
    ...(parentBid === undefined ? {} : { parent_bid: parentBid }),
    ...(success === undefined ? {} : { success: callbackJob(success) }),
    ...(complete === undefined ? {} : { complete: callbackJob(complete) }),
  };
}

function callbackJob(callback: BatchCallback): JobPayload {
  return typeof callback === "string"
    ? createJob(callback, [])
    : validateJob(callback);
}
