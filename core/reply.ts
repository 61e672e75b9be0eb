/**
 * The replies a Faktory server sends, as the RESP parser hands them out.
 *
 * @module
 */

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
 * A `$len` bulk string longer than the parser's `maxBulkBytes`: its bytes
 * were skipped as they arrived, and only its first
 * `OVERSIZED_HEAD_BYTES` were kept (decoded as UTF-8, so a
 * character cut at the end shows as U+FFFD).
 *
 * @example
 * ```ts
 * import type { OversizedReply } from "@x/faktory-worker/protocol";
 * const big: OversizedReply = { type: "oversized", size: 70000, limit: 65536, head: '{"jid":"' };
 * console.log(`${big.size} bytes, over ${big.limit}`);
 * ```
 */
export interface OversizedReply {
  /** Tag. */
  readonly type: "oversized";
  /** The bulk string's length in bytes. */
  readonly size: number;
  /** The limit it exceeds, in bytes. */
  readonly limit: number;
  /** Its first bytes, decoded. */
  readonly head: string;
}

/**
 * What `ReplyParser.next()` hands out: a reply, or a top-level bulk
 * string too long to hold.
 *
 * @example
 * ```ts
 * import type { ParsedReply } from "@x/faktory-worker/protocol";
 * const size = (r: ParsedReply) => r.type === "oversized" ? r.size : 0;
 * console.log(size({ type: "simple", value: "OK" })); // 0
 * ```
 */
export type ParsedReply = Reply | OversizedReply;
