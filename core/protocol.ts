/**
 * The client side of one Faktory connection as a pure state machine: bytes
 * in, events out; commands in, bytes out. It enforces the handshake order,
 * prepares HELLO (password hash included), keeps the outstanding commands in
 * order with an opaque token each (so several commands may be written before
 * their replies arrive and a driver can match them to its callers), decodes
 * every reply into its typed result or typed error, and after any protocol
 * error stays in the `error` state.
 *
 * ```
 * greeting --HI--> handshake --HELLO--> hello-sent --+OK--> ready
 *     any state --END or transport closed--> closed
 *     any state --malformed input / -ERR to HELLO--> error
 * ```
 *
 * @module
 */

import {
  type Command,
  decodeResult,
  encodeCommand,
  type Verb,
} from "./commands.ts";
import {
  ConnectionClosedError,
  FaktoryError,
  JobTooLargeError,
  LocalProtocolError,
  RemoteProtocolError,
  ServerError,
} from "./errors.ts";
import { Greeting } from "./_greeting.ts";
import type { HelloBuilder, Hi, Identity } from "./handshake.ts";
import {
  type ParsedReply,
  ReplyParser,
  type ReplyParserOptions,
} from "./resp.ts";
import type {
  ConnectionState,
  ProtocolEvent,
  ReplyEvent,
} from "./protocol_events.ts";

export type { ConnectionState, ProtocolEvent, ReplyEvent };

/**
 * How a {@linkcode ClientProtocol} parses replies, and whom it talks to.
 * @example
 * ```ts
 * import { ClientProtocol, type ClientProtocolOptions } from "@x/faktory-worker/protocol";
 * const options: ClientProtocolOptions = { peer: "127.0.0.1:7419", maxBulkBytes: 1 << 20 };
 * console.log(new ClientProtocol(options).state); // "greeting"
 * ```
 */
export interface ClientProtocolOptions extends ReplyParserOptions {
  /** The server's host and port (never a password), named in handshake errors. */
  readonly peer?: string;
}

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
 * A sans-I/O Faktory client connection. `T` is the type of the token a
 * driver attaches to each command to find its caller when the reply comes.
 *
 * @example A handshake and a pipelined PUSH, driven by hand
 * ```ts
 * import { ClientProtocol } from "@x/faktory-worker/protocol";
 * const text = (s: string) => new TextEncoder().encode(s);
 * const conn = new ClientProtocol<string>();
 * conn.receive(text('+HI {"v":2}\r\n'));
 * console.log(conn.nextEvent()); // { type: "hi", hi: { v: 2 } }
 * const hello = conn.hello({ hostname: "h", pid: 1, labels: [] });
 * conn.send({ type: "HELLO", payload: hello.payload() }, "hello");
 * conn.receive(text("+OK\r\n"));
 * conn.nextEvent(); // the result of HELLO; state is now "ready"
 * conn.send({ type: "INFO" }, "info");
 * conn.send({ type: "ACK", jid: "0123456789ab" }, "ack");
 * console.log(conn.pending); // 2
 * ```
 */
export class ClientProtocol<T = undefined> {
  #state: ConnectionState = "greeting";
  #error: FaktoryError | undefined;
  #reason: Error | undefined;
  #hi: Hi | undefined;
  readonly #parser: ReplyParser;
  readonly #greeting: Greeting;
  readonly #verbs: Verb[] = [];
  readonly #tokens: T[] = [];
  #head = 0;

  /**
   * Creates a connection in the `greeting` state.
   *
   * @param options Reply size limits, and the peer named in handshake errors.
   */
  constructor(options: ClientProtocolOptions = {}) {
    const { peer, ...limits } = options;
    this.#parser = new ReplyParser(limits);
    this.#greeting = new Greeting(peer);
  }

  /** The current state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Whether the connection is over (`closed` or `error`). */
  get done(): boolean {
    return this.#state === "closed" || this.#state === "error";
  }

  /** The error that put the connection in the `error` state, if any. */
  get error(): FaktoryError | undefined {
    return this.#error;
  }

  /**
   * Why the connection is over: the protocol error, or the cause given to
   * {@linkcode ClientProtocol.transportClosed}. Undefined while open, and
   * after END.
   */
  get reason(): Error | undefined {
    return this.#reason;
  }

  /** How many sent commands still wait for their reply. */
  get pending(): number {
    return this.#verbs.length - this.#head;
  }

  /** The verb whose reply is due next, if any. */
  get awaiting(): Verb | undefined {
    return this.#verbs[this.#head];
  }

  /**
   * Starts the HELLO that answers the greeting. Run its
   * {@linkcode HelloBuilder.step} until 0, then send its payload.
   *
   * @param identity Who is connecting.
   * @param password The server password, if any.
   * @returns The HELLO in preparation.
   * @throws {LocalProtocolError} Before the greeting or after HELLO, or when
   * the server asks for a password and none is given.
   */
  hello(identity: Identity, password?: string): HelloBuilder {
    this.#throwIfDone();
    if (this.#state !== "handshake" || this.#hi === undefined) {
      throw new LocalProtocolError(
        this.#state === "greeting"
          ? "Wait for the server's HI greeting before HELLO"
          : "HELLO was already sent on this connection",
      );
    }
    return this.#greeting.hello(this.#hi, identity, password);
  }

