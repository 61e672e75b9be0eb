/**
 * The Faktory Pro and Enterprise job options (unique, expiring, tracked
 * jobs), checked and turned into the `custom` keys the server reads.
 *
 * @module
 */

import { InvalidJobError } from "./errors.ts";
import type { JobOptions, JsonValue } from "./job.ts";
import { isRfc3339 } from "./_rfc3339.ts";

/** The typed options this module turns into `custom` keys (and `custom`). */
export type EnterpriseJobOptions = Pick<
  JobOptions,
  "custom" | "uniqueFor" | "uniqueUntil" | "expiresAt" | "expiresIn" | "track"
>;

/**
 * The `custom` keys for the Pro and Enterprise options that are set, or
 * undefined when none is. A key whose value is undefined is to be removed
 * from `custom` (`track: false`).
 *
 * @param options The job options.
 * @param now The current time in ms, needed only for `expiresIn`.
 * @returns `unique_for`, `unique_until`, `expires_at` and `track` as set.
 * @throws {InvalidJobError} When an option is out of range or they conflict.
 */
export function enterpriseCustom(
  options: EnterpriseJobOptions,
  now: number | undefined,
): Record<string, JsonValue | undefined> | undefined {
  const { uniqueFor, uniqueUntil, expiresAt, expiresIn, track } = options;
  let custom: Record<string, JsonValue | undefined> | undefined;
  const set = (key: string, value: JsonValue | undefined) => {
    (custom ??= {})[key] = value;
  };
  if (uniqueFor !== undefined) {
    set("unique_for", seconds(uniqueFor, "uniqueFor"));
  }
  if (uniqueUntil !== undefined) {
    if (uniqueUntil !== "success" && uniqueUntil !== "start") {
      throw new InvalidJobError(
        "uniqueUntil",
        `uniqueUntil must be "success" or "start", got ${
          JSON.stringify(String(uniqueUntil))
        }`,
      );
    }
    if (uniqueFor === undefined && options.custom?.unique_for === undefined) {
      throw new InvalidJobError(
        "uniqueUntil",
        "uniqueUntil has no effect without uniqueFor",
      );
    }
    set("unique_until", uniqueUntil);
  }
  if (expiresAt !== undefined && expiresIn !== undefined) {
    throw new InvalidJobError(
      "expiresIn",
      "set expiresAt or expiresIn, not both",
    );
  }
  if (expiresAt !== undefined) set("expires_at", expiryTime(expiresAt));
  if (expiresIn !== undefined) {
    seconds(expiresIn, "expiresIn");
    if (now === undefined) {
      throw new InvalidJobError(
        "expiresIn",
        "expiresIn needs the current time to compute expires_at",
      );
    }
    const at = new Date(now + expiresIn * 1000);
    if (!(at.getUTCFullYear() <= 9999)) {
      throw new InvalidJobError(
        "expiresIn",
        `expiresIn must be a number of seconds > 0 that ends before year 10000, got ${expiresIn}`,
      );
    }
    set("expires_at", at.toISOString());
  }
  if (track !== undefined) {
    if (typeof track !== "boolean") {
      throw new InvalidJobError(
        "track",
        `track must be true or false, got ${String(track)}`,
      );
    }
    set("track", track ? 1 : undefined);
  }
  return custom;
}

/** `value` if it is a finite number of seconds > 0. */
function seconds(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidJobError(
      field,
      `${field} must be a number of seconds > 0, got ${String(value)}`,
    );
  }
  return value;
}

function expiryTime(value: Date | string): string {
  if (value instanceof Date) {
    // Go reads years 0000..9999 only (toISOString writes others as +/-YYYYYY).
    const year = value.getUTCFullYear();
    if (year >= 0 && year <= 9999) return value.toISOString();
  } else if (typeof value === "string" && isRfc3339(value)) {
    return value;
  }
  throw new InvalidJobError(
    "expiresAt",
    `expiresAt must be a valid Date (years 0 to 9999) or an RFC 3339 time with every field in range, got ${
      JSON.stringify(String(value))
    }`,
  );
}
