/**
 * Whether a string is a time Go's `time.Parse(time.RFC3339, s)` accepts, as
 * Faktory parses `at` and `expires_at`: the layout, upper-case `T` and `Z`,
 * and every field in range, the day for its month and year included.
 *
 * @module
 */

const LAYOUT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Whether `text` is an RFC 3339 time Go accepts. What this accepts, Go
 * accepts: `2024-02-30`, hour 24, minute 60 and a lower-case `t` or `z` are
 * refused, and so is a zone offset of 24 hours or 60 minutes (which only
 * Go's lenient fallback takes).
 *
 * @param text The time.
 * @returns True when Go's time.Parse would accept it.
 *
 * @example
 * ```ts
 * import { isRfc3339 } from "./_rfc3339.ts";
 * console.log(isRfc3339("2024-02-29T12:00:00Z"), isRfc3339("2023-02-29T12:00:00Z")); // true false
 * ```
 */
export function isRfc3339(text: string): boolean {
  const m = LAYOUT.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(
    Number,
  ) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return month >= 1 && month <= 12 && day >= 1 &&
    day <= daysIn(month, year) && hour <= 23 && minute <= 59 &&
    second <= 59 && (m[7] === undefined || Number(m[7]) <= 23) &&
    (m[8] === undefined || Number(m[8]) <= 59);
}

function daysIn(month: number, year: number): number {
  if (month === 2) {
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
