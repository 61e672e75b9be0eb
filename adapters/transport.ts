/**
 * The transport interfaces: the only thing the rest of the library needs from
 * a runtime to talk to a server. One small adapter per runtime implements
 * the client side; the listen side (for the embedded test server) is in
 * listen.ts.
 *
 * @module
 */

import { ConnectError } from "../core/errors.ts";
import type { ServerTransport } from "./listen.ts";

/**
 * TLS settings for a connection.
 *
 * @example
 * ```ts
 * import type { TlsOptions } from "@x/faktory-worker";
 * const tls: TlsOptions = { ca: "-----BEGIN CERTIFICATE-----\n...", serverName: "faktory.internal" };
 * console.log(tls.serverName);
 * ```
 */
export interface TlsOptions {
  /** PEM certificate(s) of the CA(s) to trust instead of the system store. */
  readonly ca?: string | readonly string[];
  /** The name to verify the certificate against (defaults to the host). */
  readonly serverName?: string;
}

/**
 * Where and how to connect.
 *
 * @example
 * ```ts
 * import type { ConnectOptions } from "@x/faktory-worker";
 * const options: ConnectOptions = { host: "localhost", port: 7419, connectTimeout: 5000 };
 * console.log(options.port);
 * ```
 */
export interface ConnectOptions {
  /** Host name or IP address. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Use TLS; `true` trusts the system store. */
  readonly tls?: boolean | TlsOptions;
  /**
   * Milliseconds to wait for the connection (and TLS handshake).
   *
   * @default {10000}
   */
  readonly connectTimeout?: number;
  /** Cancels the connection attempt. */
  readonly signal?: AbortSignal;
}

/**
 * Callbacks a socket invokes. `data` gets each chunk as it arrives; the
 * chunk may be reused after the call returns, so copy what you keep. `close`
 * is called exactly once, with the error that closed the socket if any.
 *
 * @example
 * ```ts
 * import type { SocketHandlers } from "@x/faktory-worker";
 * const handlers: SocketHandlers = {
 *   data: (chunk) => console.log(chunk.length),
 *   close: (error) => console.log("closed", error?.message),
 * };
 * ```
 */
export interface SocketHandlers {
  /** Called with each chunk as it arrives. */
  data(chunk: Uint8Array): void;
  /** Called once when the socket closed, with the error if one closed it. */
  close(error?: Error): void;
}

/**
 * An open connection.
 *
 * @example
 * ```ts
 * import type { Socket } from "@x/faktory-worker";
 * async function hello(socket: Socket): Promise<void> {
 *   await socket.write(new TextEncoder().encode("END\r\n"));
 *   socket.close();
 * }
 * ```
 */
export interface Socket {
  /**
   * Writes bytes in order. The promise resolves once the runtime accepted
   * them; while the peer is slow it waits, which is the back-pressure.
   * It rejects if the socket closed.
   */
  write(bytes: Uint8Array): Promise<void>;
  /** Closes the socket. Idempotent; `close` handlers still run once. */
  close(): void;
  /**
   * Stops reading from the peer until {@linkcode Socket.resume}, so it sees
   * TCP back-pressure; a chunk already read may still arrive. Optional: a
   * socket without it keeps reading.
   */
  pause?(): void;
  /** Reads again after {@linkcode Socket.pause}. */
  resume?(): void;
}

/**
 * Opens sockets: what a connection needs from a runtime. Pass your own to
 * `Client.connect` to use another network stack; by default the adapter of
 * the current runtime is used.
 *
 * @example
 * ```ts
 * import type { ClientTransport } from "@x/faktory-worker";
 * const offline: ClientTransport = {
 *   name: "offline",
 *   connect: () => Promise.reject(new Error("no network here")),
 * };
 * console.log(offline.name);
 * ```
 */
export interface ClientTransport {
  /** The runtime this transport uses. */
  readonly name: string;
  /**
   * Connects with no Nagle delay and TCP keepalive on: the first probe after
   * 30 s of silence on Node and Bun; Deno takes no delay, so the operating
   * system's applies there (7200 s by default on Linux).
   *
   * @throws {ConnectError} When the connection cannot be opened.
   */
  connect(options: ConnectOptions, handlers: SocketHandlers): Promise<Socket>;
}

/**
 * Both sides of a runtime's network: {@linkcode ClientTransport} to connect
 * and {@linkcode ServerTransport} to listen. What `defaultTransport()`
 * returns; a connection needs only the client side.
 *
 * @example
 * ```ts
 * import { defaultTransport } from "@x/faktory-worker/protocol";
 * const transport = await defaultTransport();
 * console.log(transport.name); // "node", "deno" or "bun"
 * ```
 */
