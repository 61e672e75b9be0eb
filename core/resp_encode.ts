/**
 * Encoding replies as a Faktory server writes them (for the embedded server
 * and for tests).
 *
 * @module
 */

import type { Reply } from "./resp.ts";

const encoder = new TextEncoder();

/**
 * Encodes a reply as the server writes it. Used by the embedded test server
 * and by tests.
 *
 * @param reply The reply to encode.
 * @returns The wire bytes.
 *
 * @example
 * ```ts
 * import { encodeReply } from "@x/faktory-worker/protocol";
 * const bytes = encodeReply({ type: "bulk", value: "{}" });
 * console.log(new TextDecoder().decode(bytes)); // "$2\r\n{}\r\n"
 * ```
 */
export function encodeReply(reply: Reply): Uint8Array {
  return encoder.encode(replyText(reply));
}

function replyText(reply: Reply): string {
  switch (reply.type) {
    case "simple":
      return `+${reply.value}\r\n`;
    case "error":
      return `-${reply.code}${reply.message ? " " + reply.message : ""}\r\n`;
    case "integer":
      return `:${reply.value}\r\n`;
    case "bulk":
      return reply.value === null
        ? "$-1\r\n"
        : `$${encoder.encode(reply.value).length}\r\n${reply.value}\r\n`;
    case "array":
      return reply.value === null
        ? "*-1\r\n"
        : `*${reply.value.length}\r\n${reply.value.map(replyText).join("")}`;
  }
}
