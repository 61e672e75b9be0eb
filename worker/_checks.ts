/**
 * Checks for option values: each failure names the option, the value and
 * what is allowed, as a TypeError for the wrong kind of value and a
 * RangeError for one out of range.
 *
 * @module
 */

import { shown } from "../core/_shown.ts";

/** What a number option allows. */
export interface NumberRange {
  readonly min: number;
  /** The largest value; `Infinity` allows any number from `min` on. */
  readonly max: number;
  readonly integer?: boolean;
  /** Appended to the bounds, such as " ms". @default {""} */
  readonly unit?: string;
  /** Why the range is what it is, appended in parentheses. */
  readonly why?: string;
}

/**
 * `value`, or `fallback` when it is undefined, checked against `range`.
 *
 * @throws {TypeError} When it is not a number.
 * @throws {RangeError} When it is out of range (NaN included).
 */
export function numberOption(
  name: string,
  value: unknown,
  fallback: number,
  range: NumberRange,
): number {
  if (value === undefined) return fallback;
  const { min, max, integer = false, unit = "", why } = range;
  const kind = integer ? "an integer" : "a number";
  const bounds = max === Infinity
    ? `${kind} of at least ${min}${unit}`
    : `${kind} from ${min} to ${max}${unit}`;
  const rule = `${name} must be ${bounds}${why ? ` (${why})` : ""}`;
  if (typeof value !== "number") {
    throw new TypeError(`${rule}, got ${shown(value)}`);
  }
  if (
    !(value >= min && value <= max) || (integer && !Number.isInteger(value))
  ) {
    throw new RangeError(`${rule}, got ${shown(value)}`);
  }
  return value;
}

/**
 * `value` if it is undefined or one of `allowed`.
 *
 * @throws {RangeError} When it is not.
 */
export function oneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined || allowed.includes(value as T)) {
    return value as T | undefined;
  }
  throw new RangeError(
    `${name} must be ${
      allowed.map((a) => JSON.stringify(a)).join(", ").replace(
        /, ([^,]*)$/,
        " or $1",
      )
    }, got ${shown(value)}`,
  );
}

/**
 * Throws a TypeError naming the option unless `ok`.
 *
 * @throws {TypeError} When `ok` is false.
 */
export function expectType(
  ok: boolean,
  name: string,
  expected: string,
  value: unknown,
): void {
  if (!ok) {
    throw new TypeError(`${name} must be ${expected}, got ${shown(value)}`);
  }
}