  /**
   * The error for a greeting that did not come: the peer sent nothing for
   * `ms` (and closed, if `closed`), or part of a line. Changes no state.
   *
   * @param ms How long the driver waited after connecting, in ms.
   * @param closed Whether the peer closed the connection.
   * @returns A {@linkcode ConnectionClosedError} for a peer that closed
   *   within 500 ms, else a {@linkcode RemoteProtocolError}; it names the peer.
   */
  noGreeting(ms: number, closed: boolean): FaktoryError {
    return this.#greeting.missing(ms, closed);
  }

  /**
   * Encodes a command and records that its reply is due.
   *
   * @param command The command to send.
   * @param token What the reply event will carry back.
   * @returns The bytes to write.
   * @throws {LocalProtocolError} When the state does not allow the command or
   * the command is malformed (nothing is recorded then).
   * @throws {ConnectionClosedError} When the connection is closed.
   */
  send(command: Command, token?: T): Uint8Array {
    this.#throwIfDone();
    const next = SEND[this.#state](command.type);
    if (!isState(next)) throw new LocalProtocolError(next);
    const bytes = encoder.encode(encodeCommand(command));
    this.#state = next;
    if (command.type !== "END") {
      this.#verbs.push(command.type);
      this.#tokens.push(token as T);
    }
    return bytes;
  }

  /**
   * Adds bytes received from the server.
   *
   * @param bytes A chunk, split anywhere.
   */
  receive(bytes: Uint8Array): void {
    if (this.done) return;
    if (this.#state === "greeting") this.#greeting.keep(bytes);
    this.#parser.feed(bytes);
  }

  /**
   * Takes the next event from the received bytes.
   *
   * @returns The event, or `undefined` when more bytes are needed.
   * @throws {RemoteProtocolError} When the server broke the framing or the
   * handshake; the state becomes `error`.
   */
  nextEvent(): ProtocolEvent<T> | undefined {
    if (this.done) return undefined;
    const greeting = this.#state === "greeting";
    try {
      const reply = greeting
        ? this.#greeting.first(this.#parser)
        : this.#parser.next();
      if (reply === undefined) return undefined;
      if (!greeting) return this.#handle(reply);
      this.#hi = this.#greeting.read(reply);
      this.#state = "handshake";
      return { type: "hi", hi: this.#hi };
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
   * Records that the transport closed (or the driver gave up on it). The
   * outstanding commands will get no reply: the caller fails them.
   *
   * @param cause Why the transport closed, if known.
   * @returns The tokens of the commands that were outstanding, oldest first.
   */
  transportClosed(cause?: Error): T[] {
    const lost = this.pending;
    if (this.#state !== "error") {
      this.#state = "closed";
      this.#reason ??= cause;
      if (lost > 0 || cause !== undefined) {
        this.#error = new ConnectionClosedError(
          lost > 0
            ? `Connection closed with ${lost} command(s) awaiting a reply`
            : "Connection closed",
          { cause },
        );
      }
    }
    const tokens = this.#tokens.slice(this.#head);
    this.#verbs.length = this.#tokens.length = this.#head = 0;
    return tokens;
  }

  #handle(reply: ParsedReply): ProtocolEvent<T> {
    if (this.pending === 0) {
      throw new RemoteProtocolError(
        `Unexpected ${reply.type} reply with no command outstanding`,
      );
    }
    const head = this.#head++;
    const verb = this.#verbs[head]!;
    const token = this.#tokens[head]!;
    if (this.#head === this.#verbs.length) {
      this.#verbs.length = this.#tokens.length = this.#head = 0;
    } else if (this.#head > 1024) {
      this.#verbs.splice(0, this.#head);
      this.#tokens.splice(0, this.#head);
      this.#head = 0;
    }
    let result: unknown;
    try {
      result = decodeResult(verb, reply);
    } catch (err) {
      const error = err instanceof FaktoryError
        ? err
        : new RemoteProtocolError(`Invalid reply to ${verb}`, { cause: err });
      // An error reply leaves the connection usable, except for HELLO, and
      // so does a job too large to read (the parser skipped it whole); a
      // reply of the wrong shape means the peer is not speaking Faktory.
      const usable = error instanceof ServerError ||
        error instanceof JobTooLargeError;
      if (!usable || verb === "HELLO") {
        this.#fail(this.#greeting.named(error));
      }
      return { type: "error", verb, error, token };
    }
    if (verb === "HELLO" && this.#state === "hello-sent") {
      this.#state = "ready";
    }
    return { type: "result", verb, result, token } as ReplyEvent<T>;
  }

  #fail(error: FaktoryError): void {
    this.#state = "error";
    this.#error = error;
    this.#reason = error;
  }

  #throwIfDone(): void {
    if (this.#state === "error") throw this.#error!;
    if (this.#state === "closed") {
      throw new ConnectionClosedError("The connection is closed", {
        cause: this.#reason ?? this.#error,
      });
    }
  }
}

function isState(value: string): value is ConnectionState {
  return value in SEND;
}
