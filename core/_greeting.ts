/**
 * What to say when the peer does not greet as Faktory does: it sent other
 * bytes (an HTTP server, a TLS port, another service), sent nothing at all,
 * or closed the connection without a word. The messages name the peer
 * (host and port, never a password), quote what it sent, and guess why.
 *
 * @module
 */

import {
  AuthenticationError,
  ConnectionClosedError,
  LocalProtocolError,
  RemoteProtocolError,
} from "./errors.ts";
import { HelloBuilder, type Hi, type Identity, parseHi } from "./handshake.ts";
import type { ParsedReply, ReplyParser } from "./resp.ts";

/** The most characters of the peer's first line quoted in an error. */
const QUOTE_CHARS = 60;

/** How many of the first bytes a connection keeps, to quote them. */
const KEEP_BYTES = 256;

/**
 * A peer that closes a connection without a word sooner than this, in ms,
 * is taken for a proxy whose server is not up yet (Docker's port proxy
 * does that while the container starts), and retried; one that held it
 * silent longer is not a Faktory server, which greets at once.
 */
const QUICK_CLOSE_MS = 500;

const decoder = new TextDecoder();

/**
 * The first line of `bytes`, in double quotes, at most 60 characters, with
 * control characters, quotes and backslashes escaped.
 */
function quoteFirstLine(bytes: Uint8Array): string {
  const text = decoder.decode(bytes);
  const end = text.search(/[\r\n]/);
  const line = end === -1 ? text : text.slice(0, end);
  const chars = [...line];
  let quoted = "";
  for (const ch of chars.slice(0, QUOTE_CHARS)) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      quoted += `\\x${code.toString(16).padStart(2, "0")}`;
    } else if (ch === '"' || ch === "\\") {
      quoted += `\\${ch}`;
    } else {
      quoted += ch;
    }
  }
  const cut = chars.length > QUOTE_CHARS || (end === -1 && bytes.length >=
      KEEP_BYTES);
  return `"${quoted}${cut ? "..." : ""}"`;
}

/** Why the peer may have answered so. */
function guess(first: Uint8Array): string {
  const text = decoder.decode(first.subarray(0, 8));
  if (text.startsWith("HTTP/")) {
    return "is this Faktory's web port? The protocol port is usually 7419";
  }
  if (first[0] === 0x15 || first[0] === 0x16) {
    return "is this a TLS port? Use a tcp+tls:// URL";
  }
  return "is this a Faktory server?";
}

/**
 * The error for a first reply that is not Faktory's `+HI` greeting.
 *
 * @param first The first bytes the peer sent.
 * @param peer The peer's host and port.
 * @param cause What failed to parse, if anything.
 */
export function unexpectedGreeting(
  first: Uint8Array,
  peer: string | undefined,
  cause?: unknown,
): RemoteProtocolError {
  return new RemoteProtocolError(
    `Expected the Faktory greeting "+HI", got ${quoteFirstLine(first)}${
      peer ? ` from ${peer}` : ""
    } — ${guess(first)}`,
    { cause },
  );
}

/**
 * The error for a peer that sent nothing: within `ms` (`closed` false), or
 * before closing the connection after `ms`.
 *
 * @param peer The peer's host and port.
 * @param ms How long it stayed silent.
 * @param closed Whether it closed the connection.
 */
export function silentPeer(
  peer: string,
  ms: number,
  closed: boolean,
): RemoteProtocolError {
  return new RemoteProtocolError(
    closed
      ? `${peer} closed the connection after ${ms} ms without the Faktory greeting — is this a Faktory server? Faktory greets at once; its web port (usually 7420) closes like this after 1 s, and the protocol port is usually 7419`
      : `No greeting within ${ms} ms from ${peer} — is this a Faktory server? Faktory greets at once (a TLS port needs a tcp+tls:// URL; the protocol port is usually 7419)`,
  );
}

