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
 * two histogram values per job: `faktory.job.latency` when the job starts,
 * and `messaging.process.duration` in batches (whenever 512 are waiting, and
 * at every collection). Every count (jobs consumed, processed and failed,
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
  /** Jobs that ran to an ACK or a FAIL, failed ones included (as Faktory counts). */
  readonly processed: number;
  /** Jobs that ended in a FAIL. */
  readonly failed: number;
  /** `processed` and `failed` by job type. */
  readonly byJobType: {
    readonly [jobtype: string]: {
      readonly processed: number;
      readonly failed: number;
    };
  };
  /** `processed` and `failed` by queue. */
  readonly byQueue: {
    readonly [queue: string]: {
      readonly processed: number;
      readonly failed: number;
    };
  };
  /** Jobs running now. */
  readonly busy: number;
  /** Jobs that may run at once. */
  readonly concurrency: number;
  /** Times the worker got the server back after losing it. */
  readonly reconnects: number;
  /** ACKs and FAILs sent again after a failed delivery. */
  readonly resultsResent: number;
  /** How long jobs ran (handler and middleware), in seconds. */
  readonly duration: {
    readonly count: number;
    readonly sum: number;
    readonly max: number;
  };
  /** How long jobs waited, from their `enqueued_at` to the start of their run, in seconds. */
  readonly latency: {
    readonly count: number;
    readonly sum: number;
    readonly max: number;
  };
}
