/**
 * What Faktory's Web UI does to a server, for an embedded
 * {@linkcode FaktoryServer}: INFO's data, pausing, resuming and clearing
 * queues, paging through queues and sets, and acting on the jobs of a set
 * (retry now, delete, kill). The dashboard of `faktory-worker dev` is built
 * on it; tests can use it too.
 *
 * @module
 */

import type { FaktoryServer } from "./server.ts";
import type { SetName } from "./_store.ts";
import type { StoredJob } from "./_stored_job.ts";
import { infoJson } from "./_info.ts";
import { stateOf } from "./_state_of.ts";

/**
 * A set of jobs waiting for a time: `scheduled`, `retries` or `dead`.
 *
 * @example
 * ```ts
 * import type { JobSet } from "@x/faktory-worker/testing";
 * const sets: JobSet[] = ["scheduled", "retries", "dead"];
 * ```
 */
export type JobSet = SetName;

/**
 * One page of a queue or a set.
 *
 * @example
 * ```ts
 * import type { JobPage } from "@x/faktory-worker/testing";
 * const describe = (page: JobPage) => `${page.jobs.length} of ${page.total}`;
 * ```
 */
export interface JobPage {
  /** How many jobs the queue or set holds. */
  readonly total: number;
  /** Copies of the jobs of this page. */
  readonly jobs: Record<string, unknown>[];
}

const copy = (job: StoredJob) => structuredClone(job.fields);

/**
 * The Web UI's actions on an embedded server.
 *
 * @example Retry every failed job now
 * ```ts
 * import { FaktoryServer, ServerAdmin } from "@x/faktory-worker/testing";
 *
 * const server = await FaktoryServer.start();
 * const admin = new ServerAdmin(server);
 * console.log(admin.mutate("retries", "requeue", "all")); // 0: none failed yet
 * await server.stop();
 * ```
 */
export class ServerAdmin {
  readonly #server: FaktoryServer;

  /**
   * Acts on this embedded server.
   *
   * @param server The embedded server to act on.
   */
  constructor(server: FaktoryServer) {
    this.#server = server;
  }

