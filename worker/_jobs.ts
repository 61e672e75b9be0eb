/**
 * The runner: takes each fetched job with the slot its fetcher holds, runs it
 * through the registry, tracks it until it settles, aborts it when its
 * reservation expires, and hands its result (ACK or FAIL) to the results
 * queue. A job settles once: a job failed at the shutdown timeout is never
 * ACKed later.
 *
 * @module
 */

import { failureFor } from "../core/failure.ts";
import { type Job, reservationSeconds } from "../core/job.ts";
import type { Client } from "../client/client.ts";
import { JobAbort, jobContext } from "./context.ts";
import type { Emitter } from "./_emitter.ts";
import type { Logger } from "../client/logger.ts";
import type { Metrics, Tally } from "./_metrics.ts";
import type { Progress } from "./_progress.ts";
import {
  ReservationExpiredError,
  ShutdownTimeoutError,
} from "./manager_errors.ts";
import type { Registry } from "./_registry.ts";
import type { Result, Results } from "./_results.ts";
import type { Slots } from "./_slots.ts";
import { sleep } from "./_reconnect.ts";

/** One running job. */
export interface Running {
  readonly job: Job;
  readonly abort: JobAbort;
  readonly started: number;
  /** When the reservation expires, in ms; moved by `ctx.trackProgress`. */
  deadline: number;
  settled: boolean;
  /** The handler (and middleware) returned or threw. */
  finished: boolean;
  /** Its counts in the metrics, and when it started on the monotonic clock. */
  readonly tally: Tally | undefined;
  readonly t0: number;
}

/** What the runner works with. */
export interface JobsOptions {
  readonly registry: Registry;
  readonly results: Results;
  readonly slots: Slots;
  readonly events: Emitter;
  readonly logger: Logger;
  /** Sends `ctx.trackProgress` reports. */
  readonly progress: Progress;
  /** Lends a client to `ctx.with`. */
  with<T>(fn: (client: Client) => Promise<T> | T): Promise<T>;
  /** Told when each job starts and settles. */
  readonly metrics?: Metrics;
}

/** Where fetchers hand their jobs. */
export interface Runner {
  /** Runs a fetched job in the slot the fetcher took for it. */
  start(job: Job, fetchedAt: number): void;
}

