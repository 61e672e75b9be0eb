/**
 * The Manager's options: what a user may set, the defaults, and the checks
 * run once in the constructor. Everything else reads the resolved
 * {@linkcode Settings}.
 *
 * @module
 */

import type { Platform } from "../adapters/transport.ts";
import type { ConnectionOptions } from "../client/connection.ts";
import type { PushMiddleware } from "../client/push_middleware.ts";
import type { LogFormat, Logger, LogLevel } from "./logger.ts";

/**
 * Options for `Manager`: the connection options plus how the worker runs.
 * Every interval is in milliseconds.
 *
 * @example
 * ```ts
 * import { Manager, type ManagerOptions } from "@x/faktory-worker";
 * const options: ManagerOptions = {
 *   concurrency: 50,
 *   queues: ["critical", "default"],
 *   shutdownTimeout: 10_000,
 *   reconnect: { initial: 500, max: 30_000 },
 * };
 * const mgr = new Manager(options);
 * ```
 */
export interface ManagerOptions extends Omit<ConnectionOptions, "signal"> {
  /** Jobs run at once, 1..10000. @default {20} */
  readonly concurrency?: number;
  /** Queues in strict priority order (same as `processStrictPriorityQueues`). @default {["default"]} */
  readonly queues?: readonly string[];
  /** How long shutdown waits for running jobs before failing them. @default {25000} */
  readonly shutdownTimeout?: number;
  /** Heartbeat interval; Faktory expects 5..60 s. @default {15000} */
  readonly heartbeatInterval?: number;
  /** The most fetch connections (see the README for the socket formula). @default {15} */
  readonly maxFetchers?: number;
  /**
   * Reconnect backoff (first delay and cap), and how often a continuing
   * outage is logged again ("still unreachable after N s").
   *
   * @default {{ initial: 100, max: 10000, reportEvery: 60000 }}
   */
  readonly reconnect?: {
    readonly initial?: number;
    readonly max?: number;
    readonly reportEvery?: number;
  };
  /** Listen for SIGTERM/SIGINT (terminate) and SIGTSTP (quiet). @default {true} */
  readonly handleSignals?: boolean;
  /**
   * Where to log. A pino logger is recognised and called as pino expects
   * (see `fieldsFirst`).
   *
   * @default {consoleLogger({ level: logLevel, format: logFormat })}
   */
  readonly logger?: Logger;
  /**
   * The level of the default console logger.
   *
   * @default {the FAKTORY_LOG_LEVEL environment variable, else "info"}
   */
  readonly logLevel?: LogLevel;
  /** The format of the default console logger: `text` or `json` lines. @default {"text"} */
  readonly logFormat?: LogFormat;
  /** Random numbers in [0, 1), for weighted queues and jitter. @default {Math.random} */
  readonly random?: () => number;
  /**
   * Producer middleware around every push a job makes through `ctx.with`
   * or a batch it reopens (say, to pass a trace context on).
   *
   * @default {[]}
   */
  readonly pushMiddleware?: readonly PushMiddleware[];
  /**
   * Worker processes to run, 1..256, or `"auto"` for one per CPU core. Above
   * 1, `run()` supervises that many copies of this program, each a worker
   * with this `concurrency` (see the README's "Every core").
   *
   * @default {1}
   */
  readonly processes?: number | "auto";
  /**
   * With `processes`, how a child that exits unexpectedly is started again:
   * after `initial` ms, doubling up to `max`, back to `initial` once a child
   * stayed up `resetAfter` ms; after `giveUpAfter` failures in a row the
   * slot is given up, the other children are stopped and `run()` rejects.
   *
   * @default {{ initial: 1000, max: 60000, resetAfter: 60000, giveUpAfter: 5 }}
   */
  readonly restart?: {
    readonly initial?: number;
    readonly max?: number;
    readonly resetAfter?: number;
    readonly giveUpAfter?: number;
  };
}

/** Capped exponential backoff: the first delay and the cap, in ms. */
export interface BackoffPolicy {
  readonly initial: number;
  readonly max: number;
}

/** How the supervisor starts a failed child again (see `ManagerOptions.restart`). */
export interface RestartPolicy extends BackoffPolicy {
  readonly resetAfter: number;
  readonly giveUpAfter: number;
}

/** Options with their defaults applied and checked. */
export interface Settings {
  readonly processes: number | "auto";
  readonly restart: RestartPolicy;
  readonly concurrency: number;
  readonly queues: readonly string[];
  readonly shutdownTimeout: number;
  readonly heartbeatInterval: number;
  readonly maxFetchers: number;
  readonly reconnect: BackoffPolicy & { readonly reportEvery: number };
  readonly handleSignals: boolean;
  readonly random: () => number;
}

