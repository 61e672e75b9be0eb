/**
 * The embedded server's state: the data, the options, open connections,
 * blocked FETCHes, injected faults and counters, and the Enterprise state
 * when that is on. Sessions and the public FaktoryServer both work on it.
 *
 * @module
 */

import { Challenges } from "./_challenges.ts";
import { Enterprise } from "./_enterprise.ts";
import { FaultTable } from "./_faults.ts";
import { HashQueue } from "./_hash_queue.ts";
import { scheduledAt } from "./_job_payload.ts";
import { type Failed, Store } from "./_store.ts";
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

/** The verbs that may change what a data file keeps (FETCH: see #handOut). */
const CHANGING = new Set([
  "PUSH",
  "PUSHB",
  "ACK",
  "FAIL",
  "FLUSH",
  "QUEUE",
  "MUTATE",
  "BATCH",
  "TRACK",
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
  readonly enterprise: boolean;
  readonly maxInputBytes: number;
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
  /** The password challenges; undefined without a password. */
  readonly challenges: Challenges | undefined;
  readonly faults: FaultTable = new FaultTable();
  /** Unique jobs, expiring jobs, batches and tracking; undefined when off. */
  readonly enterprise: Enterprise | undefined;
  readonly startedAt: number;
  /** Set while the server shuts down: commands are refused. */
  closing = false;
  /** Grows with every change of what a data file keeps (the jobs and counters). */
  changes = 0;
  rssBytes: () => number = () => 0;
  readonly #connections = new Set<Connection>();
  readonly #counts = new Map<string, number>();
  #commandCount = 0;
  readonly #drained: (() => void)[] = [];
  readonly #waiters: Waiter[] = [];

  constructor(readonly options: ResolvedOptions) {
    this.startedAt = options.now();
    this.challenges = options.password === undefined
      ? undefined
      : new Challenges(options.password, options.random, this.hasher);
    this.enterprise = options.enterprise
      ? new Enterprise(options.random, options.defaultRetry, (job) => {
        const at = scheduledAt(job);
        if (at > options.now()) this.store.schedule(at, job);
        else this.enqueue(job);
      })
      : undefined;
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
    if (CHANGING.has(verb)) this.changes++;
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

  /**
   * Puts a job on its queue, or hands it straight to a blocked FETCH (an
   * expired Enterprise job is dropped instead). It gets a new `enqueued_at`
   * unless `asStored` (MUTATE requeue, which pushes the stored job as it is).
   */
  enqueue(job: StoredJob, asStored = false): void {
    if (!asStored) job.update({ enqueued_at: iso(this.options.now()) });
    const i = this.#waiterFor(job.queue);
    if (i === -1) this.store.push(job);
    else if (this.#handOut(job, this.#waiters[i]!.wid)) {
      const waiter = this.#waiters.splice(i, 1)[0]!;
      clearTimeout(waiter.timer);
      waiter.resolve(job);
    }
  }

  #waiterFor(queue: string): number {
    if (this.#waiters.length === 0 || this.store.isPaused(queue)) return -1;
    return this.#waiters.findIndex((w) => w.queues.includes(queue));
  }

  /**
   * Reserves a job for a worker, unless it is an Enterprise job that has
   * expired, which is dropped.
   *
   * @returns Whether the job may be handed out.
   */
  #handOut(job: StoredJob, wid: string): boolean {
    this.changes++;
    const now = this.options.now();
    if (this.enterprise !== undefined && !this.enterprise.handOut(job, now)) {
      return false;
    }
    this.store.reserve(job, wid, now);
    return true;
  }

  /**
   * Takes the next job a FETCH of these queues gets, reserved for `wid`.
   *
   * @returns The job, or undefined when none is ready.
   */
  next(queues: readonly string[], wid: string): StoredJob | undefined {
    for (;;) {
      const job = this.store.pop(queues);
      if (job === undefined || this.#handOut(job, wid)) return job;
    }
  }

  /** ACK: clears the worker's reservation of the job. */
  ack(jid: string, wid: string): void {
    const job = this.store.ack(jid, wid);
    if (job !== undefined && this.enterprise !== undefined) {
      this.enterprise.acked(job, this.options.now());
    }
  }

  /**
   * FAIL: applies the retry policy to a job the worker reserved.
   *
   * @returns False when the worker has no such job reserved.
   */
  fail(
    jid: string,
    wid: string,
    failure: { errtype: string; message: string; backtrace: string[] },
  ): boolean {
    const { now, random } = this.options;
    const failed = this.store.fail(jid, wid, failure, now(), random);
    if (failed === undefined) return false;
    this.#failed([failed]);
    return true;
  }

  #failed(failed: readonly Failed[]): void {
    const ent = this.enterprise;
    if (ent === undefined || failed.length === 0) return;
    const now = this.options.now();
    for (const { job, dead, final } of failed) {
      ent.failed(job, dead, final, now);
    }
  }

  /** FLUSH: forgets every job, and the Enterprise state. */
  flush(): void {
    this.store.flush();
    this.enterprise?.flush();
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
      const i = this.#waiters.indexOf(waiter);
      if (i === -1) continue; // served meanwhile
      // Out of the list while its job is found: a batch callback that an
      // expired job fires on the way must not be handed to it as well.
      this.#waiters.splice(i, 1);
      const job = this.next(waiter.queues, waiter.wid);
      if (!job) {
        this.#waiters.splice(i, 0, waiter);
        continue;
      }
      clearTimeout(waiter.timer);
      waiter.resolve(job);
    }
  }

  /** Ends blocked FETCHes of a connection or a worker (or of all) with no job. */
  releaseWaiters(owner?: object, wid?: string): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const w = this.#waiters[i]!;
      if (owner !== undefined && w.owner !== owner) continue;
      if (wid !== undefined && w.wid !== wid) continue;
      this.#waiters.splice(i, 1);
      clearTimeout(w.timer);
      w.resolve(null);
    }
  }

  /**
   * Runs the periodic tasks: promotion, reservation expiry, worker reaping,
   * and the expiry of Enterprise locks, uncommitted batches and tracks.
   */
  runTasks(): void {
    const now = this.options.now();
    const held = this.enterprise?.size;
    const due = this.store.promote(now);
    for (const job of due) this.enqueue(job);
    const expired = this.store.expire(now, this.options.random);
    this.#failed(expired);
    this.workers.reap(now, this.options.heartbeatTimeout);
    this.enterprise?.runTasks(now);
    if (due.length + expired.length > 0 || this.enterprise?.size !== held) {
      this.changes++;
    }
  }
}
