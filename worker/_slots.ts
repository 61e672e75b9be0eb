/**
 * Concurrency slots: a counting semaphore whose waiters can be released
 * without a slot (when fetching stops).
 *
 * @module
 */

export class Slots {
  #free: number;
  readonly #waiters: ((got: boolean) => void)[] = [];

  constructor(readonly size: number) {
    this.#free = size;
  }

  get free(): number {
    return this.#free;
  }

  /** Resolves true with a slot, or false when {@linkcode cancelWaiters} runs first. */
  acquire(): Promise<boolean> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next(true);
    else this.#free++;
  }

  cancelWaiters(): void {
    for (const w of this.#waiters.splice(0)) w(false);
  }
}

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

/** Waits `ms`, or less if the signal aborts. Never rejects. */
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
