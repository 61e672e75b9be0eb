/**
 * The RESP reply format Faktory speaks: an incremental parser that takes
 * bytes in any chunking and hands out whole replies, and the matching encoder.
 *
 * @module
 */

import { RemoteProtocolError } from "./errors.ts";

/**
 * A `+text` reply.
 *
 * @example
 * ```ts
 * import type { SimpleReply } from "@x/faktory-worker/protocol";
 * const ok: SimpleReply = { type: "simple", value: "OK" };
 * ```
 */
export interface SimpleReply {
  /** Tag. */
  readonly type: "simple";
  /** The text after `+`. */
  readonly value: string;
}
/**
 * A `-CODE message` reply.
 *
 * @example
 * ```ts
 * import type { ErrorReply } from "@x/faktory-worker/protocol";
 * const err: ErrorReply = { type: "error", code: "ERR", message: "Job not found x" };
 * ```
 */
export interface ErrorReply {
  /** Tag. */
  readonly type: "error";
  /** The first word, such as `ERR`. */
  readonly code: string;
  /** The rest of the line. */
  readonly message: string;
}
/**
 * A `$len` bulk string; `$-1` is `null`.
 *
 * @example
 * ```ts
 * import type { BulkReply } from "@x/faktory-worker/protocol";
 * const none: BulkReply = { type: "bulk", value: null };
 * ```
 */
export interface BulkReply {
  /** Tag. */
  readonly type: "bulk";
  /** The string, or null for `$-1`. */
  readonly value: string | null;
}
/**
 * A `:n` integer reply.
 *
 * @example
 * ```ts
 * import type { IntegerReply } from "@x/faktory-worker/protocol";
 * const n: IntegerReply = { type: "integer", value: 3 };
 * ```
 */
export interface IntegerReply {
  /** Tag. */
  readonly type: "integer";
  /** The integer. */
  readonly value: number;
}
/**
 * A `*n` array reply; `*-1` is `null`.
 *
 * @example
 * ```ts
 * import type { ArrayReply } from "@x/faktory-worker/protocol";
 * const list: ArrayReply = { type: "array", value: [] };
 * ```
 */
export interface ArrayReply {
  /** Tag. */
  readonly type: "array";
  /** The items, or null for `*-1`. */
  readonly value: readonly Reply[] | null;
}

/**
 * One reply from a Faktory server.
 *
 * @example
 * ```ts
 * import type { Reply } from "@x/faktory-worker/protocol";
 * const ok: Reply = { type: "simple", value: "OK" };
 * console.log(ok.type);
 * ```
 */
export type Reply =
  | SimpleReply
  | ErrorReply
  | BulkReply
  | IntegerReply
  | ArrayReply;

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
   * The largest bulk string accepted, in bytes. Longer ones are a
   * {@linkcode RemoteProtocolError}.
   *
   * @default {64 MiB}
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

const CR = 13;
const LF = 10;
const decoder = new TextDecoder();
/** The type bytes of RESP: `+ - : $ *`. */
const TYPES = new Set([0x2b, 0x2d, 0x3a, 0x24, 0x2a]);

/**
 * An incremental RESP reply parser. Feed it chunks as they arrive; take whole
 * replies out with {@linkcode ReplyParser.next}. Any chunk boundary works.
 * Malformed input raises a {@linkcode RemoteProtocolError}, and the parser then
 * keeps raising it.
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
    this.#maxBulk = options.maxBulkBytes ?? 64 * 1024 * 1024;
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
   * @returns The reply, or `undefined` when more bytes are needed.
   * @throws {RemoteProtocolError} When the buffered bytes are not valid RESP.
   */
  next(): Reply | undefined {
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

  #next(): Reply | undefined {
    for (;;) {
      let reply = this.#element();
      if (reply === undefined) return undefined;
      for (;;) {
        const top = this.#stack[this.#stack.length - 1];
        if (top === undefined) {
          this.#partial = 0;
          return reply;
        }
        top.items.push(reply);
        if (top.items.length < top.count) break;
        this.#stack.pop();
        reply = { type: "array", value: top.items };
      }
    }
  }

  /** Reads one element: a whole non-array reply, or an empty or null array. */
  #element(): Reply | undefined {
    for (;;) {
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
            throw new RemoteProtocolError(
              `Bulk reply of ${len} bytes exceeds the limit of ${this.#maxBulk}`,
            );
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
