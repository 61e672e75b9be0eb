/**
 * A promise-safe pool of clients: borrow one, use it, give it back.
 *
 * @module
 */

import { ConnectionClosedError } from "../core/errors.ts";
import { Client, type ClientOptions } from "./client.ts";
import { checkEnvUrl, checkOptions } from "./_open.ts";
import { warningsTo } from "./_edition.ts";
import { checkLogger } from "./_user_logger.ts";

/**
 * Options for a {@linkcode Pool}.
 *
 * @example
 * ```ts
 * import type { PoolOptions } from "@x/faktory-worker";
 * const options: PoolOptions = { size: 4, url: "tcp://localhost:7419" };
 * console.log(options.size);
 * ```
 */
export interface PoolOptions extends ClientOptions {
  /**
   * The most connections open at once.
   *
   * @default {5}
   */
  readonly size?: number;
}

interface Waiter {
  resolve(client: Client): void;
  reject(error: unknown): void;
}

/**
 * Lends clients to concurrent callers. Connections open lazily, up to
 * `size`; a caller waits when all are lent. A client whose connection broke
 * is dropped, and the next caller gets a fresh one.
 *
 * @example
 * ```ts ignore
 * import { Pool } from "@x/faktory-worker";
 * const pool = new Pool({ size: 4 });
 * await Promise.all(
 *   [1, 2, 3, 4, 5, 6].map((n) => pool.with((client) => client.push("Square", [n]))),
 * );
 * await pool.close();
 * ```
 */
export class Pool {
  readonly #options: ClientOptions;
  readonly #size: number;
  readonly #idle: Client[] = [];
  readonly #waiters: Waiter[] = [];
  #open = 0;
  #closing: Promise<void> | undefined;

  /**
   * Creates an empty pool; nothing connects until the first borrow.
   *
   * @param options Connection options and the pool size.
   * @throws {RangeError} When the size is not a positive integer.
   * @throws {TypeError} When `logger` lacks a logger's methods.
   * @throws {LocalProtocolError} For invalid connection options (checked here,
   *   not at the first borrow).
   */
  constructor(options: PoolOptions = {}) {
    const { size = 5, ...clientOptions } = options;
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`Pool size must be a positive integer, got ${size}`);
    }
    checkOptions(clientOptions);
    if (clientOptions.url === undefined) checkEnvUrl();
    const { logger } = clientOptions;
    if (logger !== undefined) checkLogger(logger);
    this.#size = size;
    // One wrapped logger for every client: a failing one is reported once.
    this.#options = logger === undefined
      ? clientOptions
      : { ...clientOptions, logger: warningsTo(logger) };
  }

  /** Connections currently open (idle or lent). */
  get size(): number {
    return this.#open;
  }

  /**
   * Borrows a client for the duration of `fn`, then returns it.
   *
   * @param fn Work to do with the client.
   * @returns What `fn` returned.
   * @throws {ConnectionClosedError} When the pool is closed.
   * @throws {ConnectError} When a connection was needed and could not be
   * opened (every waiting caller gets its own attempt, so none waits forever).
   */
  async with<T>(fn: (client: Client) => Promise<T> | T): Promise<T> {
    const client = await this.acquire();
    try {
      return await fn(client);
    } finally {
      this.release(client);
    }
  }

  /**
   * Borrows a client. Give it back with {@linkcode Pool.release}.
   *
   * @returns A connected client.
   */
  acquire(): Promise<Client> {
    if (this.#closing) {
      return Promise.reject(new ConnectionClosedError("The pool is closed"));
    }
    for (let c = this.#idle.pop(); c; c = this.#idle.pop()) {
      if (!c.closed) return Promise.resolve(c);
      this.#open--;
    }
    if (this.#open < this.#size) {
      this.#open++;
      return Client.connect(this.#options).catch((err) => {
        this.#open--;
        this.#wakeWaiter();
        throw err;
      });
    }
    return new Promise((resolve, reject) =>
      this.#waiters.push({ resolve, reject })
    );
  }

  /**
   * Returns a borrowed client.
   *
   * @param client The client from {@linkcode Pool.acquire}.
   */
  release(client: Client): void {
    if (client.closed || this.#closing) {
      this.#open--;
      void client.close();
      this.#wakeWaiter();
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(client);
    else this.#idle.push(client);
  }

  /** Gives a freed connection slot to the longest waiter: it connects anew. */
  #wakeWaiter(): void {
    const waiter = this.#waiters.shift();
    if (waiter) this.acquire().then(waiter.resolve, waiter.reject);
  }

  /**
   * Closes idle connections and refuses new borrows; lent clients close when
   * returned. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    const error = new ConnectionClosedError("The pool is closed");
    for (const w of this.#waiters.splice(0)) w.reject(error);
    const idle = this.#idle.splice(0);
    this.#open -= idle.length;
    return this.#closing = Promise.all(idle.map((c) => c.close())).then(
      () => {},
    );
  }
}
