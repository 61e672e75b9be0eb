/**
 * A Faktory worker and client library that runs natively on Deno, Bun and
 * Node.js. A pure protocol core is wrapped by tiny per-runtime socket
 * adapters; the same code talks to Faktory on all three runtimes.
 *
 * @example Push a job
 * ```ts ignore
 * import { Client } from "@x/faktory-worker";
 * const client = await Client.connect(); // FAKTORY_URL or tcp://localhost:7419
 * await client.push("SendEmail", ["a@example.com"], { queue: "mail" });
 * await client.close();
 * ```
 *
 * @module
 */

export {
  AuthenticationError,
  ConnectError,
  ConnectionClosedError,
  EnterpriseOnlyError,
  FaktoryError,
  InvalidJobError,
  JobTooLargeError,
  LocalProtocolError,
  NotUniqueError,
  RemoteProtocolError,
  ServerError,
  TimeoutError,
} from "./core/errors.ts";
export {
  type Job,
  type JobFailure,
  type JobOptions,
  type JobPayload,
  type JsonValue,
} from "./core/job.ts";
export type { FaktoryEdition } from "./core/job_enterprise.ts";
export type {
  BatchPayload,
  BatchStatus,
  CallbackState,
  FailPayload,
  JobProgress,
  MutateFilter,
  MutateTarget,
  Mutation,
  ServerInfo,
  TaskInfo,
  TrackPayload,
  WorkerState,
} from "./core/commands.ts";
export type {
  ClientTransport,
  ConnectOptions,
  Socket,
  SocketHandlers,
  TlsOptions,
} from "./adapters/transport.ts";
export { detectRuntime, type Runtime } from "./adapters/runtime.ts";
export type {
  ConnectionOptions,
  RequestOptions,
} from "./client/connection_options.ts";
export {
  type BeatOptions,
  Client,
  type ClientOptions,
} from "./client/client.ts";
export type { ClientAdmin } from "./client/_client_admin.ts";
export {
  Batch,
  type BatchCallback,
  type BatchClient,
  type BatchOptions,
} from "./client/batch.ts";
export { Pool, type PoolOptions } from "./client/pool.ts";
export type { PushMiddleware } from "./client/push_middleware.ts";
export {
  createJob,
  defineJob,
  type JobDefinition,
  randomJid,
} from "./client/jobs.ts";
export * from "./worker/manager.ts";
export { type Handler, JobContext, type Middleware } from "./worker/context.ts";
export type { EventListener, ManagerEvents } from "./worker/events.ts";
export {
  consoleLogger,
  type ConsoleLoggerOptions,
  fieldsFirst,
  type FieldsFirstLogger,
  isLogLevel,
  type LogFormat,
  type Logger,
  type LogLevel,
} from "./client/logger.ts";
