/**
 * The logger interface the library writes through, a console logger that
 * prints one line per event (text or JSON), and an adapter for loggers that
 * take the fields first (pino, bunyan).
 *
 * @module
 */

import { fieldsOf, loggable } from "./_log_value.ts";

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
 * How the console logger prints a line: `text` is the message followed by
 * `key=value` fields; `json` is one JSON object per line.
 *
 * @example
 * ```ts
 * import type { LogFormat } from "@x/faktory-worker";
 * const format: LogFormat = "json";
 * console.log(format);
 * ```
 */
export type LogFormat = "text" | "json";

/**
 * Where the library logs: the console by default, or your own logger
 * (winston and the console take this shape as they are; wrap pino or
 * bunyan with {@linkcode fieldsFirst}). Fields are a flat object of details.
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
  /** Something went wrong and the library copes (a lost connection, a failed job). */
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
 * Whether a string names a log level.
 *
 * @param value Any string, such as the value of FAKTORY_LOG_LEVEL.
 * @returns True for `debug`, `info`, `warn` and `error`.
 *
 * @example
 * ```ts
 * import { isLogLevel } from "@x/faktory-worker";
 * console.log(isLogLevel("warn"), isLogLevel("verbose")); // true false
 * ```
 */
export function isLogLevel(value: string): value is LogLevel {
  return Object.hasOwn(ORDER, value);
}

/**
 * Options for {@linkcode consoleLogger}.
 *
 * @example
 * ```ts
 * import type { ConsoleLoggerOptions } from "@x/faktory-worker";
 * const options: ConsoleLoggerOptions = { level: "debug", format: "json" };
 * console.log(options.format);
 * ```
 */
export interface ConsoleLoggerOptions {
  /** The least severe level printed. @default {"info"} */
  readonly level?: LogLevel;
  /** `text` (message, then key=value fields) or `json` (one object per line). @default {"text"} */
  readonly format?: LogFormat;
}

/**
 * A logger that writes one line per event to the console (debug and info to
 * standard output, warn and error to standard error), dropping events below
 * the level. In `text` format a line is `[faktory] LEVEL message key=value
 * ...`, values quoted as JSON when they contain spaces, quotes or `=`; in
 * `json` format it is `{"time","level","msg",...fields}`. A value JSON
 * cannot hold becomes a marker and the other fields stay: a circular
 * reference `"[Circular]"`, a BigInt its digits, a function
 * `"[Function name]"`, an Error `{name, message, stack}` (`Name: message`
 * in text).
 *
 * @param options The level, or the level and format.
 * @returns The logger.
 * @throws {RangeError} For an unknown level or format.
 *
 * @example
 * ```ts
 * import { consoleLogger } from "@x/faktory-worker";
 * const logger = consoleLogger("warn");
 * logger.info("not printed");
 * logger.warn("Job failed", { jid: "abc", errtype: "Error" }); // [faktory] WARN Job failed jid=abc errtype=Error
 * consoleLogger({ format: "json" }).info("Worker started", { concurrency: 20 });
 * ```
 */
export function consoleLogger(
  options: LogLevel | ConsoleLoggerOptions = {},
): Logger {
  const { level = "info", format = "text" } = typeof options === "string"
    ? { level: options }
    : options;
  if (!isLogLevel(level)) {
    throw new RangeError(
      `Log level must be debug, info, warn or error, got ${
        JSON.stringify(level)
      }`,
    );
  }
  if (format !== "text" && format !== "json") {
    throw new RangeError(
      `Log format must be "text" or "json", got ${JSON.stringify(format)}`,
    );
  }
  const at = ORDER[level];
  const write = (
    lvl: LogLevel,
    message: string,
    fields?: Record<string, unknown>,
  ) => {
    if (ORDER[lvl] < at) return;
    const line = format === "json"
      ? jsonLine(lvl, message, fields)
      : textLine(lvl, message, fields);
    const out = lvl === "error"
      ? console.error
      : lvl === "warn"
      ? console.warn
      : console.log;
    out(line);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
  };
}

function textLine(
  level: LogLevel,
  message: string,
  fields: Record<string, unknown> | undefined,
): string {
  let line = `[faktory] ${level.toUpperCase()} ${oneLine(String(message))}`;
  for (const [key, value] of fieldsOf(fields)) {
    line += ` ${key}=${textValue(value)}`;
  }
  return line;
}

function jsonLine(
  level: LogLevel,
  message: string,
  fields: Record<string, unknown> | undefined,
): string {
  // No prototype, so a field named __proto__ or toString is a field like any other.
  const record: Record<string, unknown> = Object.create(null);
  record.time = new Date().toISOString();
  record.level = level;
  record.msg = String(message);
  for (const [key, value] of fieldsOf(fields)) {
    if (!Object.hasOwn(record, key)) {
      record[key] = loggable(value, { stacks: true });
    }
  }
  return JSON.stringify(record);
}

function textValue(value: unknown): string {
  let v = loggable(value, { stacks: false });
  if (value instanceof Error) {
    const { name, message } = v as { name: unknown; message: unknown };
    v = `${name}: ${message}`;
  }
  if (typeof v === "string") {
    return /^[^\s"=\\]+$/.test(v) ? v : JSON.stringify(v);
  }
  return v === undefined ? "undefined" : JSON.stringify(v);
}

function oneLine(text: string): string {
  return /[\r\n]/.test(text) ? text.replace(/\r?\n|\r/g, "\\n") : text;
}

/**
 * A logger that takes the fields first and the message second, as pino and
 * bunyan do.
 *
 * @example
 * ```ts
 * import type { FieldsFirstLogger } from "@x/faktory-worker";
 * const log = (fields: object, msg: string) => console.log(msg, JSON.stringify(fields));
 * const logger: FieldsFirstLogger = { debug: log, info: log, warn: log, error: log };
 * logger.info({ wid: "abc" }, "started");
 * ```
 */
export interface FieldsFirstLogger {
  /** Detail for troubleshooting. */
  debug(fields: Record<string, unknown>, message: string): void;
  /** Lifecycle events. */
  info(fields: Record<string, unknown>, message: string): void;
  /** Something went wrong and the library copes. */
  warn(fields: Record<string, unknown>, message: string): void;
  /** Something went wrong and work may be affected. */
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * Adapts a logger that takes `(fields, message)`, such as pino or bunyan, to
 * the library's `(message, fields)` {@linkcode Logger}. The Manager also
 * recognises a pino logger passed as it is and wraps it this way.
 *
 * @param logger The fields-first logger.
 * @returns A {@linkcode Logger} that forwards every field.
 *
 * @example
 * ```ts
 * import { fieldsFirst, Manager } from "@x/faktory-worker";
 * const lines: string[] = [];
 * const pinoLike = {
 *   debug: (o: object, msg: string) => void lines.push(msg + JSON.stringify(o)),
 *   info: (o: object, msg: string) => void lines.push(msg + JSON.stringify(o)),
 *   warn: (o: object, msg: string) => void lines.push(msg + JSON.stringify(o)),
 *   error: (o: object, msg: string) => void lines.push(msg + JSON.stringify(o)),
 * };
 * const mgr = new Manager({ logger: fieldsFirst(pinoLike) });
 * ```
 */
export function fieldsFirst(logger: FieldsFirstLogger): Logger {
  return {
    debug: (m, f) => logger.debug(f ?? {}, m),
    info: (m, f) => logger.info(f ?? {}, m),
    warn: (m, f) => logger.warn(f ?? {}, m),
    error: (m, f) => logger.error(f ?? {}, m),
  };
}
