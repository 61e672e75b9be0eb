/**
 * What the worker measures, as users see it: the meter it records into (the
 * part of OpenTelemetry's `Meter` it uses, typed here so that the library
 * imports nothing of OpenTelemetry), and the plain numbers `mgr.stats()`
 * returns with or without one.
 *
 * @module
 */

/**
 * The part of an OpenTelemetry `Meter` the worker records into: pass
 * `metrics.getMeter("my-worker")` from `@opentelemetry/api` as the
 * Manager's `meter` option. Any object with these three methods works.
 *
 * The worker creates its instruments once, in the constructor. It records
 * two histogram values per job (`messaging.process.duration`,
 * `faktory.job.latency`); every count (jobs consumed, processed and failed,
 * busy slots, reconnects, results sent again) is an observable instrument
 * read from memory when the meter collects, so it costs nothing per job.
 *
 * @example Record into the global OpenTelemetry meter provider
 * ```ts
 * import { metrics } from "@opentelemetry/api";
 * import { Manager } from "@x/faktory-worker";
 *
 * const mgr = new Manager({ meter: metrics.getMeter("my-worker") });
 * ```
 */
export interface MetricsMeter {
  /** Creates a histogram (`Meter.createHistogram`). */
  createHistogram(
    name: string,
    options?: {
      readonly description?: string;
      readonly unit?: string;
      readonly advice?: { readonly explicitBucketBoundaries?: number[] };
    },
  ): {
    record(
      value: number,
      attributes?: { readonly [key: string]: string | number | boolean },
    ): void;
  };
  /** Creates an observable counter (`Meter.createObservableCounter`). */
  createObservableCounter(
    name: string,
    options?: { readonly description?: string; readonly unit?: string },
  ): {
    addCallback(
      callback: (result: {
        observe(
          value: number,
          attributes?: { readonly [key: string]: string | number | boolean },
        ): void;
      }) => void,
    ): void;
  };
  /** Creates an observable up-down counter (`Meter.createObservableUpDownCounter`). */
  createObservableUpDownCounter(
    name: string,
    options?: { readonly description?: string; readonly unit?: string },
  ): {
    addCallback(
      callback: (result: {
        observe(
          value: number,
          attributes?: { readonly [key: string]: string | number | boolean },
        ): void;
      }) => void,
    ): void;
  };
}

/**
 * The worker's numbers since the Manager was created, as `mgr.stats()`
 * returns them (the same the meter reports). Durations are in seconds.
 *
 * - `processed`: jobs that ran to an ACK or a FAIL, failed ones included (as
 *   Faktory counts); `failed`: those that ended in a FAIL. Both also by job
 *   type and by queue.
 * - `busy`: jobs running now; `concurrency`: jobs that may run at once.
 * - `reconnects`: times the worker got the server back after losing it.
 * - `resultsResent`: ACKs and FAILs sent again after a failed delivery.
 * - `duration`: how long jobs ran (handler and middleware); `latency`: how
 *   long they waited, from their `enqueued_at` to the start of their run.
 *   Each as a count, a sum and a maximum.
 *
 * @example Log the numbers every minute
 * ```ts
 * import { Manager } from "@x/faktory-worker";
 *
 * const mgr = new Manager();
 * const timer = setInterval(() => {
 *   const { processed, failed, busy, duration } = mgr.stats();
 *   const mean = duration.count > 0 ? duration.sum / duration.count : 0;
 *   console.log({ processed, failed, busy, meanSeconds: mean });
 * }, 60_000);
 * clearInterval(timer);
 * ```
 */
export interface WorkerStats {
  readonly processed: number;
  readonly failed: number;
  readonly byJobType: {
    readonly [jobtype: string]: {
      readonly processed: number;
      readonly failed: number;
    };
  };
  readonly byQueue: {
    readonly [queue: string]: {
      readonly processed: number;
      readonly failed: number;
    };
  };
  readonly busy: number;
  readonly concurrency: number;
  readonly reconnects: number;
  readonly resultsResent: number;
  readonly duration: {
    readonly count: number;
    readonly sum: number;
    readonly max: number;
  };
  readonly latency: {
    readonly count: number;
    readonly sum: number;
    readonly max: number;
  };
}
