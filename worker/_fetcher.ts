/**
 * Fetchers: each owns one connection and loops "take a free slot, send the
 * pending results and wait for their replies, FETCH, hand the job to the
 * runner". Jobs go one way (fetcher → runner → results queue); a fetcher
 * never reaches back into the Manager.
 *
 * The pool of fetchers grows while FETCH keeps finding jobs and slots are
 * free, and shrinks back to one when queues run dry, so an idle worker holds
 * two sockets (one fetcher, the control connection) and a busy one at most
 * `maxFetchers + 1` (+1 when `ctx.with` is used).
 *
 * @module
 */

import { describeThrown } from "../core/failure.ts";
import { JobTooLargeError } from "../core/errors.ts";
import type { Job } from "../core/job.ts";
import type { QueueOrder } from "../core/queues.ts";
import type { Connection } from "../client/connection.ts";
import type { Emitter } from "./_emitter.ts";
import { isFatal } from "./_fatal.ts";
import type { Runner } from "./_jobs.ts";
import type { Logger } from "../client/logger.ts";
import type { Reconnect, Wakeup } from "./_reconnect.ts";
import type { Results } from "./_results.ts";
import type { Slots } from "./_slots.ts";
import { failTooLarge } from "./_too_large.ts";

/** What fetchers work with. */
export interface FetcherOptions {
  readonly slots: Slots;
  readonly runner: Runner;
  readonly results: Results;
  /** Whether fetching is allowed (not quiet, not stopping). */
  readonly gate: { readonly fetching: boolean };
  readonly queues: { readonly order: QueueOrder };
  /** Opens a worker connection; `signal` cancels a pending connect. */
  open(signal: AbortSignal): Promise<Connection>;
  readonly reconnect: Reconnect;
  /** Fires when shutdown starts: ends backoff and online waits. */
  readonly wake: Wakeup;
  readonly events: Emitter;
  readonly logger: Logger;
  /** The most fetchers at once. */
  readonly max: number;
}

export class FetcherPool {
  readonly #o: FetcherOptions;
  readonly #fetchers = new Set<Fetcher>();
  /** Fetchers in the set whose loop ended (closing their connection). */
  #ending = 0;
  /** Fetchers connecting (or reconnecting), holding no slot yet. */
  #connecting = 0;
  #peak = 0;

  constructor(options: FetcherOptions) {
    this.#o = options;
  }

  get size(): number {
    return this.#fetchers.size;
  }

