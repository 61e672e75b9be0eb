/**
 * What a job handler receives: the job, its abort signal and reservation
 * deadline, a logger, and a way to push more jobs.
 *
 * @module
 */

import { LocalProtocolError } from "../core/errors.ts";
import { formatTime, type Job, type JsonValue } from "../core/job.ts";
import { type Batch, fillBatch } from "../client/batch.ts";
import type { Client } from "../client/client.ts";
import { shown } from "../core/_shown.ts";
import type { Logger } from "../client/logger.ts";
import type { Progress } from "./_progress.ts";

/**
 * The context of one job run, passed to handlers and middleware.
 *
 * @example
 * ```ts
 * import type { JobContext } from "@x/faktory-worker";
 * async function resize(ctx: JobContext, url: string): Promise<void> {
 *   ctx.logger.info("resizing", { jid: ctx.jid, url });
 *   const res = await fetch(url, { signal: ctx.signal }); // aborted at shutdown or expiry
 *   await ctx.with((client) => client.push("Uploaded", [url, res.status]));
 * }
 * ```
 */
export class JobContext {
  /** The whole job as fetched. */
  readonly job: Job;
  /** The worker's logger. */
  readonly logger: Logger;
  #deadline: Date;
  readonly #signal: () => AbortSignal;
  readonly #with: <T>(fn: (client: Client) => Promise<T> | T) => Promise<T>;
  readonly #extend: ((until: number) => void) | undefined;
  readonly #progress: Progress;

  private constructor(parts: ContextParts) {
    this.job = parts.job;
    this.#deadline = parts.deadline;
    this.logger = parts.logger;
    this.#signal = parts.signal;
    this.#with = parts.with;
    this.#extend = parts.extendReservation;
    this.#progress = parts.progress;
  }

  /**
   * When the server's reservation of this job expires (later once
   * `trackProgress` extended it with `reserveUntil`).
   */
  get deadline(): Date {
    return this.#deadline;
  }

  /**
   * Aborted when the job must stop: at the shutdown timeout, or when its
   * reservation expires (the server then retries it elsewhere).
   */
  get signal(): AbortSignal {
    return this.#signal();
  }

  /** The job id. */
  get jid(): string {
    return this.job.jid;
  }

  /** The job type. */
  get jobType(): string {
    return this.job.jobtype;
  }

  /** The arguments. */
  get args(): readonly JsonValue[] {
    return this.job.args;
  }

  /** The queue the job came from. */
  get queue(): string {
    return this.job.queue ?? "default";
  }

  /** The job's custom metadata (empty when none). */
  get custom(): { readonly [key: string]: JsonValue } {
    return this.job.custom ?? {};
  }

  /** How many times the job failed before this run (0 on the first run). */
  get retryCount(): number {
    return this.job.failure ? this.job.failure.retry_count + 1 : 0;
  }

  /** The batch this job belongs to (Faktory Enterprise), if any. */
  get bid(): string | undefined {
    const bid = this.custom.bid;
    return typeof bid === "string" ? bid : undefined;
  }

  /** The batch whose callback this job is (Faktory Enterprise), if any. */
  get callbackBid(): string | undefined {
    const bid = this.custom._bid;
    return typeof bid === "string" ? bid : undefined;
  }

  /**
   * For a callback of a child batch, the parent batch's id (Faktory
   * Enterprise), to reopen the parent with `ctx.with`.
   */
  get parentBid(): string | undefined {
    const bid = this.custom._pbid;
    return typeof bid === "string" ? bid : undefined;
  }

  /**
   * Reopens this job's batch (Faktory Enterprise) to add jobs or child
   * batches, runs `fn`, and commits the batch again. The batch's callbacks
   * wait for what `fn` adds. When `fn` throws, the batch is left open and
   * the error is rethrown (so the job fails and is retried).
   *
   * @param fn Pushes more jobs through the batch.
   * @returns What `fn` returned.
   * @throws {LocalProtocolError} When the job is not in a batch.
   *
   * @example
   * ```ts
   * import { Manager } from "@x/faktory-worker";
   * const mgr = new Manager();
   * mgr.register("ImportFile", async (ctx, file: string) => {
   *   const rows = [`${file}:1`, `${file}:2`];
   *   await ctx.batch(async (batch) => {
   *     for (const row of rows) await batch.push("ImportRow", [row]);
   *   });
   * });
   * ```
   */
  batch<T>(fn: (batch: Batch) => Promise<T> | T): Promise<T> {
    const bid = this.bid;
    if (bid === undefined) {
      return Promise.reject(
        new LocalProtocolError(
          `Job ${this.jid} is not in a batch (it has no custom.bid)`,
        ),
      );
    }
    return this.with(async (client) =>
      fillBatch(await client.openBatch(bid), fn)
    );
  }

