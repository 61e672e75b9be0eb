/**
 * A field value as a log line can carry it: a JSON-safe copy in which what
 * JSON cannot hold becomes a marker, so one awkward field never costs the
 * others. A circular reference is `"[Circular]"`, a BigInt its decimal
 * string, a function `"[Function name]"`, an Error `{ name, message,
 * stack?, cause? }`, a Date its ISO time, a number JSON has no word for
 * (`NaN`, `Infinity`) its name, and a value whose reading throws
 * `"[Unserializable: ...]"`.
 *
 * @module
 */

/** Options of {@linkcode loggable}. */
export interface LoggableOptions {
  /** Keep an Error's stack (JSON lines do; text lines drop it). */
  readonly stacks: boolean;
}

/**
 * A JSON-safe copy of `value` (see the module doc). Never throws.
 *
 * @example
 * ```ts
 * import { loggable } from "./_log_value.ts";
 * const loop: Record<string, unknown> = { n: 1n };
 * loop.self = loop;
 * console.log(JSON.stringify(loggable(loop, { stacks: false }))); // {"n":"1","self":"[Circular]"}
 * ```
 */
export function loggable(value: unknown, options: LoggableOptions): unknown {
  return copy(value, [], options);
}

/**
 * The entries of a log call's fields, each value read once: a getter that
 * throws gives a marker, an Error passed as the fields becomes one field
 * named `error`, and fields that are not an object one named `fields`.
 * Never throws.
 *
 * @example
 * ```ts
 * import { fieldsOf } from "./_log_value.ts";
 * console.log(fieldsOf({ jid: "abc" })); // [["jid", "abc"]]
 * ```
 */
export function fieldsOf(fields: unknown): [string, unknown][] {
  if (fields === undefined || fields === null) return [];
  if (typeof fields !== "object") return [["fields", fields]];
  if (fields instanceof Error) return [["error", fields]]; // logger.warn(msg, err)
  try {
    return Object.keys(fields).map((key) => [
      key,
      attempt(() => (fields as Record<string, unknown>)[key]),
    ]);
  } catch (err) {
    return [["fields", unserializable(err)]];
  }
}

function copy(
  value: unknown,
  ancestors: object[],
  options: LoggableOptions,
): unknown {
  try {
    switch (typeof value) {
      case "string":
      case "boolean":
      case "undefined":
        return value;
      case "number":
        return Number.isFinite(value) ? value : String(value);
      case "bigint":
        return String(value);
      case "symbol":
        return value.toString();
      case "function":
        return `[Function ${value.name || "(anonymous)"}]`;
    }
    if (value === null) return null;
    const object = value as object;
    if (ancestors.includes(object)) return "[Circular]";
    if (object instanceof Date) {
      return Number.isNaN(object.getTime())
        ? "Invalid Date"
        : object.toISOString();
    }
    ancestors.push(object);
    try {
      if (object instanceof Error) return errorCopy(object, ancestors, options);
      const toJSON = (object as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") {
        return copy(toJSON.call(object), ancestors, options);
      }
      if (Array.isArray(object)) {
        return object.map((item) => copy(item, ancestors, options) ?? null);
      }
      const out: Record<string, unknown> = Object.create(null);
      for (const key of Object.keys(object)) {
        out[key] = copy(
          attempt(() => (object as Record<string, unknown>)[key]),
          ancestors,
          options,
        );
      }
      return out;
    } finally {
      ancestors.pop();
    }
  } catch (err) {
    return unserializable(err);
  }
}

function errorCopy(
  error: Error,
  ancestors: object[],
  options: LoggableOptions,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: copy(attempt(() => error.name), ancestors, options),
    message: copy(attempt(() => error.message), ancestors, options),
  };
  const stack = attempt(() => error.stack);
  if (options.stacks && typeof stack === "string") out.stack = stack;
  const cause = attempt(() => error.cause);
  if (cause !== undefined) out.cause = copy(cause, ancestors, options);
  return out;
}

/** Reads a property; a getter that throws gives its marker instead. */
function attempt(read: () => unknown): unknown {
  try {
    return read();
  } catch (err) {
    return unserializable(err);
  }
}

function unserializable(err: unknown): string {
  let why: string;
  try {
    why = err instanceof Error ? err.message : String(err);
  } catch {
    why = "unknown";
  }
  return `[Unserializable: ${why}]`;
}
