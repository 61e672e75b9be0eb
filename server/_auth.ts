/**
 * The handshake of the embedded server: the HI greeting (with a password
 * challenge when a password is set), then HELLO, whose password hash is
 * checked against the challenge's (computed on the server's non-blocking
 * hash queue).
 *
 * @module
 */

import { PROTOCOL_VERSION } from "../core/handshake.ts";
import { encodeReply } from "../core/resp.ts";
import type { Challenge } from "./_challenges.ts";
import type { Outcome } from "./_framing.ts";
import { isGoInt, isGoString, isGoStrings, jsonObject } from "./_go_json.ts";
import { errorReply, OK } from "./_replies.ts";

/** The `+HI` greeting, with the challenge if there is one. */
export function greeting(challenge: Challenge | undefined): Uint8Array {
  const hi = challenge
    ? { v: PROTOCOL_VERSION, i: challenge.iterations, s: challenge.salt }
    : { v: PROTOCOL_VERSION };
  return encodeReply({ type: "simple", value: `HI ${JSON.stringify(hi)}` });
}

/** Whether HELLO fields have the JSON types of Faktory's ClientData (Go). */
function validHello(h: Record<string, unknown>): boolean {
  return isGoString(h.hostname) && isGoString(h.wid) &&
    isGoString(h.pwdhash) && isGoString(h.username) &&
    isGoStrings(h.labels) && isGoInt(h.pid) && isGoInt(h.rss_kb) &&
    isGoInt(h.v, 0, 256);
}

const REFUSED: Outcome = { reply: null, close: true };

/**
 * Handles the first line of a connection. Anything but a well-formed HELLO
 * closes the connection without a reply; a wrong password hash gets
 * `-ERR Invalid password`, then the connection closes. On success calls
 * `welcome` with the HELLO fields and answers `+OK`.
 *
 * @param line The first line.
 * @param challenge The challenge of the greeting, if a password is set.
 * @param owner The connection, which can cancel its hash by closing.
 * @param welcome Registers the client.
 */
export function handshake(
  line: string,
  challenge: Challenge | undefined,
  owner: object,
  welcome: (hello: Record<string, unknown>) => void,
): Outcome | Promise<Outcome> {
  if (!line.startsWith("HELLO ")) return REFUSED;
  const hello = jsonObject(line.slice(6));
  if (!hello || !validHello(hello)) return REFUSED;
  if (!challenge) {
    welcome(hello);
    return { reply: OK };
  }
  const v = typeof hello.v === "number" ? hello.v : 1;
  return challenge.expected(v, owner).then((expected): Outcome => {
    if (hello.pwdhash !== expected) {
      return { reply: errorReply("Invalid password"), close: true };
    }
    welcome(hello);
    return { reply: OK };
  });
}
