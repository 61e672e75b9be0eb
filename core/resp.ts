/**
 * The RESP reply format Faktory speaks: an incremental parser that takes
 * bytes in any chunking and hands out whole replies, and the matching encoder.
 *
 * @module
 */

import { RemoteProtocolError } from "./errors.ts";
import type { OversizedReply, ParsedReply, Reply } from "./reply.ts";

export type {
  ArrayReply,
  BulkReply,
  ErrorReply,
  IntegerReply,
  OversizedReply,
  ParsedReply,
  Reply,
  SimpleReply,
} from "./reply.ts";

/**
 * Limits for {@linkcode ReplyParser}.
 *
 * @example
 * ```ts
 * import { ReplyParser } from "@x/faktory-worker/protocol";
 * const parser = new ReplyParser({ maxBulkBytes: 1024 });
 * console.log(parser.buffered);
 * ```
 */
export interface ReplyParserOptions {
  /**
   * The largest bulk string held, in bytes. A longer top-level one is
   * skipped as it arrives, never buffered, and handed out as an
   * {@linkcode OversizedReply} with its size and first
   * {@linkcode OVERSIZED_HEAD_BYTES} bytes; one inside an array is a
   * {@linkcode RemoteProtocolError}.
   *
   * @default {512 MiB}
   */
  readonly maxBulkBytes?: number;
  /**
   * The longest header line (`+`, `-`, `:`, `$`, `*` lines), in bytes.
   *
   * @default {1 MiB}
   */
  readonly maxLineBytes?: number;
  /**
   * The deepest nesting of arrays accepted.
   *
   * @default {8}
   */
  readonly maxDepth?: number;
}

/**
 * How many first bytes of a bulk string longer than `maxBulkBytes` the
 * parser keeps (in {@linkcode OversizedReply.head}): enough for the fields a
 * job starts with, `jid` first as Faktory writes them.
 *
 * @example
 * ```ts
 * import { OVERSIZED_HEAD_BYTES } from "@x/faktory-worker/protocol";
 * console.log(OVERSIZED_HEAD_BYTES); // 4096
 * ```
 */
export const OVERSIZED_HEAD_BYTES = 4096;

// The default maxBulkBytes: 512 MiB, the largest value Faktory's Redis stores
// (proto-max-bulk-len; Faktory 1.8 itself reads commands with no size limit),
// so no job Faktory holds exceeds it.
const DEFAULT_MAX_BULK_BYTES = 512 * 1024 * 1024;

/** A bulk string over the limit, being skipped. */
interface Skipping {
  /** Its length. */
  readonly size: number;
  /** Body bytes still to skip (its CRLF follows them). */
  left: number;
  /** Its first bytes. */
  readonly head: Uint8Array;
  /** How many of `head` are filled. */
  kept: number;
}

const CR = 13;
const LF = 10;
const decoder = new TextDecoder();
/** The type bytes of RESP: `+ - : $ *`. */
const TYPES = new Set([0x2b, 0x2d, 0x3a, 0x24, 0x2a]);

/**
 * An incremental RESP reply parser. Feed it chunks as they arrive; take whole
 * replies out with {@linkcode ReplyParser.next}. Any chunk boundary works.
 * Malformed input raises a {@linkcode RemoteProtocolError}, and the parser then
 * keeps raising it. A bulk string over `maxBulkBytes` is skipped as it arrives
 * (memory stays bounded) and comes out as an {@linkcode OversizedReply}.
 *
 * @example
 * ```ts
 * import { ReplyParser } from "@x/faktory-worker/protocol";
 * const parser = new ReplyParser();
 * parser.feed(new TextEncoder().encode("$2\r\n{}"));
 * console.log(parser.next()); // undefined: the CRLF has not arrived yet
 * parser.feed(new TextEncoder().encode("\r\n+OK\r\n"));
 * console.log(parser.next()); // { type: "bulk", value: "{}" }
 * console.log(parser.next()); // { type: "simple", value: "OK" }
 * ```
 */
