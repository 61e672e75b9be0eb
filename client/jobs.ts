/**
 * Building jobs: `createJob` makes a job payload (with a random jid), and
 * typed job definitions declare a job type's argument types once, then
 * register its handler, push it and run it inline with the types checked.
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
  return buildJob(
    jobtype,
    args,
    options,
    options.jid ?? randomJid(),
    options.expiresIn === undefined ? undefined : Date.now(),
  );
}

/**
 * A job type's definition: its name, default options and argument types.
 * Pass it wherever a job type name goes (`register`, `push`, `pushBulk`, a
 * batch's `push` and `pushBulk`, `runInline`) and the arguments are checked
 * against its types. Arguments may be declared with interfaces; they must
 * serialise to JSON.
 *
 * @example
 * ```ts
 * import { defineJob } from "@x/faktory-worker";
 * interface Email {
 *   to: string;
 *   subject: string;
 * }
 * const SendEmail = defineJob<[email: Email]>("SendEmail", { queue: "mail" });
 * const payload = SendEmail.create([{ to: "a@example.com", subject: "Hi" }]); // checked
 * console.log(payload.jobtype, payload.queue);
 * ```
 */
export interface JobDefinition<A extends readonly unknown[] = JsonValue[]> {
  /** The job type name (the job's `jobtype`). */
  readonly name: string;
  /** Options applied to every job created from this definition. */
  readonly defaults: JobOptions;
  /**
   * Creates a job payload with a random jid.
   *
   * @param args The typed arguments.
   * @param options Options, over the defaults.
   * @returns The payload, ready for `client.push`.
   */
  create(args: readonly [...A], options?: JobOptions): JobPayload;
}

/**
 * Declares a job type whose arguments are checked at compile time.
 *
 * @param name The job type name.
 * @param defaults Options for every job of this type (queue, retry, ...).
 * @returns The job definition.
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
export function defineJob<A extends readonly unknown[] = JsonValue[]>(
  name: string,
  defaults: JobOptions = {},
): JobDefinition<A> {
  if (typeof name !== "string" || name === "") {
    throw new TypeError("A job type needs a non-empty name");
  }
  return {
    name,
    defaults,
    create: (args, options = {}) =>
      createJob(name, args as readonly JsonValue[], over(defaults, options)),
  };
}

/**
 * Options over defaults: an expiry given one way replaces a default given
 * the other way (`expiresIn` over a default `expiresAt`, and back).
 */
function over(defaults: JobOptions, options: JobOptions): JobOptions {
  const merged: { -readonly [K in keyof JobOptions]: JobOptions[K] } = {
    ...defaults,
    ...options,
  };
  if (options.expiresIn !== undefined && options.expiresAt === undefined) {
    delete merged.expiresAt;
  }
  if (options.expiresAt !== undefined && options.expiresIn === undefined) {
    delete merged.expiresIn;
  }
  return merged;
}

/** Whether a value is a job definition (rather than a name or a payload). */
export function isJobDefinition(
  value: unknown,
): value is JobDefinition<readonly unknown[]> {
  return typeof value === "object" && value !== null &&
    typeof (value as { create?: unknown }).create === "function" &&
    typeof (value as { name?: unknown }).name === "string";
}
