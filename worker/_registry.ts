/**
 * The handler registry: job types to handlers, the middleware chain around
 * them, and running one job through both.
 *
 * @module
 */

import type { FailPayload } from "../core/commands.ts";
import { LocalProtocolError } from "../core/errors.ts";
import { failureFor } from "../core/failure.ts";
import { type Job, reservationSeconds } from "../core/job.ts";
import type { Client } from "../client/client.ts";
import {
  type Handler,
  type JobContext,
  jobContext,
  type Middleware,
} from "./context.ts";
import type { Progress } from "./_progress.ts";
import type { Logger } from "../client/logger.ts";
import { UnknownJobTypeError } from "./manager_errors.ts";

/**
 * How one job run ended, as returned by `Manager.execute`.
 *
 * @example
 * ```ts
 * import type { JobOutcome } from "@x/faktory-worker";
 * const describe = (o: JobOutcome) => o.ok ? "ACK" : `FAIL ${o.failure.errtype}: ${o.failure.message}`;
 * ```
 */
export type JobOutcome =
  | { readonly ok: true; readonly durationMs: number }
  | {
    readonly ok: false;
    readonly error: unknown;
    readonly failure: FailPayload;
    readonly durationMs: number;
  };

/** Handlers by job type, and the middleware around every one of them. */
export class Registry {
  readonly #handlers = new Map<string, Handler<never[]>>();
  readonly #middleware: Middleware[] = [];

  /** How many job types have a handler. */
  get size(): number {
    return this.#handlers.size;
  }

  /**
   * Sets the handler for a job type.
   *
   * @throws {TypeError} For an empty name or a handler that is not a function.
   */
  register(name: unknown, handler: Handler<never[]>): void {
    if (typeof name !== "string" || name === "") {
      throw new TypeError("A job type needs a non-empty name");
    }
    if (typeof handler !== "function") {
      throw new TypeError(`The handler for ${name} must be a function`);
    }
    this.#handlers.set(name, handler);
  }

  /**
   * Adds middleware after the middleware added before it.
   *
   * @throws {TypeError} For middleware that is not a function.
   */
  use(middleware: Middleware): void {
    if (typeof middleware !== "function") {
      throw new TypeError("Middleware must be a function");
    }
    this.#middleware.push(middleware);
  }

  /**
   * Runs the job of `ctx` through the middleware and its handler. A job type
   * without a handler fails at once: middleware never sees it.
   *
   * @returns Resolves when the job succeeded, rejects with what it threw.
   */
  perform(ctx: JobContext): Promise<void> {
    const handler = this.#handlers.get(ctx.jobType);
    if (!handler) return Promise.reject(new UnknownJobTypeError(ctx.jobType));
    const chain = this.#middleware;
    const call = (i: number): Promise<void> => {
      try {
        return step(i);
      } catch (error) {
        return Promise.reject(error); // a middleware threw synchronously
      }
    };
    const step = (i: number): Promise<void> => {
      if (i < chain.length) {
        let called = false;
        return Promise.resolve(chain[i]!(ctx, () => {
          if (called) {
            return Promise.reject(
              new LocalProtocolError("next() called twice by a middleware"),
            );
          }
          called = true;
          return call(i + 1);
        })).then(() => {});
      }
      // What the handler returns is ignored: no extra step to drop it.
      return Promise.resolve().then(() =>
        handler(ctx, ...(ctx.args as never[]))
      ) as Promise<void>;
    };
    return call(0);
  }

  /**
   * Runs one job here and now, without a server, and reports how it ended.
   * `ctx.with` uses `options.client`, and fails without one.
   */
  async execute(
    job: Job,
    logger: Logger,
    options: {
      readonly signal?: AbortSignal;
      readonly client?: Client;
      readonly progress: Progress;
    },
  ): Promise<JobOutcome> {
    const signal = options.signal ?? new AbortController().signal;
    const started = Date.now();
    const ctx = jobContext({
      job,
      deadline: new Date(
        started + reservationSeconds(job.reserve_for) * 1000,
      ),
      logger,
      signal: () => signal,
      with: async (fn) => {
        if (!options.client) {
          throw new LocalProtocolError(
            "No client was given to execute(): pass { client }",
          );
        }
        return await fn(options.client);
      },
      progress: options.progress,
    });
    try {
      await this.perform(ctx);
      return { ok: true, durationMs: Date.now() - started };
    } catch (error) {
      return {
        ok: false,
        error,
        failure: failureFor(job.jid, error),
        durationMs: Date.now() - started,
      };
    }
  }
}
