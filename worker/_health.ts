/**
 * The health verdicts, computed from what the Manager holds in memory and
 * the clock: liveness (can the worker make progress?) and readiness (is it
 * connected and fetching?). Also the checks of the `healthPort` and
 * `healthHost` options.
 *
 * A Faktory outage never fails liveness: the worker reconnects by itself,
 * and restarting it would not bring the server back. The heartbeat timer
 * fires whether or not the server is reachable, so a timer that has not
 * fired for 3 intervals means the event loop is blocked or the worker is
 * wedged.
 *
 * @module
 */

import { shown } from "../core/_shown.ts";
import type { ManagerState } from "./_lifecycle.ts";
import { expectType, numberOption } from "./_checks.ts";
import type { SessionProbe } from "./_session.ts";
import type { HealthCheck, WorkerHealth } from "./health.ts";

/** How many heartbeat intervals a heartbeat (or a timer tick) may be late. */
export const HEALTH_INTERVALS = 3;

/** What the verdicts are made from. */
export interface HealthInput {
  readonly state: ManagerState;
  readonly heartbeatInterval: number;
  readonly busy: number;
  readonly concurrency: number;
  /** The running session's connections and heartbeat; undefined before `run()`. */
  readonly probe: SessionProbe | undefined;
}

const NO_PROBE: SessionProbe = {
  control: false,
  fetchers: 0,
  lastBeat: 0,
  lastTick: 0,
};

/** The health of a worker at `now` (ms since the epoch). */
export function assess(input: HealthInput, now: number): WorkerHealth {
  const { state, heartbeatInterval } = input;
  const probe = input.probe ?? NO_PROBE;
  const limit = HEALTH_INTERVALS * heartbeatInterval;
  const live: HealthCheck[] = [
    check("state", state !== "stopped", `the worker is ${state}`),
    probe.lastTick === 0
      ? check(
        "heartbeatTimer",
        true,
        state === "idle"
          ? "not started: run() was not called"
          : "not started yet: the first connect is under way",
      )
      : check(
        "heartbeatTimer",
        now - probe.lastTick <= limit,
        `fired ${now - probe.lastTick} ms ago (at most ${limit} ms allowed)`,
      ),
  ];
  const ready: HealthCheck[] = [
    check("state", state === "running", STATES[state]),
    check(
      "connection",
      // Fetch connections are closed on purpose once fetching stops.
      probe.control && (probe.fetchers > 0 || state !== "running"),
      connections(probe, state === "running" || state === "quiet"),
    ),
    probe.lastBeat === 0
      ? check("heartbeat", false, "the server has not accepted the worker yet")
      : check(
        "heartbeat",
        now - probe.lastBeat <= limit,
        `the server accepted the last heartbeat ${
          now - probe.lastBeat
        } ms ago (at most ${limit} ms allowed)`,
      ),
  ];
  return {
    live: live.every((c) => c.ok),
    ready: ready.every((c) => c.ok),
    state,
    quiet: state === "quiet",
    lastHeartbeat: probe.lastBeat === 0 ? null : new Date(probe.lastBeat),
    connections: { control: probe.control, fetchers: probe.fetchers },
    busy: input.busy,
    concurrency: input.concurrency,
    checks: { live, ready },
  };
}

const STATES: { readonly [S in ManagerState]: string } = {
  idle: "not started: run() was not called",
  running: "running",
  quiet: "quiet: no new jobs are fetched",
  stopping: "shutting down",
  stopped: "stopped",
};

/** What the connection check says. */
function connections(probe: SessionProbe, reconnecting: boolean): string {
  const fetchers = `${probe.fetchers} fetch connection${
    probe.fetchers === 1 ? "" : "s"
  } open`;
  if (!probe.control) {
    return `the control connection is down${
      reconnecting ? "; reconnecting" : ""
    } (${fetchers})`;
  }
  return probe.fetchers === 0
    ? `the control connection is open, but no fetch connection yet`
    : `the control connection and ${fetchers}`;
}

function check(name: string, ok: boolean, detail: string): HealthCheck {
  return { name, ok, detail };
}

/** Where to serve the probes: no port means no server. */
export interface HealthSettings {
  readonly healthPort: number | undefined;
  readonly healthHost: string;
}

/**
 * Checks `healthPort` and `healthHost`.
 *
 * @throws {TypeError} For a port that is not a number or a host that is not a string.
 * @throws {RangeError} For a port outside 0..65535, an empty or malformed
 *   host, or a host without a port.
 */
export function healthSettings(
  options: { readonly healthPort?: unknown; readonly healthHost?: unknown },
): HealthSettings {
  const { healthPort, healthHost } = options;
  const port = healthPort === undefined
    ? undefined
    : numberOption("healthPort", healthPort, 0, {
      min: 0,
      max: 65_535,
      integer: true,
      why: "0 picks a free port",
    });
  if (healthHost === undefined) {
    return { healthPort: port, healthHost: "127.0.0.1" };
  }
  expectType(
    typeof healthHost === "string",
    "healthHost",
    'a host name or IP address such as "0.0.0.0"',
    healthHost,
  );
  const host = healthHost as string;
  if (!/^[A-Za-z0-9._:%-]{1,253}$/.test(host)) {
    throw new RangeError(
      `healthHost must be a host name or IP address (letters, digits, ".", "-", ":"; IPv6 without brackets), got ${
        shown(host)
      }`,
    );
  }
  if (port === undefined) {
    throw new RangeError(
      `healthHost needs healthPort: set healthPort to serve /healthz and /readyz, got healthHost ${
        shown(host)
      } alone`,
    );
  }
  return { healthPort: port, healthHost: host };
}
