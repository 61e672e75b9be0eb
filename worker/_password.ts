/**
 * The HELLO password hash in one call, for code that checks a hash outside a
 * connection. Connections prepare HELLO with the core's `HelloBuilder`.
 *
 * @module
 */

import { passwordHash } from "../core/_password_hash.ts";

/**
 * Computes `pwdhash` for HELLO: SHA-256 applied `iterations` times, first to
 * UTF-8 of password + salt, then to the raw digest; lowercase hex.
 *
 * @deprecated Use `passwordHash` from core/_password_hash.ts.
 */
export function hashPassword(
  password: string,
  salt: string,
  iterations: number,
): Promise<string> {
  return Promise.resolve(passwordHash(password, salt, iterations));
}
