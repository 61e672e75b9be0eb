/**
 * Password checks that never stall the embedded server: core's resumable
 * password hash (several thousand SHA-256 iterations) runs a slice at a
 * time, yielding to the event loop between slices, so many HELLOs at once
 * do not hold up other connections.
 *
 * @module
 */

import { PasswordHash } from "../core/_password_hash.ts";

/** Iterations hashed per turn of the event loop: about a millisecond of work. */
const SLICE = 4096;

interface HashJob {
  readonly owner: object;
  readonly hash: PasswordHash;
  left: number;
  readonly resolve: (hex: string) => void;
}

/** Runs password hashes one after another, oldest first, a slice at a time. */
export class HashQueue {
  readonly #jobs: HashJob[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * The password hash for `owner`: SHA-256 of password + salt, applied
   * `iterations` times.
   *
   * @returns The lowercase hex digest; never settles if the owner cancels.
   */
  hash(
    owner: object,
    password: string,
    salt: string,
    iterations: number,
  ): Promise<string> {
    return new Promise((resolve) => {
      const hash = new PasswordHash(password, salt, iterations);
      this.#jobs.push({ owner, hash, left: hash.step(0), resolve });
      this.#timer ??= setTimeout(() => this.#run(), 0);
    });
  }

  /** Drops the hashes of an owner (a connection that closed). */
  cancel(owner: object): void {
    for (let i = this.#jobs.length - 1; i >= 0; i--) {
      if (this.#jobs[i]!.owner === owner) this.#jobs.splice(i, 1);
    }
    if (this.#jobs.length === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #run(): void {
    this.#timer = undefined;
    let budget = SLICE;
    while (budget > 0 && this.#jobs.length > 0) {
      const job = this.#jobs[0]!;
      const left = job.hash.step(budget);
      budget -= Math.max(1, job.left - left);
      job.left = left;
      if (left === 0) {
        this.#jobs.shift();
        job.resolve(job.hash.hex());
      }
    }
    if (this.#jobs.length > 0) this.#timer = setTimeout(() => this.#run(), 0);
  }
}
