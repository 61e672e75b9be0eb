/**
 * The embedded server's state: the data, the options, open sessions,
 * blocked FETCHes, injected faults and counters. Sessions and the public
 * FaktoryServer both work on it.
 *
 * @module
 */

import type { Session } from "./_session.ts";
import { HashQueue } from "./_sha256.ts";
import { Store } from "./_store.ts";
import { iso, type StoredJob } from "./_stored_job.ts";

/** The verbs counted by name; every other verb is counted as `UNKNOWN`. */
const VERBS = new Set([
  "PUSH",
  "PUSHB",
  "FETCH",
  "ACK",
  "FAIL",
  "BEAT",
  "INFO",
  "FLUSH",
  "QUEUE",
  "MUTATE",
  "BATCH",
  "TRACK",
  "END",
]);

/**
 * A fault to inject into the replies of matching commands.
 *
 * - `close`: close the connection when the command arrives (it is not run).
 * - `close-after`: run the command, then close without replying.
 * - `cut-reply`: run the command, write half of the reply, then close.
 * - `garbage`: run the command, then reply with bytes that are not RESP.
 * - `delay`: run the command, then wait `ms` before replying.
 * - `error`: reply `-ERR message` without running the command (as a server
 *   does on a storage error).
 *
 * @example
 * ```ts
 * import type { Fault } from "@x/faktory-worker/testing";
 * const fault: Fault = { action: "close-after", verb: "ACK", times: 1 };
 * console.log(fault.action);
 * ```
 */
export interface Fault {
  /** What to do. */
  readonly action:
    | "close"
    | "close-after"
    | "cut-reply"
    | "garbage"
    | "delay"
    | "error";
  /** Only commands with this verb (such as `ACK` or `FETCH`). */
  readonly verb?: string;
  /** Only connections of this worker id. */
  readonly wid?: string;
  /** Let this many matching commands through first. @default {0} */
  readonly after?: number;
  /** How many matching commands to affect. @default {1} */
  readonly times?: number;
  /** The delay for `delay`, in ms. @default {100} */
  readonly ms?: number;
  /** The text after `-ERR ` for `error`. @default {"injected error"} */
  readonly message?: string;
}

/** Resolved server options. */
export interface ResolvedOptions {
  readonly host: string;
  readonly password: string | undefined;
  readonly fetchTimeout: number;
  readonly helloTimeout: number;
  readonly heartbeatTimeout: number;
  readonly now: () => number;
  readonly random: () => number;
  readonly defaultRetry: number;
}

interface Waiter {
  readonly session: Session;
  readonly queues: readonly string[];
  readonly resolve: (job: StoredJob | null) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** State shared by the sessions of one embedded server. */
export class ServerState {
  readonly store: Store = new Store();
  readonly sessions: Set<Session> = new Set();
  readonly commandCounts: Map<string, number> = new Map();
  readonly startedAt: number;
  readonly hasher: HashQueue = new HashQueue();
  commandCount = 0;
  /** Set while the server shuts down: commands are refused. */
  closing = false;
  rssBytes: () => number = () => 0;
  readonly #drained: (() => void)[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #faults: { fault: Fault; skip: number; left: number }[] = [];

  constructor(readonly options: ResolvedOptions) {
    this.startedAt = options.now();
  }

  count(verb: string): void {
    this.commandCount++;
    // Bounded: garbage verbs share one counter.
    const key = VERBS.has(verb) ? verb : "UNKNOWN";
    this.commandCounts.set(key, (this.commandCounts.get(key) ?? 0) + 1);
  }

  addFault(fault: Fault): void {
    this.#faults.push({
      fault,
      skip: fault.after ?? 0,
      left: fault.times ?? 1,
    });
  }

  clearFaults(): void {
    this.#faults.length = 0;
  }

  /** The fault to apply to this command, if any (and counts it used). */
  takeFault(verb: string, wid: string | undefined): Fault | undefined {
    if (this.#faults.length === 0) return undefined;
    for (let i = 0; i < this.#faults.length; i++) {
      const f = this.#faults[i]!;
      if (f.fault.verb !== undefined && f.fault.verb !== verb) continue;
      if (f.fault.wid !== undefined && f.fault.wid !== wid) continue;
      if (f.skip > 0) {
        f.skip--;
        continue;
      }
      if (--f.left <= 0) this.#faults.splice(i, 1);
      return f.fault;
    }
    return undefined;
  }

  /** Puts a job on its queue, or hands it straight to a blocked FETCH. */
  enqueue(job: StoredJob): void {
    job.update({ enqueued_at: iso(this.options.now()) });
    const waiter = this.#waiterFor(job.queue);
    if (waiter) this.#handTo(waiter, job);
    else this.store.push(job);
  }

  #waiterFor(queue: string): Waiter | undefined {
    if (this.#waiters.length === 0 || this.store.isPaused(queue)) {
      return undefined;
    }
    const i = this.#waiters.findIndex((w) => w.queues.includes(queue));
    return i === -1 ? undefined : this.#waiters.splice(i, 1)[0];
  }

  #handTo(waiter: Waiter, job: StoredJob): void {
    clearTimeout(waiter.timer);
    this.store.reserve(job, waiter.session.wid ?? "", this.options.now());
    waiter.resolve(job);
  }

  /** Blocks a FETCH until a job arrives on one of the queues or the timeout passes. */
  waitForJob(
    session: Session,
    queues: readonly string[],
  ): Promise<StoredJob | null> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        session,
        queues,
        resolve,
        timer: setTimeout(() => {
          const i = this.#waiters.indexOf(waiter);
          if (i !== -1) this.#waiters.splice(i, 1);
          resolve(null);
        }, this.options.fetchTimeout),
      };
      this.#waiters.push(waiter);
    });
  }

  /** After QUEUE RESUME: serves blocked FETCHes from queues that have jobs. */
  wakeWaiters(): void {
    for (const waiter of [...this.#waiters]) {
      const job = this.store.pop(waiter.queues);
      if (!job) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      this.#handTo(waiter, job);
    }
  }

  /** Ends blocked FETCHes of a session (or of all sessions) with no job. */
  releaseWaiters(session?: Session): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const w = this.#waiters[i]!;
      if (session !== undefined && w.session !== session) continue;
      this.#waiters.splice(i, 1);
      clearTimeout(w.timer);
      w.resolve(null);
    }
  }

  sessionClosed(session: Session): void {
    this.sessions.delete(session);
    this.releaseWaiters(session);
    this.hasher.cancel(session);
    if (this.sessions.size === 0) {
      for (const f of this.#drained.splice(0)) {
        f();
      }
    }
  }

  /** Resolves once no connection is open. */
  drained(): Promise<void> {
    if (this.sessions.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Runs the periodic tasks: promotion, reservation expiry, worker reaping. */
  runTasks(): void {
    const now = this.options.now();
    for (const job of this.store.promote(now)) this.enqueue(job);
    this.store.expire(now, this.options.random);
    this.store.reapWorkers(now, this.options.heartbeatTimeout);
  }
}
