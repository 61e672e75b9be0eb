/**
 * How the Manager picks its logger: the user's (checked and wrapped by
 * `client/_user_logger.ts`), or the console logger at the level from the
 * options or FAKTORY_LOG_LEVEL; and the one logger every part of the worker
 * writes through (`SwitchableLogger`, from `client/_user_logger.ts`).
 *
 * @module
 */

import {
  consoleLogger,
  isLogLevel,
  type LogFormat,
  type Logger,
  type LogLevel,
} from "../client/logger.ts";
import { SwitchableLogger } from "../client/_user_logger.ts";

export { SwitchableLogger };

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
