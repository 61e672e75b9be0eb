/**
 * Job ids and ready-to-push jobs with a random jid.
 *
 * @module
 */

import {
  buildJob,
  type JobOptions,
  type JobPayload,
  type JsonValue,
} from "../core/job.ts";

/**
 * Generates a random job id: 12 random bytes as 24 hex characters.
 *
 * @returns A new jid.
 *
 * @example
 * ```ts
 * import { randomJid } from "@x/faktory-worker";
 * console.log(randomJid().length); // 24
 * ```
 */
export function randomJid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/**
 * Creates a validated job with a random jid (unless `options.jid` is set).
 *
 * @param jobtype The job type a worker registered.
 * @param args The arguments (JSON values).
 * @param options Queue, retry, schedule and other options.
 * @returns The job payload.
 * @throws {InvalidJobError} When the server would refuse the job.
 *
 * @example
 * ```ts
 * import { createJob } from "@x/faktory-worker";
 * const job = createJob("SendEmail", ["a@example.com"], { queue: "mail", retry: 5 });
 * console.log(job.jid, job.queue);
 * ```
 */
export function createJob(
  jobtype: string,
  args: readonly JsonValue[] = [],
  options: JobOptions = {},
): JobPayload {
  return buildJob(jobtype, args, options, options.jid ?? randomJid());
}
