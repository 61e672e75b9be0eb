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

export * from "./core/errors.ts";
export * from "./core/resp.ts";
export * from "./core/commands.ts";
export * from "./core/handshake.ts";
export * from "./core/job.ts";
export * from "./core/config.ts";
export * from "./core/queues.ts";
export * from "./core/protocol.ts";
export * from "./core/failure.ts";
export type {
  Accept,
  ConnectOptions,
  Listener,
  ListenOptions,
  Platform,
  Socket,
  SocketHandlers,
  TlsOptions,
  Transport,
} from "./adapters/transport.ts";
export {
  defaultPlatform,
  defaultTransport,
  detectRuntime,
  type Runtime,
} from "./adapters/runtime.ts";
export * from "./worker/connection.ts";
export * from "./worker/client.ts";
export * from "./worker/pool.ts";
export * from "./worker/jid.ts";
export * from "./worker/manager.ts";
export { type Handler, JobContext, type Middleware } from "./worker/context.ts";
export * from "./worker/events.ts";
export * from "./worker/logger.ts";
export { defineJob, type JobDefinition } from "./worker/job_definition.ts";
