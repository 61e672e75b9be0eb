/**
 * The order in which a worker asks for its queues on each FETCH: strict
 * priority (always the same order) or weighted (a fresh random order per
 * fetch, where each queue comes first in proportion to its weight, so no
 * queue starves). Randomness is passed in, so the core stays pure.
 *
 * @module
 */

import { checkQueueName } from "./job.ts";

/**
 * Returns the queue order for the next FETCH.
 *
 * @example
 * ```ts
 * import { strictQueueOrder, type QueueOrder } from "@x/faktory-worker/protocol";
 * const order: QueueOrder = strictQueueOrder(["critical", "default"]);
 * console.log(order()); // ["critical", "default"]
 * ```
 */
export type QueueOrder = () => readonly string[];

/**
 * A source of uniform random numbers in [0, 1), like `Math.random`.
 *
 * @example
 * ```ts
 * import type { RandomSource } from "@x/faktory-worker/protocol";
 * const fixed: RandomSource = () => 0.5;
 * console.log(fixed());
 * ```
 */
export type RandomSource = () => number;

function unique(names: readonly string[]): string[] {
  if (names.length === 0) {
    throw new RangeError("At least one queue is needed");
  }
  return [...new Set(names.map(checkQueueName))];
}

/**
 * Strict priority: every FETCH lists the queues in the given order, so a
 * later queue is served only when the earlier ones are empty. Duplicates are
 * dropped.
 *
 * @param queues Queue names, highest priority first.
 * @returns The order function.
 * @throws {RangeError} When no queue is given.
 * @throws {InvalidJobError} When a name is not a valid queue name.
 *
 * @example
 * ```ts
 * import { strictQueueOrder } from "@x/faktory-worker/protocol";
 * console.log(strictQueueOrder(["critical", "default", "bulk"])());
 * ```
 */
export function strictQueueOrder(queues: readonly string[]): QueueOrder {
  const order = Object.freeze(unique(queues));
  return () => order;
}

/**
 * Weighted priority: each FETCH lists every queue once, in a random order in
 * which a queue's chance of coming first is its share of the total weight
 * (weighted sampling without replacement). Every queue appears in every
 * FETCH, so a queue with a small weight still drains when the others are
 * empty.
 *
 * @param weights Queue name to a positive weight.
 * @param random Uniform random numbers in [0, 1).
 * @returns The order function.
 * @throws {RangeError} When no queue is given or a weight is not positive.
 *
 * @example
 * ```ts
 * import { weightedQueueOrder } from "@x/faktory-worker/protocol";
 * const order = weightedQueueOrder({ critical: 6, default: 3, bulk: 1 }, Math.random);
 * console.log(order()); // critical first about 60% of the time
 * ```
 */
export function weightedQueueOrder(
  weights: { readonly [queue: string]: number },
  random: RandomSource,
): QueueOrder {
  const names = unique(Object.keys(weights));
  const entries = names.map((name) => {
    const weight = weights[name]!;
    if (
      typeof weight !== "number" || !(weight > 0) || !Number.isFinite(weight)
    ) {
      throw new RangeError(
        `Queue weight must be a positive number, got ${weight} for ${name}`,
      );
    }
    return { name, weight };
  });
  if (entries.length === 1) {
    const only = Object.freeze([entries[0]!.name]);
    return () => only;
  }
  return () => {
    // Efraimidis-Spirakis: sort by -ln(u)/w ascending.
    const keyed = entries.map(({ name, weight }) => ({
      name,
      key: -Math.log(1 - random()) / weight,
    }));
    keyed.sort((a, b) => a.key - b.key);
    return keyed.map((k) => k.name);
  };
}
