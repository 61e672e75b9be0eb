/**
 * The worker's metrics: counts and time summaries kept in memory (what
 * `mgr.stats()` returns), recorded into an OpenTelemetry-shaped meter when
 * one is given. Per job, the runner calls {@linkcode Metrics.started} and
 * {@linkcode Metrics.finished}; the only meter calls on that path are the
 * two histogram records. Every count is an observable instrument that reads
 * these tallies when the meter collects.
 *
 * What a meter costs per job is mostly the SDK's: the OpenTelemetry SDK
 * hashes the attributes of every record (sorting their keys and writing them
 * as JSON), which takes about 1.4 µs for the four of a duration on Node 20,
 * and more between other work than in a tight loop. So durations, which
 * carry the messaging attributes and the job type, are recorded in batches:
 * whenever 512 are waiting, and at every collection (the observable
 * callbacks flush them first), which about halves their cost in a running
 * worker. The latency histogram has no attributes (even one costs about
 * 0.5 µs per record), and is recorded at once.
 *
 * Job types and queues are tallied apart up to a limit (a stream of made-up
 * job types must not grow memory without end); past it they share one tally
 * named `_OTHER`, as OpenTelemetry names an overflow.
 *
 * @module
 */

import type { Job } from "../core/job.ts";
import { expectType } from "./_checks.ts";
import type { MetricsMeter, WorkerStats } from "./metrics.ts";
import * as sc from "./_semconv.ts";

type Attributes = { readonly [key: string]: string };
type Histogram = ReturnType<MetricsMeter["createHistogram"]>;

/** The most (job type, queue) pairs tallied apart. */
const MAX_TALLIES = 1000;
/** Durations recorded into the meter together, at the latest. */
const BATCH = 512;
/** The most error types tallied apart per (job type, queue). */
const MAX_ERROR_TYPES = 100;
const OTHER = "_OTHER";

/** Queue latency buckets, in seconds: the duration ones, then up to an hour. */
const LATENCY_BUCKETS = [...sc.DURATION_BUCKETS, 30, 60, 300, 900, 3600];

/** Failures of one error type for one (job type, queue). */
interface Failures {
  count: number;
  /** `messaging.process.duration` attributes, with `error.type`. */
  readonly process: Attributes;
  /** `faktory.jobs.failed` attributes. */
  readonly counted: Attributes;
}

/** The counts of one (job type, queue). */
export interface Tally {
  readonly jobtype: string;
  readonly queue: string;
  consumed: number;
  processed: number;
  failed: number;
  readonly failures: Map<string, Failures>;
  /** `faktory.jobs.processed` (and `.failed` without `error.type`) attributes. */
  readonly counted: Attributes;
  /** `messaging.process.duration` attributes of a success. */
  readonly process: Attributes;
}

/** Count, sum and maximum of a series of durations. */
class Summary {
  count = 0;
  sum = 0;
  max = 0;

  add(seconds: number): void {
    this.count++;
    this.sum += seconds;
    if (seconds > this.max) this.max = seconds;
  }

  get value(): WorkerStats["duration"] {
    return { count: this.count, sum: this.sum, max: this.max };
  }
}

/** What the metrics read from the rest of the Manager. */
export interface MetricsSources {
  /** Jobs running now. */
  busy(): number;
  readonly concurrency: number;
}

export class Metrics {
  readonly #sources: MetricsSources;
  readonly #tallies = new Map<string, Map<string, Tally>>();
  #size = 0;
  #overflow: Tally | undefined;
  readonly #duration = new Summary();
  readonly #latency = new Summary();
  #reconnects = 0;
  /** Durations not yet recorded into the meter, and their attributes. */
  readonly #seconds: number[] = [];
  readonly #attributes: Attributes[] = [];
  #resent = 0;
  readonly #durations: Histogram | undefined;
  readonly #latencies: Histogram | undefined;

