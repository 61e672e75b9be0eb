/**
 * A logger the user passes: checked for its shape, and a pino logger wrapped
 * so its fields survive. The client (its edition warnings) and the Manager
 * both take one.
 *
 * @module
 */

import { shown } from "../core/_shown.ts";
import { fieldsFirst, type FieldsFirstLogger, type Logger } from "./logger.ts";

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
