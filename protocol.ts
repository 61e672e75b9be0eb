/**
 * The wire-level pieces under the worker and client: the incremental RESP
 * reply parser, the command encoders and result decoders, the HI/HELLO
 * handshake and password hash, the client protocol state machine, job
 * payload building and validation, queue ordering, FAKTORY_URL parsing, a
 * single {@linkcode Connection}, and the socket transports. Use them to build
 * your own tooling; applications use the main entry.
 *
 * @example Parse replies as they arrive
 * ```ts
 * import { ReplyParser } from "@x/faktory-worker/protocol";
 * const parser = new ReplyParser();
 * parser.feed(new TextEncoder().encode("+OK\r\n$-1\r\n"));
 * console.log(parser.next(), parser.next()); // { type: "simple", value: "OK" } { type: "bulk", value: null }
 * ```
 *
 * @module
 */

export * from "./core/resp.ts";
export * from "./core/commands.ts";
export * from "./core/handshake.ts";
export * from "./core/protocol.ts";
export * from "./core/queues.ts";
export * from "./core/config.ts";
export {
  failureFor,
  MAX_BACKTRACE,
  MAX_ERRTYPE,
  MAX_MESSAGE,
} from "./core/failure.ts";
export { serverError } from "./core/errors.ts";
export {
  buildJob,
  checkQueueName,
  formatTime,
  parseJob,
  reservationSeconds,
  validateJob,
} from "./core/job.ts";
export type {
  ClientTransport,
  ConnectOptions,
  Platform,
  Socket,
  SocketHandlers,
  TlsOptions,
  Transport,
} from "./adapters/transport.ts";
export type {
  Accept,
  Listener,
  ListenOptions,
  ServerTransport,
} from "./adapters/listen.ts";
export {
  defaultPlatform,
  defaultServerTransport,
  defaultTransport,
} from "./adapters/runtime.ts";
export { Connection } from "./client/connection.ts";
