/**
 * Producer middleware: a chain of functions around every job a Client
 * pushes, to add custom fields (a tenant, a trace context) to every job or
 * to refuse some.
 *
 * @module
 */

import { LocalProtocolError, serverError } from "../core/errors.ts";
import { type JobPayload, validateJob } from "../core/job.ts";

/**
 * Producer middleware: runs around every job a {@linkcode Client} pushes
 * (`push`, `pushBulk`, and the pushes of a batch), in the order given. Call
 * `next(job)` exactly once to go on, with the job as it is or a changed copy
 * (say, with more `custom` keys); it resolves once the server took the job
 * and rejects when it refused it. Throw to refuse the job: `push` then
 * rejects with that error, and `pushBulk` reports the job as refused.
 *
 * @example Stamp every job with the tenant it was pushed for
 * ```ts
 * import type { PushMiddleware } from "@x/faktory-worker";
 * const tenant: PushMiddleware = (job, next) =>
 *   next({ ...job, custom: { ...job.custom, tenant: "acme" } });
 * ```
 */
export type PushMiddleware = (
  job: JobPayload,
  next: (job?: JobPayload) => Promise<void>,
) => Promise<void> | void;

/** Sends jobs once every chain has reached its end. */
type SendAll = (jobs: readonly JobPayload[]) => Promise<Record<string, string>>;

/** One job's trip through the chain, in a bulk push. */
interface Trip {
  /** The job as given. */
  readonly job: JobPayload;
  /** The job as the chain passed it on; undefined until it did. */
  sent: JobPayload | undefined;
  /** Settles the promise `next` returned at the end of the chain. */
  settle(error: unknown): void;
  /** Resolves when the job reached the end of the chain or left it. */
  readonly arrived: Promise<void>;
  /** The whole chain's outcome. */
  done: Promise<void>;
}

/**
 * Runs one job through the chain, and `send` at its end.
 *
 * @param chain The middleware, outermost first.
 * @param job The job.
 * @param send What the end of the chain does with the job.
 * @returns The jid of the job as sent.
 */
export async function pushThrough(
  chain: readonly PushMiddleware[],
  job: JobPayload,
  send: (job: JobPayload) => Promise<void>,
): Promise<string> {
  let sent: JobPayload | undefined;
  let delivery: Promise<void> | undefined;
  await runChain(chain, job, (final) => {
    sent = final;
    delivery = send(final);
    delivery.catch(() => {}); // awaited below; the chain may not await it
    return delivery;
  });
  if (sent === undefined || delivery === undefined) throw notNext(job);
  await delivery;
  return sent.jid;
}

/**
 * Runs each job through the chain; the jobs that reach its end go out
 * together in one `sendAll`, whose answer settles each chain's `next`.
 *
 * @param chain The middleware, outermost first.
 * @param jobs The jobs.
 * @param sendAll Sends the jobs that reached the end, returns the refused.
 * @returns The refused jobs (by their original jid) and why.
 */
export async function pushBulkThrough(
  chain: readonly PushMiddleware[],
  jobs: readonly JobPayload[],
  sendAll: SendAll,
): Promise<Record<string, string>> {
  const trips = jobs.map((job): Trip => {
    let arrive!: () => void;
    const trip: Trip = {
      job,
      sent: undefined,
      settle: () => {},
      arrived: new Promise<void>((resolve) => arrive = resolve),
      done: Promise.resolve(),
    };
    trip.done = runChain(chain, job, (final) => {
      trip.sent = final;
      const end = new Promise<void>((resolve, reject) => {
        trip.settle = (error) =>
          error === undefined ? resolve() : reject(error);
      });
      end.catch(() => {}); // the chain may not await it
      arrive();
      return end;
    });
    trip.done.then(arrive, arrive);
    return trip;
  });
  await Promise.all(trips.map((t) => t.arrived));
  const outgoing: JobPayload[] = [];
  for (const trip of trips) if (trip.sent) outgoing.push(trip.sent);
  let refusedBySend: Record<string, string> = {};
  let sendError: unknown;
  if (outgoing.length > 0) {
    try {
      refusedBySend = await sendAll(outgoing);
    } catch (err) {
      sendError = err;
    }
  }
  for (const trip of trips) {
    if (!trip.sent) continue;
    const reason = refusedBySend[trip.sent.jid];
    trip.settle(
      sendError ?? (reason === undefined ? undefined : refusal(reason)),
    );
  }
  const results = await Promise.allSettled(trips.map((t) => t.done));
  if (sendError !== undefined) throw sendError;
  const refused: Record<string, string> = {};
  trips.forEach((trip, i) => {
    const reason = trip.sent ? refusedBySend[trip.sent.jid] : undefined;
    const result = results[i];
    if (reason !== undefined) {
      refused[trip.job.jid] = reason;
    } else if (result?.status === "rejected") {
      refused[trip.job.jid] = messageOf(result.reason);
    } else if (trip.sent === undefined) {
      refused[trip.job.jid] = notNext(trip.job).message;
    }
  });
  return refused;
}

/** Runs the chain from `index`; the last `next` calls `end`. */
function runChain(
  chain: readonly PushMiddleware[],
  job: JobPayload,
  end: (job: JobPayload) => Promise<void>,
  index = 0,
): Promise<void> {
  if (index === chain.length) {
    try {
      return end(validateJob(job));
    } catch (err) {
      return Promise.reject(err);
    }
  }
  let called = false;
  const next = (changed?: JobPayload): Promise<void> => {
    if (called) {
      return Promise.reject(
        new LocalProtocolError(
          `push middleware #${
            index + 1
          } called next() twice for job ${job.jid}`,
        ),
      );
    }
    called = true;
    return runChain(chain, changed ?? job, end, index + 1);
  };
  try {
    return Promise.resolve(chain[index]?.(job, next));
  } catch (err) {
    return Promise.reject(err);
  }
}

function notNext(job: JobPayload): LocalProtocolError {
  return new LocalProtocolError(
    `push middleware returned without calling next(): job ${job.jid} was not pushed`,
  );
}

/** The error for a job PUSHB refused: `NOTUNIQUE ...` becomes NotUniqueError. */
function refusal(reason: string) {
  const m = /^([A-Z]{2,}) (.*)$/s.exec(reason);
  return m?.[1] !== undefined && m[2] !== undefined
    ? serverError(m[1], m[2], "PUSHB")
    : serverError("ERR", reason);
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return String(err);
  } catch {
    return "push middleware threw";
  }
}
