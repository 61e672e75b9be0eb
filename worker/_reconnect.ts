/**
 * The one reconnect policy every connection of a worker follows: before
 * another attempt, wait a capped exponential backoff with jitter and then,
 * for connections that only make sense while the server is reachable, until
 * the control connection reports it back. Both waits end early when the
 * caller's {@linkcode Wakeup} fires.
 *
 * Many sleepers share one stop signal, so they register with a
 * {@linkcode Wakeup} (one listener on the signal) instead of each adding a
 * listener of their own.
 *
 * @module
 */

import type { BackoffPolicy } from "./manager_options.ts";

/** Capped exponential backoff with jitter: 50-100% of min(max, initial * 2^attempt). */
export function backoff(
  attempt: number,
  initial: number,
  max: number,
  random: () => number,
): number {
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** Waits `ms`, or less if the signal aborts. Never rejects. For one-off waits. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Waits `ms`, or less if `cut` aborts; true if `promise` settled in time.
 * Leaves no timer behind.
 */
export async function within(
  promise: Promise<unknown>,
  ms: number,
  cut?: AbortSignal,
): Promise<boolean> {
  const stop = new AbortController();
  const settled = promise.then(() => true, () => true);
  const signal = cut ? AbortSignal.any([stop.signal, cut]) : stop.signal;
  const result = await Promise.race([
    settled,
    sleep(ms, signal).then(() => false),
  ]);
  stop.abort();
  return result;
}

/** Wakes every registered waiter when one signal aborts, through one listener. */
export class Wakeup {
  readonly signal: AbortSignal;
  readonly #waiters = new Set<() => void>();

  constructor(signal: AbortSignal) {
    this.signal = signal;
    signal.addEventListener("abort", () => {
      const waiters = [...this.#waiters];
      this.#waiters.clear();
      for (const wake of waiters) wake();
    }, { once: true });
  }

  /** Waiters registered right now. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * Waits until `register` calls its callback, or the signal aborts. Never
   * rejects.
   *
   * @param register Receives the callback that ends the wait; returns how to
   *   forget it when the signal ends the wait first.
   */
  wait(register: (done: () => void) => () => void): Promise<void> {
    if (this.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let finished = false;
      let forget = (): void => {};
      const done = () => {
        if (finished) return;
        finished = true;
        this.#waiters.delete(done);
        forget();
        resolve();
      };
      this.#waiters.add(done);
      forget = register(done);
      if (finished) forget();
    });
  }

  /**
   * Runs `fn` with a signal of its own that aborts when this one does, so a
   * connect that listens to its signal adds no listener to the shared one.
   */
  async scoped<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    if (this.signal.aborted) controller.abort(this.signal.reason);
    const abort = () => controller.abort(this.signal.reason);
    this.#waiters.add(abort);
    try {
      return await fn(controller.signal);
    } finally {
      this.#waiters.delete(abort);
    }
  }

  /** Waits `ms`, or less if the signal aborts. Never rejects. */
  sleep(ms: number): Promise<void> {
    return this.wait((done) => {
      const timer = setTimeout(done, ms);
      return () => clearTimeout(timer);
    });
  }
}

/** What one connection loop needs to retry under the reconnect policy. */
export interface RetryOptions {
  /** Failures in a row so far: no wait before the attempt when 0. */
  readonly failures: number;
  /** Ends every wait early. */
  readonly wake: Wakeup;
  /** Also wait until the server is known to be reachable. */
  readonly untilOnline: boolean;
  /** Whether to go on trying. */
  alive(): boolean;
  /** Called with each failed attempt's error; may throw to give up. */
  failed(error: unknown): void;
}

/** The reconnect policy, and whether the server is reachable. */
export class Reconnect {
  readonly #policy: BackoffPolicy;
  readonly #random: () => number;
  readonly #onlineWaiters = new Set<() => void>();
  #online = false;

  constructor(policy: BackoffPolicy, random: () => number) {
    this.#policy = policy;
    this.#random = random;
  }

  /** Whether the control connection last reported the server reachable. */
  get online(): boolean {
    return this.#online;
  }

  /** The server is reachable: ends every wait for it. */
  setOnline(): void {
    this.#online = true;
    const waiters = [...this.#onlineWaiters];
    this.#onlineWaiters.clear();
    for (const wake of waiters) wake();
  }

  /** The server is unreachable. */
  setOffline(): void {
    this.#online = false;
  }

  /**
   * Waits before the next attempt after `failures` failures in a row: the
   * backoff delay, then with `untilOnline` until the server is reachable.
   */
  async pause(
    failures: number,
    wake: Wakeup,
    untilOnline: boolean,
  ): Promise<void> {
    if (failures === 0) return;
    const { initial, max } = this.#policy;
    await wake.sleep(backoff(failures - 1, initial, max, this.#random));
    if (untilOnline && !this.#online) {
      await wake.wait((done) => {
        this.#onlineWaiters.add(done);
        return () => this.#onlineWaiters.delete(done);
      });
    }
  }

  /**
   * Opens a connection, retrying under the policy while `alive()`.
   *
   * @returns The connection and the failures it took, or undefined once
   *   `alive()` turned false.
   */
  async open<T>(
    open: () => Promise<T>,
    options: RetryOptions,
  ): Promise<{ value: T; failures: number } | undefined> {
    let failures = options.failures;
    while (options.alive()) {
      await this.pause(failures, options.wake, options.untilOnline);
      if (!options.alive()) return undefined;
      try {
        return { value: await open(), failures };
      } catch (error) {
        failures++;
        options.failed(error);
      }
    }
    return undefined;
  }
}
