/**
 * The Manager's events: one typed map, namespaced names, object payloads.
 * Listener errors are caught and logged, never thrown into the worker.
 *
 * @module
 */

import type { Job } from "../core/job.ts";

/**
 * Every event a Manager emits, with its payload.
 *
 * @example
 * ```ts
 * import type { ManagerEvents } from "@x/faktory-worker";
 * const onFailure = (e: ManagerEvents["job:failure"]) => console.log(e.job.jid, e.error);
 * ```
 */
export interface ManagerEvents {
  /** Connected and said HELLO; fetching starts. */
  startup: { readonly wid: string };
  /** Stopped fetching (signal, API call or the server's request); running jobs go on. */
  quiet: { readonly reason: "signal" | "server" | "api" };
  /** Shutdown began. */
  shutdown: { readonly reason: "signal" | "server" | "api" };
  /** A job's handler is about to run. */
  "job:start": { readonly job: Job };
  /** A job finished; its ACK is queued. */
  "job:success": { readonly job: Job; readonly durationMs: number };
  /** A job threw (or could not run); its FAIL is queued. */
  "job:failure": {
    readonly job: Job;
    readonly error: unknown;
    readonly durationMs: number;
  };
  /** The server became unreachable; the worker keeps reconnecting. */
  "connection:lost": { readonly error: unknown };
  /** The server is reachable again. */
  "connection:restored": { readonly downtimeMs: number };
  /** A background failure the worker coped with. */
  error: { readonly error: unknown; readonly context: string };
}

/**
 * A listener for one event.
 *
 * @example
 * ```ts
 * import type { EventListener } from "@x/faktory-worker";
 * const log: EventListener<"startup"> = ({ wid }) => console.log("worker", wid);
 * ```
 */
export type EventListener<K extends keyof ManagerEvents> = (
  event: ManagerEvents[K],
) => void;
