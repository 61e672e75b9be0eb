/**
 * A short, safe rendering of any value for an error message: strings quoted
 * as JSON, numbers as JavaScript prints them (`NaN`, `Infinity`), objects as
 * JSON cut to a readable length. Never throws.
 *
 * @module
 */

const MAX = 80;

/**
 * The value as an error message shows it after "got".
 *
 * @param value Anything a caller passed.
 * @returns Such as `"xml"`, `1e+21`, `NaN`, `[]`, `{"initial":0}`, `a function`.
 *
 * @example
 * ```ts
 * import { shown } from "./_shown.ts";
 * console.log(`got ${shown("fast")}`); // got "fast"
 * ```
 */
export function shown(value: unknown): string {
  switch (typeof value) {
    case "string":
      return cut(JSON.stringify(value));
    case "function":
      return "a function";
    case "bigint":
      return `${value}n`;
    case "object":
      break;
    default:
      return String(value);
  }
  if (value === null) return "null";
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  }
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return cut(json);
  } catch {
    // circular, a BigInt inside, or a throwing getter
  }
  return Array.isArray(value) ? "an array" : "an object";
}

function cut(text: string): string {
  return text.length > MAX ? `${text.slice(0, MAX - 3)}...` : text;
}
