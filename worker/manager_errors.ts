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

/**
 * `run()` of a supervising Manager (`processes` above 1) rejects with this
 * when it gave a slot up: its child failed `restart.giveUpAfter` times in a
 * row. The other children were stopped gracefully first.
 *
 * @example
 * ```ts ignore
 * import { CrashLoopError, Manager } from "@x/faktory-worker";
 * const mgr = new Manager({ processes: 2 });
 * try {
 *   await mgr.run();
 * } catch (err) {
 *   if (err instanceof CrashLoopError) console.error(err.processes);
 *   throw err;
 * }
 * ```
 */
export class CrashLoopError extends FaktoryError {
  /** Each slot given up: its index, failures in a row, and its last exit. */
  readonly processes: readonly {
    readonly index: number;
    readonly failures: number;
    readonly code: number | null;
    readonly signal: string | null;
  }[];

  /**
   * Creates the error.
   *
   * @param processes The slots given up, with their last exit.
   * @param options The standard error options (`cause`: why the last start failed).
   */
  constructor(
    processes: readonly {
      readonly index: number;
      readonly failures: number;
      readonly code: number | null;
      readonly signal: string | null;
    }[],
    options?: ErrorOptions,
  ) {
    const text = processes.map((p) =>
      `process ${p.index} after ${p.failures} failures in a row (last: ${
        p.signal ? `signal ${p.signal}` : `exit code ${p.code}`
      })`
    ).join(", ");
    super(`Gave up on ${text}`, options);
    this.processes = processes.map(({ index, failures, code, signal }) => ({
      index,
      failures,
      code,
      signal,
    }));
  }
}