  /** Fetchers whose connection is open now. */
  get connected(): number {
    let open = 0;
    for (const fetcher of this.#fetchers) if (fetcher.open) open++;
    return open;
  }

  /** The most fetchers fetching at once so far (not counting one that retired and is closing). */
  get peak(): number {
    return this.#peak;
  }

  /** Starts one fetcher if none runs. */
  start(): void {
    if (this.#fetchers.size === 0) this.#spawn();
  }

  /**
   * Adds a fetcher when a slot is free that no connecting fetcher will take
   * (one that connects holds no slot yet) and the limit allows.
   */
  grow(): void {
    if (
      this.#fetching() < this.#o.max &&
      this.#o.slots.free > this.#connecting && this.#o.gate.fetching
    ) {
      this.#spawn();
    }
  }

  /** Runs a fetcher's (re)connect, counted so that {@linkcode grow} leaves it a slot. */
  async connecting<T>(connect: () => Promise<T>): Promise<T> {
    this.#connecting++;
    try {
      return await connect();
    } finally {
      this.#connecting--;
    }
  }

  /** Fetchers still fetching: one that retired may still be closing its connection. */
  #fetching(): number {
    return this.#fetchers.size - this.#ending;
  }

  /** Called by a fetcher whose loop ended, before it closes its connection. */
  ended(): void {
    this.#ending++;
  }

  /** Whether a fetcher whose FETCH came back empty should retire. */
  shouldRetire(): boolean {
    return this.#fetching() > 1;
  }

  /** Resolves when every fetcher has finished its loop and closed. */
  async drain(): Promise<void> {
    while (this.#fetchers.size > 0) {
      await Promise.all([...this.#fetchers].map((f) => f.done));
    }
  }

  /**
   * Closes every fetcher's connection now, whatever it waits for (shutdown,
   * once the FETCHes under way had their time).
   *
   * @returns How many connections were open.
   */
  closeAll(): number {
    let open = 0;
    for (const fetcher of this.#fetchers) if (fetcher.closeNow()) open++;
    return open;
  }

  #spawn(): void {
    const fetcher = new Fetcher(this.#o, this);
    this.#fetchers.add(fetcher);
    this.#peak = Math.max(this.#peak, this.#fetching());
    fetcher.done = fetcher.loop().finally(() => {
      this.#fetchers.delete(fetcher);
      this.#ending--;
      // Keep one fetcher alive while fetching is allowed.
      if (this.#fetchers.size === 0 && this.#o.gate.fetching) this.#spawn();
    });
  }
}

class Fetcher {
  done: Promise<void> = Promise.resolve();
  readonly #o: FetcherOptions;
  readonly #pool: FetcherPool;
  #conn: Connection | undefined;
  /** Failures in a row (connects and FETCHes); a FETCH that works resets it. */
  #failures = 0;

  constructor(options: FetcherOptions, pool: FetcherPool) {
    this.#o = options;
    this.#pool = pool;
  }

  async loop(): Promise<void> {
    const { gate, slots, results, runner } = this.#o;
    try {
      while (gate.fetching) {
        // Fast paths first: an open connection and a free slot need no
        // await (each would cost a turn of the microtask queue per job).
        const open = this.#conn;
        const conn = open && !open.closed ? open : await this.#pool.connecting(
          () => this.#connection(),
        );
        if (!conn) break;
        if (!slots.tryAcquire() && !(await slots.acquire())) break;
        if (!gate.fetching) {
          slots.release();
          break;
        }
        // The results of finished jobs ride in the same write as the FETCH
        // (one system call per job, not two). Replies come in order, so the
        // results are settled before the job arrives. A connection that drops
        // meanwhile loses both replies: the results are sent again, and the
        // FETCH was either never run or its job is in the reply lost with
        // it, as for any FETCH. Only a reply that is not RESP at all ends the
        // connection while the server may still run the FETCH: that job comes
        // back when its reservation ends.
        if (results.ready) results.sendAllOn(conn);
        let job: Job | null;
        try {
          job = await conn.request({
            type: "FETCH",
            queues: this.#o.queues.order(),
          });
        } catch (err) {
          slots.release();
          if (err instanceof JobTooLargeError) {
            // Skipped whole: the connection is still in step. Its FAIL goes
            // out before the next FETCH.
            this.#failures = 0;
            failTooLarge(err, this.#o);
          } else {
            this.#failed(err);
          }
          continue;
        }
        this.#failures = 0;
        if (!job) {
          slots.release();
          if (this.#pool.shouldRetire()) break;
          continue;
        }
        runner.start(job, Date.now()); // the slot goes with the job
        this.#pool.grow();
      }
    } finally {
      this.#pool.ended();
      const conn = this.#conn;
      this.#conn = undefined;
      if (conn) {
        await conn.idle(); // let results already written on it get their replies
        await conn.close();
      }
    }
  }

  /** Whether its connection is open. */
  get open(): boolean {
    return this.#conn !== undefined && !this.#conn.closed;
  }

  /** Closes the connection now; whether one was open. */
  closeNow(): boolean {
    const conn = this.#conn;
    if (!conn || conn.closed) return false;
    void conn.close();
    return true;
  }

  #failed(err: unknown): void {
    this.#o.logger.debug("Fetcher connection failed", {
      error: describeThrown(err),
    });
    void this.#conn?.close();
    this.#conn = undefined;
    this.#failures++;
    if (isFatal(err)) {
      this.#o.events.emit("error", { error: err, context: "fetch" });
    }
  }

  /** The open connection, (re)connecting under the reconnect policy; undefined when fetching stopped. */
  async #connection(): Promise<Connection | undefined> {
    if (this.#conn && !this.#conn.closed) return this.#conn;
    const { gate, wake } = this.#o;
    const opened = await this.#o.reconnect.open(
      () => wake.scoped((signal) => this.#o.open(signal)),
      {
        failures: this.#failures,
        wake,
        untilOnline: true,
        alive: () => gate.fetching,
        failed: (err) => this.#failed(err), // counts it in #failures too
      },
    );
    if (!opened) return undefined;
    this.#conn = opened.value;
    return this.#conn;
  }
}
