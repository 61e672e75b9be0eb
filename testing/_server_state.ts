/**
 * The embedded server's state: the data, the options, open connections,
 * blocked FETCHes, injected faults and counters. Sessions and the public
 * FaktoryServer both work on it.
 *
 * @module
 */

import { FaultTable } from "./_faults.ts";
import { HashQueue } from "./_hash_queue.ts";
import { Store } from "./_store.ts";
import { iso, type StoredJob } from "./_stored_job.ts";
import { Workers } from "./_workers.ts";

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

/** An open client connection, as the state sees it. */
export interface Connection {
  close(): void;
}

interface Waiter {
  readonly owner: object;
  readonly wid: string;
  readonly queues: readonly string[];
  readonly resolve: (job: StoredJob | null) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** State shared by the sessions of one embedded server. */
export class ServerState {
  readonly store: Store = new Store();
  readonly workers: Workers = new Workers();
  readonly hasher: HashQueue = new HashQueue();
  readonly faults: FaultTable = new FaultTable();
  readonly startedAt: number;
  /** Set while the server shuts down: commands are refused. */
  closing = false;
  rssBytes: () => number = () => 0;
  readonly #connections = new Set<Connection>();
  readonly #counts = new Map<string, number>();
  #commandCount = 0;
  readonly #drained: (() => void)[] = [];
  readonly #waiters: Waiter[] = [];

  constructor(readonly options: ResolvedOptions) {
    this.startedAt = options.now();
  }

  // ---- connections ----

  /** Open connections right now. */
  get connections(): number {
    return this.#connections.size;
  }

  opened(connection: Connection): void {
    this.#connections.add(connection);
  }

  /** A connection closed: its blocked FETCH and password check end. */
  closed(connection: Connection): void {
    this.#connections.delete(connection);
    this.releaseWaiters(connection);
    this.hasher.cancel(connection);
    if (this.#connections.size === 0) {
      for (const f of this.#drained.splice(0)) f();
    }
  }

  /** Closes every connection now, like a network failure. */
  closeAll(): void {
    for (const connection of [...this.#connections]) connection.close();
    this.releaseWaiters();
  }

  /** Resolves once no connection is open. */
  drained(): Promise<void> {
    if (this.#connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  // ---- counters ----

  count(verb: string): void {
    this.#commandCount++;
    // Bounded: garbage verbs share one counter.
    const key = VERBS.has(verb) ? verb : "UNKNOWN";
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  /** Commands received of a verb, or of every verb. */
  commands(verb?: string): number {
    return verb === undefined
      ? this.#commandCount
      : this.#counts.get(verb) ?? 0;
  }

  // ---- jobs and blocked FETCHes ----

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
    this.store.reserve(job, waiter.wid, this.options.now());
    waiter.resolve(job);
  }

  /**
   * Blocks a FETCH of `owner` (for worker `wid`) until a job arrives on one
   * of the queues (none: never) or the timeout passes.
   */
  waitForJob(
    owner: object,
    wid: string,
    queues: readonly string[],
  ): Promise<StoredJob | null> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        owner,
        wid,
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

  /** Ends blocked FETCHes of a connection (or of all) with no job. */
  releaseWaiters(owner?: object): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const w = this.#waiters[i]!;
      if (owner !== undefined && w.owner !== owner) continue;
      this.#waiters.splice(i, 1);
      clearTimeout(w.timer);
      w.resolve(null);
    }
  }

  /** Runs the periodic tasks: promotion, reservation expiry, worker reaping. */
  runTasks(): void {
    const now = this.options.now();
    for (const job of this.store.promote(now)) this.enqueue(job);
    this.store.expire(now, this.options.random);
    this.workers.reap(now, this.options.heartbeatTimeout);
  }
}
