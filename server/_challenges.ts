/**
 * The password challenges of the embedded server: the salt and iteration
 * count HI gives a connection, and the hash its HELLO must carry.
 *
 * As Faktory does, each connection gets a challenge of its own, so a client
 * hashes for every connection. The server hashes too, several thousand
 * SHA-256 rounds per HELLO, so a crowd of connections sending wrong
 * passwords could make a right one wait behind all their hashes. Therefore,
 * while {@linkcode OWN_CHALLENGES} connections or more wait for their HELLO
 * to be accepted, new connections share one challenge, whose hash is
 * computed once for all of them: a wrong HELLO then costs a comparison, and
 * a right one waits for a bounded number of hashes. The shared challenge is
 * dropped once no connection waits.
 *
 * @module
 */

import { passwordHash } from "../core/_password_hash.ts";
import type { HashQueue } from "./_hash_queue.ts";

/** Up to this many connections waiting for HELLO get a challenge of their own. */
export const OWN_CHALLENGES = 16;

/** A password challenge: what HI asks a client to hash. */
export class Challenge {
  #hash: Promise<string> | undefined;

  constructor(
    readonly salt: string,
    readonly iterations: number,
    readonly shared: boolean,
    readonly password: string,
    readonly hasher: HashQueue,
  ) {}

  /**
   * The `pwdhash` a HELLO must carry: SHA-256 of password + salt applied
   * `iterations` times, once for a client of protocol version 1.
   *
   * @param v The client's protocol version.
   * @param owner The connection, which cancels its own hash by closing.
   * @returns The lowercase hex digest; never settles if cancelled.
   */
  expected(v: number, owner: object): Promise<string> {
    if (v < 2) {
      return Promise.resolve(passwordHash(this.password, this.salt, 1));
    }
    if (!this.shared) {
      return this.hasher.hash(owner, this.password, this.salt, this.iterations);
    }
    return this.#hash ??= this.hasher.hash(
      this,
      this.password,
      this.salt,
      this.iterations,
    );
  }
}

/** Hands out the challenges of one server. */
export class Challenges {
  #waiting = 0;
  #shared: Challenge | undefined;

  constructor(
    readonly password: string,
    readonly random: () => number,
    readonly hasher: HashQueue,
  ) {}

  /**
   * A challenge for a new connection, which now counts as waiting until
   * {@linkcode Challenges.settled} is called for it.
   */
  issue(): Challenge {
    const own = this.#waiting < OWN_CHALLENGES;
    this.#waiting++;
    return own ? this.#fresh(false) : this.#shared ??= this.#fresh(true);
  }

  /** A connection given a challenge said HELLO or closed: call once. */
  settled(): void {
    if (--this.#waiting > 0 || this.#shared === undefined) return;
    this.hasher.cancel(this.#shared);
    this.#shared = undefined;
  }

  /** A fresh challenge, as Faktory makes one. */
  #fresh(shared: boolean): Challenge {
    const random = this.random;
    const salt = Array.from(
      { length: 16 },
      () => Math.floor(random() * 16).toString(16),
    ).join("");
    const iterations = 4000 + Math.floor(random() * 4096);
    return new Challenge(salt, iterations, shared, this.password, this.hasher);
  }
}