export class ReplyParser {
  #buf: Uint8Array = new Uint8Array(0);
  #start = 0;
  #end = 0;
  /** Bytes after the current line's type byte already known to hold no CR or LF. */
  #scanned = 0;
  /** The length of a bulk string whose header was read, or -1. */
  #bulk = -1;
  /** The bulk string over the limit being skipped, if any. */
  #skip: Skipping | undefined;
  /** Arrays being filled, outermost first. */
  readonly #stack: { readonly items: Reply[]; readonly count: number }[] = [];
  /** Bytes consumed by the reply in progress. */
  #partial = 0;
  #failure: RemoteProtocolError | undefined;
  readonly #maxBulk: number;
  readonly #maxLine: number;
  readonly #maxDepth: number;

  /**
   * Creates a parser.
   *
   * @param options Size limits.
   */
  constructor(options: ReplyParserOptions = {}) {
    this.#maxBulk = options.maxBulkBytes ?? DEFAULT_MAX_BULK_BYTES;
    this.#maxLine = options.maxLineBytes ?? 1024 * 1024;
    this.#maxDepth = options.maxDepth ?? 8;
  }

  /** How many bytes are buffered and not yet part of a returned reply. */
  get buffered(): number {
    return this.#end - this.#start + this.#partial;
  }

