/**
 * The Manager's options: what a user may set, the defaults, and the checks
 * run once in the constructor. Everything else reads the resolved
 * {@linkcode Settings}.
 *
 * @module
 */

import type { Platform } from "../adapters/transport.ts";
import { shown } from "../core/_shown.ts";
import { checkQueueName } from "../core/job_validation.ts";
import { checkEnvUrl, checkOptions, MAX_TIMER_MS } from "../client/_open.ts";
import type { ConnectionOptions } from "../client/connection.ts";
import type { PushMiddleware } from "../client/push_middleware.ts";
import { expectType, numberOption, oneOf } from "./_checks.ts";
import { checkLogger } from "../client/_user_logger.ts";
import type { LogFormat, Logger, LogLevel } from "../client/logger.ts";
import { type HealthSettings, healthSettings } from "./_health.ts";
import { checkMeter } from "./_metrics.ts";
import type { MetricsMeter } from "./metrics.ts";

/** The shortest heartbeat interval, in ms (Faktory wants 5 s or more; tests beat faster). */
const MIN_HEARTBEAT_MS = 50;

/** The smallest reconnect cap, in ms. */
const MIN_RECONNECT_MAX_MS = 10;

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
  /** How long shutdown waits for running jobs before failing them, 0..2147483647 (the longest timer). @default {25000} */
  readonly shutdownTimeout?: number;
  /** Heartbeat interval, 50..60000; Faktory expects 5..60 s (shorter is for tests). @default {15000} */
  readonly heartbeatInterval?: number;
  /** The most fetch connections, 1..15 (see the README for the socket formula). @default {15} */
  readonly maxFetchers?: number;
  /**
   * Reconnect backoff (first delay and cap), and how often a continuing
   * outage is logged again ("still unreachable after N s"). `initial` is
   * 1..2147483647, `max` 10..2147483647, `reportEvery` at least 1.
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
   * Where to log: an object with `debug`, `info`, `warn` and `error`
   * methods. A pino logger is recognised and called as pino expects (see
   * `fieldsFirst`). A logger that throws is contained: the failure is
   * reported once on standard error and never affects a job.
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
  /**
   * An OpenTelemetry meter to record the worker's metrics into, such as
   * `metrics.getMeter("my-worker")` from `@opentelemetry/api` (see the
   * README for the metrics). `mgr.stats()` has the same numbers without one.
   *
   * @default {undefined: numbers are kept for `mgr.stats()` only}
   */
  readonly meter?: MetricsMeter;
  /**
   * Serve `/healthz` (liveness) and `/readyz` (readiness) on this port while
   * `run()` runs, 0..65535 (0 picks a free one: see `mgr.healthUrl`). No
   * authentication.
   *
   * @default {undefined: no probe server}
   */
  readonly healthPort?: number;
  /** The address the probe server binds, with `healthPort`. @default {"127.0.0.1"} */
  readonly healthHost?: string;
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
export interface Settings extends HealthSettings {
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

/** Levels the console logger knows, for the `logLevel` check. */
const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/**
 * Applies the defaults and checks every option, the connection options
 * included, so a bad value fails here and not once the worker runs. Each
 * message names the option, the value and what is allowed.
 *
 * @throws {TypeError} For an option of the wrong kind (`queues: "default"`,
 *   `logger: 42`, a logger without `warn`).
 * @throws {RangeError} For a value out of range (a timeout no timer can wait,
 *   a heartbeat of 1 ms, an unknown log format).
 * @throws {LocalProtocolError} For invalid connection options (the URL,
 *   `labels`, `wid`, `timeout`...), as `Client.connect` would.
 */
export function settingsFrom(options: ManagerOptions): Settings {
  checkOptions(options);
  if (options.url === undefined) checkEnvUrl();
  const concurrency = numberOption("concurrency", options.concurrency, 20, {
    min: 1,
    max: 10_000,
    integer: true,
  });
  const heartbeatInterval = numberOption(
    "heartbeatInterval",
    options.heartbeatInterval,
    15_000,
    {
      min: MIN_HEARTBEAT_MS,
      max: 60_000,
      unit: " ms",
      why:
        "Faktory expects a BEAT every 5 to 60 s and forgets a worker silent for 60 s",
    },
  );
  const shutdownTimeout = numberOption(
    "shutdownTimeout",
    options.shutdownTimeout,
    25_000,
    { min: 0, max: MAX_TIMER_MS, unit: " ms", why: "the longest timer" },
  );
  const maxFetchers = numberOption("maxFetchers", options.maxFetchers, 15, {
    min: 1,
    max: 15,
    integer: true,
  });
  const queues = or(options.queues, ["default"]);
  expectType(
    Array.isArray(queues),
    "queues",
    "an array of queue names",
    queues,
  );
  if (queues.length === 0) {
    throw new RangeError("queues must name at least one queue, got []");
  }
  for (const queue of queues) {
    expectType(typeof queue === "string", "queues", "queue names", queue);
    try {
      checkQueueName(queue);
    } catch (err) {
      throw new RangeError(
        `queues must hold valid queue names (letters, digits, ".", "_" and "-"), got ${
          shown(queue)
        }`,
        { cause: err },
      );
    }
  }
  const reconnect = or(options.reconnect, {});
  expectType(
    typeof reconnect === "object" && reconnect !== null &&
      !Array.isArray(reconnect),
    "reconnect",
    "an object such as { initial: 100, max: 10000 }",
    reconnect,
  );
  const ms = { unit: " ms", max: MAX_TIMER_MS } as const;
  const pushMiddleware = or(options.pushMiddleware, []);
  expectType(
    Array.isArray(pushMiddleware) &&
      pushMiddleware.every((mw) => typeof mw === "function"),
    "pushMiddleware",
    "an array of functions",
    pushMiddleware,
  );
  const handleSignals = or(options.handleSignals, true);
  expectType(
    typeof handleSignals === "boolean",
    "handleSignals",
    "true or false",
    handleSignals,
  );
  const random = or(options.random, Math.random);
  expectType(
    typeof random === "function",
    "random",
    "a function returning numbers in [0, 1)",
    random,
  );
  if (options.logger !== undefined) checkLogger(options.logger);
  oneOf("logLevel", options.logLevel, LEVELS);
  oneOf("logFormat", options.logFormat, ["text", "json"]);
  checkMeter(options.meter);
  const processes = processesFrom(options.processes);
  return {
    processes,
    restart: restartFrom(options.restart),
    ...healthSettings(options),
    concurrency,
    queues,
    shutdownTimeout,
    heartbeatInterval,
    maxFetchers,
    reconnect: {
      initial: numberOption("reconnect.initial", reconnect.initial, 100, {
        ...ms,
        min: 1,
      }),
      max: numberOption("reconnect.max", reconnect.max, 10_000, {
        ...ms,
        min: MIN_RECONNECT_MAX_MS,
        why: "a shorter cap retries a server that is down in a busy loop",
      }),
      reportEvery: numberOption(
        "reconnect.reportEvery",
        reconnect.reportEvery,
        60_000,
        { min: 1, max: Infinity, unit: " ms" },
      ),
    },
    handleSignals,
    random,
  };
}

/** `value`, or `fallback` when it is undefined (not null: null is checked and refused). */
function or<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
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

function restartFrom(value: ManagerOptions["restart"]): RestartPolicy {
  const r: Record<string, unknown> = or(value, {});
  expectType(
    typeof r === "object" && r !== null && !Array.isArray(r),
    "restart",
    "an object such as { initial: 1000, max: 60000 }",
    r,
  );
  const known = ["initial", "max", "resetAfter", "giveUpAfter"];
  for (const key of Object.keys(r)) {
    if (!known.includes(key)) {
      throw new TypeError(
        `restart has no option ${JSON.stringify(key)} (it takes ${
          known.join(", ")
        })`,
      );
    }
  }
  const ms = { unit: " ms", min: 0, max: MAX_TIMER_MS } as const;
  return {
    initial: numberOption("restart.initial", r.initial, 1000, ms),
    max: numberOption("restart.max", r.max, 60_000, ms),
    resetAfter: numberOption("restart.resetAfter", r.resetAfter, 60_000, ms),
    giveUpAfter: numberOption("restart.giveUpAfter", r.giveUpAfter, 5, {
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
      integer: true,
    }),
  };
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
