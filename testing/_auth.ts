/**
 * The handshake of the embedded server: the HI greeting (with a password
 * challenge when a password is set), then HELLO, whose password hash is
 * checked on the server's shared, non-blocking hash queue.
 *
 * @module
 */

import { PROTOCOL_VERSION } from "../core/handshake.ts";
import { encodeReply } from "../core/resp.ts";
import type { Outcome } from "./_framing.ts";
import { isGoInt, isGoString, isGoStrings, jsonObject } from "./_go_json.ts";
import type { HashQueue } from "./_hash_queue.ts";
import { errorReply, OK } from "./_replies.ts";

/** A password challenge: what HI asks a client to hash. */
export interface Challenge {
  readonly password: string;
  readonly salt: string;
  readonly iterations: number;
}

/** A fresh challenge for `password`, as Faktory makes one. */
export function challengeFor(
  password: string,
  random: () => number,
): Challenge {
  const salt = Array.from(
    { length: 16 },
    () => Math.floor(random() * 16).toString(16),
  ).join("");
  return { password, salt, iterations: 4000 + Math.floor(random() * 4096) };
}

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
 * @param hasher Where the password hash is computed.
 * @param owner The connection, which can cancel its hash by closing.
 * @param welcome Registers the client.
 */
export function handshake(
  line: string,
  challenge: Challenge | undefined,
  hasher: HashQueue,
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
  return hasher.hash(
    owner,
    challenge.password,
    challenge.salt,
    v < 2 ? 1 : challenge.iterations,
  ).then((expected): Outcome => {
    if (hello.pwdhash !== expected) {
      return { reply: errorReply("Invalid password"), close: true };
    }
    welcome(hello);
    return { reply: OK };
  });
}
