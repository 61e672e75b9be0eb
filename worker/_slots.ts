/**
 * Concurrency slots: a counting semaphore whose waiters can be released
 * without a slot (when fetching stops). A fetcher takes a slot before it
 * FETCHes; the job it brings keeps that slot until its result is queued.
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

  /** Takes a slot now if one is free; whether it did. */
  tryAcquire(): boolean {
    if (this.#free === 0) return false;
    this.#free--;
    return true;
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
