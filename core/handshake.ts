/**
 * The opening of every connection: the server's `HI` greeting and the
 * client's `HELLO`, the password hash included. The hash is resumable, so a
 * driver can spread a large iteration count over several turns of its event
 * loop and give up at its deadline.
 *
 * @module
 */

import { LocalProtocolError, RemoteProtocolError } from "./errors.ts";
import { PasswordHash } from "./_password_hash.ts";
import type { Reply } from "./resp.ts";

/**
 * The server's greeting. `i` and `s` are present when the server has a
 * password: the client must send `pwdhash`, SHA-256 applied `i` times to
 * `password + s`.
 *
 * @example
 * ```ts
 * import { parseHi } from "@x/faktory-worker/protocol";
 * const hi = parseHi({ type: "simple", value: 'HI {"v":2,"i":7042,"s":"7f98f68a58bcecf5"}' });
 * console.log(hi.i, hi.s);
 * ```
 */
export interface Hi {
  /** Protocol version; 2 for Faktory 1.x. */
  readonly v: number;
  /** Hash iterations, when a password is required. */
  readonly i?: number;
  /** Salt, when a password is required. */
  readonly s?: string;
}

/**
 * The body of HELLO. Workers send `wid`; producers leave it out.
 *
 * @example
 * ```ts
 * import { buildHello } from "@x/faktory-worker/protocol";
 * const hello = buildHello({ hostname: "web-1", pid: 42, labels: ["web"] });
 * console.log(JSON.stringify(hello));
 * ```
 */
export interface HelloPayload {
  /** Host name of the client. */
  readonly hostname?: string;
  /** Process id of the client. */
  readonly pid?: number;
  /** Labels shown in the Web UI. */
  readonly labels?: readonly string[];
  /** Protocol version, 2. */
  readonly v: number;
  /** Worker id; absent for producers. */
  readonly wid?: string;
  /** The password hash, when the server asked for one. */
  readonly pwdhash?: string;
  /** Resident memory in KiB. */
  readonly rss_kb?: number;
}

/**
 * Who a connection says it is in HELLO.
 *
 * @example
 * ```ts
 * import type { Identity } from "@x/faktory-worker/protocol";
 * const id: Identity = { hostname: "web-1", pid: 42, labels: ["web"], wid: "9f8e7d6c5b4a" };
 * console.log(id.wid);
 * ```
 */
export interface Identity {
  /** Host name of the client. */
  readonly hostname: string;
  /** Process id of the client. */
  readonly pid: number;
  /** Labels shown in the Web UI. */
  readonly labels: readonly string[];
  /** Worker id; absent for producer connections. */
  readonly wid?: string;
}

/**
 * The protocol version this library speaks.
 *
 * @example
 * ```ts
 * import { PROTOCOL_VERSION } from "@x/faktory-worker/protocol";
 * const version: number = PROTOCOL_VERSION;
 * console.log(version); // 2
 * ```
 */
export const PROTOCOL_VERSION = 2;

/**
 * The most password hash iterations a HI greeting may ask for. Faktory picks
 * 4000 to 8095; this allows over 100 times that (about half a second of
 * hashing), so a server that raises its work factor still works, while a
 * broken or hostile one cannot make the client hash for minutes.
 *
 * @example
 * ```ts
 * import { MAX_HASH_ITERATIONS } from "@x/faktory-worker/protocol";
 * console.log(MAX_HASH_ITERATIONS); // 1000000
 * ```
 */
export const MAX_HASH_ITERATIONS = 1_000_000;

/**
 * Parses the `+HI {...}` greeting.
 *
 * @param reply The first reply on the connection.
 * @returns The greeting.
 * @throws {RemoteProtocolError} When the reply is not a valid greeting, or
 * asks for more than {@linkcode MAX_HASH_ITERATIONS} hash iterations.
 *
 * @example
 * ```ts
 * import { parseHi } from "@x/faktory-worker/protocol";
 * console.log(parseHi({ type: "simple", value: 'HI {"v":2}' }).v); // 2
 * ```
 */
