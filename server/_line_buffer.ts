/**
 * The input of one connection of the embedded server: bytes in, lines out,
 * one at a time when the server is ready for the next. It keeps bytes, not
 * lines, so what a connection holds is what it sent and the server has not
 * run yet, however many lines that is, and taking a line costs the line's
 * length, however many wait behind it.
 *
 * @module
 */

/** Below this size an emptied buffer is kept for the next bytes. */
const KEEP = 64 * 1024;

const NEWLINE = 10;
const CR = 13;

/**
 * Received bytes, taken line by line.
 *
 * @example
 * ```ts ignore
 * const input = new LineBuffer();
 * input.push(new TextEncoder().encode("INFO\r\nPUSH {"));
 * input.next(); // "INFO"
 * input.next(); // undefined: the PUSH line is not complete
 * input.size; // 6
 * ```
 */
export class LineBuffer {
  #buf = new Uint8Array(0);
  #start = 0;
  #end = 0;
  /** Bytes from #start known to hold no newline. */
  #scanned = 0;
  readonly #decoder = new TextDecoder();

  /** Bytes held: received and not taken yet. */
  get size(): number {
    return this.#end - this.#start;
  }

  /** Whether a whole line is held. */
  hasLine(): boolean {
    return this.#newline() !== -1;
  }

  /** Keeps a copy of `chunk` (the caller may reuse it). */
  push(chunk: Uint8Array): void {
    if (this.#end + chunk.length > this.#buf.length) this.#room(chunk.length);
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /**
   * Takes the next whole line.
   *
   * @returns The line without its `\n` or `\r\n`, or undefined when no whole
   * line is held.
   */
  next(): string | undefined {
    const newline = this.#newline();
    if (newline === -1) return undefined;
    const stop = newline > this.#start && this.#buf[newline - 1] === CR
      ? newline - 1
      : newline;
    const line = this.#decoder.decode(this.#buf.subarray(this.#start, stop));
    this.#start = newline + 1;
    this.#scanned = 0;
    if (this.#start === this.#end) this.clear();
    return line;
  }

  /** Drops what is held, and the memory of a large buffer. */
  clear(): void {
    this.#start = this.#end = this.#scanned = 0;
    if (this.#buf.length > KEEP) this.#buf = new Uint8Array(0);
  }

  #newline(): number {
    const from = this.#start + this.#scanned;
    const at = this.#buf.subarray(0, this.#end).indexOf(NEWLINE, from);
    this.#scanned = at === -1 ? this.size : at - this.#start;
    return at;
  }

  /**
   * Makes room for `more` bytes at the end: moves what is held to the front
   * when that frees enough (at most half the buffer is held then, so the
   * bytes moved were paid for by the ones taken since), else grows.
   */
  #room(more: number): void {
    const size = this.size;
    if (size + more <= this.#buf.length >> 1) {
      this.#buf.copyWithin(0, this.#start, this.#end);
    } else {
      const grown = new Uint8Array(
        Math.max(2 * this.#buf.length, size + more, 4096),
      );
      grown.set(this.#buf.subarray(this.#start, this.#end));
      this.#buf = grown;
    }
    this.#start = 0;
    this.#end = size;
  }
}
