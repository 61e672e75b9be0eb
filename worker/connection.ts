/**
 * One connection to a Faktory server: drives the pure protocol core over a
 * Transport, matches replies to commands in order (so commands can be
 * pipelined), applies read timeouts and abort signals, and does the
 * handshake, including the password hash.
 *
 * @module
 */

import type { Command, CommandResults, Verb } from "../core/commands.ts";
import { decodeResult } from "../core/commands.ts";
import { resolveUrl, ServerAddress } from "../core/config.ts";
import {
  ConnectError,
  ConnectionClosedError,
  FaktoryError,
  LocalProtocolError,
  RemoteProtocolError,
  ServerError,
  TimeoutError,
} from "../core/errors.ts";
import { buildHello, type Hi, type Identity } from "../core/handshake.ts";
import { ClientProtocol, type ConnectionState } from "../core/protocol.ts";
import { defaultPlatform, defaultTransport } from "../adapters/runtime.ts";
import type { Socket, TlsOptions, Transport } from "../adapters/transport.ts";
import { hashPassword } from "./_password.ts";

/**
 * How to reach the server and who to say we are.
 *
 * @example
 * ```ts
 * import type { ConnectionOptions } from "@x/faktory-worker";
 * const options: ConnectionOptions = {
 *   url: "tcp+tls://:secret@faktory.internal:7419",
 *   tls: { ca: "-----BEGIN CERTIFICATE-----\n..." },
 *   labels: ["api"],
 * };
 * console.log(options.labels);
 * ```
 */
export interface ConnectionOptions {
  /**
   * The server URL, `tcp://[:password@]host[:port]` or `tcp+tls://...`.
   *
   * @default {the variable named by FAKTORY_PROVIDER, else FAKTORY_URL, else tcp://localhost:7419}
   */
  readonly url?: string;
  /** The password; overrides the one in the URL. */
  readonly password?: string;
  /** TLS settings (a CA to trust); `true` or an object also turns TLS on. */
  readonly tls?: boolean | TlsOptions;
  /** Host name sent in HELLO. @default {the machine's host name} */
  readonly hostname?: string;
  /** Process id sent in HELLO. @default {the process id} */
  readonly pid?: number;
  /** Labels sent in HELLO. @default {[]} */
  readonly labels?: readonly string[];
  /** Worker id; set for worker connections, absent for producers. */
  readonly wid?: string;
  /**
   * Milliseconds to wait for a reply before the connection is declared dead.
   * It must exceed the server's 2 s FETCH block.
   *
   * @default {10000}
   */
  readonly timeout?: number;
  /** Milliseconds to wait for the connection to open. @default {10000} */
  readonly connectTimeout?: number;
  /** The largest reply accepted, in bytes. @default {64 MiB} */
  readonly maxReplyBytes?: number;
  /** The transport to use. @default {the current runtime's} */
  readonly transport?: Transport;
  /** Cancels connecting. */
  readonly signal?: AbortSignal;
}

/**
 * Options for one request.
 *
 * @example
 * ```ts
 * import type { RequestOptions } from "@x/faktory-worker";
 * const options: RequestOptions = { signal: AbortSignal.timeout(1000) };
 * console.log(options.signal?.aborted);
 * ```
 */
export interface RequestOptions {
  /**
   * Abandons the request. Before it is written, nothing is sent; after, its
   * reply is discarded when it arrives (an abandoned FETCH leaves its job
   * reserved until the job's reserve_for runs out).
   */
  readonly signal?: AbortSignal;
}

interface Pending {
  readonly verb: Verb;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  abandoned: boolean;
}

const DEFAULT_TIMEOUT = 10_000;

/**
 * A single open connection. Most code uses {@linkcode Client} instead.
 *
 * @example
 * ```ts ignore
 * import { Connection } from "@x/faktory-worker";
 * const conn = await Connection.open({ url: "tcp://localhost:7419" });
 * const info = await conn.request({ type: "INFO" });
 * console.log(info.server.faktory_version);
 * conn.close();
 * ```
 */
export class Connection {
  readonly #proto: ClientProtocol;
  readonly #pending: Pending[] = [];
  readonly #timeout: number;
  readonly #closeListeners: ((error?: Error) => void)[] = [];
  readonly #idleWaiters: (() => void)[] = [];
  #socket: Socket | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #hi: { resolve(hi: Hi): void; reject(e: unknown): void } | undefined;
  #closedError: Error | undefined;
  #closed = false;
  /** The address this connection talks to (password masked when printed). */
  readonly address: ServerAddress;