  /**
   * Reports this job's progress (Faktory Enterprise tracking; push the job
   * with `track: true`), optionally extending its reservation: once the
   * server accepted `reserveUntil`, `ctx.deadline` moves there and
   * `ctx.signal` is not aborted before it.
   *
   * Reporting never fails the job. On a server without tracking (the
   * open-source Faktory) the first report logs one warning per worker, and
   * every report does nothing; a report that fails otherwise (a lost
   * connection, a timeout) is logged at `warn` and the job carries on, its
   * deadline unchanged.
   *
   * @param percent Progress, an integer 0..100.
   * @param description What the job is doing.
   * @param options `reserveUntil`: keep the job reserved until then, at
   *   most a day from now (Faktory reserves a job for a day at most).
   * @returns Whether the server took the report (and any new deadline).
   * @throws {RangeError} When `percent` is not an integer 0..100, or
   *   `reserveUntil` is an invalid Date or more than a day away.
   * @throws {TypeError} When `description` is not a string or
   *   `reserveUntil` not a Date.
   *
   * @example
   * ```ts
   * import { Manager } from "@x/faktory-worker";
   * const mgr = new Manager();
   * mgr.register("Transcode", async (ctx, video: string) => {
   *   await ctx.trackProgress(10, `fetching ${video}`);
   *   await ctx.trackProgress(50, "encoding", { reserveUntil: new Date(Date.now() + 3_600_000) });
   * });
   * ```
   */
  async trackProgress(
    percent: number,
    description?: string,
    options: { readonly reserveUntil?: Date } = {},
  ): Promise<boolean> {
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
      throw new RangeError(
        `percent must be an integer from 0 to 100, got ${percent}`,
      );
    }
    if (description !== undefined && typeof description !== "string") {
      throw new TypeError(
        `description must be a string, got ${shown(description)}`,
      );
    }
    const { reserveUntil } = options;
    if (reserveUntil !== undefined) checkReserveUntil(reserveUntil);
    const sent = await this.#progress.report(
      this.jid,
      () =>
        this.with((client) =>
          client.trackSet({
            jid: this.jid,
            percent,
            ...(description === undefined ? {} : { desc: description }),
            ...(reserveUntil === undefined
              ? {}
              : { reserve_until: formatTime(reserveUntil) }),
          })
        ),
    );
    const until = reserveUntil?.getTime();
    if (sent && until !== undefined && until > this.#deadline.getTime()) {
      this.#deadline = new Date(until);
      this.#extend?.(until);
    }
    return sent;
  }

  /**
   * Lends the worker's client for jobs, for example to push follow-up jobs.
   * Every job shares that one promise-safe client (it reconnects after a
   * broken connection), and the Manager's `pushMiddleware` runs around its
   * pushes. So do not `close()` it or add middleware to it with `use()`:
   * that would change it for every job.
   *
   * @param fn Work to do with the client.
   * @returns What `fn` returned.
   */
  with<T>(fn: (client: Client) => Promise<T> | T): Promise<T> {
    return this.#with(fn);
  }
}

/** The furthest a reservation reaches: Faktory's longest reserve_for, one day. */
const MAX_RESERVATION_MS = 86_400_000;

function checkReserveUntil(reserveUntil: unknown): void {
  if (!(reserveUntil instanceof Date)) {
    throw new TypeError(
      `reserveUntil must be a Date, got ${shown(reserveUntil)}`,
    );
  }
  const until = reserveUntil.getTime();
  if (Number.isNaN(until)) {
    throw new RangeError("reserveUntil must be a valid Date, got Invalid Date");
  }
  const latest = Date.now() + MAX_RESERVATION_MS;
  if (until > latest) {
    throw new RangeError(
      `reserveUntil must be at most 86400 s from now (${
        new Date(latest).toISOString()
      }; Faktory reserves a job for a day at most), got ${reserveUntil.toISOString()}`,
    );
  }
}

/**
 * A job handler: receives the context and the job's arguments. Returning
 * (or resolving) ACKs the job; throwing (or rejecting) FAILs it.
 *
 * @example
 * ```ts
 * import type { Handler } from "@x/faktory-worker";
 * const add: Handler<[number, number]> = (ctx, a, b) => ctx.logger.info(`${a + b}`);
 * ```
 */
export type Handler<A extends readonly unknown[] = JsonValue[]> = (
  ctx: JobContext,
  ...args: A
) => unknown;

/**
 * Middleware around every job, in registration order. Call `next()` to run
 * the rest of the chain; not calling it skips the job (it is ACKed);
 * throwing fails it.
 *
 * @example
 * ```ts
 * import type { Middleware } from "@x/faktory-worker";
 * const timing: Middleware = async (ctx, next) => {
 *   const started = Date.now();
 *   try {
 *     await next();
 *   } finally {
 *     ctx.logger.info(`${ctx.jobType} took ${Date.now() - started} ms`);
 *   }
 * };
 * ```
 */
export type Middleware = (
  ctx: JobContext,
  next: () => Promise<void>,
) => unknown;

/** What a {@linkcode JobContext} is made of; the Manager supplies it. */
export interface ContextParts {
  readonly job: Job;
  readonly deadline: Date;
  readonly logger: Logger;
  /** The job's abort signal, made when first asked for. */
  signal(): AbortSignal;
  with<T>(fn: (client: Client) => Promise<T> | T): Promise<T>;
  /** Moves the reservation deadline the worker watches to `until` (ms). */
  extendReservation?(until: number): void;
  /** Sends progress reports (one per worker: it knows whether the server tracks). */
  readonly progress: Progress;
}

/** Makes the context of one job run (the constructor is not public). */
export function jobContext(parts: ContextParts): JobContext {
  return new (JobContext as unknown as new (parts: ContextParts) => JobContext)(
    parts,
  );
}

/**
 * A job's abort, whose AbortSignal exists only once someone asks for it: most
 * jobs never look, and never pay for one.
 */
export class JobAbort {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;

  /** Whether the job was told to stop. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** The signal, aborted already if the job was told to stop. */
  signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Tells the job to stop (once). */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
