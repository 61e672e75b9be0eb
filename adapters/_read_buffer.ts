/**
 * A read buffer for adapters that read into memory they own (Deno): it starts
 * small, so an idle connection costs little, and doubles whenever a read
 * fills it, up to a maximum.
 *
 * @module
 */

/**
 * A growable read buffer.
 *
 * @example
 * ```ts ignore
 * const buffer = new ReadBuffer();
 * const n = await conn.read(buffer.bytes);
 * if (n !== null) handle(buffer.bytes.subarray(0, n)), buffer.filled(n);
 * ```
 */
export class ReadBuffer {
  #bytes: Uint8Array;
  readonly #max: number;

  /**
   * @param initial The first size, in bytes.
   * @param max The largest size, in bytes.
   */
  constructor(initial: number = 2048, max: number = 64 * 1024) {
    this.#bytes = new Uint8Array(initial);
    this.#max = max;
  }

  /** The memory to read into next. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /**
   * Reports how many bytes the last read stored; a full read doubles the
   * buffer for the next one. Call it after the bytes have been handed on.
   *
   * @param n Bytes read.
   */
  filled(n: number): void {
    const size = this.#bytes.length;
    if (n >= size && size < this.#max) {
      this.#bytes = new Uint8Array(Math.min(size * 2, this.#max));
    }
  }
}
