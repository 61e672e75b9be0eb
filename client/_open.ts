/**
 * Opening a connection, around the handshake: options no connection could
 * work with, the server address, one deadline for the socket and the
 * handshake together, the transport's connect with its failures typed, and
 * the error for an attempt cut short.
 *
 * @module
 */

import { resolveUrl, ServerAddress } from "../core/config.ts";
import {
  ConnectError,
  FaktoryError,
  LocalProtocolError,
} from "../core/errors.ts";
import type { Identity } from "../core/handshake.ts";
import type {
  ClientTransport,
  Platform,
  Socket,
  SocketHandlers,
} from "../adapters/transport.ts";
import type { ConnectionOptions } from "./connection_options.ts";

const MAX_TIMER_MS = 2 ** 31 - 1;

/** The default of `connectTimeout`, in ms. */
export const DEFAULT_CONNECT_TIMEOUT = 10_000;

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

/** The server to talk to: the URL (or the environment's), TLS and password options applied. */
export function resolveAddress(
  options: ConnectionOptions,
  platform: Platform,
): ServerAddress {
  const parsed = ServerAddress.parse(options.url ?? resolveUrl(platform.env));
  return new ServerAddress(
    parsed.host,
    parsed.port,
    parsed.tls || (options.tls !== undefined && options.tls !== false),
    options.password ?? parsed.password,
  );
}

/** Who the connection says it is in HELLO. */
export function identityOf(
  options: ConnectionOptions,
  platform: Platform,
): Identity {
  return {
    hostname: options.hostname ?? platform.hostname(),
    pid: options.pid ?? platform.pid,
    labels: options.labels ?? [],
    ...(options.wid === undefined ? {} : { wid: options.wid }),
  };
}

/** `host:port` (IPv6 in brackets): how errors name the server, never with a password. */
export function peerOf(address: ServerAddress): string {
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}

/** Whether an abort reason is the connect deadline's. */
export function isDeadline(reason: unknown): boolean {
  return reason instanceof ConnectError && reason.code === "ETIMEDOUT";
}

/**
 * Runs `open` under one deadline for everything up to the HELLO reply (the
 * socket, the greeting, the password hash and HELLO itself) and the caller's
 * signal: `open` gets a signal that aborts at whichever comes first.
 */
export async function withConnectDeadline<T>(
  address: ServerAddress,
  options: ConnectionOptions,
  open: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const ms = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
  const deadline = new AbortController();
  const timer = setTimeout(
    () =>
      deadline.abort(
        new ConnectError(
          `Connection to ${address} timed out after ${ms} ms (greeting and HELLO included)`,
          "ETIMEDOUT",
        ),
      ),
    ms,
  );
  const caller = options.signal;
  const onCallerAbort = () => deadline.abort(caller!.reason);
  if (caller?.aborted) onCallerAbort();
  else caller?.addEventListener("abort", onCallerAbort, { once: true });
  try {
    return await open(deadline.signal);
  } finally {
    clearTimeout(timer);
    caller?.removeEventListener("abort", onCallerAbort);
  }
}

/** Opens the socket, every failure a {@linkcode FaktoryError}. */
export async function connectSocket(
  transport: ClientTransport,
  address: ServerAddress,
  options: ConnectionOptions,
  signal: AbortSignal,
  handlers: SocketHandlers,
): Promise<Socket> {
  try {
    return await transport.connect({
      host: address.host,
      port: address.port,
      ...(address.tls
        ? { tls: typeof options.tls === "object" ? options.tls : true }
        : {}),
      connectTimeout: options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT,
      signal,
    }, handlers);
  } catch (err) {
    if (signal.aborted) throw connectAborted(address, signal.reason);
    if (err instanceof FaktoryError) throw err;
    // A transport that failed some other way (or a custom one).
    throw new ConnectError(
      `Connection to ${address} failed: ${
        (err as Error)?.message ?? String(err)
      }`,
      "ECONNECT",
      { cause: err },
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
