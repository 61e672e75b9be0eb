/**
 * The child's side of `processes: N`: a child notices when its supervisor
 * is gone (killed with SIGKILL, crashed) and shuts down gracefully, rather
 * than running on unseen by whatever managed the supervisor; and it ends
 * its shutdown before the supervisor would kill it.
 *
 * @module
 */

import { HEALTH_REPORT_ENV } from "../adapters/child_process.ts";
import type { Platform } from "../adapters/transport.ts";
import type { ManagerOptions, Settings } from "./manager_options.ts";

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

/**
 * The environment variables a child reads besides its slot (on Deno, the
 * children's flags must allow them): the server's URL variables unless the
 * `url` option is set, and where to report health with `healthPort`.
 */
export function childEnv(
  o: { readonly options: ManagerOptions; readonly settings: Settings },
  platform: Pick<Platform, "env">,
): string[] {
  const health = o.settings.healthPort === undefined ? [] : [HEALTH_REPORT_ENV];
  if (o.options.url !== undefined) return health;
  let provider: string | undefined;
  try {
    provider = platform.env("FAKTORY_PROVIDER");
  } catch {
    // not allowed here: the children's flags decide for themselves
  }
  return [
    ...health,
    "FAKTORY_URL",
    "FAKTORY_PROVIDER",
    ...provider ? [provider] : [],
  ];
}
