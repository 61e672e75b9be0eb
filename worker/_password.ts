/**
 * The HELLO password hash: SHA-256 applied `iterations` times, first to
 * UTF-8 of password + salt, then to the raw digest; lowercase hex.
 *
 * @module
 */

/**
 * Computes `pwdhash` for HELLO.
 *
 * @param password The server password.
 * @param salt The `s` of the HI greeting, used as-is.
 * @param iterations The `i` of the HI greeting.
 * @returns The lowercase hex digest.
 */
export async function hashPassword(
  password: string,
  salt: string,
  iterations: number,
): Promise<string> {
  let digest: ArrayBuffer = new TextEncoder().encode(password + salt)
    .buffer as ArrayBuffer;
  for (let i = 0; i < iterations; i++) {
    digest = await crypto.subtle.digest("SHA-256", digest);
  }
  let hex = "";
  for (const byte of new Uint8Array(digest)) {
    hex += byte.toString(16).padStart(2, "0");
  }
  return hex;
}
