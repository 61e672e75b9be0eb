/**
 * The containers the embedded server keeps jobs in: a time-ordered set (as
 * the Redis sorted sets Faktory uses) and a FIFO queue.
 *
 * @module
 */

import type { StoredJob } from "./_stored_job.ts";

/** An entry of a time-ordered set. */
export interface SetEntry {
  readonly at: number;
  readonly job: StoredJob;
}

/** A set ordered by time, like the Redis sorted sets Faktory uses. */
export class TimeSet {
  readonly entries: SetEntry[] = [];
  get size(): number {
    return this.entries.length;
  }
  add(at: number, job: StoredJob): void {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.at <= at) lo = mid + 1;
      else hi = mid;
    }
    this.entries.splice(lo, 0, { at, job });
  }
  /** Removes and returns the entries due at or before `now`. */
  takeDue(now: number): SetEntry[] {
    let n = 0;
    while (n < this.entries.length && this.entries[n]!.at <= now) n++;
    return this.entries.splice(0, n);
  }
  remove(entry: SetEntry): void {
    const i = this.entries.indexOf(entry);
    if (i !== -1) this.entries.splice(i, 1);
  }
  clear(): void {
    this.entries.length = 0;
  }
}

/** A FIFO queue with O(1) push and shift. */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  get size(): number {
    return this.#items.length - this.#head;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
  toArray(): T[] {
    return this.#items.slice(this.#head) as T[];
  }
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
