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
 * import { MAX_ERRTYPE } from "@x/faktory-worker";
 * console.log(MAX_ERRTYPE); // 100
 * ```
 */
export const MAX_ERRTYPE = 100;
/**
 * The server keeps at most this many characters of `message`.
 *
 * @example
 * ```ts
 * import { MAX_MESSAGE } from "@x/faktory-worker";
 * console.log(MAX_MESSAGE); // 1000
 * ```
 */
export const MAX_MESSAGE = 1000;
/**
 * The server keeps at most this many backtrace lines.
 *
 * @example
 * ```ts
 * import { MAX_BACKTRACE } from "@x/faktory-worker";
 * console.log(MAX_BACKTRACE); // 50
 * ```
 */
export const MAX_BACKTRACE = 50;

/**
 * Describes a thrown value as a FAIL payload: `errtype` is the error's name
 * (or the thrown value's type), `message` its message, and `backtrace` its
 * stack lines without the first line, capped as the server caps them.
 *
 * @param jid The failed job.
 * @param thrown Whatever the job threw or rejected with.
 * @returns The payload for FAIL.
 *
 * @example
 * ```ts
 * import { failureFor } from "@x/faktory-worker";
 * console.log(failureFor("0123456789ab", new RangeError("too big")).errtype); // "RangeError"
 * console.log(failureFor("0123456789ab", "plain string").message); // "plain string"
 * ```
 */
export function failureFor(jid: string, thrown: unknown): FailPayload {
  let errtype: string;
  let message: string;
  let stack: string | undefined;
  if (thrown instanceof Error) {
    errtype = thrown.name || thrown.constructor?.name || "Error";
    message = thrown.message;
    stack = thrown.stack;
  } else if (typeof thrown === "object" && thrown !== null) {
    const obj = thrown as {
      name?: unknown;
      message?: unknown;
      stack?: unknown;
    };
    errtype = typeof obj.name === "string" && obj.name
      ? obj.name
      : thrown.constructor?.name ?? "Object";
    message = typeof obj.message === "string" ? obj.message : safeJson(thrown);
    if (typeof obj.stack === "string") stack = obj.stack;
  } else {
    errtype = thrown === null ? "null" : typeof thrown;
    message = String(thrown);
  }
  const payload: { -readonly [K in keyof FailPayload]: FailPayload[K] } = {
    jid,
    errtype: (errtype || "Error").slice(0, MAX_ERRTYPE),
    message: (message || "(no message)").slice(0, MAX_MESSAGE),
  };
  const backtrace = stack
    ?.split("\n")
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .slice(0, MAX_BACKTRACE);
  if (backtrace && backtrace.length > 0) payload.backtrace = backtrace;
  return payload;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
