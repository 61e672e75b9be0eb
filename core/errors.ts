/**
 * Typed errors raised by every layer of the library.
 *
 * Each error says whose fault it was: {@linkcode LocalProtocolError} is a
 * caller's misuse caught before anything is sent, {@linkcode RemoteProtocolError}
 * is a peer that broke the wire format, {@linkcode ServerError} is a well-formed
 * `-ERR` reply, and {@linkcode ConnectionClosedError} is a connection that went
 * away.
 *
 * @module
 */

/**
 * Base class of every error this library throws on purpose.
 *
 * @example Catch anything from the library
 * ```ts
 * import { FaktoryError } from "@x/faktory-worker";
 * try {
 *   throw new FaktoryError("something broke");
 * } catch (err) {
 *   if (err instanceof FaktoryError) console.log(err.message);
 * }
 * ```
 */
export class FaktoryError extends Error {
  /**
   * Creates an error.
   *
   * @param message What went wrong, in sentence case.
   * @param options The standard error options; pass `cause` when wrapping.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The caller asked for something the protocol does not allow, such as a
 * command in the wrong connection state or a payload-taking verb without a
 * payload. Nothing was sent.
 *
 * @example
 * ```ts
 * import { LocalProtocolError } from "@x/faktory-worker";
 * const err = new LocalProtocolError("FETCH needs at least one queue");
 * console.log(err.name); // "LocalProtocolError"
 * ```
 */
export class LocalProtocolError extends FaktoryError {}

/**
 * The peer sent bytes that do not follow the protocol: a bad reply type byte,
 * a bad length, a missing CRLF, an oversized bulk string or an unexpected
 * reply. The connection cannot be used afterwards.
 *
 * @example
 * ```ts
 * import { RemoteProtocolError } from "@x/faktory-worker";
 * const err = new RemoteProtocolError("Invalid reply type byte 0x3f");
 * console.log(err instanceof Error); // true
 * ```
 */
export class RemoteProtocolError extends FaktoryError {}

/**
 * A well-formed error reply from the server (`-ERR message` or
 * `-CODE message`). The connection stays usable.
 *
 * @example
 * ```ts
 * import { ServerError } from "@x/faktory-worker";
 * const err = new ServerError("ERR", "Job not found abc12345");
 * console.log(err.code, err.serverMessage);
 * ```
 */
export class ServerError extends FaktoryError {
  /** The first word of the error reply, such as `ERR` or `NOTUNIQUE`. */
  readonly code: string;
  /** The rest of the error reply, exactly as the server sent it. */
  readonly serverMessage: string;

  /**
   * Creates a server error.
   *
   * @param code The first word of the reply, such as `ERR`.
   * @param serverMessage The text after the code.
   * @param options The standard error options.
   */
  constructor(code: string, serverMessage: string, options?: ErrorOptions) {
    super(`Server replied ${code}: ${serverMessage}`, options);
    this.code = code;
    this.serverMessage = serverMessage;
  }
}

/**
 * The server refused a command because it belongs to Faktory Enterprise
 * (batches, tracking). Raised instead of a plain {@linkcode ServerError}.
 *
 * @example
 * ```ts
 * import { EnterpriseOnlyError } from "@x/faktory-worker";
 * const err = new EnterpriseOnlyError(
 *   "ERR",
 *   "batch subsystem is only available in Faktory Enterprise",
 * );
 * console.log(err.feature); // "batch"
 * ```
 */
export class EnterpriseOnlyError extends ServerError {
  /** The subsystem the server named, such as `batch` or `tracking`. */
  readonly feature: string;