export interface Transport extends ClientTransport, ServerTransport {
  /** The runtime this transport uses. */
  readonly name: string;
}

/**
 * What the library needs to know about the process it runs in.
 *
 * @example
 * ```ts
 * import { defaultPlatform } from "@x/faktory-worker/protocol";
 * const platform = await defaultPlatform();
 * console.log(platform.hostname(), platform.pid);
 * ```
 */
export interface Platform {
  /**
   * The machine's host name. Where the runtime does not allow reading it,
   * a fallback, and `onFallback` is told why.
   */
  hostname(onFallback?: (note: string) => void): string;
  /** The process id. */
  readonly pid: number;
  /** The parent's process id, now (it changes when the parent exits). */
  ppid(): number;
  /** The resident set size of the process, in bytes. */
  rssBytes(): number;
  /** The CPU cores this process may use (for `processes: "auto"`). */
  cores(): number;
  /**
   * Reads an environment variable; undefined when unset.
   *
   * @throws {LocalProtocolError} When the runtime does not allow reading it,
   * naming the permission to grant.
   */
  env(name: string): string | undefined;
  /**
   * Listens for a signal. Returns a function that removes the listener.
   * Signals the runtime or OS does not support are ignored.
   */
  onSignal(
    signal: "SIGTERM" | "SIGINT" | "SIGTSTP" | "SIGHUP",
    listener: () => void,
  ): () => void;
}

/**
 * Turns a runtime's connection error into a message and code.
 *
 * @param err The runtime's error.
 * @returns A short code such as ECONNREFUSED.
 */
export function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown } | undefined;
  if (typeof e?.code === "string" && e.code) return e.code;
  if (e?.name === "ConnectionRefused") return "ECONNREFUSED";
  if (e?.name === "TimedOut") return "ETIMEDOUT";
  if (typeof e?.name === "string" && e.name !== "Error") return e.name;
  return "ECONNECT";
}

/**
 * Normalizes the `ca` option to a list.
 *
 * @param tls The TLS option.
 * @returns The CA certificates, or undefined for the system store.
 */
export function caList(tls: ConnectOptions["tls"]): string[] | undefined {
  if (typeof tls !== "object" || tls.ca === undefined) return undefined;
  return typeof tls.ca === "string" ? [tls.ca] : [...tls.ca];
}

/**
 * Runs a connection attempt under the connect timeout and abort signal.
 * When the attempt loses the race, `cancel` runs, and a socket that still
 * opens later is closed with `dispose`.
 *
 * @param options The connect options (timeout, signal, address).
 * @param attempt The runtime's connection attempt.
 * @param cancel Stops the attempt if the runtime can.
 * @param dispose Closes a socket that opened too late.
 * @returns The socket.
 */
export function guardConnect<T>(
  options: ConnectOptions,
  attempt: Promise<T>,
  cancel: () => void,
  dispose: (socket: T) => void,
): Promise<T> {
  const where = `${
    options.tls ? "tcp+tls" : "tcp"
  }://${options.host}:${options.port}`;
  const ms = options.connectTimeout ?? 10_000;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (error: ConnectError | undefined, socket?: T) => {
      if (settled) {
        if (socket !== undefined) dispose(socket);
        return;
      }
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      if (error) {
        cancel();
        if (socket !== undefined) dispose(socket);
        reject(error);
      } else resolve(socket as T);
    };
    const onAbort = () =>
      finish(
        new ConnectError(`Connection to ${where} aborted`, "ABORTED", {
          cause: options.signal?.reason,
        }),
      );
    const timer = setTimeout(
      () =>
        finish(
          new ConnectError(
            `Connection to ${where} timed out after ${ms} ms`,
            "ETIMEDOUT",
          ),
        ),
      ms,
    );
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    attempt.then(
      (socket) => finish(undefined, socket),
      (err) => {
        const code = errorCode(err);
        const what = code === "ECONNREFUSED" ? "refused" : "failed";
        finish(
          new ConnectError(
            `Connection to ${where} ${what} (${code}): ${
              (err as Error)?.message ?? String(err)
            }`,
            code,
            { cause: err },
          ),
        );
      },
    );
  });
}

export type {
  Accept,
  Listener,
  ListenOptions,
  ServerTransport,
} from "./listen.ts";
