/**
 * Turning anything a job threw into the FAIL payload the server records.
 *
 * @module
 */

import type { FailPayload } from "./commands.ts";

/**
 * The server keeps at most this many characters of `errtype`.
 *
 * @example
 * ```ts
 * import { MAX_ERRTYPE } from "@x/faktory-worker/protocol";
 * console.log(MAX_ERRTYPE); // 100
 * ```
 */
export const MAX_ERRTYPE = 100;
/**
 * The server keeps at most this many characters of `message`.
 *
 * @example
 * ```ts
 * import { MAX_MESSAGE } from "@x/faktory-worker/protocol";
 * console.log(MAX_MESSAGE); // 1000
 * ```
 */
export const MAX_MESSAGE = 1000;
/**
 * The server keeps at most this many backtrace lines.
 *
 * @example
 * ```ts
 * import { MAX_BACKTRACE } from "@x/faktory-worker/protocol";
 * console.log(MAX_BACKTRACE); // 50
 * ```
 */
export const MAX_BACKTRACE = 50;

/**
 * Describes a thrown value as a FAIL payload: `errtype` is the error's name
 * (or the thrown value's type), `message` its message, and `backtrace` its
 * stack lines without the first line, capped as the server caps them. It
 * never throws: a value that cannot be read (a throwing getter, a Proxy, an
 * object without a prototype) gets `errtype` "Unknown" or its best
 * description.
 *
 * @param jid The failed job.
 * @param thrown Whatever the job threw or rejected with.
 * @returns The payload for FAIL.
 *
 * @example
 * ```ts
 * import { failureFor } from "@x/faktory-worker/protocol";
 * console.log(failureFor("0123456789ab", new RangeError("too big")).errtype); // "RangeError"
 * console.log(failureFor("0123456789ab", "plain string").message); // "plain string"
 * ```
 */
export function failureFor(jid: string, thrown: unknown): FailPayload {
  let errtype = "Unknown";
  let message = "";
  let stack: unknown;
  if (typeof thrown === "object" && thrown !== null) {
    const name = attempt(() => (thrown as { name?: unknown }).name);
    errtype = typeof name === "string" && name !== ""
      ? name
      : attempt(() => thrown.constructor?.name) ??
        (attempt(() => Object.getPrototypeOf(thrown)) === null
          ? "Object"
          : "Unknown");
    const text = attempt(() => (thrown as { message?: unknown }).message);
    message = typeof text === "string"
      ? text
      : attempt(() => JSON.stringify(thrown)) ?? describe(thrown);
    stack = attempt(() => (thrown as { stack?: unknown }).stack);
  } else if (typeof thrown === "function") {
    errtype = "function";
    message = describe(thrown);
  } else {
    errtype = thrown === null ? "null" : typeof thrown;
    message = describe(thrown);
  }
  const payload: { -readonly [K in keyof FailPayload]: FailPayload[K] } = {
    jid,
    errtype: (typeof errtype === "string" && errtype ? errtype : "Unknown")
      .slice(0, MAX_ERRTYPE),
    message: (message || "(no message)").slice(0, MAX_MESSAGE),
  };
  if (typeof stack === "string") {
    const backtrace = stack
      .split("\n")
      .slice(1)
      .map((line) => line.trim())
      .filter((line) => line !== "")
      .slice(0, MAX_BACKTRACE);
    if (backtrace.length > 0) payload.backtrace = backtrace;
  }
  return payload;
}

/** Runs `read`, or gives undefined when it throws. */
function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** A string for any value, even one whose conversion throws. */
function describe(value: unknown): string {
  return attempt(() => String(value)) ??
    "(a thrown value that cannot be converted to a string)";
}

/**
 * One line for any thrown value, for logs: `errtype: message`. Never throws.
 *
 * @param thrown Whatever was thrown.
 * @returns The description, such as `TypeError: bad input`.
 */
export function describeThrown(thrown: unknown): string {
  const { errtype, message } = failureFor("", thrown);
  return `${errtype}: ${message}`;
}
