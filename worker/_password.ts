/**
 * The HELLO password hash, computed in slices so that a large iteration
 * count neither blocks the event loop nor outlives the connect deadline.
 *
 * @module
 */

import { PasswordHash } from "../core/_password_hash.ts";

/** Iterations per slice: a few milliseconds of work on a slow machine. */
const SLICE = 20_000;

/**
 * Computes `pwdhash` for HELLO: SHA-256 applied `iterations` times, first to
 * UTF-8 of password + salt, then to the raw digest; lowercase hex.
 *
 * @param password The server password.
 * @param salt The `s` of the HI greeting, used as-is.
 * @param iterations The `i` of the HI greeting.
 * @param signal Stops the computation between slices; it then rejects with
 * the signal's reason.
 * @returns The lowercase hex digest.
 */
export async function hashPassword(
  password: string,
  salt: string,
  iterations: number,
  signal?: AbortSignal,
): Promise<string> {
  signal?.throwIfAborted();
  const hash = new PasswordHash(password, salt, iterations);
  while (hash.step(SLICE) > 0) {
    // Let timers and I/O run between slices (and the deadline fire).
    await new Promise((resolve) => setTimeout(resolve, 0));
    signal?.throwIfAborted();
  }
  return hash.hex();
}
