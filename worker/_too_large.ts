/**
 * A fetched job too large to read (over `maxReplyBytes`): the server holds
 * it reserved, and no handler will ever see it. Say so at error level, and
 * FAIL it at once when its jid is known, so the server retries it (and in the
 * end kills it) by its retry policy instead of keeping it reserved in
 * silence until `reserve_for` runs out.
 *
 * @module
 */

import type { JobTooLargeError } from "../core/errors.ts";
import type { Logger } from "../client/logger.ts";
import type { Result } from "./_results.ts";

/** Where the FAIL goes and who hears of it. */
export interface TooLargeOptions {
  readonly logger: Logger;
  readonly results: { push(result: Result): void };
  readonly events: {
    emit(
      event: "error",
      payload: { readonly error: unknown; readonly context: string },
    ): void;
  };
}

/** Reports a job too large to read, and queues its FAIL when its jid is known. */
export function failTooLarge(
  error: JobTooLargeError,
  { logger, results, events }: TooLargeOptions,
): void {
  const { jid, size, limit } = error;
  if (jid === undefined) {
    logger.error(
      "A fetched job is larger than maxReplyBytes and its jid was not in its first bytes; it stays reserved and returns when its reservation expires",
      { size, limit },
    );
  } else {
    logger.error(
      "A fetched job is larger than maxReplyBytes; failing it so the server retries it",
      { jid, size, limit },
    );
    results.push({
      type: "FAIL",
      payload: { jid, errtype: error.name, message: error.message },
    });
  }
  events.emit("error", { error, context: "fetch" });
}
