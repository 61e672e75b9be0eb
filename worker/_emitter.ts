/**
 * A minimal typed emitter whose listener errors are logged, not thrown.
 *
 * @module
 */

import { describeThrown } from "../core/failure.ts";
import type { EventListener, ManagerEvents } from "./events.ts";
import type { Logger } from "../client/logger.ts";

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
    this.#logger().warn(`A ${event} listener threw`, {
      error: describeThrown(err),
    });
  }
}
