/**
 * The replies of the embedded server, encoded by core's RESP encoder.
 *
 * @module
 */

import { encodeReply } from "../core/resp.ts";

/** A reply's bytes, or null for no reply. */
export type Out = Uint8Array | null;

/** `+OK` */
export const OK: Uint8Array = encodeReply({ type: "simple", value: "OK" });

/** `$-1`: no job, as FETCH answers after its wait. */
export const NULL: Uint8Array = encodeReply({ type: "bulk", value: null });

/** Bytes that are not RESP, for the `garbage` fault. */
export const GARBAGE: Uint8Array = new TextEncoder().encode(
  "&this is not RESP\r\n",
);

/** `-NOTUNIQUE Job not unique`: PUSH of a duplicate of a unique job (Enterprise). */
export const NOT_UNIQUE_REPLY: Uint8Array = encodeReply({
  type: "error",
  code: "NOTUNIQUE",
  message: "Job not unique",
});

/** `-ERR message`, with line breaks in the message turned into spaces. */
export function errorReply(message: string): Uint8Array {
  return encodeReply({
    type: "error",
    code: "ERR",
    message: message.replace(/[\r\n]+/g, " "),
  });
}

/** A bulk string. */
export function bulkReply(text: string): Uint8Array {
  return encodeReply({ type: "bulk", value: text });
}

/** The reply to a command whose handling threw: an error, never a crash. */
export function failed(err: unknown): Uint8Array {
  return errorReply(err instanceof Error ? err.message : String(err));
}
