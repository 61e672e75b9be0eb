/**
 * The Faktory Pro and Enterprise job options (unique, expiring, tracked
 * jobs), checked and turned into the `custom` keys the server reads; which
 * of those keys a job carries; and which edition a server is, from what its
 * INFO says.
 *
 * @module
 */

import { InvalidJobError } from "./errors.ts";
import type { JobOptions, JobPayload, JsonValue } from "./job.ts";
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

/**
 * Which Faktory a server is: the open-source edition, Pro, or Enterprise.
 * Read from the `description` of INFO's `server` section ("Faktory",
 * "Faktory Pro", "Faktory Enterprise").
 *
 * @example
 * ```ts
 * import type { FaktoryEdition } from "@x/faktory-worker";
 * function hasBatches(edition: FaktoryEdition): boolean {
 *   return edition === "enterprise";
 * }
 * console.log(hasBatches("oss")); // false
 * ```
 */
export type FaktoryEdition = "oss" | "pro" | "enterprise";

/**
 * The edition a server's INFO `server.description` names: "Faktory
 * Enterprise" is Enterprise, any other "Faktory <name>" Pro, anything else
 * (plain "Faktory", or none) the open-source edition.
 */
export function editionOf(description: unknown): FaktoryEdition {
  if (typeof description !== "string") return "oss";
  if (description === "Faktory Enterprise") return "enterprise";
  return description.startsWith("Faktory ") ? "pro" : "oss";
}

/** The `custom` keys only Pro or Enterprise honour, and the option that sets each. */
const ENTERPRISE_KEYS: readonly (readonly [key: string, option: string])[] = [
  ["unique_for", "uniqueFor"],
  ["unique_until", "uniqueUntil"],
  ["expires_at", "expiresAt/expiresIn"],
  ["expires_in", "custom.expires_in"],
  ["track", "track"],
];

/**
 * The Pro and Enterprise options a job carries, each named as the option
 * that sets it and its `custom` key, e.g. `uniqueFor (custom.unique_for)`.
 */
export function enterpriseOptionsIn(job: JobPayload): string[] {
  const custom = job.custom;
  if (!custom) return [];
  return ENTERPRISE_KEYS.filter(([key]) =>
    custom[key] !== undefined && custom[key] !== null
  ).map(([key, option]) =>
    option.startsWith("custom.") ? option : `${option} (custom.${key})`
  );
}
