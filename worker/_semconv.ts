/**
 * The names of every metric and attribute the worker records, in one place.
 * Where the OpenTelemetry semantic conventions for messaging define one, it
 * is used as they spell it (they are still in development: a rename happens
 * here); the rest are `faktory.*` names of this library. Durations are in
 * seconds; counters carry no `_total` (a Prometheus exporter adds it).
 *
 * @module
 */

/** Attribute: the messaging system, always {@linkcode FAKTORY}. */
export const ATTR_MESSAGING_SYSTEM = "messaging.system";
/** Attribute: what the client did (`fetch`, `process`). */
export const ATTR_MESSAGING_OPERATION_NAME = "messaging.operation.name";
/** Attribute: the job's queue. */
export const ATTR_MESSAGING_DESTINATION_NAME = "messaging.destination.name";
/** Attribute: the class of error a job failed with (its FAIL `errtype`), only on failure. */
export const ATTR_ERROR_TYPE = "error.type";
/** Attribute: the job type. */
export const ATTR_FAKTORY_JOB_TYPE = "faktory.job.type";

/** The value of `messaging.system`. */
export const FAKTORY = "faktory";

/** Counter `{message}`: jobs fetched and handed to their handler. */
export const METRIC_CONSUMED_MESSAGES = "messaging.client.consumed.messages";
/** Histogram `s`: how long a job's handler (with its middleware) ran. */
export const METRIC_PROCESS_DURATION = "messaging.process.duration";
/** Histogram `s`: from a job's `enqueued_at` to the start of its run. */
export const METRIC_JOB_LATENCY = "faktory.job.latency";
/** Counter `{job}`: jobs that ran to an ACK or a FAIL (failed ones included, as Faktory counts). */
export const METRIC_JOBS_PROCESSED = "faktory.jobs.processed";
/** Counter `{job}`: jobs that ended in a FAIL. */
export const METRIC_JOBS_FAILED = "faktory.jobs.failed";
/** UpDownCounter `{job}`: jobs running now. */
export const METRIC_WORKER_BUSY = "faktory.worker.busy";
/** UpDownCounter `{job}`: jobs that may run at once. */
export const METRIC_WORKER_CONCURRENCY = "faktory.worker.concurrency";
/** Counter `{reconnect}`: times the worker got the server back after losing it. */
export const METRIC_WORKER_RECONNECTS = "faktory.worker.reconnects";
/** Counter `{result}`: ACKs and FAILs sent again after a failed delivery. */
export const METRIC_RESULTS_RESENT = "faktory.worker.results.resent";

/**
 * Histogram buckets, in seconds, as the conventions advise for messaging
 * durations (an SDK's default buckets assume milliseconds).
 */
export const DURATION_BUCKETS: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.075,
  0.1,
  0.25,
  0.5,
  0.75,
  1,
  2.5,
  5,
  7.5,
  10,
];