  /**
   * The data INFO answers with: counters, queue sizes, set sizes and server
   * facts.
   *
   * @returns A fresh copy of INFO's JSON.
   * @example
   * ```ts
   * import { FaktoryServer, ServerAdmin } from "@x/faktory-worker/testing";
   * const server = await FaktoryServer.start();
   * const info = new ServerAdmin(server).info() as {
   *   faktory: { total_processed: number };
   * };
   * console.log(info.faktory.total_processed); // 0
   * await server.stop();
   * ```
   */
  info(): Record<string, unknown> {
    return JSON.parse(infoJson(stateOf(this.#server)));
  }

  /**
   * The known queues that are paused, in creation order.
   *
   * @returns Their names.
   * @example
   * ```ts
   * import { FaktoryServer, ServerAdmin } from "@x/faktory-worker/testing";
   * const server = await FaktoryServer.start();
   * console.log(new ServerAdmin(server).pausedQueues()); // []
   * await server.stop();
   * ```
   */
  pausedQueues(): string[] {
    const { store } = stateOf(this.#server);
    return store.queueSizes().map(([name]) => name).filter((name) =>
      store.isPaused(name)
    );
  }

  /**
   * Pauses queues as QUEUE PAUSE does: FETCH skips them. `*` pauses every
   * known queue.
   *
   * @param names The queues.
   * @example
   * ```ts
   * import { FaktoryServer, ServerAdmin } from "@x/faktory-worker/testing";
   * const server = await FaktoryServer.start();
   * new ServerAdmin(server).pauseQueues(["mail"]);
   * await server.stop();
   * ```
   */
  pauseQueues(names: readonly string[]): void {
    const state = stateOf(this.#server);
    state.store.pause(names);
    state.changes++; // for the data file
  }

  /**
   * Resumes queues as QUEUE RESUME does: blocked FETCHes get their jobs.
   * `*` resumes every paused queue.
   *
   * @param names The queues.
   * @example
   * ```ts
   * import { FaktoryServer, ServerAdmin } from "@x/faktory-worker/testing";
   * const server = await FaktoryServer.start();
   * new ServerAdmin(server).resumeQueues(["*"]);
   * await server.stop();
   * ```
   */
  resumeQueues(names: readonly string[]): void {
    const state = stateOf(this.#server);
    state.store.resume(names);
    state.changes++;
    state.wakeWaiters();
  }

  /**
   * Removes queues and their jobs as QUEUE REMOVE does (the Web UI's
   * Clear). `*` removes every queue.
   *
   * @param names The queues.
   * @example
   * ```ts
   * import { FaktoryServer, ServerAdmin } from "@x/faktory-worker/testing";
   * const server = await FaktoryServer.start();
   * new ServerAdmin(server).removeQueues(["mail"]);
   * await server.stop();
   * ```
   */
  removeQueues(names: readonly string[]): void {
    const state = stateOf(this.#server);
    state.store.remove(names);
    state.changes++;
  }

  /**
   * A page of a queue's jobs, oldest first, copying only that page.
   *
   * @param name The queue.
   * @param offset Jobs to skip.
   * @param limit Jobs to return at most.
   * @returns The page and the queue's size.
   * @example
   * ```ts
   * import { FaktoryServer, ServerAdmin } from "@x/faktory-worker/testing";
   * const server = await FaktoryServer.start();
   * const { total } = new ServerAdmin(server).queuePage("default", 0, 25);
   * console.log(total); // 0
   * await server.stop();
   * ```
   */
  queuePage(name: string, offset: number, limit: number): JobPage {
    const all = stateOf(this.#server).store.queueJobs(name);
    return {
      total: all.length,
      jobs: all.slice(offset, offset + limit).map(copy),
    };
  }

  /**
   * A page of a set's jobs (scheduled and retries soonest first, dead
   * oldest first), copying only that page.
   *
   * @param set The set.
   * @param offset Jobs to skip.
   * @param limit Jobs to return at most.
   * @returns The page and the set's size.
   * @example
   * ```ts
   * import { FaktoryServer, ServerAdmin } from "@x/faktory-worker/testing";
   * const server = await FaktoryServer.start();
   * const { jobs } = new ServerAdmin(server).setPage("retries", 0, 25);
   * console.log(jobs.length); // 0
   * await server.stop();
   * ```
   */
  setPage(set: JobSet, offset: number, limit: number): JobPage {
    const all = stateOf(this.#server).store.setJobs(set);
    return {
      total: all.length,
      jobs: all.slice(offset, offset + limit).map(copy),
    };
  }

  /**
   * One job of a set.
   *
   * @param set The set.
   * @param jid The job.
   * @returns A copy of the job, or undefined when it is not in the set.
   * @example
   * ```ts
   * import { FaktoryServer, ServerAdmin } from "@x/faktory-worker/testing";
   * const server = await FaktoryServer.start();
   * console.log(new ServerAdmin(server).findJob("dead", "nosuchjob")); // undefined
   * await server.stop();
   * ```
   */
  findJob(set: JobSet, jid: string): Record<string, unknown> | undefined {
    const job = stateOf(this.#server).store.setJobs(set).find((j) =>
      j.jid === jid
    );
    return job && copy(job);
  }

  /**
   * MUTATE on a set, for chosen jobs or all of them: `requeue` puts them
   * back on their queues (the Web UI's Retry now), `discard` drops them
   * (Delete), `kill` moves them to the dead set (Kill).
   *
   * @param set The set.
   * @param cmd What to do.
   * @param jids The jobs, or `all`.
   * @returns How many jobs it acted on.
   * @example
   * ```ts
   * import { FaktoryServer, ServerAdmin } from "@x/faktory-worker/testing";
   * const server = await FaktoryServer.start();
   * const admin = new ServerAdmin(server);
   * admin.mutate("retries", "kill", "all"); // every retry to the dead set
   * admin.mutate("dead", "discard", ["4f9c1d0a8b2e"]);
   * await server.stop();
   * ```
   */
  mutate(
    set: JobSet,
    cmd: "requeue" | "discard" | "kill",
    jids: readonly string[] | "all",
  ): number {
    const state = stateOf(this.#server);
    const chosen = jids === "all" ? undefined : new Set(jids);
    const match = (job: StoredJob) => chosen?.has(job.jid) ?? true;
    const count = state.store.setJobs(set).filter(match).length;
    const now = state.options.now();
    for (const job of state.store.mutate(cmd, set, match, now)) {
      state.enqueue(job);
    }
    state.changes++;
    return count;
  }
}