/**
 * The greeting of one connection: keeps the first bytes the peer sends,
 * reads the first reply, and words the errors of the handshake with the
 * peer's name.
 */
export class Greeting {
  readonly #peer: string | undefined;
  #opening = new Uint8Array(0);

  /** @param peer The peer's host and port, if known. */
  constructor(peer?: string) {
    this.#peer = peer;
  }

  /** Keeps the first bytes received, to quote them. */
  keep(bytes: Uint8Array): void {
    const kept = this.#opening.length;
    if (kept >= KEEP_BYTES) return;
    const more = bytes.subarray(0, KEEP_BYTES - kept);
    const opening = new Uint8Array(kept + more.length);
    opening.set(this.#opening);
    opening.set(more, kept);
    this.#opening = opening;
  }

  /**
   * Reads the first reply: Faktory's `+HI`, or an error that says what
   * answered instead.
   *
   * @throws {RemoteProtocolError} When it is not a valid greeting.
   */
  read(reply: ParsedReply): Hi {
    if (reply.type === "oversized") {
      throw new RemoteProtocolError(
        `Greeting of ${reply.size} bytes${
          this.#peer ? ` from ${this.#peer}` : ""
        } exceeds the limit of ${reply.limit} — is this a Faktory server?`,
      );
    }
    if (
      reply.type !== "error" &&
      !(reply.type === "simple" && reply.value.startsWith("HI "))
    ) {
      throw unexpectedGreeting(this.#opening, this.#peer);
    }
    try {
      const hi = parseHi(reply);
      this.#opening = new Uint8Array(0);
      return hi;
    } catch (err) {
      throw this.#peer === undefined ? err : new RemoteProtocolError(
        `${(err as Error).message} (from ${this.#peer})`,
        { cause: err },
      );
    }
  }

  /**
   * The first reply from `parser`, or undefined while it is incomplete.
   *
   * @throws {RemoteProtocolError} Quoting the bytes, when they are not RESP.
   */
  first(parser: ReplyParser): ParsedReply | undefined {
    try {
      return parser.next();
    } catch (err) {
      throw unexpectedGreeting(this.#opening, this.#peer, err);
    }
  }

  /**
   * The error for a greeting that did not come: nothing for `ms` (then the
   * peer closed the connection, if `closed`), or part of a line that is not
   * Faktory's greeting. A peer that closed without a word within
   * {@linkcode QUICK_CLOSE_MS} gets a {@linkcode ConnectionClosedError}, as
   * a proxy whose server is not up yet does; anything else a
   * {@linkcode RemoteProtocolError}.
   */
  missing(
    ms: number,
    closed: boolean,
  ): RemoteProtocolError | ConnectionClosedError {
    const peer = this.#peer ?? "the server";
    if (this.#opening.length > 0) {
      return unexpectedGreeting(this.#opening, this.#peer);
    }
    if (closed && ms < QUICK_CLOSE_MS) {
      return new ConnectionClosedError(
        `${peer} closed the connection before the Faktory greeting, ${
          Math.round(ms)
        } ms after accepting it (a proxy whose server is not up yet?)`,
      );
    }
    return silentPeer(peer, Math.round(ms), closed);
  }

  /**
   * Starts the HELLO that answers `hi`.
   *
   * @throws {LocalProtocolError} When the peer asks for a password and none
   *   is given; the message names the peer.
   */
  hello(hi: Hi, identity: Identity, password?: string): HelloBuilder {
    try {
      return new HelloBuilder(hi, identity, password);
    } catch (err) {
      if (this.#peer === undefined) throw err;
      throw new LocalProtocolError(
        `${(err as Error).message} (${this.#peer} asked for one)`,
        { cause: err },
      );
    }
  }

  /** Names the peer in a refused password's error. */
  named<E>(error: E): E {
    if (this.#peer !== undefined && error instanceof AuthenticationError) {
      error.message =
        `${this.#peer} refused the password: ${error.code} ${error.serverMessage}`;
    }
    return error;
  }
}
