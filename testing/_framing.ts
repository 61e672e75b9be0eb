/**
 * The framing of one connection of the embedded server: bytes in, lines
 * out; one line handled at a time, as Faktory does; replies out in order,
 * with injected faults applied to them.
 *
 * @module
 */

import type { Socket, SocketHandlers } from "../adapters/transport.ts";
import type { Fault } from "./_faults.ts";
import { failed, GARBAGE, type Out } from "./_replies.ts";

/** The longest line accepted; a longer one closes the connection. */
const MAX_LINE = 16 * 1024 * 1024;

/**
 * A line's first word and the text after the first space (undefined when
 * there is no space): a command's verb and payload, or a BATCH/TRACK
 * payload's subcommand and argument.
 */
export function firstWord(line: string): [word: string, rest?: string] {
  const space = line.indexOf(" ");
  return space === -1 ? [line] : [line.slice(0, space), line.slice(space + 1)];
}

/** What to do after a line: the reply, a fault to apply to it, and whether to close. */
export interface Outcome {
  /** The reply, or null for none. */
  readonly reply: Out;
  /** A fault that changes how the reply goes out. */
  readonly fault?: Fault | undefined;
  /** Close the connection once the reply is out. */
  readonly close?: boolean;
}

/** Handles one line; a Promise holds back the lines after it until it settles. */
export type LineHandler = (line: string) => Outcome | Promise<Outcome>;

/** Lines in, replies out, for one socket. */
export class Framing {
  readonly handlers: SocketHandlers;
  readonly #socket: Socket;
  readonly #handle: LineHandler;
  readonly #onClose: () => void;
  readonly #decoder = new TextDecoder();
  readonly #lines: string[] = [];
  #partial = "";
  #busy = false;
  #closed = false;
  #out: Uint8Array[] = [];

  /**
   * @param socket The connection.
   * @param handle Called for each line, one at a time.
   * @param onClose Called once when the connection closes, from either side.
   */
  constructor(socket: Socket, handle: LineHandler, onClose: () => void) {
    this.#socket = socket;
    this.#handle = handle;
    this.#onClose = onClose;
    this.handlers = {
      data: (chunk) => this.#onData(chunk),
      close: () => this.#ended(),
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Writes bytes at once, ahead of any reply (the greeting). */
  greet(bytes: Uint8Array): void {
    void this.#socket.write(bytes).catch(() => {});
  }

  /** Sends the replies so far and closes the connection. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#flush();
    this.#socket.close();
    this.#ended();
  }

  #ended(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#lines.length = 0;
    this.#onClose();
  }

  #onData(chunk: Uint8Array): void {
    if (this.#closed) return;
    const text = this.#partial + this.#decoder.decode(chunk, { stream: true });
    const parts = text.split("\n");
    this.#partial = parts.pop()!;
    if (this.#partial.length > MAX_LINE) return this.close();
    for (const line of parts) {
      this.#lines.push(line.endsWith("\r") ? line.slice(0, -1) : line);
    }
    this.#pump();
  }

  #pump(): void {
    while (!this.#busy && this.#lines.length > 0 && !this.#closed) {
      const line = this.#lines.shift()!;
      let outcome: Outcome | Promise<Outcome>;
      try {
        outcome = this.#handle(line);
      } catch (err) {
        outcome = { reply: failed(err) };
      }
      if (outcome instanceof Promise) {
        // Replies to the lines before this one go out now, as Faktory
        // answers each command as it runs it.
        this.#flush();
        this.#busy = true;
        outcome.catch((err) => ({ reply: failed(err) })).then((done) => {
          this.#busy = false;
          this.#answer(done);
          this.#flush();
          this.#pump();
        });
        return;
      }
      this.#answer(outcome);
      if (this.#busy) return;
    }
    this.#flush();
  }

  #answer(outcome: Outcome): void {
    if (this.#closed) return;
    const { reply, fault } = outcome;
    if (reply !== null) {
      switch (fault?.action) {
        case "close-after":
          return this.close();
        case "cut-reply":
          this.#out.push(reply.subarray(0, Math.max(1, reply.length >> 1)));
          return this.close();
        case "garbage":
          this.#out.push(GARBAGE);
          break;
        case "delay":
          this.#busy = true;
          setTimeout(() => {
            this.#busy = false;
            if (this.#closed) return;
            this.#out.push(reply);
            this.#flush();
            if (outcome.close) return this.close();
            this.#pump();
          }, fault.ms ?? 100);
          return;
        default:
          this.#out.push(reply);
      }
    }
    if (outcome.close) this.close();
  }

  #flush(): void {
    if (this.#out.length === 0) return;
    let bytes: Uint8Array;
    if (this.#out.length === 1) bytes = this.#out[0]!;
    else {
      bytes = new Uint8Array(this.#out.reduce((n, b) => n + b.length, 0));
      let off = 0;
      for (const b of this.#out) bytes.set(b, off), (off += b.length);
    }
    this.#out = [];
    this.#socket.write(bytes).catch(() => this.close());
  }
}
