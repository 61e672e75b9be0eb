import { FaktoryServer, type FaktoryServerOptions } from "../testing/mod.ts";

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

/** The fixed time a test server's clock starts at. */
export const TEST_START: number = Date.parse("2026-11-28T12:00:00Z");

/**
 * Runs `fn` against an embedded server with a hand-driven clock (starting at
 * {@linkcode TEST_START}) and seeded randomness; tasks run only when the test
 * says so. The server is stopped afterwards and returned.
 */
export async function withServer(
  options: FaktoryServerOptions,
  fn: (server: FaktoryServer, clock: { now: number }) => Promise<void>,
): Promise<FaktoryServer> {
  const clock = { now: TEST_START };
  const server = await FaktoryServer.start({
    taskInterval: 0,
    fetchTimeout: 100,
    now: () => clock.now,
    random: seededRandom(1),
    ...options,
  });
  try {
    await fn(server, clock);
  } finally {
    await server.stop();
  }
  return server;
}