  constructor(meter: MetricsMeter | undefined, sources: MetricsSources) {
    this.#sources = sources;
    if (meter === undefined) return;
    this.#durations = meter.createHistogram(sc.METRIC_PROCESS_DURATION, {
      description: "Duration of processing operation",
      unit: "s",
      advice: { explicitBucketBoundaries: [...sc.DURATION_BUCKETS] },
    });
    this.#latencies = meter.createHistogram(sc.METRIC_JOB_LATENCY, {
      description:
        "Time a job waited, from its enqueued_at to the start of its run",
      unit: "s",
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    });
    this.#observe(meter);
  }

  /** A job was fetched and is about to run; `now` is the clock in ms. */
  started(job: Job, now: number): Tally {
    const tally = this.#tally(job.jobtype, job.queue ?? "default");
    tally.consumed++;
    const enqueued = job.enqueued_at;
    if (enqueued !== undefined) {
      const at = Date.parse(enqueued);
      if (at === at) { // not NaN
        const seconds = now > at ? (now - at) / 1000 : 0; // clocks differ a little
        this.#latency.add(seconds);
        this.#latencies?.record(seconds);
      }
    }
    return tally;
  }

  /** A job settled after `seconds`: ACKed, or FAILed as `errtype`. */
  finished(tally: Tally, seconds: number, errtype: string | undefined): void {
    tally.processed++;
    this.#duration.add(seconds);
    if (errtype === undefined) {
      if (this.#durations) this.#defer(seconds, tally.process);
      return;
    }
    tally.failed++;
    const failures = tally.failures.get(errtype) ?? this.#failures(
      tally,
      tally.failures.size < MAX_ERROR_TYPES ? errtype : OTHER,
    );
    failures.count++;
    if (this.#durations) this.#defer(seconds, failures.process);
  }

  /** Records the durations waiting in the batch into the meter. */
  flush(): void {
    const durations = this.#durations;
    const seconds = this.#seconds;
    const attributes = this.#attributes;
    if (!durations || seconds.length === 0) return;
    for (let i = 0; i < seconds.length; i++) {
      durations.record(seconds[i]!, attributes[i]);
    }
    seconds.length = 0;
    attributes.length = 0;
  }

  #defer(seconds: number, attributes: Attributes): void {
    this.#seconds.push(seconds);
    this.#attributes.push(attributes);
    if (this.#seconds.length >= BATCH) this.flush();
  }

  /** The worker got the server back after losing it. */
  reconnected(): void {
    this.#reconnects++;
  }

  /** `count` results are sent again. */
  resent(count: number): void {
    this.#resent += count;
  }

  stats(): WorkerStats {
    let processed = 0;
    let failed = 0;
    const byJobType: Record<string, { processed: number; failed: number }> = {};
    const byQueue: Record<string, { processed: number; failed: number }> = {};
    for (const tally of this.#all()) {
      processed += tally.processed;
      failed += tally.failed;
      const t = byJobType[tally.jobtype] ??= { processed: 0, failed: 0 };
      t.processed += tally.processed;
      t.failed += tally.failed;
      const q = byQueue[tally.queue] ??= { processed: 0, failed: 0 };
      q.processed += tally.processed;
      q.failed += tally.failed;
    }
    return {
      processed,
      failed,
      byJobType,
      byQueue,
      busy: this.#sources.busy(),
      concurrency: this.#sources.concurrency,
      reconnects: this.#reconnects,
      resultsResent: this.#resent,
      duration: this.#duration.value,
      latency: this.#latency.value,
    };
  }

  *#all(): Iterable<Tally> {
    for (const byQueue of this.#tallies.values()) yield* byQueue.values();
    if (this.#overflow) yield this.#overflow;
  }

  #tally(jobtype: string, queue: string): Tally {
    const found = this.#tallies.get(jobtype)?.get(queue);
    if (found) return found;
    if (this.#size >= MAX_TALLIES) {
      return this.#overflow ??= newTally(OTHER, OTHER);
    }
    let byQueue = this.#tallies.get(jobtype);
    if (!byQueue) this.#tallies.set(jobtype, byQueue = new Map());
    const tally = newTally(jobtype, queue);
    byQueue.set(queue, tally);
    this.#size++;
    return tally;
  }

  #failures(tally: Tally, errtype: string): Failures {
    const found = tally.failures.get(errtype);
    if (found) return found;
    const failures: Failures = {
      count: 0,
      process: { ...tally.process, [sc.ATTR_ERROR_TYPE]: errtype },
      counted: { ...tally.counted, [sc.ATTR_ERROR_TYPE]: errtype },
    };
    tally.failures.set(errtype, failures);
    return failures;
  }

  /**
   * Registers the observable instruments, which read the tallies when the
   * meter collects. Each callback first records the batched durations: a
   * collection runs the callbacks before it reads the histograms, and any
   * one of them may be the only one it runs (a view can drop the others).
   */
  #observe(meter: MetricsMeter): void {
    const add = (
      kind: "counter" | "updown",
      name: string,
      unit: string,
      description: string,
      read: (observe: (value: number, attributes?: Attributes) => void) => void,
    ) => {
      const options = { unit, description };
      (kind === "counter"
        ? meter.createObservableCounter(name, options)
        : meter.createObservableUpDownCounter(name, options)).addCallback(
          (result) => {
            this.flush();
            read((value, attributes) => result.observe(value, attributes));
          },
        );
    };
    add(
      "counter",
      sc.METRIC_CONSUMED_MESSAGES,
      "{message}",
      "Number of messages that were delivered to the application",
      (observe) => {
        for (const tally of this.#all()) {
          observe(tally.consumed, {
            [sc.ATTR_MESSAGING_SYSTEM]: sc.FAKTORY,
            [sc.ATTR_MESSAGING_OPERATION_NAME]: "fetch",
            ...tally.counted,
          });
        }
      },
    );
    add(
      "counter",
      sc.METRIC_JOBS_PROCESSED,
      "{job}",
      "Jobs that ran to an ACK or a FAIL, failed ones included",
      (observe) => {
        for (const tally of this.#all()) {
          observe(tally.processed, tally.counted);
        }
      },
    );
    add(
      "counter",
      sc.METRIC_JOBS_FAILED,
      "{job}",
      "Jobs that ended in a FAIL",
      (observe) => {
        for (const tally of this.#all()) {
          for (const f of tally.failures.values()) observe(f.count, f.counted);
        }
      },
    );
    add(
      "updown",
      sc.METRIC_WORKER_BUSY,
      "{job}",
      "Jobs running now",
      (observe) => observe(this.#sources.busy()),
    );
    add(
      "updown",
      sc.METRIC_WORKER_CONCURRENCY,
      "{job}",
      "Jobs that may run at once",
      (observe) => observe(this.#sources.concurrency),
    );
    add(
      "counter",
      sc.METRIC_WORKER_RECONNECTS,
      "{reconnect}",
      "Times the worker got the server back after losing it",
      (observe) => observe(this.#reconnects),
    );
    add(
      "counter",
      sc.METRIC_RESULTS_RESENT,
      "{result}",
      "ACKs and FAILs sent again after a failed delivery",
      (observe) => observe(this.#resent),
    );
  }
}

function newTally(jobtype: string, queue: string): Tally {
  const counted = {
    [sc.ATTR_MESSAGING_DESTINATION_NAME]: queue,
    [sc.ATTR_FAKTORY_JOB_TYPE]: jobtype,
  };
  return {
    jobtype,
    queue,
    consumed: 0,
    processed: 0,
    failed: 0,
    failures: new Map(),
    counted,
    process: {
      [sc.ATTR_MESSAGING_SYSTEM]: sc.FAKTORY,
      [sc.ATTR_MESSAGING_OPERATION_NAME]: "process",
      ...counted,
    },
  };
}

/**
 * Checks the `meter` option: an object with the methods the worker calls.
 *
 * @throws {TypeError} When it is not.
 */
export function checkMeter(meter: unknown): void {
  if (meter === undefined) return;
  const methods = [
    "createHistogram",
    "createObservableCounter",
    "createObservableUpDownCounter",
  ] as const;
  expectType(
    typeof meter === "object" && meter !== null &&
      methods.every((m) =>
        typeof (meter as Record<string, unknown>)[m] === "function"
      ),
    "meter",
    `an OpenTelemetry Meter (an object with ${
      methods.join(", ")
    }), such as metrics.getMeter("my-worker") from @opentelemetry/api`,
    meter,
  );
}
