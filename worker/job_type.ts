/**
 * Typed job definitions: declare a job's argument types once, then register
 * its handler and push it with the types checked.
 *
 * @module
 */

import type { JobOptions, JobPayload, JsonValue } from "../core/job.ts";
import { createJob } from "./jid.ts";

/**
 * A job type with typed arguments.
 *
 * @example
 * ```ts
 * import { defineJob } from "@x/faktory-worker";
 * const SendEmail = defineJob<[to: string, subject: string]>("SendEmail", { queue: "mail" });
 * const payload = SendEmail.create(["a@example.com", "Hi"]); // checked: two strings
 * console.log(payload.jobtype, payload.queue);
 * ```
 */
export interface JobType<A extends readonly JsonValue[]> {
  /** The job type name. */
  readonly name: string;
  /** Options applied to every job created from this type. */
  readonly defaults: JobOptions;
  /**
   * Creates a job payload with a random jid.
   *
   * @param args The typed arguments.
   * @param options Options, over the defaults.
   * @returns The payload, ready for `client.push`.
   */
  create(args: A, options?: JobOptions): JobPayload;
}

/**
 * Declares a job type whose arguments are checked at compile time.
 *
 * @param name The job type name.
 * @param defaults Options for every job of this type (queue, retry, ...).
 * @returns The job type.
 *
 * @example
 * ```ts
 * import { defineJob, Manager } from "@x/faktory-worker";
 * const Resize = defineJob<[url: string, width: number]>("Resize");
 * const mgr = new Manager();
 * mgr.register(Resize, async (ctx, url, width) => {
 *   ctx.logger.info(`resize ${url} to ${width}px`); // url: string, width: number
 * });
 * ```
 */
export function defineJob<A extends readonly JsonValue[] = JsonValue[]>(
  name: string,
  defaults: JobOptions = {},
): JobType<A> {
  if (typeof name !== "string" || name === "") {
    throw new TypeError("A job type needs a non-empty name");
  }
  return {
    name,
    defaults,
    create: (args, options = {}) =>
      createJob(name, args, { ...defaults, ...options }),
  };
}