  private constructor(address: ServerAddress, options: ConnectionOptions) {
    this.address = address;
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT;
    this.#proto = new ClientProtocol(
      options.maxReplyBytes === undefined
        ? {}
        : { maxBulkBytes: options.maxReplyBytes },
    );
  }

  /**
   * Opens a connection and completes the handshake.
   *
   * @param options Where to connect and who to say we are.
   * @returns The ready connection.
   * @throws {ConnectError} When the server cannot be reached.
   * @throws {AuthenticationError} When the password is wrong or missing.
   * @throws {RemoteProtocolError} When the server's greeting is malformed.
   */
  static async open(options: ConnectionOptions = {}): Promise<Connection> {
    const timeout = options.timeout ?? DEFAULT_TIMEOUT;
    if (!(timeout > 2000)) {
      throw new RangeError(
        `timeout must exceed the server's 2000 ms FETCH block, got ${timeout}`,
      );
    }
    const platform = await defaultPlatform();
    const url = options.url ?? resolveUrl(platform.env);
    const parsed = ServerAddress.parse(url);
    const address = new ServerAddress(
      parsed.host,
      parsed.port,
      parsed.tls || (options.tls !== undefined && options.tls !== false),
      options.password ?? parsed.password,
    );
    const conn = new Connection(address, options);
    const transport = options.transport ?? await defaultTransport();
    const hi = new Promise<Hi>((resolve, reject) => {
      conn.#hi = { resolve, reject };
    });
    conn.#socket = await transport.connect({
      host: address.host,
      port: address.port,
      ...(address.tls
        ? { tls: typeof options.tls === "object" ? options.tls : true }
        : {}),
      ...(options.connectTimeout === undefined
        ? {}
        : { connectTimeout: options.connectTimeout }),
      ...(options.signal ? { signal: options.signal } : {}),
    }, {
      data: (chunk) => conn.#onData(chunk),
      close: (error) => conn.#onClose(error),
    });
    // The signal also cancels the handshake (a server that accepts but never greets).
    const onAbort = () =>
      conn.#teardown(
        new ConnectError(`Connection to ${address} aborted`, "ABORTED", {
          cause: options.signal?.reason,
        }),
      );
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (options.signal?.aborted) onAbort();
      conn.#armTimer();
      const greeting = await hi;
      const identity: Identity = {
        hostname: options.hostname ?? platform.hostname(),
        pid: options.pid ?? platform.pid,
        labels: options.labels ?? [],
        ...(options.wid === undefined ? {} : { wid: options.wid }),
      };
      let pwdhash: string | undefined;
      if (greeting.i !== undefined && greeting.s !== undefined) {
        if (address.password === undefined) {
          throw new LocalProtocolError(
            `The server at ${address} requires a password; set it in the URL or the password option`,
          );
        }
        pwdhash = await hashPassword(address.password, greeting.s, greeting.i);
      }
      await conn.request({
        type: "HELLO",
        payload: buildHello(identity, pwdhash),
      });
      return conn;
    } catch (err) {
      conn.close();
      throw err;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** The protocol state: `ready` while usable. */
  get state(): ConnectionState {
    return this.#proto.state;
  }

  /** Whether the connection can no longer be used. */
  get closed(): boolean {
    return this.#closed;
  }

  /** How many commands wait for their reply. */
  get pending(): number {
    return this.#pending.length;
  }

  /**
   * Resolves when no command waits for its reply (at once if none does).
   *
   * @returns A promise that never rejects.
   */
  idle(): Promise<void> {
    if (this.#pending.length === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Calls `listener` once when the connection closes, with the error that
   * closed it, if any.
   *
   * @param listener The callback.
   */
  onClose(listener: (error?: Error) => void): void {
    if (this.#closed) listener(this.#closedError);
    else this.#closeListeners.push(listener);
  }

  /**
   * Sends a command and waits for its typed result. Commands may be issued
   * without waiting for earlier ones: they are written in order and their
   * replies matched in order.
   *
   * @param command The command.
   * @param options An abort signal.
   * @returns The typed result.
   * @throws {ServerError} For an error reply.
   * @throws {ConnectionClosedError} When the connection closed first.
   * @throws {TimeoutError} When no reply came within the read timeout.
   * @throws {LocalProtocolError} For a command that cannot be sent.
   */
  request<C extends Command>(
    command: C,
    options: RequestOptions = {},
  ): Promise<CommandResults[C["type"]]> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    let bytes: Uint8Array;
    try {
      bytes = this.#proto.send(command);
    } catch (err) {
      return Promise.reject(this.#closed ? this.#closedErrorFor(err) : err);
    }
    const promise = new Promise<CommandResults[C["type"]]>(
      (resolve, reject) => {
        const entry: Pending = {
          verb: command.type,
          resolve: resolve as (v: unknown) => void,
          reject,
          abandoned: false,
        };
        this.#pending.push(entry);
        if (this.#pending.length === 1) this.#armTimer();
        if (signal) {
          const onAbort = () => {
            entry.abandoned = true;
            reject(signal.reason);
          };
          signal.addEventListener("abort", onAbort, { once: true });
          const cleanup = () => signal.removeEventListener("abort", onAbort);
          entry.resolve = (
            v,
          ) => (cleanup(), resolve(v as CommandResults[C["type"]]));
          entry.reject = (e) => (cleanup(), reject(e));
        }
      },
    );
    this.#socket!.write(bytes).catch((err) => this.#teardown(err));
    return promise;
  }

  /**
   * Sends END (the server closes without replying) and closes the socket.
   * Outstanding requests fail with {@linkcode ConnectionClosedError}.
   * Idempotent.
   *
   * @returns Resolves once END was handed to the socket.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    const socket = this.#socket;
    let sent: Promise<void> | undefined;
    const state = this.#proto.state;
    if (socket && (state === "ready" || state === "handshake")) {
      try {
        sent = socket.write(this.#proto.send({ type: "END" }));
      } catch { /* closed meanwhile */ }
    }
    this.#teardown(
      new ConnectionClosedError("Connection closed by the client"),
      false,
    );
    try {
      await sent;
    } catch { /* the peer went away first: nothing to end */ }
    socket?.close();
  }

  #closedErrorFor(err: unknown): unknown {
    if (err instanceof ConnectionClosedError && this.#closedError) {
      return new ConnectionClosedError(err.message, {
        cause: this.#closedError,
      });
    }
    return err;
  }

  #armTimer(): void {
    clearTimeout(this.#timer);
    if (this.#pending.length === 0 && !this.#hi) {
      this.#timer = undefined;
      return;
    }
    this.#timer = setTimeout(() => {
      const verb = this.#pending[0]?.verb ?? "the HI greeting";
      this.#teardown(
        new TimeoutError(
          `No reply to ${verb} within ${this.#timeout} ms from ${this.address}`,
        ),
      );
    }, this.#timeout);
  }

  #onData(chunk: Uint8Array): void {
    const proto = this.#proto;
    proto.receive(chunk);
    for (;;) {
      let event;
      try {
        event = proto.nextEvent();
      } catch (err) {
        this.#teardown(err as Error);
        return;
      }
      if (event === undefined) break;
      if (event.type === "hi") {
        const hi = this.#hi;
        this.#hi = undefined;
        hi?.resolve(event.hi);
        this.#armTimer();
        continue;
      }
      const entry = this.#pending.shift()!;
      this.#armTimer();
      let result: unknown;
      try {
        result = decodeResult(event.verb, event.reply);
      } catch (err) {
        if (!entry.abandoned) entry.reject(err);
        if (err instanceof ServerError && proto.state !== "error") continue;
        this.#teardown(
          err instanceof FaktoryError
            ? err
            : new RemoteProtocolError(String(err)),
        );
        return;
      }
      if (!entry.abandoned) entry.resolve(result);
    }
    if (this.#pending.length === 0 && this.#idleWaiters.length > 0) {
      for (const f of this.#idleWaiters.splice(0)) f();
    }
  }

  #onClose(error?: Error): void {
    this.#teardown(
      new ConnectionClosedError(
        `Connection to ${this.address} closed by the server${
          error ? `: ${error.message}` : ""
        }`,
        { cause: error },
      ),
    );
  }

  #teardown(error: Error, closeSocket = true): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closedError = error;
    clearTimeout(this.#timer);
    this.#proto.transportClosed(error);
    const pending = this.#pending.splice(0);
    const hi = this.#hi;
    this.#hi = undefined;
    const failure = (first: boolean) =>
      first || !(error instanceof TimeoutError)
        ? error
        : new ConnectionClosedError("Connection closed after a read timeout", {
          cause: error,
        });
    hi?.reject(error);
    pending.forEach((p, i) => p.abandoned || p.reject(failure(i === 0)));
    if (closeSocket) this.#socket?.close();
    for (const f of this.#idleWaiters.splice(0)) f();
    for (const listener of this.#closeListeners.splice(0)) {
      try {
        listener(error);
      } catch { /* a listener's failure must not break teardown */ }
    }
  }
}
