/**
 * Where the server is: FAKTORY_PROVIDER / FAKTORY_URL resolution and URL
 * parsing. The password never appears in any string form of the result.
 *
 * @module
 */

import { LocalProtocolError } from "./errors.ts";

/**
 * The URL used when neither FAKTORY_PROVIDER nor FAKTORY_URL is set.
 *
 * @example
 * ```ts
 * import { DEFAULT_URL } from "@x/faktory-worker/protocol";
 * console.log(DEFAULT_URL); // "tcp://localhost:7419"
 * ```
 */
export const DEFAULT_URL = "tcp://localhost:7419";

const INSPECT_NODE = Symbol.for("nodejs.util.inspect.custom");
// The inspection hook of the Deno console, by its registered symbol name.
const INSPECT_DENO = Symbol.for(["Deno", "customInspect"].join("."));

/**
 * A parsed server address. `toString()`, `toJSON()` and console inspection
 * all mask the password.
 *
 * @example
 * ```ts
 * import { ServerAddress } from "@x/faktory-worker/protocol";
 * const addr = ServerAddress.parse("tcp+tls://:s3cret@faktory.internal:7419");
 * console.log(String(addr)); // "tcp+tls://:***@faktory.internal:7419"
 * console.log(addr.tls, addr.password === "s3cret"); // true true
 * ```
 */
export class ServerAddress {
  /** Host name or IP address (IPv6 without brackets). */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Whether the connection uses TLS (`tcp+tls://`). */
  readonly tls: boolean;
  readonly #password: string | undefined;

  /**
   * Creates an address.
   *
   * @param host Host name or IP address.
   * @param port TCP port.
   * @param tls Whether to use TLS.
   * @param password The server password, if any.
   */
  constructor(host: string, port: number, tls: boolean, password?: string) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`Port must be 1..65535, got ${port}`);
    }
    this.host = host;
    this.port = port;
    this.tls = tls;
    this.#password = password === "" ? undefined : password;
  }

  /** The server password, if any. Never printed by this object. */
  get password(): string | undefined {
    return this.#password;
  }

  /**
   * Parses `tcp://[:password@]host[:port]` or `tcp+tls://...`.
   *
   * @param url The URL.
   * @param name What the URL is called in error messages, such as the
   *   environment variable it came from.
   * @returns The address.
   * @throws {LocalProtocolError} When the URL is not a Faktory URL (one with
   *   no host included: `tcp://` does not mean localhost).
   */
  static parse(url: string, name = "Faktory URL"): ServerAddress {
    const shown = JSON.stringify(maskUrl(url));
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (err) {
      throw new LocalProtocolError(`Invalid ${name} ${shown}`, { cause: err });
    }
    const scheme = parsed.protocol;
    if (scheme !== "tcp:" && scheme !== "tcp+tls:") {
      throw new LocalProtocolError(
        `${name} must start with tcp:// or tcp+tls://, got ${shown}`,
      );
    }
    const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
    if (host === "") {
      throw new LocalProtocolError(
        `${name} must name a host, as in tcp://localhost:7419, got ${shown}`,
      );
    }
    const port = parsed.port === "" ? 7419 : Number(parsed.port);
    if (!(port >= 1 && port <= 65535)) {
      throw new LocalProtocolError(
        `${name} port must be 1..65535, got ${port} in ${shown}`,
      );
    }
    let password: string | undefined;
    try {
      password = parsed.password === ""
        ? undefined
        : decodeURIComponent(parsed.password);
    } catch (err) {
      throw new LocalProtocolError(
        `${name} password is not valid percent-encoding in ${shown}`,
        { cause: err },
      );
    }
    return new ServerAddress(host, port, scheme === "tcp+tls:", password);
  }

  /** The URL with the password masked. */
  toString(): string {
    const host = this.host.includes(":") ? `[${this.host}]` : this.host;
    const auth = this.#password === undefined ? "" : ":***@";
    return `${this.tls ? "tcp+tls" : "tcp"}://${auth}${host}:${this.port}`;
  }

  /** The URL with the password masked. */
  toJSON(): string {
    return this.toString();
  }

  static {
    // Console inspection on Node, Bun and Deno shows the masked URL too.
    const inspect = function (this: ServerAddress): string {
      return `ServerAddress(${this.toString()})`;
    };
    for (const key of [INSPECT_NODE, INSPECT_DENO]) {
      Object.defineProperty(ServerAddress.prototype, key, { value: inspect });
    }
  }
}

/**
 * Picks the server URL from the environment: the variable named by
 * `FAKTORY_PROVIDER`, else `FAKTORY_URL`, else `tcp://localhost:7419`.
 *
 * @param env Reads one environment variable (undefined when unset).
 * @returns The URL to connect to.
 * @throws {LocalProtocolError} When FAKTORY_PROVIDER names an unset variable.
 *
 * @example
 * ```ts
 * import { resolveUrl } from "@x/faktory-worker/protocol";
 * const env: Record<string, string> = { FAKTORY_PROVIDER: "MY_FAKTORY", MY_FAKTORY: "tcp://q:7419" };
 * console.log(resolveUrl((name) => env[name])); // "tcp://q:7419"
 * ```
 */
export function resolveUrl(env: (name: string) => string | undefined): string {
  const provider = env("FAKTORY_PROVIDER");
  if (provider) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(provider)) {
      throw new LocalProtocolError(
        `FAKTORY_PROVIDER must name an environment variable, got ${
          JSON.stringify(provider)
        }`,
      );
    }
    const url = env(provider);
    if (!url) {
      throw new LocalProtocolError(
        `FAKTORY_PROVIDER names ${provider}, but ${provider} is not set`,
      );
    }
    return url;
  }
  return env("FAKTORY_URL") || DEFAULT_URL;
}

/**
 * Masks the password of anything that looks like a URL with credentials.
 *
 * @param text Any text.
 * @returns The text with `://user:password@` turned into `://user:***@`.
 *
 * @example
 * ```ts
 * import { maskUrl } from "@x/faktory-worker/protocol";
 * console.log(maskUrl("tcp://:hunter2@host:7419")); // "tcp://:***@host:7419"
 * ```
 */
export function maskUrl(text: string): string {
  return text.replace(/(:\/\/[^:@/\s]*:)[^@\s]*@/g, "$1***@");
}
