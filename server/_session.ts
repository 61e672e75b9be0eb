/**
 * One client connection of the embedded server: greeting, HELLO, then one
 * command at a time (as Faktory does), with the replies and error strings of
 * Faktory 1.8. Framing, the handshake and the commands live in their own
 * modules; this ties them together for one socket.
 *
 * @module
 */

import type { Socket, SocketHandlers } from "../adapters/transport.ts";
import { encodeReply } from "../core/resp.ts";
import { greeting, handshake } from "./_auth.ts";
import type { Challenge } from "./_challenges.ts";
import { hello } from "./_commands_workers.ts";
import { type CommandContext, dispatch } from "./_dispatch.ts";
import { firstWord, Framing, type Outcome } from "./_framing.ts";
import { errorReply, failed, type Out } from "./_replies.ts";
import type { Connection, ServerState } from "./_server_state.ts";
import type { WorkerRecord } from "./_workers.ts";

const CLOSE: Outcome = { reply: null, close: true };

/** The most input held for a connection whose HELLO is not accepted yet. */
const HANDSHAKE_INPUT = 16 * 1024;

/** A client connection to the embedded server. */
export class Session implements CommandContext, Connection {
  readonly server: ServerState;
  readonly #framing: Framing;
  readonly #challenge: Challenge | undefined;
  #ready = false;
  #handshaking = true;
  #helloTimer: ReturnType<typeof setTimeout> | undefined;
  #worker: WorkerRecord | undefined;

  constructor(server: ServerState, socket: Socket) {
    this.server = server;
    const { helloTimeout, maxInputBytes } = server.options;
    this.#framing = new Framing(
      socket,
      (line) => this.#line(line),
      () => this.#closed(),
      Math.min(HANDSHAKE_INPUT, maxInputBytes),
    );
    this.#challenge = server.challenges?.issue();
    this.#framing.greet(greeting(this.#challenge));
    this.#helloTimer = setTimeout(() => this.close(), helloTimeout);
  }

  /** The socket callbacks to hand to the listener. */
  get handlers(): SocketHandlers {
    return this.#framing.handlers;
  }

  /** The worker id from HELLO; undefined for a producer. */
  get wid(): string | undefined {
    return this.#worker?.wid;
  }

  /** The worker's record, for a worker's connection. */
  get worker(): WorkerRecord | undefined {
    return this.#worker;
  }

  /** Closes the connection. Idempotent. */
  close(): void {
    this.#framing.close();
  }

  #closed(): void {
    this.#handshakeOver();
    if (this.#worker) this.server.workers.disconnect(this.#worker);
    this.server.closed(this);
  }

  #welcome(fields: Record<string, unknown>): void {
    if (this.#framing.closed) return;
    this.#handshakeOver();
    this.#framing.maxInput = this.server.options.maxInputBytes;
    this.#worker = hello(this.server, fields);
    this.#ready = true;
  }

  /** HELLO was accepted or the connection closed: once. */
  #handshakeOver(): void {
    if (!this.#handshaking) return;
    this.#handshaking = false;
    clearTimeout(this.#helloTimer);
    this.#helloTimer = undefined;
    this.server.challenges?.settled();
  }

  #line(line: string): Outcome | Promise<Outcome> {
    if (!this.#ready) {
      return handshake(
        line,
        this.#challenge,
        this,
        (fields) => this.#welcome(fields),
      );
    }
    if (this.server.closing) {
      // As Faktory after SIGTERM: the next command is refused and the connection closed.
      return { reply: errorReply("shutdown in progress"), close: true };
    }
    const [verb, payload] = firstWord(line);
    this.server.count(verb);
    const fault = this.server.faults.take(verb, this.wid);
    if (fault?.action === "close") return CLOSE;
    if (fault?.action === "error") {
      const message = fault.message ?? "injected error";
      return { reply: encodeReply({ type: "error", code: "ERR", message }) };
    }
    if (verb === "END") return CLOSE;
    let reply: Out | Promise<Out>;
    try {
      reply = dispatch(this, verb, payload);
    } catch (err) {
      reply = failed(err);
    }
    return reply instanceof Promise
      ? reply.catch(failed).then((out) => ({ reply: out, fault }))
      : { reply, fault };
  }
}
