/**
 * Gathers the commands a connection issues within one turn of the event
 * loop and hands them to the socket in one write: a worker that sends an ACK
 * and its next FETCH together pays for one write system call, not two.
 *
 * @module
 */

import type { Socket } from "../adapters/transport.ts";
import { ACCEPTED } from "../adapters/_socket.ts";

/** One connection's outgoing bytes, written once per turn. */
export class BatchWriter {
  readonly #socket: Socket;
  readonly #onError: (error: unknown) => void;
  #parts: Uint8Array[] = [];
  #size = 0;

  constructor(socket: Socket, onError: (error: unknown) => void) {
    this.#socket = socket;
    this.#onError = onError;
  }

  /** Queues bytes; they go out at the end of the current turn. */
  write(bytes: Uint8Array): void {
    if (this.#parts.push(bytes) === 1) queueMicrotask(() => this.flush());
    this.#size += bytes.length;
  }

  /** Writes what is queued now (before END, say). */
  flush(): void {
    const parts = this.#parts;
    if (parts.length === 0) return;
    let bytes = parts[0]!;
    if (parts.length > 1) {
      bytes = new Uint8Array(this.#size);
      let offset = 0;
      for (const p of parts) bytes.set(p, offset), offset += p.length;
    }
    this.#parts = [];
    this.#size = 0;
    let written: Promise<void>;
    try {
      written = this.#socket.write(bytes);
    } catch (err) {
      written = Promise.reject(err);
    }
    if (written !== ACCEPTED) written.catch(this.#onError);
  }

  /** Forgets what is queued: the connection is gone. */
  drop(): void {
    this.#parts = [];
    this.#size = 0;
  }
}
