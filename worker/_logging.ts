/**
 * How the Manager picks its logger: the user's (checked and wrapped by
 * `client/_user_logger.ts`), or the console logger at the level from the
 * options or FAKTORY_LOG_LEVEL; and the one logger every part of the worker
 * writes through, which contains a logger that throws.
 *
 * @module
 */

import { describeThrown } from "../core/failure.ts";
import {
  consoleLogger,
  isLogLevel,
  type LogFormat,
  type Logger,
  type LogLevel,
} from "../client/logger.ts";

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
 * Points `logger` at the console logger at FAKTORY_LOG_LEVEL, unless the
 * options chose a logger or a level themselves; says once if the variable
 * could not be used.
 */
export function applyEnvLogLevel(
  options: {
    readonly logger?: unknown;
    readonly logLevel?: LogLevel;
    readonly logFormat?: LogFormat;
  },
  logger: SwitchableLogger,
  env: (name: string) => string | undefined,
): void {
  if (options.logger || options.logLevel) return;
  const chosen = defaultLogger(undefined, options.logFormat, env);
  logger.sink = chosen.logger;
  if (chosen.note) logger.warn(chosen.note);
}

/**
 * A logger that writes to a sink which can be swapped later (the default
 * console logger's level is only known once `run()` can read the
 * environment). Every part of the worker logs through one of these, jobs
 * too (`ctx.logger`). A sink that throws, or returns a promise that
 * rejects, is contained: logging never changes what happens to a job or to
 * the Manager. The first failure is reported once on standard error.
 */
export class SwitchableLogger implements Logger {
  sink: Logger;
  #reported = false;

  constructor(sink: Logger) {
    this.sink = sink;
  }

  // Arrow functions, so a handler may pass `ctx.logger.info` around unbound.
  readonly debug = (m: string, f?: Record<string, unknown>): void =>
    this.#write("debug", m, f);
  readonly info = (m: string, f?: Record<string, unknown>): void =>
    this.#write("info", m, f);
  readonly warn = (m: string, f?: Record<string, unknown>): void =>
    this.#write("warn", m, f);
  readonly error = (m: string, f?: Record<string, unknown>): void =>
    this.#write("error", m, f);

  #write(
    level: LogLevel,
    message: string,
    fields: Record<string, unknown> | undefined,
  ): void {
    try {
      const result: unknown = this.sink[level](message, fields);
      if (
        typeof (result as PromiseLike<unknown> | undefined)?.then === "function"
      ) {
        (result as PromiseLike<unknown>).then(
          undefined,
          (err: unknown) => this.#failed(level, err),
        );
      }
    } catch (err) {
      this.#failed(level, err);
    }
  }

  #failed(level: LogLevel, err: unknown): void {
    if (this.#reported) return;
    this.#reported = true;
    try {
      console.error(
        `[faktory] The logger failed in ${level}() (${
          describeThrown(err)
        }); its failures are ignored from now on`,
      );
    } catch {
      // Not even standard error: nothing more to do.
    }
  }
}
