/**
 * What every adapter's socket shares: the write queue, back-pressure, closing
 * once, and the error for a closed socket. An adapter supplies only its
 * runtime's calls (write what it can, end) and reports the runtime's events
 * (data, drain, error, close) to a {@linkcode SocketCore}.
 *
 * @module
 */

import type { Socket, SocketHandlers } from "./transport.ts";

/**
 * TCP keepalive: on, with the first probe after this many ms of silence
 * where the runtime takes a delay (Node, Bun); Deno takes no delay and uses
 * the operating system's.
 */
export const KEEPALIVE_DELAY_MS = 30_000;

/**
 * How long close() waits for queued bytes to go out, in ms: a peer that
 * reads nothing would otherwise keep the socket open for ever.
 */
export const CLOSE_GRACE_MS = 1000;

/**
 * What {@linkcode SocketCore.write} returns when the runtime took the bytes at
 * once: one settled promise shared by every such write, so a writer can skip
 * waiting on it.
 */
export const ACCEPTED: Promise<void> = Promise.resolve();

/** The runtime calls a {@linkcode SocketCore} needs. */
export interface RawSocket {
  /**
   * Hands bytes to the runtime. Returns how many it took: fewer than
   * `bytes.length` leaves the rest queued until the adapter calls
   * {@linkcode SocketCore.drained}.
   */
  write(bytes: Uint8Array): number;
  /** Whether the runtime wants a drain before more bytes (optional). */
  full?(): boolean;
  /** Ends the connection once the bytes already taken went out. */
  end(): void;
  /** Stops reading until `resume` (optional). */
  pause?(): void;
  resume?(): void;
}

/**
 * One socket's shared state. Writes go straight to the runtime while it
 * takes them; once it is full they queue here (one drain notice serves them
 * all) and go out together, in order, at the next drain.
 *
 * @example
 * ```ts ignore
 * const core = new SocketCore({ write: (b) => sock.write(b), end: () => sock.end() });
 * sock.on("drain", () => core.drained());
 * ```
 */
export class SocketCore implements Socket {
  readonly #raw: RawSocket;
  #handlers: SocketHandlers | undefined;
  #queue: Uint8Array[] = [];
  #waiters: { ok(): void; fail(error: Error): void }[] = [];
  #blocked = false;
  #ending = false;
  #ended = false;
  #closed = false;
  #failure: Error | undefined;
  readonly #grace: number;
  #giveUp: ReturnType<typeof setTimeout> | undefined;

  constructor(
    raw: RawSocket,
    handlers?: SocketHandlers,
    closeGrace: number = CLOSE_GRACE_MS,
  ) {
    this.#raw = raw;
    this.#handlers = handlers;
    this.#grace = closeGrace;
  }

  /** Whether the socket closed (no more events). */
  get closed(): boolean {
    return this.#closed;
  }

  /** The runtime's error, if one was reported. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Sets the handlers, when they could not be given to the constructor. */
  attach(handlers: SocketHandlers): void {
    this.#handlers = handlers;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#closed || this.#ending) {
      return Promise.reject(this.#failure ?? new Error("Socket is closed"));
    }
    if (this.#blocked) {
      this.#queue.push(bytes);
      return this.#wait();
    }
    let taken: number;
    try {
      taken = this.#raw.write(bytes);
    } catch (err) {
      return Promise.reject(this.#failure ?? err);
    }
    if (taken < bytes.length) {
      this.#queue.push(bytes.subarray(Math.max(taken, 0)));
      this.#blocked = true;
    } else if (this.#raw.full?.()) this.#blocked = true;
    return this.#blocked ? this.#wait() : ACCEPTED;
  }

  /**
   * Closes gracefully: queued bytes still go out first, unless the peer has
   * not taken them within {@linkcode CLOSE_GRACE_MS}. Idempotent.
   */
  close(): void {
    if (this.#closed || this.#ending) return;
    this.#ending = true;
    if (!this.#blocked) return this.#end();
    this.#giveUp = setTimeout(() => {
      this.#queue = [];
      this.#end();
    }, this.#grace);
  }

  pause(): void {
    this.#raw.pause?.();
  }

  resume(): void {
    this.#raw.resume?.();
  }

  /** The runtime delivered bytes. */
  data(chunk: Uint8Array): void {
    if (!this.#closed) this.#handlers?.data(chunk);
  }

  /** The runtime can take more: writes out the queue, all of it at once. */
  drained(): void {
    if (this.#closed || this.#ended) return;
    while (this.#queue.length > 0) {
      const queued = this.#queue;
      const bytes = queued.length === 1 ? queued[0]! : concat(queued);
      this.#queue = [];
      const taken = this.#raw.write(bytes);
      if (taken < bytes.length) {
        this.#queue.unshift(bytes.subarray(Math.max(taken, 0)));
        return;
      }
      if (this.#raw.full?.()) return;
    }
    this.#blocked = false;
    for (const w of this.#waiters.splice(0)) w.ok();
    if (this.#ending) this.#end();
  }

  /** Records the runtime's error, reported when the socket closes. */
  failed(error: Error): void {
    this.#failure ??= error;
  }

  /** The socket closed: fails waiting writes and calls `close` once. */
  finish(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    if (error) this.#failure ??= error;
    const failure = this.#failure ?? new Error("Socket is closed");
    clearTimeout(this.#giveUp);
    this.#queue = [];
    for (const w of this.#waiters.splice(0)) w.fail(failure);
    this.#handlers?.close(this.#failure);
  }

  #end(): void {
    clearTimeout(this.#giveUp);
    this.#ended = true;
    this.#raw.end();
  }

  #wait(): Promise<void> {
    return new Promise((ok, fail) => this.#waiters.push({ ok, fail }));
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const c of chunks) size += c.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) out.set(c, offset), offset += c.length;
  return out;
}
