/**
 * The child's side of `processes: N`: a child notices when its supervisor
 * is gone (killed with SIGKILL, crashed) and shuts down gracefully, rather
 * than running on unseen by whatever managed the supervisor.
 *
 * @module
 */

import type { Platform } from "../adapters/transport.ts";

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
