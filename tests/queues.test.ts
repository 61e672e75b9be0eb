import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidJobError } from "../mod.ts";
import { strictQueueOrder, weightedQueueOrder } from "../protocol.ts";

/** A seeded generator, so the statistics below are deterministic. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("strictQueueOrder keeps the given order and drops duplicates", () => {
  const order = strictQueueOrder(["critical", "default", "critical", "bulk"]);
  assert.deepEqual(order(), ["critical", "default", "bulk"]);
  assert.deepEqual(order(), ["critical", "default", "bulk"]);
  assert.throws(() => strictQueueOrder([]), RangeError);
  assert.throws(() => strictQueueOrder(["bad name"]), InvalidJobError);
});

test("weightedQueueOrder lists every queue once per fetch, first in proportion to weight", () => {
  const order = weightedQueueOrder(
    { critical: 6, default: 3, bulk: 1 },
    mulberry32(42),
  );
  const first: Record<string, number> = { critical: 0, default: 0, bulk: 0 };
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const o = order();
    assert.equal(o.length, 3);
    assert.equal(new Set(o).size, 3);
    first[o[0]!]!++;
  }
  assert.ok(Math.abs(first.critical! / n - 0.6) < 0.02, JSON.stringify(first));
  assert.ok(Math.abs(first.default! / n - 0.3) < 0.02, JSON.stringify(first));
  assert.ok(Math.abs(first.bulk! / n - 0.1) < 0.02, JSON.stringify(first));
});

test("weightedQueueOrder is deterministic for a given random source", () => {
  const a = weightedQueueOrder({ a: 1, b: 1, c: 1 }, mulberry32(7));
  const b = weightedQueueOrder({ a: 1, b: 1, c: 1 }, mulberry32(7));
  for (let i = 0; i < 50; i++) assert.deepEqual(a(), b());
  assert.deepEqual(weightedQueueOrder({ only: 5 }, () => 0.5)(), ["only"]);
  assert.deepEqual(weightedQueueOrder({ a: 1, b: 1 }, () => 0)().length, 2);
});

test("weightedQueueOrder refuses non-positive weights and empty maps", () => {
  assert.throws(() => weightedQueueOrder({}, Math.random), RangeError);
  assert.throws(
    () => weightedQueueOrder({ a: 0 }, Math.random),
    /positive number/,
  );
  assert.throws(
    () => weightedQueueOrder({ a: -1, b: 2 }, Math.random),
    RangeError,
  );
  assert.throws(
    () => weightedQueueOrder({ a: Infinity }, Math.random),
    RangeError,
  );
});
