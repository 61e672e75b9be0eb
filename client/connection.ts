/**
 * One connection to a Faktory server: a thin driver of the pure protocol
 * core over a Transport. The core keeps the outstanding commands (each with
 * its caller's promise as a token), decodes replies and runs the handshake;
 * this driver adds what needs I/O: the socket, read timeouts, abort signals,
 * and yielding while the password hash runs.
 *
 * @module
 */

import type { Command, CommandResults } from "../core/commands.ts";
import type { ServerAddress } from "../core/config.ts";
import { ConnectionClosedError, TimeoutError } from "../core/errors.ts";
import type { Identity } from "../core/handshake.ts";
import {
  ClientProtocol,
  type ConnectionState,
  type ReplyEvent,
} from "../core/protocol.ts";
import { defaultPlatform, defaultTransport } from "../adapters/runtime.ts";
import type { Socket } from "../adapters/transport.ts";
import type {
  ConnectionOptions,
  RequestOptions,
} from "./connection_options.ts";
import {
  checkOptions,
  connectAborted,
  connectSocket,
  identityOf,
  isDeadline,
  peerOf,
  resolveAddress,
  withConnectDeadline,
} from "./_open.ts";
import { BatchWriter } from "./_batch_writer.ts";
import { onAbort } from "./_abort.ts";
import { ReadTimer } from "./_read_timer.ts";

export type {
  ClientTransport,
  ConnectionOptions,
  RequestOptions,
  ServerTransport,
} from "./connection_options.ts";

/** A caller waiting for a reply: the token the core keeps per command. */
interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** Stops listening to the request's abort signal. */
  unlisten: (() => void) | undefined;
  abandoned: boolean;
}

function settle(entry: Pending, event: ReplyEvent<Pending>): void {
  entry.unlisten?.();
  if (entry.abandoned) return;
  if (event.type === "result") entry.resolve(event.result);
  else entry.reject(event.error);
}

const DEFAULT_TIMEOUT = 10_000;
// Password hash iterations between two turns of the event loop (a few ms).
const HASH_SLICE = 20_000;

/**
 * A single open connection. Most code uses {@linkcode Client} instead.
 *
 * @example
 * ```ts ignore
 * import { Connection } from "@x/faktory-worker/protocol";
 * const conn = await Connection.open({ url: "tcp://localhost:7419" });
 * const info = await conn.request({ type: "INFO" });
 * console.log(info.server.faktory_version);
 * conn.close();
 * ```
 */
export class Connection {
  readonly #proto: ClientProtocol<Pending>;
  readonly #timeout: number;
  readonly #closeListeners: ((error?: Error) => void)[] = [];
  readonly #idleWaiters: (() => void)[] = [];
  readonly #greeting: Promise<void>;
  #greeted: { resolve(): void; reject(e: unknown): void } | undefined;
  #socket: Socket | undefined;
  #out: BatchWriter | undefined;
  readonly #reads: ReadTimer;
  #connectedAt = 0; // Date.now() when the socket connected
  /** The address this connection talks to (password masked when printed). */
  readonly address: ServerAddress;

