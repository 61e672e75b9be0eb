/**
 * Runs one job through a Manager's middleware and handler, in-process and
 * without any server: for unit tests of job handlers.
 *
 * @module
 */

import type { JobOptions, JsonValue } from "../core/job.ts";
import type { Client } from "../client/client.ts";
import { createJob } from "../client/jobs.ts";
import { isJobDefinition, type JobDefinition } from "../client/jobs.ts";
import type { JobOutcome, Manager } from "../worker/manager.ts";

/**
 * Options for {@linkcode runInline}.
 *
 * @example A job as if fetched from the queue "mail", with custom data
 * ```ts
 * import { Manager } from "@x/faktory-worker";
 * import { runInline } from "@x/faktory-worker/testing";
 *
 * const mgr = new Manager();
 * mgr.register("Send", (ctx) => console.log(ctx.queue, ctx.custom.tenant));
 * await runInline(mgr, "Send", [], { queue: "mail", custom: { tenant: "acme" } });
 * ```
 */
export interface InlineOptions extends JobOptions {
  /** A client for `ctx.with` (for example one connected to a FaktoryServer). */
  readonly client?: Client;
  /** Aborts the job's signal. */
  readonly signal?: AbortSignal;
}

/**
 * Runs a job of `jobtype` with `args` through the manager's middleware and
 * registered handler, now, and returns how it ended (`ok`, or the error and
 * the FAIL the worker would send). Nothing is sent to a server.
 *
 * @param manager The manager with the handlers and middleware.
 * @param jobtype The job type.
 * @param args The arguments.
 * @param options Job options, a client for `ctx.with`, an abort signal.
 * @returns The outcome.
 *
 * @example
 * ```ts
 * import { Manager } from "@x/faktory-worker";
 * import { runInline } from "@x/faktory-worker/testing";
 *
 * const mgr = new Manager();
 * mgr.register("Double", (ctx, n: number) => {
 *   if (n < 0) throw new RangeError("negative");
 * });
 * console.log((await runInline(mgr, "Double", [2])).ok); // true
 * const failed = await runInline(mgr, "Double", [-1]);
 * console.log(!failed.ok && failed.failure.errtype); // "RangeError"
 * ```
 */
export function runInline(
  manager: Manager,
  jobtype: string,
  args?: readonly JsonValue[],
  options?: InlineOptions,
): Promise<JobOutcome>;
/**
 * Runs a job of a defined type, with its arguments checked, through the
 * manager's middleware and handler (see the other overload).
 *
 * @param manager The manager with the handlers and middleware.
 * @param jobtype The definition from `defineJob`.
 * @param args The typed arguments.
 * @param options Job options (over the definition's), a client, an abort signal.
 * @returns The outcome.
 *
 * @example
 * ```ts
 * import { defineJob, Manager } from "@x/faktory-worker";
 * import { runInline } from "@x/faktory-worker/testing";
 *
 * const Resize = defineJob<[url: string, width: number]>("Resize");
 * const mgr = new Manager();
 * mgr.register(Resize, (_ctx, _url, width) => {
 *   if (width <= 0) throw new RangeError("width must be positive");
 * });
 * console.log((await runInline(mgr, Resize, ["https://example.com/a.png", 0])).ok); // false
 * ```
 */
export function runInline<A extends readonly unknown[]>(
  manager: Manager,
  jobtype: JobDefinition<A>,
  args: NoInfer<readonly [...A]>,
  options?: InlineOptions,
): Promise<JobOutcome>;
export function runInline(
  manager: Manager,
  jobtype: string | JobDefinition<readonly unknown[]>,
  args: readonly unknown[] = [],
  options: InlineOptions = {},
): Promise<JobOutcome> {
  const { client, signal, ...jobOptions } = options;
  const job = isJobDefinition(jobtype)
    ? jobtype.create(args, jobOptions)
    : createJob(jobtype, args as readonly JsonValue[], jobOptions);
  return manager.execute(job, {
    ...(client ? { client } : {}),
    ...(signal ? { signal } : {}),
  });
}
