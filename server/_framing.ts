/**
 * The framing of one connection of the embedded server: bytes in, lines
 * out; one line handled at a time, as Faktory does; replies out in order,
 * with injected faults applied to them.
 *
 * It costs the server no more than the connection's traffic: a long
 * pipeline is run a slice at a time, yielding to other connections between
 * slices; while the connection's replies are not read, or while a slice
 * waits for its turn, its commands wait and the socket is no longer read
 * (TCP back-pressure, as Faktory applies by reading a connection only as it
 * runs its commands); and what it may pipeline behind a command that waits
 * is capped.
 *
 * @module
 */

import type { Socket, SocketHandlers } from "../adapters/transport.ts";
import type { Fault } from "./_faults.ts";
import { LineBuffer } from "./_line_buffer.ts";
import { errorReply, failed, GARBAGE, type Out } from "./_replies.ts";

/** How long one slice of a connection's pipelined lines may run, in ms. */
const SLICE_MS = 10;

/**
 * Bytes of replies not yet taken by the socket beyond which a connection's
 * commands wait.
 */
const OUTPUT_HIGH_WATER = 256 * 1024;

/** Input held while the server holds a connection back beyond which its socket is paused. */
const PAUSE_AT = 64 * 1024;

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
  /**
   * The most input held for the connection: a line still arriving plus the
   * lines pipelined behind a command that waits. More closes it with -ERR.
   */
  maxInput: number;
  readonly #socket: Socket;
  readonly #handle: LineHandler;
  readonly #onClose: () => void;
  readonly #input = new LineBuffer();
  /** A command (or an injected delay) holds back the lines after it. */
  #waiting = false;
  /** Bytes written whose write has not completed. */
  #unsent = 0;
  #out: Uint8Array[] = [];
  #outBytes = 0;
  /** More lines are held than one slice runs: they run in slices of their own. */
  #bulk = false;
  /** The next slice. */
  #slice: ReturnType<typeof setTimeout> | undefined;
  #delay: ReturnType<typeof setTimeout> | undefined;
  #paused = false;
  #closed = false;

  /**
   * @param socket The connection.
   * @param handle Called for each line, one at a time.
   * @param onClose Called once when the connection closes, from either side.
   * @param maxInput The initial {@linkcode Framing.maxInput}.
   */
  constructor(
    socket: Socket,
    handle: LineHandler,
    onClose: () => void,
    maxInput: number,
  ) {
    this.#socket = socket;
    this.#handle = handle;
    this.#onClose = onClose;
    this.maxInput = maxInput;
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
    clearTimeout(this.#slice);
    clearTimeout(this.#delay);
    this.#input.clear();
    this.#onClose();
  }

  #onData(chunk: Uint8Array): void {
    if (this.#closed) return;
    this.#input.push(chunk);
    this.#pump();
  }

  /** Whether the connection's replies wait to be read. */
  get #outputHeld(): boolean {
    return this.#unsent + this.#outBytes >= OUTPUT_HIGH_WATER;
  }

  /**
   * Runs the lines held, then checks the input. Once a connection has more
   * lines than a slice runs, or its replies wait to be read, its lines are
   * run only in slices of their own, each on a timer, so that a runtime
   * delivering socket events back to back (Bun) still runs other timers in
   * between.
   */
  #pump(): void {
    if (this.#closed) return;
    if (!this.#bulk) this.#runSlice();
    this.#next();
  }

  #runSlice(): void {
    const started = performance.now();
    while (!this.#waiting && !this.#outputHeld && !this.#closed) {
      const line = this.#input.next();
      if (line === undefined) {
        this.#bulk = false;
        return;
      }
      this.#run(line);
      if (performance.now() - started >= SLICE_MS) break;
    }
    if (!this.#waiting) this.#bulk = true;
  }

  /** Sends the replies, schedules the next slice if one is due, checks the input. */
  #next(): void {
    this.#flush();
    if (
      this.#bulk && this.#slice === undefined && !this.#waiting &&
      !this.#outputHeld && !this.#closed
    ) {
      this.#slice = setTimeout(() => {
        this.#slice = undefined;
        if (this.#closed) return;
        this.#runSlice();
        this.#next();
      }, 0);
    }
    this.#regulate();
  }

  #run(line: string): void {
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = this.#handle(line);
    } catch (err) {
      outcome = { reply: failed(err) };
    }
    if (!(outcome instanceof Promise)) return this.#answer(outcome);
    // Replies to the lines before this one go out now, as Faktory answers
    // each command as it runs it.
    this.#flush();
    this.#waiting = true;
    outcome.catch((err) => ({ reply: failed(err) })).then((done) => {
      this.#waiting = false;
      this.#answer(done);
      this.#pump();
    });
  }

  /**
   * Pauses the socket while the server holds the connection back and input
   * piles up, reads again once it goes on; closes a connection holding more
   * input than it may.
   */
  #regulate(): void {
    if (this.#closed) return;
    const held = this.#input.size;
    if (held > this.maxInput) return this.#refuse();
    const pause = (this.#bulk || this.#outputHeld) &&
      held >= Math.min(PAUSE_AT, this.maxInput >> 1);
    if (pause === this.#paused) return;
    this.#paused = pause;
    if (pause) this.#socket.pause?.();
    else this.#socket.resume?.();
  }

  #refuse(): void {
    const limit = `over ${this.maxInput} bytes`;
    this.#push(errorReply(
      this.#input.hasLine()
        ? `too much pipelined input: ${limit} wait behind a blocked command`
        : `line too long: ${limit} without a newline`,
    ));
    this.close();
  }

  #answer(outcome: Outcome): void {
    if (this.#closed) return;
    const { reply, fault } = outcome;
    if (reply !== null) {
      switch (fault?.action) {
        case "close-after":
          return this.close();
        case "cut-reply":
          this.#push(reply.subarray(0, Math.max(1, reply.length >> 1)));
          return this.close();
        case "garbage":
          this.#push(GARBAGE);
          break;
        case "delay":
          this.#waiting = true;
          this.#delay = setTimeout(() => {
            this.#delay = undefined;
            this.#waiting = false;
            this.#push(reply);
            if (outcome.close) return this.close();
            this.#pump();
          }, fault.ms ?? 100);
          return;
        default:
          this.#push(reply);
      }
    }
    if (outcome.close) this.close();
  }

  #push(reply: Uint8Array): void {
    this.#out.push(reply);
    this.#outBytes += reply.length;
  }

  #flush(): void {
    if (this.#outBytes === 0 || this.#closed) return;
    let bytes: Uint8Array;
    if (this.#out.length === 1) bytes = this.#out[0]!;
    else {
      bytes = new Uint8Array(this.#outBytes);
      let off = 0;
      for (const b of this.#out) bytes.set(b, off), (off += b.length);
    }
    this.#out = [];
    this.#outBytes = 0;
    this.#unsent += bytes.length;
    this.#socket.write(bytes).then(() => {
      this.#unsent -= bytes.length;
      this.#pump();
    }, () => this.close());
  }
}