export class Jobs implements Runner {
  readonly #o: JobsOptions;
  readonly #running = new Map<string, Running>();
  #idle: (() => void)[] = [];
  /** Set once shutdown failed the unfinished jobs: a job fetched later is failed too. */
  #failing = false;
  #sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(options: JobsOptions) {
    this.#o = options;
  }

  /** Jobs running now. */
  get size(): number {
    return this.#running.size;
  }

  start(job: Job, fetchedAt: number): void {
    const { events, logger, registry } = this.#o;
    const abort = new JobAbort();
    if (this.#failing) return this.#failLate(job, abort);
    const deadline = fetchedAt + reservationSeconds(job.reserve_for) * 1000;
    const started = Date.now();
    const entry: Running = {
      job,
      abort,
      started,
      deadline,
      settled: false,
      finished: false,
      tally: this.#o.metrics?.started(job, started),
      t0: performance.now(),
    };
    this.#running.set(job.jid, entry);
    const ctx = jobContext({
      job,
      deadline: new Date(deadline),
      logger,
      signal: () => abort.signal(),
      with: (fn) => this.#o.with(fn),
      progress: this.#o.progress,
      extendReservation: (until) => {
        entry.deadline = Math.max(entry.deadline, until);
      },
    });
    if (events.has("job:start")) events.emit("job:start", { job });
    registry.perform(ctx).then(
      () => {
        entry.finished = true;
        this.#settle(entry, { type: "ACK", jid: job.jid });
      },
      (error) => {
        entry.finished = true;
        this.#settle(entry, {
          type: "FAIL",
          payload: failureFor(job.jid, error),
        }, error);
      },
    );
  }

  /** Checks reservation deadlines every `interval` ms until {@linkcode stop}. */
  watchDeadlines(interval: number): void {
    clearInterval(this.#sweeper);
    this.#sweeper = setInterval(() => this.sweep(Date.now()), interval);
  }

  /** Aborts the signal of every job whose reservation expired by `now`. */
  sweep(now: number): void {
    for (const entry of this.#running.values()) {
      if (now >= entry.deadline && !entry.abort.aborted) {
        this.#o.logger.warn(
          "Job reservation expired; the server will retry it",
          { jid: entry.job.jid },
        );
        entry.abort.abort(
          new ReservationExpiredError(
            `The reservation of job ${entry.job.jid} expired`,
          ),
        );
      }
    }
  }

  /** Stops watching deadlines. */
  stop(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  /** Resolves when no job runs. */
  idle(): Promise<void> {
    if (this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Aborts and FAILs every job still running, so the server retries it
   * (within its retry limit), and FAILs at once, without running it, any job
   * a FETCH still under way brings later.
   *
   * @param atOnce Whether a second signal cut the wait short.
   * @param timeout The shutdown timeout, for the message.
   * @returns The jobs failed.
   */
  failUnfinished(atOnce: boolean, timeout: number): Running[] {
    this.#failing = true;
    const unfinished = [...this.#running.values()];
    if (unfinished.length === 0) return unfinished;
    this.#o.logger.warn(
      atOnce
        ? "Second signal: failing the jobs still running"
        : `Shutdown timeout (${timeout} ms): failing the jobs still running`,
      { jids: unfinished.map((e) => e.job.jid) },
    );
    for (const entry of unfinished) {
      const reason = new ShutdownTimeoutError(
        atOnce
          ? "The worker was told to stop at once before the job finished"
          : `The worker shut down before the job finished (shutdown timeout ${timeout} ms)`,
      );
      entry.abort.abort(reason);
      this.#settle(entry, {
        type: "FAIL",
        payload: failureFor(entry.job.jid, reason),
      }, reason);
    }
    return unfinished;
  }

  /**
   * Gives the handlers whose signal was just aborted `grace` ms to return,
   * then names those that did not: they may go on running (and hold timers)
   * after the worker stopped.
   */
  async reportAbandoned(
    aborted: readonly Running[],
    grace = 500,
  ): Promise<void> {
    if (aborted.length === 0) return;
    const pending = () => aborted.filter((e) => !e.finished);
    for (let waited = 0; waited < grace && pending().length > 0; waited += 20) {
      await sleep(20);
    }
    const ignored = pending();
    if (ignored.length === 0) return;
    this.#o.logger.warn(
      `Jobs ignored their abort signal and still run ${grace} ms later; they were failed, and what they do now is discarded`,
      { jids: ignored.map((e) => e.job.jid) },
    );
  }

  /** FAILs a job fetched after shutdown failed the unfinished ones, without running it. */
  #failLate(job: Job, abort: JobAbort): void {
    const reason = new ShutdownTimeoutError(
      "The job was fetched after shutdown had failed the running jobs; it did not run",
    );
    abort.abort(reason);
    const now = Date.now();
    const entry: Running = {
      job,
      abort,
      started: now,
      deadline: now,
      settled: false,
      finished: true,
      tally: this.#o.metrics?.started(job, now),
      t0: performance.now(),
    };
    this.#settle(entry, {
      type: "FAIL",
      payload: failureFor(job.jid, reason),
    }, reason);
  }

  #settle(entry: Running, result: Result, error?: unknown): void {
    if (entry.settled) return; // already failed at the shutdown timeout: never ACK after FAIL
    entry.settled = true;
    const { events, logger, results, slots } = this.#o;
    this.#running.delete(entry.job.jid);
    slots.release();
    results.push(result);
    if (entry.tally) {
      this.#o.metrics!.finished(
        entry.tally,
        (performance.now() - entry.t0) / 1000,
        result.type === "FAIL" ? result.payload.errtype : undefined,
      );
    }
    const durationMs = Date.now() - entry.started;
    if (result.type === "ACK") {
      if (events.has("job:success")) {
        events.emit("job:success", { job: entry.job, durationMs });
      }
    } else {
      logger.warn("Job failed", {
        jobtype: entry.job.jobtype,
        jid: entry.job.jid,
        errtype: result.payload.errtype,
        message: result.payload.message,
        retryCount: entry.job.failure ? entry.job.failure.retry_count + 1 : 0,
      });
      events.emit("job:failure", { job: entry.job, error, durationMs });
    }
    if (this.#running.size === 0) {
      for (const f of this.#idle.splice(0)) f();
    }
  }
}
