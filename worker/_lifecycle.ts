/**
 * The Manager's lifecycle as one transition table: every change of state
 * goes through {@linkcode transition}, and a transition missing from the
 * table is refused. The table is pure data; {@linkcode Lifecycle} only holds
 * the current state.
 *
 * ```
 * idle     --run-->    running     --quiet-->  quiet
 * idle     --stop-->   stopped     running     --stop-->   stopping
 * running  --fail-->   stopped     quiet       --stop-->   stopping
 * quiet    --fail-->   stopped     stopping    --finish--> stopped
 * ```
 *
 * @module
 */

/**
 * Where a `Manager` is in its life: `idle` before `run()`,
 * `running` while it fetches jobs, `quiet` once it stopped fetching (running
 * jobs go on), `stopping` during shutdown, `stopped` at the end.
 */
export type ManagerState =
  | "idle"
  | "running"
  | "quiet"
  | "stopping"
  | "stopped";

/** What can happen to a Manager. */
export type LifecycleEvent =
  /** `run()` was called. */
  | "run"
  /** Stop fetching (a signal, the API, or the server's request). */
  | "quiet"
  /** Shut down (a signal, the API, or the server's request). */
  | "stop"
  /** The first connect failed with an error retrying cannot fix. */
  | "fail"
  /** The shutdown sequence completed. */
  | "finish";

/** From-state × event → to-state. Anything not listed is refused. */
export const TRANSITIONS: {
  readonly [S in ManagerState]: {
    readonly [E in LifecycleEvent]?: ManagerState;
  };
} = {
  idle: { run: "running", stop: "stopped" },
  running: { quiet: "quiet", stop: "stopping", fail: "stopped" },
  quiet: { stop: "stopping", fail: "stopped" },
  stopping: { finish: "stopped" },
  stopped: {},
};

/** The state `event` leads to from `from`, or undefined when the table refuses it. */
export function transition(
  from: ManagerState,
  event: LifecycleEvent,
): ManagerState | undefined {
  return TRANSITIONS[from][event];
}

/** The one owner of a Manager's state. */
export class Lifecycle {
  #state: ManagerState = "idle";

  get state(): ManagerState {
    return this.#state;
  }

  /** Whether jobs may be fetched. */
  get fetching(): boolean {
    return this.#state === "running";
  }

  /**
   * Applies `event`.
   *
   * @returns The state before the event, or undefined when the transition is
   *   refused (the state is then unchanged).
   */
  fire(event: LifecycleEvent): ManagerState | undefined {
    const from = this.#state;
    const to = transition(from, event);
    if (to === undefined) return undefined;
    this.#state = to;
    return from;
  }
}
