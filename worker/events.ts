/**
 * The Manager's events: one typed map, namespaced names, object payloads.
 * Listener errors are caught and logged, never thrown into the worker.
 *
 * @module
 */

import type { Job } from "../core/job.ts";
import type { Logger } from "./logger.ts";

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

/** A minimal typed emitter whose listener errors are logged, not thrown. */
export class Emitter {
  readonly #listeners = new Map<keyof ManagerEvents, Set<(e: never) => void>>();
  readonly #logger: () => Logger;

  constructor(logger: () => Logger) {
    this.#logger = logger;
  }

  on<K extends keyof ManagerEvents>(
    event: K,
    listener: EventListener<K>,
  ): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, set = new Set());
    set.add(listener as (e: never) => void);
    return () => void set.delete(listener as (e: never) => void);
  }

  has(event: keyof ManagerEvents): boolean {
    return (this.#listeners.get(event)?.size ?? 0) > 0;
  }

  emit<K extends keyof ManagerEvents>(
    event: K,
    payload: ManagerEvents[K],
  ): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        const result = (listener as EventListener<K>)(payload) as unknown;
        if (result instanceof Promise) {
          result.catch((err) => this.#failed(event, err));
        }
      } catch (err) {
        this.#failed(event, err);
      }
    }
  }

  #failed(event: string, err: unknown): void {
    this.#logger().warn(`A ${event} listener threw`, { error: String(err) });
  }
}
