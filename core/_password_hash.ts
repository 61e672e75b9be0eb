/**
 * The HELLO password hash as a pure, resumable computation: SHA-256 applied
 * `iterations` times, first to the UTF-8 of password + salt, then to the raw
 * 32-byte digest. Resumable, so the caller can spread a large iteration
 * count over several turns of its event loop and give up at a deadline.
 *
 * @module
 */

const K = new Uint32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);

const IV = [
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
] as const;

/**
 * Runs the SHA-256 compression function over the 16 words in `w[0..15]`
 * (the rest of `w` is scratch), updating `h` in place.
 */
function compress(h: Uint32Array, w: Uint32Array): void {
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^
      (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!;
  let e = h[4]!, f = h[5]!, g = h[6]!, k = h[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^
      ((e >>> 25) | (e << 7));
    const t1 = (k + s1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^
      ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    k = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = h[0]! + a;
  h[1] = h[1]! + b;
  h[2] = h[2]! + c;
  h[3] = h[3]! + d;
  h[4] = h[4]! + e;
  h[5] = h[5]! + f;
  h[6] = h[6]! + g;
  h[7] = h[7]! + k;
}

/**
 * A password hash in progress. Each {@linkcode PasswordHash.step} runs a
 * bounded number of iterations, so a caller can yield between steps and
 * stop at a deadline; {@linkcode PasswordHash.hex} gives the result.
 *
 * @example
 * ```ts ignore
 * import { PasswordHash } from "./_password_hash.ts";
 * const hash = new PasswordHash("labpass123", "7f98f68a58bcecf5", 7042);
 * while (hash.step(1000) > 0) { } // or yield to the event loop here
 * console.log(hash.hex());
 * ```
 */
export class PasswordHash {
  readonly #h = new Uint32Array(8);
  readonly #w = new Uint32Array(64);
  #remaining: number;

  /**
   * Starts a hash and runs its first iteration.
   *
   * @param password The server password.
   * @param salt The salt of the HI greeting, used as-is.
   * @param iterations How many times to apply SHA-256, at least 1.
   * @throws {RangeError} When `iterations` is not a positive integer.
   */
  constructor(password: string, salt: string, iterations: number) {
    if (!Number.isSafeInteger(iterations) || iterations < 1) {
      throw new RangeError(
        `iterations must be a positive integer, got ${iterations}`,
      );
    }
    this.#digestBytes(new TextEncoder().encode(password + salt));
    this.#remaining = iterations - 1;
  }

  /**
   * Runs up to `max` more iterations.
   *
   * @param max The most iterations to run now.
   * @returns The iterations still to run; 0 when the hash is complete.
   */
  step(max: number): number {
    const h = this.#h;
    const w = this.#w;
    const n = Math.min(max, this.#remaining);
    for (let i = 0; i < n; i++) {
      // The message is the 32-byte digest itself: one padded block.
      w.set(h);
      w[8] = 0x80000000;
      w.fill(0, 9, 15);
      w[15] = 256;
      h.set(IV);
      compress(h, w);
    }
    this.#remaining -= n;
    return this.#remaining;
  }

  /**
   * The finished hash.
   *
   * @returns Lowercase hex of the final digest.
   * @throws {RangeError} When iterations remain.
   */
  hex(): string {
    if (this.#remaining > 0) {
      throw new RangeError(`${this.#remaining} hash iterations remain`);
    }
    let hex = "";
    for (const word of this.#h) hex += word.toString(16).padStart(8, "0");
    return hex;
  }

  #digestBytes(data: Uint8Array): void {
    const padded = new Uint8Array(((data.length + 9 + 63) >> 6) << 6);
    padded.set(data);
    padded[data.length] = 0x80;
    const view = new DataView(padded.buffer);
    const bits = data.length * 8;
    view.setUint32(padded.length - 8, Math.floor(bits / 2 ** 32));
    view.setUint32(padded.length - 4, bits >>> 0);
    this.#h.set(IV);
    for (let off = 0; off < padded.length; off += 64) {
      for (let i = 0; i < 16; i++) this.#w[i] = view.getUint32(off + i * 4);
      compress(this.#h, this.#w);
    }
  }
}

/**
 * The whole password hash at once: SHA-256 applied `iterations` times, first
 * to UTF-8 of password + salt, then to the raw digest.
 *
 * @param password The server password.
 * @param salt The salt of the HI greeting, used as-is.
 * @param iterations How many times to apply SHA-256, at least 1.
 * @returns Lowercase hex of the final digest.
 *
 * @example
 * ```ts ignore
 * import { passwordHash } from "./_password_hash.ts";
 * console.log(passwordHash("labpass123", "145476d517222016", 1));
 * ```
 */
export function passwordHash(
  password: string,
  salt: string,
  iterations: number,
): string {
  const hash = new PasswordHash(password, salt, iterations);
  hash.step(Infinity);
  return hash.hex();
}
