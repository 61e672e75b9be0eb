/**
 * The supervisor's restart policy as a pure function: given how a slot's
 * child fared, start it again after a delay, or give the slot up.
 *
 * @module
 */

import type { RestartPolicy } from "./manager_options.ts";

/** What to do with a slot whose child exited while the supervisor runs. */
export type RestartDecision =
  | {
    readonly type: "restart";
    /** Failures in a row, this one included. */
    readonly failures: number;
    /** How long to wait before starting the child again, in ms. */
    readonly delay: number;
  }
  | { readonly type: "give up"; readonly failures: number };

/**
 * Decides after an unexpected exit. A child that stayed up `resetAfter` ms
 * clears its slot's failures; otherwise this failure adds to them. The delay
 * is `initial`, doubling with each failure in a row, capped at `max`; the
 * `giveUpAfter`-th failure in a row gives the slot up.
 *
 * @param policy The restart policy.
 * @param failures The slot's failures in a row before this exit.
 * @param upFor How long the child ran, in ms.
 */
export function afterExit(
  policy: RestartPolicy,
  failures: number,
  upFor: number,
): RestartDecision {
  const now = (upFor >= policy.resetAfter ? 0 : failures) + 1;
  if (now >= policy.giveUpAfter) return { type: "give up", failures: now };
  const delay = Math.min(
    policy.max,
    policy.initial * 2 ** Math.min(now - 1, 30),
  );
  return { type: "restart", failures: now, delay };
}