/**
 * Applies the defaults and checks the ranges.
 *
 * @throws {RangeError} For an invalid concurrency, interval or timeout.
 * @throws {TypeError} For push middleware that is not a function.
 */
export function settingsFrom(options: ManagerOptions): Settings {
  const concurrency = options.concurrency ?? 20;
  if (
    !Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000
  ) {
    throw new RangeError(
      `concurrency must be an integer from 1 to 10000, got ${concurrency}`,
    );
  }
  const heartbeatInterval = options.heartbeatInterval ?? 15_000;
  if (!(heartbeatInterval > 0 && heartbeatInterval <= 60_000)) {
    throw new RangeError(
      `heartbeatInterval must be at most 60000 ms (Faktory reaps silent workers after 60 s), got ${heartbeatInterval}`,
    );
  }
  const shutdownTimeout = options.shutdownTimeout ?? 25_000;
  if (!(shutdownTimeout >= 0)) {
    throw new RangeError(
      `shutdownTimeout must be >= 0, got ${shutdownTimeout}`,
    );
  }
  for (const mw of options.pushMiddleware ?? []) {
    if (typeof mw !== "function") {
      throw new TypeError(
        `pushMiddleware must hold functions, got ${typeof mw}`,
      );
    }
  }
  const maxFetchers = options.maxFetchers ?? 15;
  if (!Number.isInteger(maxFetchers) || maxFetchers < 1 || maxFetchers > 15) {
    throw new RangeError(
      `maxFetchers must be an integer from 1 to 15, got ${maxFetchers}`,
    );
  }
  return {
    processes: processesFrom(options.processes),
    restart: restartFrom(options.restart),
    concurrency,
    queues: options.queues ?? ["default"],
    shutdownTimeout,
    heartbeatInterval,
    maxFetchers,
    reconnect: {
      initial: options.reconnect?.initial ?? 100,
      max: options.reconnect?.max ?? 10_000,
      reportEvery: options.reconnect?.reportEvery ?? 60_000,
    },
    handleSignals: options.handleSignals ?? true,
    random: options.random ?? Math.random,
  };
}

function processesFrom(value: unknown): number | "auto" {
  const processes = value ?? 1;
  if (
    processes !== "auto" &&
    !(Number.isInteger(processes) && Number(processes) >= 1 &&
      Number(processes) <= 256)
  ) {
    throw new RangeError(
      `processes must be an integer from 1 to 256 or "auto", got ${
        JSON.stringify(processes)
      }`,
    );
  }
  return processes as number | "auto";
}

function restartFrom(r: ManagerOptions["restart"]): RestartPolicy {
  const policy = {
    initial: r?.initial ?? 1000,
    max: r?.max ?? 60_000,
    resetAfter: r?.resetAfter ?? 60_000,
    giveUpAfter: r?.giveUpAfter ?? 5,
  };
  for (const [key, value] of Object.entries(policy)) {
    if (!(value >= (key === "giveUpAfter" ? 1 : 0))) {
      throw new RangeError(
        `restart.${key} must be ${
          key === "giveUpAfter" ? ">= 1" : ">= 0"
        }, got ${value}`,
      );
    }
  }
  return policy;
}

/** Connection options for one kind of connection, cancelled by `signal`. */
export type ConnectionOptionsFor = (
  kind: "worker" | "client",
  signal: AbortSignal,
) => ConnectionOptions;

/**
 * Builds the connection options every connection of a worker shares: the
 * user's, plus the host name, pid and labels HELLO reports, and the wid for
 * worker connections. The host name is looked up once.
 */
export function connectionOptionsFor(
  options: ManagerOptions,
  platform: Platform,
  wid: string,
  warn: (note: string) => void,
): ConnectionOptionsFor {
  const o = options;
  let hostname: string | undefined;
  return (kind, signal) => ({
    ...(o.url === undefined ? {} : { url: o.url }),
    ...(o.password === undefined ? {} : { password: o.password }),
    ...(o.tls === undefined ? {} : { tls: o.tls }),
    ...(o.timeout === undefined ? {} : { timeout: o.timeout }),
    ...(o.connectTimeout === undefined
      ? {}
      : { connectTimeout: o.connectTimeout }),
    ...(o.transport === undefined ? {} : { transport: o.transport }),
    ...(o.maxReplyBytes === undefined
      ? {}
      : { maxReplyBytes: o.maxReplyBytes }),
    hostname: hostname ??= o.hostname ?? platform.hostname(warn),
    pid: o.pid ?? platform.pid,
    labels: o.labels ?? ["typescript"],
    ...(kind === "worker" ? { wid } : {}),
    signal, // cancels a connect still pending when the worker stops
  });
}
