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
import { shown } from "../core/_shown.ts";
import type { ConnectionOptions } from "./connection_options.ts";
import { ENV_DENIED, readEnvSync } from "../adapters/env.ts";

/** The longest delay a timer takes (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS: number = 2 ** 31 - 1;

/** The default of `connectTimeout`, in ms. */
export const DEFAULT_CONNECT_TIMEOUT = 10_000;

/**
 * Refuses options no connection could work with, before anything connects:
 * each message names the option, the value and what is allowed.
 *
 * @throws {LocalProtocolError} For an invalid option (the URL included, when
 *   given; constructors check the environment's with {@linkcode checkEnvUrl}).
 */
export function checkOptions(options: ConnectionOptions): void {
  const {
    url,
    password,
    tls,
    hostname,
    pid,
    labels,
    wid,
    timeout,
    connectTimeout,
    maxReplyBytes,
  } = options;
  const refuse = (what: string, value: unknown): never => {
    throw new LocalProtocolError(`${what}, got ${shown(value)}`);
  };
  if (url !== undefined) {
    if (typeof url !== "string") refuse("url must be a string", url);
    ServerAddress.parse(url);
  }
  if (password !== undefined && typeof password !== "string") {
    refuse("password must be a string", password);
  }
  if (
    tls !== undefined && typeof tls !== "boolean" &&
    (typeof tls !== "object" || tls === null)
  ) refuse("tls must be true, false or an object of TLS options", tls);
  if (
    hostname !== undefined && (typeof hostname !== "string" || hostname === "")
  ) refuse("hostname must be a non-empty string", hostname);
  if (pid !== undefined && !(Number.isSafeInteger(pid) && pid >= 0)) {
    refuse("pid must be an integer >= 0", pid);
  }
  if (
    labels !== undefined &&
    !(Array.isArray(labels) && labels.every((l) => typeof l === "string"))
  ) refuse("labels must be an array of strings", labels);
  if (wid !== undefined && (typeof wid !== "string" || wid === "")) {
    refuse("wid must be a non-empty string", wid);
  }
  if (
    timeout !== undefined &&
    !(typeof timeout === "number" && timeout > 2000 && timeout <= MAX_TIMER_MS)
  ) {
    refuse(
      `timeout must exceed the server's 2000 ms FETCH block (and be at most ${MAX_TIMER_MS} ms)`,
      timeout,
    );
  }
  if (
    connectTimeout !== undefined &&
    !(typeof connectTimeout === "number" && connectTimeout > 0 &&
      connectTimeout <= MAX_TIMER_MS)
  ) {
    refuse(
      `connectTimeout must be a positive number of ms (at most ${MAX_TIMER_MS})`,
      connectTimeout,
    );
  }
  if (
    maxReplyBytes !== undefined &&
    !(Number.isSafeInteger(maxReplyBytes) && maxReplyBytes > 0)
  ) refuse("maxReplyBytes must be a positive integer", maxReplyBytes);
}

/**
 * The server to talk to: the URL (or the environment's), TLS and password
 * options applied. A bad URL from the environment is named by its variable.
 */
export function resolveAddress(
  options: ConnectionOptions,
  platform: Platform,
): ServerAddress {
  const parsed = options.url === undefined
    ? ServerAddress.parse(resolveUrl(platform.env), urlVariable(platform.env))
    : ServerAddress.parse(options.url);
  return new ServerAddress(
    parsed.host,
    parsed.port,
    parsed.tls || (options.tls !== undefined && options.tls !== false),
    options.password ?? parsed.password,
  );
}

/**
 * Checks the URL the environment gives (FAKTORY_PROVIDER's variable, else
 * FAKTORY_URL) as connecting would read it, so a bad one fails where the
 * options are given. A variable Deno may not read is left for the connect to
 * report, naming the flag.
 *
 * @throws {LocalProtocolError} Naming the variable and its value.
 */
export function checkEnvUrl(): void {
  const denied = new Error("Not allowed to read the environment");
  const env = (name: string): string | undefined => {
    const value = readEnvSync(name);
    if (value === ENV_DENIED) throw denied;
    return value;
  };
  try {
    ServerAddress.parse(resolveUrl(env), urlVariable(env));
  } catch (err) {
    if (err !== denied) throw err;
  }
}

/** The variable `resolveUrl` read the URL from. */
function urlVariable(env: (name: string) => string | undefined): string {
  return env("FAKTORY_PROVIDER") ||
    (env("FAKTORY_URL") ? "FAKTORY_URL" : "Faktory URL");
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