  /**
   * Creates the error from the server's reply.
   *
   * @param code The reply code.
   * @param serverMessage The reply text.
   * @param options The standard error options.
   */
  constructor(code: string, serverMessage: string, options?: ErrorOptions) {
    super(code, serverMessage, options);
    this.feature = /^(\w+) subsystem/.exec(serverMessage)?.[1] ?? "unknown";
    this.message =
      `The ${this.feature} feature needs Faktory Enterprise: ${serverMessage}`;
  }
}

/**
 * The server refused a unique job (Faktory Pro or Enterprise) because an
 * equal job (same type, arguments and queue) still holds the unique lock:
 * the reply `-NOTUNIQUE`. The job was not pushed; nothing else is wrong.
 *
 * @example
 * ```ts
 * import { NotUniqueError } from "@x/faktory-worker";
 * const err = new NotUniqueError("NOTUNIQUE", "Job not unique");
 * console.log(err.code, err instanceof NotUniqueError); // "NOTUNIQUE" true
 * ```
 */
export class NotUniqueError extends ServerError {}

/**
 * The connection closed (or failed) while a command was outstanding, or a
 * command was issued after the connection had closed.
 *
 * @example
 * ```ts
 * import { ConnectionClosedError } from "@x/faktory-worker";
 * const err = new ConnectionClosedError("Connection closed by the server");
 * console.log(err.name);
 * ```
 */
export class ConnectionClosedError extends FaktoryError {}

/**
 * A command got no reply within its read timeout. The connection is closed,
 * because later replies could no longer be matched to their commands.
 *
 * @example
 * ```ts
 * import { TimeoutError } from "@x/faktory-worker";
 * const err = new TimeoutError("No reply to INFO within 5000 ms");
 * console.log(err.name);
 * ```
 */
export class TimeoutError extends FaktoryError {}

/**
 * The server refused HELLO: the password is wrong or missing. The server
 * closes the connection after this reply.
 *
 * @example
 * ```ts
 * import { AuthenticationError } from "@x/faktory-worker";
 * const err = new AuthenticationError("ERR", "Invalid password");
 * console.log(err.message);
 * ```
 */
export class AuthenticationError extends ServerError {}

/**
 * Builds the right {@linkcode ServerError} subclass for an error reply.
 *
 * @param code The first word of the reply, such as `ERR`.
 * @param message The rest of the reply.
 * @param verb The command that got the reply, when known.
 * @returns The typed error.
 *
 * @example
 * ```ts
 * import { serverError } from "@x/faktory-worker/protocol";
 * const err = serverError("ERR", "tracking subsystem is only available in Faktory Enterprise");
 * console.log(err.name); // "EnterpriseOnlyError"
 * ```
 */
export function serverError(
  code: string,
  message: string,
  verb?: string,
): ServerError {
  if (message.includes("only available in Faktory Enterprise")) {
    return new EnterpriseOnlyError(code, message);
  }
  if (code === "NOTUNIQUE") return new NotUniqueError(code, message);
  if (verb === "HELLO" && message === "Invalid password") {
    return new AuthenticationError(code, message);
  }
  return new ServerError(code, message);
}

/**
 * A connection to the server could not be opened: refused, unreachable,
 * timed out, or a failed TLS handshake.
 *
 * @example
 * ```ts
 * import { ConnectError } from "@x/faktory-worker";
 * const err = new ConnectError("Connection to tcp://localhost:7419 refused", "ECONNREFUSED");
 * console.log(err.code);
 * ```
 */
export class ConnectError extends FaktoryError {
  /** A short code such as `ECONNREFUSED`, `ETIMEDOUT` or `TLS`. */
  readonly code: string;

  /**
   * Creates the error.
   *
   * @param message What failed, with the address (password masked).
   * @param code A short code.
   * @param options The standard error options.
   */
  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * A job that failed validation before it was sent. The message is the one
 * the server would have answered with, where the server has one.
 *
 * @example
 * ```ts
 * import { InvalidJobError } from "@x/faktory-worker";
 * import { buildJob } from "@x/faktory-worker/protocol";
 * try {
 *   buildJob("Email", [1], { jid: "short" }, "unused0");
 * } catch (err) {
 *   if (err instanceof InvalidJobError) console.log(err.field); // "jid"
 * }
 * ```
 */
export class InvalidJobError extends LocalProtocolError {
  /** The offending field, such as `jid` or `args`. */
  readonly field: string;

  /**
   * Creates the error.
   *
   * @param field The offending field.
   * @param message What is wrong with it.
   * @param options The standard error options; `cause` when wrapping.
   */
  constructor(field: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.field = field;
  }
}

/**
 * A fetched job is larger than the connection's `maxReplyBytes`: its bytes
 * were skipped, not read, and the connection stays usable. The server still
 * holds the job reserved; `jid` is its id when it was found in the job's
 * first bytes (Faktory writes it first), so it can be FAILed at once instead
 * of coming back only when its reservation expires. The Manager does so.
 *
 * @example
 * ```ts
 * import { JobTooLargeError } from "@x/faktory-worker";
 * const err = new JobTooLargeError({ size: 70000, limit: 65536, jid: "0123456789ab" });
 * console.log(err.message); // "Job 0123456789ab of 70000 bytes exceeds maxReplyBytes (65536 bytes)"
 * ```
 */
export class JobTooLargeError extends FaktoryError {
  /** The job's size in bytes, as the server announced it. */
  readonly size: number;
  /** The limit it exceeds (`maxReplyBytes`), in bytes. */
  readonly limit: number;
  /** The job's id, when it was found in the job's first bytes. */
  readonly jid: string | undefined;

  /**
   * Creates the error.
   *
   * @param job The job's size, the limit, and its jid if known.
   * @param options The standard error options.
   */
  constructor(
    job: {
      readonly size: number;
      readonly limit: number;
      readonly jid?: string | undefined;
    },
    options?: ErrorOptions,
  ) {
    super(
      `${
        job.jid === undefined ? "A job" : `Job ${job.jid}`
      } of ${job.size} bytes exceeds maxReplyBytes (${job.limit} bytes)`,
      options,
    );
    this.size = job.size;
    this.limit = job.limit;
    this.jid = job.jid;
  }
}
