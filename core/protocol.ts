/**
 * The client side of one Faktory connection as a pure state machine: bytes
 * in, events out; commands in, bytes out. It enforces the handshake order,
 * keeps the verbs of outstanding commands in order (so several commands may
 * be written before their replies arrive), and after any protocol error
 * stays in the `error` state.
 *
 * ```
 * greeting --HI--> handshake --HELLO--> hello-sent --+OK--> ready
 *     any state --END or transport closed--> closed
 *     any state --malformed input / -ERR to HELLO--> error
 * ```
 *
 * @module
 */

import { type Command, encodeCommand, type Verb } from "./commands.ts";
import {
  ConnectionClosedError,
  type FaktoryError,
  LocalProtocolError,
  RemoteProtocolError,
  serverError,
} from "./errors.ts";
import { type Hi, parseHi } from "./handshake.ts";
import { type Reply, ReplyParser, type ReplyParserOptions } from "./resp.ts";

/**
 * Where a connection is in its life.
 *
 * @example
 * ```ts
 * import type { ConnectionState } from "@x/faktory-worker";
 * const state: ConnectionState = "ready";
 * console.log(state);
 * ```
 */
export type ConnectionState =
  | "greeting"
  | "handshake"
  | "hello-sent"
  | "ready"
  | "closed"
  | "error";

/**
 * Something the peer said: the greeting, or the reply to the oldest
 * outstanding command.
 *
 * @example
 * ```ts
 * import type { ProtocolEvent } from "@x/faktory-worker";
 * function show(event: ProtocolEvent): string {
 *   return event.type === "hi" ? `HI v${event.hi.v}` : `${event.verb} -> ${event.reply.type}`;
 * }
 * ```
 */
export type ProtocolEvent =
  | { readonly type: "hi"; readonly hi: Hi }
  | { readonly type: "reply"; readonly verb: Verb; readonly reply: Reply };

/** Which commands each state accepts, and the state a command leads to. */
const SEND: Readonly<
  Record<ConnectionState, (verb: Verb) => ConnectionState | string>
> = {
  greeting: () => "Wait for the server's HI greeting before sending commands",
  handshake: (verb) =>
    verb === "HELLO"
      ? "hello-sent"
      : verb === "END"
      ? "closed"
      : `Send HELLO before ${verb}: the server drops a connection that does not`,
  "hello-sent": (verb) =>
    verb === "END"
      ? "closed"
      : `Wait for the reply to HELLO before sending ${verb}`,
  ready: (verb) =>
    verb === "HELLO"
      ? "HELLO was already sent on this connection"
      : verb === "END"
      ? "closed"
      : "ready",
  closed: () => "",
  error: () => "",
};

const encoder = new TextEncoder();

/**
 * A sans-I/O Faktory client connection.
 *
 * @example A handshake and a pipelined PUSH, driven by hand
 * ```ts
 * import { ClientProtocol } from "@x/faktory-worker";
 * const text = (s: string) => new TextEncoder().encode(s);
 * const conn = new ClientProtocol();
 * conn.receive(text('+HI {"v":2}\r\n'));
 * console.log(conn.nextEvent()); // { type: "hi", hi: { v: 2 } }
 * conn.send({ type: "HELLO", payload: { v: 2, hostname: "h", pid: 1, labels: [] } });
 * conn.receive(text("+OK\r\n"));
 * conn.nextEvent(); // the reply to HELLO; state is now "ready"
 * conn.send({ type: "INFO" });
 * conn.send({ type: "ACK", jid: "0123456789ab" });
 * console.log(conn.pending); // 2
 * ```
 */
export class ClientProtocol {
  #state: ConnectionState = "greeting";
  #error: FaktoryError | undefined;
  readonly #parser: ReplyParser;
  readonly #pending: Verb[] = [];
  #head = 0;

  /**
   * Creates a connection in the `greeting` state.
   *
   * @param options Reply size limits.
   */
  constructor(options: ReplyParserOptions = {}) {
    this.#parser = new ReplyParser(options);
  }