  private constructor(address: ServerAddress, options: ConnectionOptions) {
    this.address = address;
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT;
    this.#reads = new ReadTimer(
      this.#timeout,
      () => this.#proto.pending > 0 || this.#proto.state === "greeting",
      () =>
        this.#teardown(
          this.#noGreeting(false) ?? new TimeoutError(
            `No reply to ${this.#proto.awaiting} within ${this.#timeout} ms from ${this.address}`,
          ),
        ),
    );
    const max = options.maxReplyBytes;
    this.#proto = new ClientProtocol({
      peer: peerOf(address),
      ...(max === undefined ? {} : { maxBulkBytes: max }),
    });
    this.#greeting = new Promise((resolve, reject) => {
      this.#greeted = { resolve, reject };
    });
    this.#greeting.catch(() => {}); // rejected by a teardown nobody awaits
  }

  /**
   * Opens a connection and completes the handshake.
   *
   * @param options Where to connect and who to say we are.
   * @returns The ready connection.
   * @throws {ConnectError} When the server cannot be reached, or the
   * handshake does not finish within `connectTimeout` (code `ETIMEDOUT`) or
   * before `signal` aborts (code `ABORTED`).
   * @throws {AuthenticationError} When the password is wrong.
   * @throws {RemoteProtocolError} When the peer does not greet as Faktory does.
   * @throws {LocalProtocolError} When the URL or an option is invalid, or the
   * server wants a password and none is set.
   */
  static async open(options: ConnectionOptions = {}): Promise<Connection> {
    checkOptions(options);
    const platform = await defaultPlatform();
    const address = resolveAddress(options, platform);
    const identity = identityOf(options, platform);
    return await withConnectDeadline(address, options, async (signal) => {
      const conn = new Connection(address, options);
      const transport = options.transport ?? await defaultTransport();
      conn.#socket = await connectSocket(transport, address, options, signal, {
        data: (chunk) => conn.#onData(chunk),
        close: (error) => conn.#onClose(error),
      });
      conn.#connectedAt = Date.now();
      conn.#out = new BatchWriter(conn.#socket, (e) => conn.#onWriteError(e));
      let reason: Error | undefined; // kept: the teardown ends the greeting state
      const aborted = () =>
        reason ??= (isDeadline(signal.reason) && conn.#noGreeting(false)) ||
          connectAborted(address, signal.reason);
      const abortConnect = () => conn.#teardown(aborted());
      signal.addEventListener("abort", abortConnect, { once: true });
      try {
        if (signal.aborted) throw aborted();
        conn.#reads.arm();
        await conn.#handshake(identity, address.password, signal);
        return conn;
      } catch (err) {
        conn.close();
        throw signal.aborted ? aborted() : err;
      } finally {
        signal.removeEventListener("abort", abortConnect);
      }
    });
  }

  /** While the greeting is due: the error for a peer that did not send it. */
  #noGreeting(closed: boolean): Error | undefined {
    if (this.#proto.state !== "greeting" || this.#connectedAt === 0) return;
    return this.#proto.noGreeting(Date.now() - this.#connectedAt, closed);
  }

  /** HI, then HELLO: the core prepares it, hashing in slices between turns. */
  async #handshake(
    identity: Identity,
    password: string | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    await this.#greeting;
    const hello = this.#proto.hello(identity, password);
    while (hello.step(HASH_SLICE) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      signal.throwIfAborted();
    }
    await this.request({ type: "HELLO", payload: hello.payload() });
  }

  /** The protocol state: `ready` while usable. */
  get state(): ConnectionState {
    return this.#proto.state;
  }

  /** Whether the connection can no longer be used. */
  get closed(): boolean {
    return this.#proto.done;
  }

  /** How many commands wait for their reply. */
  get pending(): number {
    return this.#proto.pending;
  }

  /**
   * Resolves when no command waits for its reply (at once if none does).
   *
   * @returns A promise that never rejects.
   */
  idle(): Promise<void> {
    if (this.#proto.pending === 0 || this.#proto.done) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Calls `listener` once when the connection closes, with the error that
   * closed it, if any.
   *
   * @param listener The callback.
   */
  onClose(listener: (error?: Error) => void): void {
    if (this.#proto.done) listener(this.#proto.reason);
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
    let entry!: Pending;
    const promise = new Promise<CommandResults[C["type"]]>(
      (resolve, reject) => {
        entry = {
          resolve: resolve as (value: unknown) => void,
          reject,
          unlisten: undefined,
          abandoned: false,
        };
      },
    );
    let bytes: Uint8Array;
    try {
      bytes = this.#proto.send(command, entry);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#proto.pending === 1) this.#reads.arm();
    if (signal) {
      // One listener per signal, however many requests share it.
      entry.unlisten = onAbort(signal, () => {
        entry.abandoned = true;
        entry.reject(signal.reason);
      });
    }
    this.#out!.write(bytes);
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
    const proto = this.#proto;
    if (proto.done) return;
    const socket = this.#socket;
    let sent: Promise<void> | undefined;
    this.#out?.flush();
    if (socket && (proto.state === "ready" || proto.state === "handshake")) {
      try {
        sent = socket.write(proto.send({ type: "END" }));
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

  #onData(chunk: Uint8Array): void {
    this.#reads.received();
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
      this.#reads.arm();
      if (event.type === "hi") {
        this.#greeted?.resolve();
        this.#greeted = undefined;
        continue;
      }
      settle(event.token, event);
      if (proto.state === "error") return this.#teardown(proto.error!);
    }
    if (proto.pending === 0 && this.#idleWaiters.length > 0) {
      for (const f of this.#idleWaiters.splice(0)) f();
    }
  }

  #onWriteError(error: unknown): void {
    this.#teardown(
      new ConnectionClosedError(
        `Connection to ${this.address} failed while writing: ${
          (error as Error)?.message ?? String(error)
        }`,
        { cause: error },
      ),
    );
  }

  #onClose(error?: Error): void {
    this.#teardown(
      (!error && this.#noGreeting(true)) || new ConnectionClosedError(
        `Connection to ${this.address} closed by the server${
          error ? `: ${error.message}` : ""
        }`,
        { cause: error },
      ),
    );
  }

  /**
   * Ends the connection: the core records why and hands back the commands
   * that will get no reply. Running it again does nothing more.
   */
  #teardown(error: Error, closeSocket = true): void {
    this.#reads.stop();
    const lost = this.#proto.transportClosed(error);
    const reason = this.#proto.reason ?? error;
    this.#greeted?.reject(reason);
    this.#greeted = undefined;
    lost.forEach((entry, i) => {
      entry.unlisten?.();
      if (entry.abandoned) return;
      entry.reject(
        i === 0 || !(reason instanceof TimeoutError)
          ? reason
          : new ConnectionClosedError(
            "Connection closed after a read timeout",
            { cause: reason },
          ),
      );
    });
    this.#out?.drop();
    if (closeSocket) this.#socket?.close();
    for (const f of this.#idleWaiters.splice(0)) f();
    for (const listener of this.#closeListeners.splice(0)) {
      try {
        listener(reason);
      } catch { /* a listener's failure must not break teardown */ }
    }
  }
}
