// A deterministic stand-in for Math.random, for embedded servers in tests where the order of
// things depends on randomness (retry jitter orders the retry set; salts and iteration counts).

/** Numbers in [0, 1) from a seed (mulberry32): the same sequence on every run and runtime. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
