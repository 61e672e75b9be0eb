/**
 * Fetchers: each owns one connection and loops "take a free slot, FETCH,
 * hand the job over". The pool of fetchers grows while FETCH keeps finding
 * jobs and slots are free, and shrinks back to one when queues run dry, so an
 * idle worker holds two sockets (one fetcher, the control connection) and a
 * busy one at most `maxFetchers + 1` (+1 when `ctx.with` is used).
 *
 * @module
 */

import { describeThrown } from "../core/failure.ts";
import { ConnectionClosedError } from "../core/errors.ts";
import type { Job } from "../core/job.ts";
import type { QueueOrder } from "../core/queues.ts";
import { Connection, type ConnectionOptions } from "./connection.ts";
import type { Logger } from "./logger.ts";
import type { Results } from "./_results.ts";
import { backoff, sleep, type Slots } from "./_slots.ts";

/** What fetchers need from the Manager. */
export interface FetchHost {
  readonly slots: Slots;
  readonly results: Results;
  readonly logger: Logger;
  readonly order: QueueOrder;
  readonly connectionOptions: ConnectionOptions;
  readonly reconnect: { readonly initial: number; readonly max: number };
  readonly random: () => number;
  readonly stopSignal: AbortSignal;
  /** Whether fetching is allowed (not quiet, not stopping). */
  fetching(): boolean;
  /** Waits until the control connection reports the server reachable. */
  online(): Promise<void>;
  /** Tells the Manager a connection failed (it decides whether the server is down). */
  connectionFailed(error: unknown): void;
  /** Starts a fetched job in the slot the fetcher holds. */
  run(job: Job, fetchedAt: number): void;
}

export class FetcherPool {
  readonly #host: FetchHost;
  readonly #max: number;
  readonly #fetchers = new Set<Fetcher>();
  #peak = 0;

  constructor(host: FetchHost, max: number) {
    this.#host = host;
    this.#max = max;
  }

  get size(): number {
    return this.#fetchers.size;
  }

  /** The most fetchers (connections) open at once so far. */
  get peak(): number {
    return this.#peak;
  }

  /** Starts one fetcher if none runs. */
  start(): void {
    if (this.#fetchers.size === 0) this.#spawn();
  }

  /** Adds a fetcher when another slot is free and the limit allows. */
  grow(): void {
    if (
      this.#fetchers.size < this.#max && this.#host.slots.free > 0 &&
      this.#host.fetching()
    ) {
      this.#spawn();
    }
  }

  /** Whether a fetcher whose FETCH came back empty should retire. */
  shouldRetire(): boolean {
    return this.#fetchers.size > 1;
  }

  /** Resolves when every fetcher has finished its loop and closed. */
  async drain(): Promise<void> {
    while (this.#fetchers.size > 0) {
      await Promise.all([...this.#fetchers].map((f) => f.done));
    }
  }

  #spawn(): void {
    const fetcher = new Fetcher(this.#host, this);
    this.#fetchers.add(fetcher);
    this.#peak = Math.max(this.#peak, this.#fetchers.size);
    fetcher.done = fetcher.loop().finally(() => {
      this.#fetchers.delete(fetcher);
      // Keep one fetcher alive while fetching is allowed.
      if (this.#fetchers.size === 0 && this.#host.fetching()) this.#spawn();
    });
  }
}

class Fetcher {
  done: Promise<void> = Promise.resolve();
  #conn: Connection | undefined;
  #failures = 0;

  constructor(
    private readonly host: FetchHost,
    private readonly pool: FetcherPool,
  ) {}

  async loop(): Promise<void> {
    const host = this.host;
    try {
      while (host.fetching()) {
        const conn = await this.#connection();
        if (!conn) break;
        if (!(await host.slots.acquire())) break;
        if (!host.fetching()) {
          host.slots.release();
          break;
        }
        if (host.results.ready) {
          // Never pipeline a FETCH behind unanswered results: if a result's
          // reply is bad, the connection is closed, and a FETCH the server
          // already ran would strand its job until the reservation expires.
          await host.results.sendAllOn(conn);
          if (conn.closed) {
            host.slots.release();
            this.#failed(new ConnectionClosedError("A result's reply failed"));
            continue;
          }
        }
        let job: Job | null;
        try {
          job = await conn.request({ type: "FETCH", queues: host.order() });
        } catch (err) {
          host.slots.release();
          this.#failed(err);
          continue;
        }
        this.#failures = 0;
        if (!job) {
          host.slots.release();
          if (this.pool.shouldRetire()) break;
          continue;
        }
        host.run(job, Date.now());
        this.pool.grow();
      }
    } finally {
      const conn = this.#conn;
      this.#conn = undefined;
      if (conn) {
        await conn.idle(); // let results already written on it get their replies
        await conn.close();
      }
    }
  }

  #failed(err: unknown): void {
    this.host.logger.debug("Fetcher connection failed", {
      error: describeThrown(err),
    });
    void this.#conn?.close();
    this.#conn = undefined;
    this.#failures++;
    this.host.connectionFailed(err);
  }

  /** The open connection, (re)connecting with backoff; undefined when fetching stopped. */
  async #connection(): Promise<Connection | undefined> {
    const host = this.host;
    while (host.fetching()) {
      if (this.#conn && !this.#conn.closed) return this.#conn;
      if (this.#failures > 0) {
        await sleep(
          backoff(
            this.#failures - 1,
            host.reconnect.initial,
            host.reconnect.max,
            host.random,
          ),
          host.stopSignal,
        );
        await host.online();
        if (!host.fetching()) return undefined;
      }
      try {
        this.#conn = await Connection.open(host.connectionOptions);
        return this.#conn;
      } catch (err) {
        this.#failed(err);
      }
    }
    return undefined;
  }
}
