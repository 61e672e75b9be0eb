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
 * import type { SimpleReply } from "@x/faktory-worker";
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
 * import type { ErrorReply } from "@x/faktory-worker";
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
 * import type { BulkReply } from "@x/faktory-worker";
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
 * import type { IntegerReply } from "@x/faktory-worker";
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
 * import type { ArrayReply } from "@x/faktory-worker";
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
 * import type { Reply } from "@x/faktory-worker";
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
 * import { ReplyParser } from "@x/faktory-worker";
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
const encoder = new TextEncoder();

/**
 * An incremental RESP reply parser. Feed it chunks as they arrive; take whole
 * replies out with {@linkcode ReplyParser.next}. Any chunk boundary works.
 * Malformed input raises a {@linkcode RemoteProtocolError}, and the parser then
 * keeps raising it.
 *
 * @example
 * ```ts
 * import { ReplyParser } from "@x/faktory-worker";
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
    return this.#end - this.#start;
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
   * Takes the next whole reply.
   *
   * @returns The reply, or `undefined` when more bytes are needed.
   * @throws {RemoteProtocolError} When the buffered bytes are not valid RESP.
   */
  next(): Reply | undefined {
    if (this.#failure) throw this.#failure;
    if (this.#start === this.#end) return undefined;
    let parsed: [Reply, number] | undefined;
    try {
      parsed = this.#parseAt(this.#start, 0);
    } catch (err) {
      this.#failure = err instanceof RemoteProtocolError
        ? err
        : new RemoteProtocolError("Malformed reply", { cause: err });
      throw this.#failure;
    }
    if (!parsed) return undefined;
    this.#start = parsed[1];
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return parsed[0];
  }

  #lineEnd(pos: number): number {
    const buf = this.#buf;
    const limit = Math.min(this.#end, pos + this.#maxLine + 1);
    for (let i = pos; i < limit; i++) {
      if (buf[i] === CR) {
        if (i + 1 >= this.#end) return -1;
        if (buf[i + 1] !== LF) {
          throw new RemoteProtocolError("Reply line has CR without LF");
        }
        return i;
      }
      if (buf[i] === LF) {
        throw new RemoteProtocolError("Reply line ends with LF without CR");
      }
    }
    if (limit - pos > this.#maxLine) {
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

  #parseAt(pos: number, depth: number): [Reply, number] | undefined {
    const eol = this.#lineEnd(pos + 1);
    if (eol === -1) return undefined;
    const type = this.#buf[pos]!;
    const text = decoder.decode(this.#buf.subarray(pos + 1, eol));
    const after = eol + 2;
    switch (type) {
      case 0x2b: // +
        return [{ type: "simple", value: text }, after];
      case 0x2d: { // -
        const space = text.indexOf(" ");
        return [{
          type: "error",
          code: space === -1 ? text : text.slice(0, space),
          message: space === -1 ? "" : text.slice(space + 1),
        }, after];
      }
      case 0x3a: { // :
        if (!/^-?[0-9]{1,16}$/.test(text)) {
          throw new RemoteProtocolError(
            `Invalid integer reply ${JSON.stringify(text.slice(0, 32))}`,
          );
        }
        return [{ type: "integer", value: Number(text) }, after];
      }
      case 0x24: { // $
        const len = this.#length(text, "bulk");
        if (len === -1) return [{ type: "bulk", value: null }, after];
        if (len > this.#maxBulk) {
          throw new RemoteProtocolError(
            `Bulk reply of ${len} bytes exceeds the limit of ${this.#maxBulk}`,
          );
        }
        if (after + len + 2 > this.#end) return undefined;
        if (
          this.#buf[after + len] !== CR || this.#buf[after + len + 1] !== LF
        ) {
          throw new RemoteProtocolError(
            `Bulk reply of ${len} bytes is not followed by CRLF`,
          );
        }
        const value = decoder.decode(this.#buf.subarray(after, after + len));
        return [{ type: "bulk", value }, after + len + 2];
      }
      case 0x2a: { // *
        const count = this.#length(text, "array");
        if (count === -1) return [{ type: "array", value: null }, after];
        if (depth >= this.#maxDepth) {
          throw new RemoteProtocolError(
            `Array replies nested deeper than ${this.#maxDepth}`,
          );
        }
        const items: Reply[] = [];
        let at = after;
        for (let i = 0; i < count; i++) {
          if (at >= this.#end) return undefined;
          const item = this.#parseAt(at, depth + 1);
          if (!item) return undefined;
          items.push(item[0]);
          at = item[1];
        }
        return [{ type: "array", value: items }, at];
      }
      default:
        throw new RemoteProtocolError(
          `Invalid reply type byte 0x${type.toString(16).padStart(2, "0")}`,
        );
    }
  }
}

/**
 * Encodes a reply as the server writes it. Used by the embedded test server
 * and by tests.
 *
 * @param reply The reply to encode.
 * @returns The wire bytes.
 *
 * @example
 * ```ts
 * import { encodeReply } from "@x/faktory-worker";
 * const bytes = encodeReply({ type: "bulk", value: "{}" });
 * console.log(new TextDecoder().decode(bytes)); // "$2\r\n{}\r\n"
 * ```
 */
export function encodeReply(reply: Reply): Uint8Array {
  return encoder.encode(replyText(reply));
}

function replyText(reply: Reply): string {
  switch (reply.type) {
    case "simple":
      return `+${reply.value}\r\n`;
    case "error":
      return `-${reply.code}${reply.message ? " " + reply.message : ""}\r\n`;
    case "integer":
      return `:${reply.value}\r\n`;
    case "bulk":
      return reply.value === null
        ? "$-1\r\n"
        : `$${encoder.encode(reply.value).length}\r\n${reply.value}\r\n`;
    case "array":
      return reply.value === null
        ? "*-1\r\n"
        : `*${reply.value.length}\r\n${reply.value.map(replyText).join("")}`;
  }
}