  /** The current state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** The error that put the connection in the `error` state, if any. */
  get error(): FaktoryError | undefined {
    return this.#error;
  }

  /** How many sent commands still wait for their reply. */
  get pending(): number {
    return this.#pending.length - this.#head;
  }

  /**
   * Encodes a command and records that its reply is due.
   *
   * @param command The command to send.
   * @returns The bytes to write.
   * @throws {LocalProtocolError} When the state does not allow the command or
   * the command is malformed (nothing is recorded then).
   * @throws {ConnectionClosedError} When the connection is closed.
   */
  send(command: Command): Uint8Array {
    this.#throwIfDone();
    const next = SEND[this.#state](command.type);
    if (!isState(next)) throw new LocalProtocolError(next);
    const bytes = encoder.encode(encodeCommand(command));
    this.#state = next;
    if (command.type !== "END") this.#pending.push(command.type);
    return bytes;
  }

  /**
   * Adds bytes received from the server.
   *
   * @param bytes A chunk, split anywhere.
   */
  receive(bytes: Uint8Array): void {
    if (this.#state === "closed" || this.#state === "error") return;
    this.#parser.feed(bytes);
  }

  /**
   * Takes the next event from the received bytes.
   *
   * @returns The event, or `undefined` when more bytes are needed.
   * @throws {RemoteProtocolError} When the server broke the protocol; the
   * state becomes `error`.
   */
  nextEvent(): ProtocolEvent | undefined {
    if (this.#state === "closed" || this.#state === "error") return undefined;
    try {
      const reply = this.#parser.next();
      if (reply === undefined) return undefined;
      return this.#handle(reply);
    } catch (err) {
      const error = err instanceof RemoteProtocolError
        ? err
        : new RemoteProtocolError("Invalid data from the server", {
          cause: err,
        });
      this.#fail(error);
      throw error;
    }
  }

  /**
   * Records that the transport closed. Outstanding commands will get no
   * reply; the caller fails them.
   *
   * @param cause Why the transport closed, if known.
   * @returns How many commands were outstanding.
   */
  transportClosed(cause?: unknown): number {
    const lost = this.pending;
    if (this.#state !== "error") {
      this.#state = "closed";
      if (lost > 0 || cause !== undefined) {
        this.#error = new ConnectionClosedError(
          lost > 0
            ? `Connection closed with ${lost} command(s) awaiting a reply`
            : "Connection closed",
          { cause },
        );
      }
    }
    this.#pending.length = this.#head = 0;
    return lost;
  }

  #handle(reply: Reply): ProtocolEvent {
    if (this.#state === "greeting") {
      const hi = parseHi(reply);
      this.#state = "handshake";
      return { type: "hi", hi };
    }
    if (this.pending === 0) {
      throw new RemoteProtocolError(
        `Unexpected ${reply.type} reply with no command outstanding`,
      );
    }
    const verb = this.#pending[this.#head++]!;
    if (this.#head === this.#pending.length) {
      this.#pending.length = this.#head = 0;
    } else if (this.#head > 1024) {
      this.#pending.splice(0, this.#head);
      this.#head = 0;
    }
    if (verb === "HELLO") {
      if (reply.type === "error") {
        this.#fail(serverError(reply.code, reply.message, "HELLO"));
      } else if (reply.type === "simple" && reply.value === "OK") {
        if (this.#state === "hello-sent") this.#state = "ready";
      } else {
        throw new RemoteProtocolError(
          `Unexpected reply to HELLO: ${reply.type}`,
        );
      }
    }
    return { type: "reply", verb, reply };
  }

  #fail(error: FaktoryError): void {
    this.#state = "error";
    this.#error = error;
  }

  #throwIfDone(): void {
    if (this.#state === "error") throw this.#error!;
    if (this.#state === "closed") {
      throw new ConnectionClosedError("The connection is closed", {
        cause: this.#error,
      });
    }
  }
}

function isState(value: string): value is ConnectionState {
  return value in SEND;
}
