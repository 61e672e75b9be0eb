/**
 * The embedded server's options, their defaults, and the shapes of what its
 * control API lists.
 *
 * @module
 */

import type { ServerTransport } from "../adapters/listen.ts";
import type { ResolvedOptions } from "./_server_state.ts";

/**
 * Options for {@linkcode FaktoryServer}.
 *
 * @example A password, a short FETCH wait, and a clock the test moves
 * ```ts
 * import { FaktoryServer } from "@x/faktory-worker/testing";
 *
 * let now = Date.parse("2030-01-01T00:00:00Z");
 * const server = await FaktoryServer.start({
 *   password: "s3cret",
 *   fetchTimeout: 100,
 *   taskInterval: 0, // periodic tasks run only on runTasks()
 *   now: () => now,
 * });
 * now += 60_000;
 * server.runTasks(); // promotes what fell due in that minute
 * await server.stop();
 * ```
 */
export interface FaktoryServerOptions {
  /** Address to bind. @default {"127.0.0.1"} */
  readonly host?: string;
  /** Port to bind; 0 picks a free one. @default {0} */
  readonly port?: number;
  /** Require this password (HI then carries a salt and iteration count). */
  readonly password?: string;
  /** Serve TLS (`tcp+tls://`) with this PEM key and certificate. */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** How long FETCH blocks when no job is ready, in ms. @default {2000} */
  readonly fetchTimeout?: number;
  /** How long a client has to send HELLO, in ms. @default {2000} */
  readonly helloTimeout?: number;
  /** A worker not heard from for this long is forgotten, in ms. @default {60000} */
  readonly heartbeatTimeout?: number;
  /**
   * How often scheduled and retry jobs are promoted, reservations expired and
   * silent workers reaped, in ms; 0 runs them only on {@linkcode FaktoryServer.runTasks}.
   *
   * @default {1000}
   */
  readonly taskInterval?: number;
  /** The clock, in ms since the epoch. @default {Date.now} */
  readonly now?: () => number;
  /** Random numbers in [0, 1) for salts and retry jitter. @default {Math.random} */
  readonly random?: () => number;
  /** Retries given to a job pushed without `retry`. @default {25} */
  readonly defaultRetry?: number;
  /** The transport to listen with. @default {the current runtime's} */
  readonly transport?: ServerTransport;
}

/**
 * A job and its worker, as listed by {@linkcode FaktoryServer.busy}.
 *
 * @example
 * ```ts
 * import type { BusyJob } from "@x/faktory-worker/testing";
 * const show = (b: BusyJob) => `${b.job.jid} reserved by ${b.wid} until ${b.expiresAt.toISOString()}`;
 * ```
 */
export interface BusyJob {
  /** The job as fetched. */
  readonly job: Record<string, unknown>;
  /** The worker that fetched it. */
  readonly wid: string;
  /** When it was fetched. */
  readonly reservedAt: Date;
  /** When the reservation expires. */
  readonly expiresAt: Date;
}

/**
 * A worker the server knows, as listed by {@linkcode FaktoryServer.workers}.
 *
 * @example
 * ```ts
 * import type { WorkerInfo } from "@x/faktory-worker/testing";
 * const show = (w: WorkerInfo) => `${w.wid} on ${w.hostname}: ${w.state}`;
 * ```
 */
export interface WorkerInfo {
  /** Worker id. */
  readonly wid: string;
  /** Host name from HELLO. */
  readonly hostname: string;
  /** Process id from HELLO. */
  readonly pid: number;
  /** Labels from HELLO. */
  readonly labels: readonly string[];
  /** When the worker last said HELLO or BEAT. */
  readonly lastBeat: Date;
  /** The state the server asks for. */
  readonly state: "running" | "quiet" | "terminate";
  /** The last `current_state` the worker reported. */
  readonly currentState: string;
  /** The last `rss_kb` the worker reported. */
  readonly rssKb: number | undefined;
  /** Open connections of this worker. */
  readonly connections: number;
}

/** The options with their defaults filled in. */
export function resolveOptions(options: FaktoryServerOptions): ResolvedOptions {
  return {
    host: options.host ?? "127.0.0.1",
    password: options.password,
    fetchTimeout: options.fetchTimeout ?? 2000,
    helloTimeout: options.helloTimeout ?? 2000,
    heartbeatTimeout: options.heartbeatTimeout ?? 60_000,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    defaultRetry: options.defaultRetry ?? 25,
  };
}
