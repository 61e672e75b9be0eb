/**
 * How the Manager picks its logger: the user's (a pino logger wrapped so its
 * fields survive), or the console logger at the level from the options or
 * FAKTORY_LOG_LEVEL.
 *
 * @module
 */

import {
  consoleLogger,
  fieldsFirst,
  type FieldsFirstLogger,
  isLogLevel,
  type LogFormat,
  type Logger,
  type LogLevel,
} from "./logger.ts";

/**
 * The logger to write through: a pino logger (recognised by its `bindings`,
 * `child` and `levels`) is wrapped with `fieldsFirst`, since pino would
 * otherwise drop every field.
 */
export function asLogger(logger: Logger): Logger {
  const l = logger as unknown as {
    bindings?: unknown;
    child?: unknown;
    levels?: unknown;
  };
  const pinoLike = typeof l.bindings === "function" &&
    typeof l.child === "function" && typeof l.levels === "object" &&
    l.levels !== null;
  return pinoLike
    ? fieldsFirst(logger as unknown as FieldsFirstLogger)
    : logger;
}

/**
 * The default console logger: `level` if given, else FAKTORY_LOG_LEVEL, else
 * info. Returns a note to log when the variable holds no level.
 */
export function defaultLogger(
  level: LogLevel | undefined,
  format: LogFormat | undefined,
  env: (name: string) => string | undefined,
): { logger: Logger; note?: string } {
  let note: string | undefined;
  if (level === undefined) {
    let value: string | undefined;
    try {
      value = env("FAKTORY_LOG_LEVEL")?.trim().toLowerCase();
    } catch (err) {
      // Not allowed to read it (Deno without --allow-env=FAKTORY_LOG_LEVEL): say so once.
      value = undefined;
      note = `${
        err instanceof Error ? err.message : String(err)
      }; logging at info (or pass the logLevel option)`;
    }
    if (value && isLogLevel(value)) level = value;
    else if (value) {
      note = `FAKTORY_LOG_LEVEL must be debug, info, warn or error, got ${
        JSON.stringify(value)
      }; logging at info`;
    }
  }
  const logger = consoleLogger({
    level: level ?? "info",
    ...(format ? { format } : {}),
  });
  return note === undefined ? { logger } : { logger, note };
}

/**
 * A logger that writes to a sink which can be swapped later (the default
 * console logger's level is only known once `run()` can read the
 * environment). Every part of the worker logs through one of these.
 */
export class SwitchableLogger implements Logger {
  sink: Logger;

  constructor(sink: Logger) {
    this.sink = sink;
  }

  // Arrow functions, so a handler may pass `ctx.logger.info` around unbound.
  readonly debug = (m: string, f?: Record<string, unknown>): void =>
    this.sink.debug(m, f);
  readonly info = (m: string, f?: Record<string, unknown>): void =>
    this.sink.info(m, f);
  readonly warn = (m: string, f?: Record<string, unknown>): void =>
    this.sink.warn(m, f);
  readonly error = (m: string, f?: Record<string, unknown>): void =>
    this.sink.error(m, f);
}
