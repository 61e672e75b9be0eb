/**
 * Producer middleware: a chain of functions around every job a Client
 * pushes, to add custom fields (a tenant, a trace context) to every job or
 * to refuse some.
 *
 * @module
 */

import { LocalProtocolError, serverError } from "../core/errors.ts";
import { type JobPayload, validateJob } from "../core/job.ts";
import { onAbort } from "./_abort.ts";

/**
 * Producer middleware: runs around every job a {@linkcode Client} pushes
 * (`push`, `pushBulk`, and the pushes of a batch), in the order given. Call
 * `next(job)` exactly once, before returning, to go on, with the job as it is
 * or a changed copy (say, with more `custom` keys); it resolves once the
 * server took the job and rejects when it refused it. Throw to refuse the
 * job.
 *
 * `push` rejects when the job was not pushed (a middleware threw, did not
 * call `next`, or the server refused it, even if a middleware caught that)
 * and also when a middleware threw after the server took the job. `pushBulk`
 * sends the jobs of all chains in one PUSHB once each chain has called `next`
 * or ended, so a middleware must not wait for another job's push; it lists a
 * job as refused only when it was not pushed. A `next` called after the push
 * ended pushes nothing and rejects. The call's abort signal ends the push
 * with its reason even while a middleware holds the job or has not returned
 * after `next`. A middleware that throws `undefined` or `null` refuses the
 * job with a {@linkcode LocalProtocolError} saying so.
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
  /** Its run through the chain. */
  readonly run: ChainRun;
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
 * @param send What the end of the chain does with the job (it honours
 *   `signal` itself once called).
 * @param signal Ends the push with its reason while a middleware holds the
 *   job back, or has not returned after `next()`: a `next()` called later
 *   pushes nothing.
 * @returns The jid of the job as sent.
 */
export async function pushThrough(
  chain: readonly PushMiddleware[],
  job: JobPayload,
  send: (job: JobPayload) => Promise<void>,
  signal?: AbortSignal,
): Promise<string> {
  if (signal?.aborted) throw signal.reason;
  const trip = new ChainRun(job);
  let sent: JobPayload | undefined;
  let delivery: Promise<void> | undefined;
  const done = trip.run(chain, (final) => {
    sent = final;
    delivery = send(final);
    delivery.catch(() => {}); // awaited below; the chain may not await it
    return delivery;
  });
  done.catch(() => {}); // the abort may end the push first
  try {
    await abortable(done, signal);
  } finally {
    trip.close(); // a next() called from now on pushes nothing
  }
  if (sent === undefined || delivery === undefined) throw await trip.cause();
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
 * @param signal Abandons the bulk while a chain still holds its job back
 *   (nothing is sent then), or has not returned after `next()`.
 * @returns The refused jobs (by their original jid) and why.
 */
export async function pushBulkThrough(
  chain: readonly PushMiddleware[],
  jobs: readonly JobPayload[],
  sendAll: SendAll,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  const trips = jobs.map((job): Trip => {
    let arrive!: () => void;
    const trip: Trip = {
      job,
      run: new ChainRun(job),
      sent: undefined,
      settle: () => {},
      arrived: new Promise<void>((resolve) => arrive = resolve),
      done: Promise.resolve(),
    };
    trip.done = trip.run.run(chain, (final) => {
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
  try {
    await abortable(Promise.all(trips.map((t) => t.arrived)), signal);
  } catch (reason) {
    for (const trip of trips) {
      trip.run.close();
      if (trip.sent) trip.settle(reason); // its next() learns nothing was sent
    }
    throw reason;
  }
  for (const trip of trips) trip.run.close(); // later next() calls push nothing
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
  // A middleware that never returns after next() must not hold the bulk
  // past its abort.
  const results = await abortable(
    Promise.allSettled(trips.map((t) => t.done)),
    signal,
  );
  if (sendError !== undefined) throw sendError;
  const refused: Record<string, string> = {};
  for (const [i, trip] of trips.entries()) {
    if (trip.sent) {
      // The server's answer decides: an error a middleware threw after the
      // job was taken does not make it refused (it is queued).
      const reason = refusedBySend[trip.sent.jid];
      if (reason !== undefined) refused[trip.job.jid] = reason;
    } else {
      const result = results[i];
      refused[trip.job.jid] = result?.status === "rejected"
        ? messageOf(result.reason)
        : messageOf(await trip.run.cause());
    }
  }
  return refused;
}

/**
 * One job's run through the chain: it remembers the promise of every
 * `next()` (so the real cause of a job that never reached the end can be
 * told), and after {@linkcode ChainRun.close} a `next()` pushes nothing.
 */
class ChainRun {
  readonly #job: JobPayload;
  readonly #nexts: Promise<void>[] = [];
  #closed = false;

  constructor(job: JobPayload) {
    this.#job = job;
  }

  /** Runs the chain; the last `next` calls `end`. */
  run(
    chain: readonly PushMiddleware[],
    end: (job: JobPayload) => Promise<void>,
  ): Promise<void> {
    return this.#from(chain, this.#job, end, 0);
  }

  /** From now on, `next()` rejects instead of pushing. */
  close(): void {
    this.#closed = true;
  }

  /**
   * Why the job did not reach the end of the chain: the first rejection of
   * a `next()`, deepest first, or that a middleware did not call `next()`.
   */
  async cause(): Promise<unknown> {
    const settled = await Promise.allSettled(this.#nexts);
    for (let i = settled.length - 1; i >= 0; i--) {
      const result = settled[i];
      if (result?.status === "rejected") return result.reason;
    }
    return notNext(this.#job);
  }

  #from(
    chain: readonly PushMiddleware[],
    job: JobPayload,
    end: (job: JobPayload) => Promise<void>,
    index: number,
  ): Promise<void> {
    if (index === chain.length) {
      try {
        // The job as given is checked by the client (or its encoder); only a
        // job a middleware replaced needs checking here, one job at a time.
        return end(job === this.#job ? job : validateJob(job));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    let called = false;
    const next = (changed?: JobPayload): Promise<void> => {
      let result: Promise<void>;
      if (this.#closed) {
        result = Promise.reject(
          new LocalProtocolError(
            `push middleware #${
              index + 1
            } called next() after the push ended: job ${job.jid} was not pushed`,
          ),
        );
      } else if (called) {
        result = Promise.reject(
          new LocalProtocolError(
            `push middleware #${
              index + 1
            } called next() twice for job ${job.jid}`,
          ),
        );
      } else {
        called = true;
        result = this.#from(chain, changed ?? job, end, index + 1);
        this.#nexts.push(result);
      }
      result.catch(() => {}); // the middleware may not await it
      return result;
    };
    let returned: Promise<void>;
    try {
      returned = Promise.resolve(chain[index]?.(job, next));
    } catch (err) {
      returned = Promise.reject(err);
    }
    return returned.catch((err: unknown) => {
      throw err ?? new LocalProtocolError(
        `Push middleware #${index + 1} threw ${err}`,
        { cause: err },
      );
    });
  }
}

/** `promise`, or a rejection with the signal's reason once it aborts. */
function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const unlisten = onAbort(signal, () => reject(signal.reason));
    promise.then(resolve, reject).finally(unlisten);
  });
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
