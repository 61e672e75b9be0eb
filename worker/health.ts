/**
 * How healthy a worker is, as `mgr.health()` returns it and the probe
 * server's `/healthz` and `/readyz` answer it.
 *
 * @module
 */

import type { ManagerState } from "./_lifecycle.ts";

/**
 * One check of a health verdict: its name, whether it passed, and why.
 *
 * @example
 * ```ts
 * import type { HealthCheck } from "@x/faktory-worker";
 * const check: HealthCheck = {
 *   name: "connection",
 *   ok: false,
 *   detail: "the control connection is down; reconnecting",
 * };
 * ```
 */
export interface HealthCheck {
  /** What is checked, such as `heartbeat`. */
  readonly name: string;
  /** Whether it passed. */
  readonly ok: boolean;
  /** Why, in a sentence. */
  readonly detail: string;
}

/**
 * Whether a worker is alive and ready, and what that rests on, read from
 * memory (no call to the server).
 *
 * - `live`: the worker can make progress: it has not stopped, and its
 *   heartbeat timer fired within the last 3 heartbeat intervals, measured
 *   against the clock (a blocked event loop or a wedged worker fails it). A
 *   Faktory outage does not: the worker reconnects by itself.
 * - `ready`: it is running (not quiet, stopping or stopped), its control
 *   connection and at least one fetch connection are open, and the server
 *   accepted a heartbeat (or the HELLO) within the last 3 heartbeat intervals.
 * - `checks.live` and `checks.ready`: the checks behind each verdict.
 *
 * @example Report readiness from your own HTTP server
 * ```ts
 * import { Manager } from "@x/faktory-worker";
 *
 * const mgr = new Manager();
 * const ready = (): Response => {
 *   const health = mgr.health();
 *   return Response.json(health, { status: health.ready ? 200 : 503 });
 * };
 * console.log(ready().status); // 503: not started
 * ```
 */
export interface WorkerHealth {
  /** Whether the worker can make progress (what `/healthz` answers). */
  readonly live: boolean;
  /** Whether it is connected and fetching (what `/readyz` answers). */
  readonly ready: boolean;
  /** The lifecycle state. */
  readonly state: ManagerState;
  /** Whether the worker is quiet: it fetches no new jobs, running ones finish. */
  readonly quiet: boolean;
  /** When the server last accepted a BEAT (or the HELLO); null if never. */
  readonly lastHeartbeat: Date | null;
  /** Connections open now: the control connection, and fetch connections. */
  readonly connections: {
    readonly control: boolean;
    readonly fetchers: number;
  };
  /** Jobs running now. */
  readonly busy: number;
  /** Jobs that may run at once. */
  readonly concurrency: number;
  /** The checks behind each verdict. */
  readonly checks: {
    readonly live: readonly HealthCheck[];
    readonly ready: readonly HealthCheck[];
  };
  /** In a supervisor (`processes` above 1): each child, by slot. */
  readonly processes?: readonly ProcessHealth[];
}

/**
 * What a supervisor knows of one child: where it stands, and its own
 * health as it last reported it.
 *
 * - `state`: the child's Manager state once it reports; before that
 *   `starting`, and `restarting` (waiting for its restart), `given up` or
 *   `exited` when no child runs in the slot.
 *
 * @example
 * ```ts
 * import { Manager, type ProcessHealth } from "@x/faktory-worker";
 * const mgr = new Manager({ processes: 2 });
 * const down: ProcessHealth[] = (mgr.health().processes ?? [])
 *   .filter((p) => !p.ready);
 * console.log(down.length); // 0: none started yet
 * ```
 */
export interface ProcessHealth {
  /** The slot, 0..N-1. */
  readonly index: number;
  /** The child's process id; null while none runs in the slot. */
  readonly pid: number | null;
  /** Whether the child runs and reported itself ready, recently. */
  readonly ready: boolean;
  /** Whether the child reported itself live, recently. */
  readonly live: boolean;
  /** The child's state (see above). */
  readonly state:
    | ManagerState
    | "starting"
    | "restarting"
    | "given up"
    | "exited";
  /** When the server last accepted the child's heartbeat; null if never. */
  readonly lastHeartbeat: Date | null;
  /** When the child last reported its health; null if never. */
  readonly lastReport: Date | null;
  /** Jobs the child runs now, as it last reported. */
  readonly busy: number;
  /** Why it is not ready, or that it is. */
  readonly detail: string;
}
