/**
 * The child's side of `processes: N`: a child notices when its supervisor
 * is gone (killed with SIGKILL, crashed) and shuts down gracefully, rather
 * than running on unseen by whatever managed the supervisor; and it ends
 * its shutdown before the supervisor would kill it.
 *
 * @module
 */

import type { Platform } from "../adapters/transport.ts";

/** How long after the forwarded SIGTERM, beyond `shutdownTimeout`, a child is killed. */
export const KILL_GRACE_MS = 2000;

/** What a child keeps of that grace to send END, close and exit. */
export const EXIT_MARGIN_MS = 500;

/**
 * When a child whose shutdown began at `started` must be done delivering
 * results (ms since the epoch): before its supervisor kills it, which
 * happens `shutdownTimeout` + {@linkcode KILL_GRACE_MS} after the signal.
 */
export function childDeadline(
  started: number,
  shutdownTimeout: number,
): number {
  return started + shutdownTimeout + KILL_GRACE_MS - EXIT_MARGIN_MS;
}

/** How often a child checks that its supervisor is still its parent, in ms. */
export const SUPERVISOR_CHECK_MS = 1000;

/**
 * Calls `gone` once when this process's parent changes (an orphan is
 * adopted by init or a subreaper). Returns a function that stops watching.
 */
export function watchSupervisor(
  platform: Pick<Platform, "ppid">,
  gone: () => void,
  every: number = SUPERVISOR_CHECK_MS,
): () => void {
  const parent = platform.ppid();
  const timer = setInterval(() => {
    if (platform.ppid() === parent) return;
    clearInterval(timer);
    gone();
  }, every);
  return () => clearInterval(timer);
}