  /**
   * Adds bytes received from the peer.
   *
   * @param chunk Any number of bytes, split anywhere.
   */
  feed(chunk: Uint8Array): void {
    // While a bulk over the limit is skipped, bytes of its body are dropped
    // here rather than buffered, whether or not next() is called between.
    if (this.#skip && this.#start === this.#end) chunk = this.#skipped(chunk);
    if (chunk.length === 0) return;
    const used = this.#end - this.#start;
    if (this.#end + chunk.length > this.#buf.length) {
      if (used + chunk.length <= this.#buf.length && this.#start > 0) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        const grown = new Uint8Array(
          Math.max(used + chunk.length, this.#buf.length * 2, 4096),
        );
        grown.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = grown;
      }
      this.#start = 0;
      this.#end = used;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /**
   * Takes the next whole reply. Work is never repeated: a line is scanned
   * once, and the items of a partial array are kept, so parsing is linear in
   * the input however it is chunked.
   *
   * @returns The reply (an `oversized` one for a top-level bulk string over
   *   `maxBulkBytes`), or `undefined` when more bytes are needed.
   * @throws {RemoteProtocolError} When the buffered bytes are not valid RESP.
   */
  next(): ParsedReply | undefined {
    if (this.#failure) throw this.#failure;
    try {
      return this.#next();
    } catch (err) {
      this.#failure = err instanceof RemoteProtocolError
        ? err
        : new RemoteProtocolError("Malformed reply", { cause: err });
      throw this.#failure;
    }
  }

  #next(): ParsedReply | undefined {
    for (;;) {
      let reply = this.#element();
      if (reply === undefined) return undefined;
      for (;;) {
        const top = this.#stack[this.#stack.length - 1];
        if (top === undefined) {
          this.#partial = 0;
          return reply;
        }
        top.items.push(reply as Reply); // only a top-level bulk is oversized
        if (top.items.length < top.count) break;
        this.#stack.pop();
        reply = { type: "array", value: top.items };
      }
    }
  }

  /** Reads one element: a whole non-array reply, or an empty or null array. */
  #element(): ParsedReply | undefined {
    for (;;) {
      if (this.#skip) return this.#skipRest(this.#skip);
      if (this.#bulk >= 0) {
        const len = this.#bulk;
        if (this.#end - this.#start < len + 2) return undefined;
        const at = this.#start + len;
        if (this.#buf[at] !== CR || this.#buf[at + 1] !== LF) {
          throw new RemoteProtocolError(
            `Bulk reply of ${len} bytes is not followed by CRLF`,
          );
        }
        const value = decoder.decode(this.#buf.subarray(this.#start, at));
        this.#bulk = -1;
        this.#consume(len + 2);
        return { type: "bulk", value };
      }
      if (this.#start === this.#end) return undefined;
      const type = this.#buf[this.#start]!;
      if (!TYPES.has(type)) {
        throw new RemoteProtocolError(
          `Invalid reply type byte 0x${type.toString(16).padStart(2, "0")}`,
        );
      }
      const eol = this.#lineEnd();
      if (eol === -1) return undefined;
      const text = decoder.decode(this.#buf.subarray(this.#start + 1, eol));
      this.#consume(eol + 2 - this.#start);
      switch (type) {
        case 0x2b: // +
          return { type: "simple", value: text };
        case 0x2d: { // -
          const space = text.indexOf(" ");
          return {
            type: "error",
            code: space === -1 ? text : text.slice(0, space),
            message: space === -1 ? "" : text.slice(space + 1),
          };
        }
        case 0x3a: // :
          if (!/^-?[0-9]{1,16}$/.test(text)) {
            throw new RemoteProtocolError(
              `Invalid integer reply ${JSON.stringify(text.slice(0, 32))}`,
            );
          }
          return { type: "integer", value: Number(text) };
        case 0x24: { // $
          const len = this.#length(text, "bulk");
          if (len === -1) return { type: "bulk", value: null };
          if (len > this.#maxBulk) {
            if (this.#stack.length > 0) {
              throw new RemoteProtocolError(
                `Bulk reply of ${len} bytes exceeds the limit of ${this.#maxBulk}`,
              );
            }
            const head = new Uint8Array(Math.min(len, OVERSIZED_HEAD_BYTES));
            this.#skip = { size: len, left: len, head, kept: 0 };
            continue;
          }
          this.#bulk = len;
          continue;
        }
        default: { // *
          const count = this.#length(text, "array");
          if (count === -1) return { type: "array", value: null };
          if (this.#stack.length >= this.#maxDepth) {
            throw new RemoteProtocolError(
              `Array replies nested deeper than ${this.#maxDepth}`,
            );
          }
          if (count === 0) return { type: "array", value: [] };
          this.#stack.push({ items: [], count });
          continue;
        }
      }
    }
  }

  /** Skips what is buffered of a bulk over the limit; hands it out once whole. */
  #skipRest(skip: Skipping): OversizedReply | undefined {
    const body = this.#buf.subarray(
      this.#start,
      this.#start + Math.min(skip.left, this.#end - this.#start),
    );
    this.#skipped(body);
    this.#drop(body.length);
    if (skip.left > 0 || this.#end - this.#start < 2) return undefined;
    if (this.#buf[this.#start] !== CR || this.#buf[this.#start + 1] !== LF) {
      throw new RemoteProtocolError(
        `Bulk reply of ${skip.size} bytes is not followed by CRLF`,
      );
    }
    this.#drop(2);
    this.#skip = undefined;
    return {
      type: "oversized",
      size: skip.size,
      limit: this.#maxBulk,
      head: decoder.decode(skip.head.subarray(0, skip.kept)),
    };
  }

  /** Counts bytes of the skipped bulk's body, keeping its head; returns the rest. */
  #skipped(bytes: Uint8Array): Uint8Array {
    const skip = this.#skip!;
    const n = Math.min(bytes.length, skip.left);
    const keep = Math.min(n, skip.head.length - skip.kept);
    if (keep > 0) {
      skip.head.set(bytes.subarray(0, keep), skip.kept);
      skip.kept += keep;
    }
    skip.left -= n;
    return bytes.subarray(n);
  }

  /** Drops `n` buffered bytes that belong to no reply kept. */
  #drop(n: number): void {
    this.#start += n;
    this.#scanned = 0;
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  #consume(n: number): void {
    this.#start += n;
    this.#partial += n;
    this.#scanned = 0;
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  /** Where the current line's CR is, or -1 when its CRLF has not arrived. */
  #lineEnd(): number {
    const buf = this.#buf;
    const first = this.#start + 1;
    const limit = Math.min(this.#end, first + this.#maxLine + 1);
    let i = first + this.#scanned;
    for (; i < limit; i++) {
      const b = buf[i];
      if (b === CR) {
        if (i + 1 >= this.#end) break;
        if (buf[i + 1] !== LF) {
          throw new RemoteProtocolError("Reply line has CR without LF");
        }
        return i;
      }
      if (b === LF) {
        throw new RemoteProtocolError("Reply line ends with LF without CR");
      }
    }
    this.#scanned = i - first;
    if (limit - first > this.#maxLine) {
      throw new RemoteProtocolError(
        `Reply line longer than ${this.#maxLine} bytes`,
      );
    }
    return -1;
  }

  #length(text: string, kind: string): number {
    if (!/^(-1|0|[1-9][0-9]{0,15})$/.test(text)) {
      throw new RemoteProtocolError(
        `Invalid ${kind} length ${JSON.stringify(text.slice(0, 32))}`,
      );
    }
    return Number(text);
  }
}

export { encodeReply } from "./resp_encode.ts";
