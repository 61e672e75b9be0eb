/**
 * Synchronous SHA-256, so the embedded server checks a password hash of
 * several thousand iterations in milliseconds (awaiting crypto.subtle once
 * per iteration takes far longer), run in slices that yield to the event
 * loop, so many HELLOs at once do not stall other connections.
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

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  const bitLen = data.length * 8;
  const padded = new Uint8Array(((data.length + 9 + 63) >> 6) << 6);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 4, bitLen >>> 0);
  view.setUint32(padded.length - 8, Math.floor(bitLen / 2 ** 32));
  const h = new Uint32Array([
    0x6a09e667,
    0xbb67ae85,
    0x3c6ef372,
    0xa54ff53a,
    0x510e527f,
    0x9b05688c,
    0x1f83d9ab,
    0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!, b = w[i - 2]!;
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h as unknown as number[];
    for (let i = 0; i < 64; i++) {
      const t1 = (hh! + (rotr(e!, 6) ^ rotr(e!, 11) ^ rotr(e!, 25)) +
        ((e! & f!) ^ (~e! & g!)) + K[i]! + w[i]!) | 0;
      const t2 = ((rotr(a!, 2) ^ rotr(a!, 13) ^ rotr(a!, 22)) +
        ((a! & b!) ^ (a! & c!) ^ (b! & c!))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d! + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0]! += a!,
      h[1]! += b!,
      h[2]! += c!,
      h[3]! += d!,
      h[4]! += e!,
      h[5]! += f!,
      h[6]! += g!,
      h[7]! += hh!;
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) ov.setUint32(i * 4, h[i]!);
  return out;
}

const INITIAL = [
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
];

/**
 * SHA-256 applied many times, first to UTF-8 text, then to the 32-byte
 * digest, run a slice at a time so a caller can yield between slices. The
 * repeated step hashes one fixed-layout block in place, without allocating.
 */
export class IteratedSha256 {
  readonly #h = new Int32Array(8);
  readonly #w = new Int32Array(64);
  #left: number;

  constructor(text: string, iterations: number) {
    this.#left = Math.max(iterations, 1) - 1;
    const first = sha256(new TextEncoder().encode(text));
    const view = new DataView(first.buffer);
    for (let i = 0; i < 8; i++) this.#h[i] = view.getInt32(i * 4);
  }

  /** Iterations still to run. */
  get remaining(): number {
    return this.#left;
  }

  /**
   * Runs up to `n` more iterations.
   *
   * @returns Whether every iteration has now run.
   */
  step(n: number): boolean {
    const h = this.#h;
    const w = this.#w;
    const rotr = (x: number, k: number) => (x >>> k) | (x << (32 - k));
    for (let left = Math.min(n, this.#left); left > 0; left--) {
      w.set(h);
      w[8] = 0x80000000 | 0;
      w.fill(0, 9, 15);
      w[15] = 256;
      for (let i = 16; i < 64; i++) {
        const x = w[i - 15]!, y = w[i - 2]!;
        const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
        const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
        w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
      }
      let a = INITIAL[0]!, b = INITIAL[1]!, c = INITIAL[2]!, d = INITIAL[3]!;
      let e = INITIAL[4]!, f = INITIAL[5]!, g = INITIAL[6]!, hh = INITIAL[7]!;
      for (let i = 0; i < 64; i++) {
        const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
          ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) +
          ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g;
        g = f;
        f = e;
        e = (d + t1) | 0;
        d = c;
        c = b;
        b = a;
        a = (t1 + t2) | 0;
      }
      h[0] = (INITIAL[0]! + a) | 0;
      h[1] = (INITIAL[1]! + b) | 0;
      h[2] = (INITIAL[2]! + c) | 0;
      h[3] = (INITIAL[3]! + d) | 0;
      h[4] = (INITIAL[4]! + e) | 0;
      h[5] = (INITIAL[5]! + f) | 0;
      h[6] = (INITIAL[6]! + g) | 0;
      h[7] = (INITIAL[7]! + hh) | 0;
      this.#left--;
    }
    return this.#left === 0;
  }

  /** The digest so far, as lowercase hex. */
  get hex(): string {
    return [...this.#h].map((x) => (x >>> 0).toString(16).padStart(8, "0"))
      .join("");
  }
}

/** Lowercase hex of SHA-256 applied `iterations` times to UTF-8 `text`. */
export function sha256Iterated(text: string, iterations: number): string {
  const hash = new IteratedSha256(text, iterations);
  hash.step(Infinity);
  return hash.hex;
}

/** Iterations hashed per turn of the event loop: about a millisecond of work. */
const SLICE = 4096;

/**
 * Runs iterated hashes a slice at a time, yielding to the event loop
 * between slices, so checking many passwords at once never stalls other
 * connections. Hashes run one after another, oldest first.
 */
export class HashQueue {
  readonly #jobs: {
    owner: object;
    hash: IteratedSha256;
    resolve: (hex: string) => void;
  }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Hashes `text` `iterations` times for `owner`.
   *
   * @returns The lowercase hex digest; never settles if the owner cancels.
   */
  hash(owner: object, text: string, iterations: number): Promise<string> {
    return new Promise((resolve) => {
      this.#jobs.push({
        owner,
        hash: new IteratedSha256(text, iterations),
        resolve,
      });
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
      const before = job.hash.remaining;
      if (job.hash.step(budget)) {
        this.#jobs.shift();
        job.resolve(job.hash.hex);
      }
      budget -= Math.max(1, before - job.hash.remaining);
    }
    if (this.#jobs.length > 0) this.#timer = setTimeout(() => this.#run(), 0);
  }
}
