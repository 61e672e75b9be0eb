/**
 * Checks and errors of opening a connection: options no connection could
 * work with, and the error for an attempt cut short.
 *
 * @module
 */

import { ConnectError, LocalProtocolError } from "../core/errors.ts";
import type { ServerAddress } from "../core/config.ts";
import type { ConnectionOptions } from "./connection.ts";

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Refuses options no connection could work with, before anything connects. */
export function checkOptions(options: ConnectionOptions): void {
  const { timeout, connectTimeout, maxReplyBytes } = options;
  if (
    timeout !== undefined &&
    !(typeof timeout === "number" && timeout > 2000 && timeout <= MAX_TIMER_MS)
  ) {
    throw new LocalProtocolError(
      `timeout must exceed the server's 2000 ms FETCH block (and be at most ${MAX_TIMER_MS} ms), got ${timeout}`,
    );
  }
  if (
    connectTimeout !== undefined &&
    !(typeof connectTimeout === "number" && connectTimeout > 0 &&
      connectTimeout <= MAX_TIMER_MS)
  ) {
    throw new LocalProtocolError(
      `connectTimeout must be a positive number of ms (at most ${MAX_TIMER_MS}), got ${connectTimeout}`,
    );
  }
  if (
    maxReplyBytes !== undefined &&
    !(Number.isSafeInteger(maxReplyBytes) && maxReplyBytes > 0)
  ) {
    throw new LocalProtocolError(
      `maxReplyBytes must be a positive integer, got ${maxReplyBytes}`,
    );
  }
}

/** The error for a connect attempt ended by its deadline or the caller's signal. */
export function connectAborted(address: ServerAddress, reason: unknown): Error {
  if (reason instanceof ConnectError) return reason;
  return new ConnectError(`Connection to ${address} aborted`, "ABORTED", {
    cause: reason,
  });
}