export function parseHi(reply: Reply): Hi {
  if (reply.type === "error") {
    throw new RemoteProtocolError(
      `Server refused the connection: ${reply.code} ${reply.message}`,
    );
  }
  if (reply.type !== "simple" || !reply.value.startsWith("HI ")) {
    throw new RemoteProtocolError("Expected a HI greeting from the server");
  }
  let hi: unknown;
  try {
    hi = JSON.parse(reply.value.slice(3));
  } catch (err) {
    throw new RemoteProtocolError("HI greeting is not valid JSON", {
      cause: err,
    });
  }
  if (typeof hi !== "object" || hi === null) {
    throw new RemoteProtocolError("HI greeting is not a JSON object");
  }
  const { v, i, s } = hi as Record<string, unknown>;
  if (typeof v !== "number") {
    throw new RemoteProtocolError("HI greeting has no protocol version");
  }
  if (i === undefined && s === undefined) return { v };
  if (!Number.isInteger(i) || (i as number) < 1 || typeof s !== "string") {
    throw new RemoteProtocolError(
      "HI greeting has a malformed password challenge",
    );
  }
  if ((i as number) > MAX_HASH_ITERATIONS) {
    throw new RemoteProtocolError(
      `HI greeting asks for ${i} password hash iterations; at most ${MAX_HASH_ITERATIONS} are accepted`,
    );
  }
  return { v, i: i as number, s };
}

/**
 * Builds the HELLO body: hostname, pid, labels, v, then wid and pwdhash when
 * given.
 *
 * @param identity Who is connecting.
 * @param pwdhash The password hash, when the server asked for one.
 * @returns The HELLO payload.
 *
 * @example
 * ```ts
 * import { buildHello } from "@x/faktory-worker/protocol";
 * const hello = buildHello({ hostname: "h", pid: 1, labels: [], wid: "w-123456" });
 * console.log(hello.wid);
 * ```
 */
export function buildHello(
  identity: Identity,
  pwdhash?: string,
): HelloPayload {
  const hello: {
    hostname: string;
    pid: number;
    labels: readonly string[];
    v: number;
    wid?: string;
    pwdhash?: string;
  } = {
    hostname: identity.hostname,
    pid: identity.pid,
    labels: identity.labels,
    v: PROTOCOL_VERSION,
  };
  if (identity.wid !== undefined) hello.wid = identity.wid;
  if (pwdhash !== undefined) hello.pwdhash = pwdhash;
  return hello;
}

/**
 * A HELLO being prepared: the answer to a greeting, for one identity and
 * password. When the greeting asks for a password hash, run
 * {@linkcode HelloBuilder.step} until it returns 0 (yielding between calls
 * if the iteration count is large), then take {@linkcode HelloBuilder.payload}.
 *
 * @example
 * ```ts
 * import { HelloBuilder } from "@x/faktory-worker/protocol";
 * const hello = new HelloBuilder(
 *   { v: 2, i: 7042, s: "7f98f68a58bcecf5" },
 *   { hostname: "lab-host", pid: 4242, labels: [] },
 *   "labpass123",
 * );
 * while (hello.step(1000) > 0) continue; // or yield to the event loop here
 * console.log(hello.payload().pwdhash);
 * ```
 */
export class HelloBuilder {
  readonly #identity: Identity;
  readonly #hash: PasswordHash | undefined;

  /**
   * Starts the HELLO that answers `hi`.
   *
   * @param hi The server's greeting.
   * @param identity Who is connecting.
   * @param password The server password, needed when `hi` asks for a hash.
   * @throws {LocalProtocolError} When the greeting asks for a password and
   * none is given.
   */
  constructor(hi: Hi, identity: Identity, password?: string) {
    this.#identity = identity;
    if (hi.i === undefined || hi.s === undefined) return;
    if (password === undefined) {
      throw new LocalProtocolError(
        "The server requires a password; set it in the URL or the password option",
      );
    }
    this.#hash = new PasswordHash(password, hi.s, hi.i);
  }

  /**
   * Runs up to `max` more password hash iterations.
   *
   * @param max The most iterations to run now.
   * @returns The iterations still to run; 0 when the payload is ready.
   */
  step(max: number = Infinity): number {
    return this.#hash?.step(max) ?? 0;
  }

  /**
   * The HELLO body, with `pwdhash` when the greeting asked for one.
   *
   * @returns The payload.
   * @throws {RangeError} When hash iterations remain.
   */
  payload(): HelloPayload {
    return buildHello(this.#identity, this.#hash?.hex());
  }
}
