/**
 * A logger the user passes: checked for its shape, and a pino logger wrapped
 * so its fields survive. The client (its edition warnings) and the Manager
 * both take one; and the logger that contains a sink which throws.
 *
 * @module
 */

import { describeThrown } from "../core/failure.ts";
import { shown } from "../core/_shown.ts";
import {
  fieldsFirst,
  type FieldsFirstLogger,
  type Logger,
  type LogLevel,
} from "./logger.ts";

const LEVELS = ["debug", "info", "warn", "error"] as const;

/**
 * Checks that `value` has a logger's shape: an object (or function) with
 * `debug`, `info`, `warn` and `error` methods, in either argument order.
 *
 * @throws {TypeError} Naming the option, or the method that is missing.
 */
export function checkLogger(value: unknown): void {
  if (
    (typeof value !== "object" && typeof value !== "function") || value === null
  ) {
    throw new TypeError(
      `logger must be an object with debug, info, warn and error methods, got ${
        shown(value)
      }`,
    );
  }
  for (const level of LEVELS) {
    const method = (value as Record<string, unknown>)[level];
    if (typeof method !== "function") {
      throw new TypeError(
        `logger.${level} must be a function (a logger has debug, info, warn and error methods), got ${
          shown(method)
        }`,
      );
    }
  }
}

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
