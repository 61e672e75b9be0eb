/**
 * The logger interface the library writes through, and a console logger
 * with a level filter.
 *
 * @module
 */

/**
 * Log levels, most verbose first.
 *
 * @example
 * ```ts
 * import type { LogLevel } from "@x/faktory-worker";
 * const level: LogLevel = "warn";
 * console.log(level);
 * ```
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * Where the library logs. Pass your own (pino, winston, ...) as
 * `new Manager({ logger })`; fields are a flat object of details.
 *
 * @example
 * ```ts
 * import type { Logger } from "@x/faktory-worker";
 * const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
 * silent.info("started", { wid: "abc" });
 * ```
 */
export interface Logger {
  /** Detail for troubleshooting. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Lifecycle events. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something went wrong and the library copes (a lost connection, a failed listener). */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Something went wrong and work may be affected. */
  error(message: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = {
  debug: 0,
  info: 1,
  warn: 2,
  error: 3,
};

/**
 * A logger that writes to the console, dropping messages below `level`.
 *
 * @param level The least severe level to print.
 * @returns The logger.
 *
 * @example
 * ```ts
 * import { consoleLogger } from "@x/faktory-worker";
 * const logger = consoleLogger("warn");
 * logger.info("not printed");
 * logger.warn("printed", { attempt: 2 });
 * ```
 */
export function consoleLogger(level: LogLevel = "info"): Logger {
  const at = ORDER[level];
  const write = (
    lvl: LogLevel,
    message: string,
    fields?: Record<string, unknown>,
  ) => {
    if (ORDER[lvl] < at) return;
    const line = `[faktory] ${lvl.toUpperCase()} ${message}`;
    const out = lvl === "error"
      ? console.error
      : lvl === "warn"
      ? console.warn
      : console.log;
    if (fields && Object.keys(fields).length > 0) out(line, fields);
    else out(line);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
  };
}
