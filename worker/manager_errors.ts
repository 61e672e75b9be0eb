/**
 * The errors a Manager raises for its jobs: the reason a job's signal is
 * aborted, and the failure of a job nobody handles.
 *
 * @module
 */

import { FaktoryError } from "../core/errors.ts";

/**
 * The error a job's signal is aborted with when shutdown runs out of time.
 *
 * @example
 * ```ts
 * import { type JobContext, ShutdownTimeoutError } from "@x/faktory-worker";
 * function stoppedByShutdown(ctx: JobContext): boolean {
 *   return ctx.signal.reason instanceof ShutdownTimeoutError;
 * }
 * ```
 */
export class ShutdownTimeoutError extends FaktoryError {}

/**
 * The error a job's signal is aborted with when its reservation expires.
 *
 * @example
 * ```ts
 * import { type JobContext, ReservationExpiredError } from "@x/faktory-worker";
 * function expired(ctx: JobContext): boolean {
 *   return ctx.signal.reason instanceof ReservationExpiredError;
 * }
 * ```
 */
export class ReservationExpiredError extends FaktoryError {}

/**
 * Thrown (and reported as the FAIL) for a job whose type has no handler.
 *
 * @example
 * ```ts
 * import { UnknownJobTypeError } from "@x/faktory-worker";
 * console.log(new UnknownJobTypeError("Nope").message);
 * ```
 */
export class UnknownJobTypeError extends FaktoryError {
  /**
   * Creates the error.
   *
   * @param jobtype The job type without a handler.
   */
  constructor(jobtype: string) {
    super(`No handler is registered for job type ${JSON.stringify(jobtype)}`);
  }
}
