/**
 * The embedded server's options, their defaults, and the shapes of what its
 * control API lists.
 *
 * @module
 */

import type { ServerTransport } from "../adapters/listen.ts";
import type { ResolvedOptions } from "./_server_state.ts";
import type { Reservation } from "./_store.ts";
import type { WorkerRecord } from "./_workers.ts";

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
 *
 * @example Faktory Enterprise batches and unique jobs
 * ```ts
 * import { Client, createJob, NotUniqueError } from "@x/faktory-worker";
 * import { FaktoryServer } from "@x/faktory-worker/testing";
 *
 * const server = await FaktoryServer.start({ enterprise: true });
 * const client = await Client.connect(server.url);
 * const bid = await client.batchNew({ success: createJob("AllDone", []) });
 * await client.push("Part", [1], { custom: { bid } });
 * await client.batchCommit(bid);
 * console.log(server.batch(bid)?.pending); // 1
 * await client.push("Report", [7], { uniqueFor: 600 });
 * await client.push("Report", [7], { uniqueFor: 600 }).catch((err) => {
 *   console.log(err instanceof NotUniqueError); // true
 * });
 * await client.close();
 * await server.stop();
 * ```
 */
export interface FaktoryServerOptions {
  /** Address to bind. @default {"127.0.0.1"} */
  readonly host?: string;
  /** Port to bind; 0 picks a free one. @default {0} */
  readonly port?: number;
  /**
   * Require this password (HI then carries a salt and iteration count). As
   * in Faktory, each connection gets its own salt; while 16 or more
   * connections wait for their HELLO to be checked, new ones share one, so
   * that wrong passwords cannot make a right one wait for their hashes.
   */
  readonly password?: string;
  /** Serve TLS (`tcp+tls://`) with this PEM key and certificate. */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** How long FETCH blocks when no job is ready, in ms. @default {2000} */
  readonly fetchTimeout?: number;
  /** How long a client has to send HELLO, in ms. @default {2000} */
  readonly helloTimeout?: number;
  /**
   * The most input the server holds for one connection, in bytes: a command
   * line still arriving, plus the commands pipelined behind one that waits
   * (a blocking FETCH). A connection that sends more is closed with
   * `-ERR line too long: ...` or `-ERR too much pipelined input: ...`.
   * Real traffic stays far below: a job, or a PUSHB of many, is one line of
   * a few KiB to a few MiB. Before its HELLO is accepted a connection may
   * hold at most 16 KiB. While a connection does not read its replies, or
   * while the server works through a long pipeline of it a slice at a time,
   * the server stops reading it instead (TCP back-pressure), as Faktory
   * does.
   *
   * @default {16777216}
   */
  readonly maxInputBytes?: number;
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
  /**
   * Keep the data in this file, so that nothing is lost across restarts of
   * the process: queues, scheduled jobs, retries, dead jobs, reservations
   * (with their expiry times), paused queues, the processed and failed
   * counters and, with `enterprise`, batches, unique locks and tracking.
   * Workers are not kept (Faktory keeps them in memory too): they say HELLO
   * again, and a late ACK or FAIL of a kept reservation works.
   *
   * The first {@linkcode FaktoryServer.start} loads the file (a missing file
   * starts empty; it is created at the first write). Changes are written at
   * most a second after they happen, and at {@linkcode FaktoryServer.stop};
   * nothing is written while nothing changes. Each write goes to
   * `<dataFile>.tmp`, is flushed to the disk and renamed over the file, so a
   * crash (even `kill -9`) leaves a whole file and loses at most the last
   * second. A file that is damaged, truncated, not a data file, or written
   * by a newer version stops the start with a {@linkcode DataFileError}
   * naming the file and the problem, and is left as it is. On Deno, run
   * with `--allow-read` and `--allow-write` for the file and its `.tmp`.
   *
   * @default {undefined} (everything is kept in memory only)
   * @example Jobs that survive a restart of the process
   * ```ts
   * import { Client } from "@x/faktory-worker";
   * import { FaktoryServer } from "@x/faktory-worker/testing";
   *
   * const server = await FaktoryServer.start({ dataFile: "faktory-dev.json" });
   * const client = await Client.connect(server.url);
   * await client.push("SendEmail", ["alice@example.com"]);
   * await client.close();
   * await server.stop(); // writes the file; a new process finds the job
   * ```
   */
  readonly dataFile?: string;
  /** The transport to listen with. @default {the current runtime's} */
  readonly transport?: ServerTransport;
  /**
   * Emulate Faktory Pro and Enterprise: unique jobs (custom `unique_for`,
   * `unique_until`; a duplicate gets `-NOTUNIQUE Job not unique`), expiring
   * jobs (custom `expires_at`: FETCH silently drops a job past it), batches
   * (`BATCH NEW|OPEN|COMMIT|STATUS`, jobs joining with custom `bid`, complete
   * and success callbacks carrying custom `_bid`, `_cb` and, for a child
   * batch, `_pbid`) and tracking (custom `track`, `TRACK SET|GET`); INFO's
   * `server.description` is then "Faktory Enterprise", as Enterprise says. When
   * off, the server answers as open-source Faktory 1.8: BATCH and TRACK get
   * `-ERR ... only available in Faktory Enterprise` and those custom keys are
   * ignored.
   *
   * Where Enterprise's behaviour is not documented, the embedded server
   * chooses:
   * - A job dropped because it expired counts in its batch as run and
   *   failed, releases its unique lock, and its track becomes `failed`.
   * - A push whose custom `bid` names no batch is refused with
   *   `no such batch <bid>`, as BATCH OPEN, COMMIT and STATUS answer for an
   *   unknown batch.
   * - Error texts Enterprise is not known to send (a batch without
   *   callbacks, a non-empty `bid` in BATCH NEW, a bad callback job, bad
   *   TRACK SET fields, unknown subcommands) are `-ERR` lines that say what
   *   is wrong.
   * - BATCH OPEN works on any batch from any connection and does not hold
   *   back callbacks; committing twice is accepted. Callback jobs are
   *   normalized like PUSH (a jid is generated when missing) and are not
   *   checked for uniqueness.
   * - A batch's `pending` counts jobs that have not run once and `failed`
   *   the jobs whose last run failed; a job that dies stays failed, so
   *   success never fires for its batch. Success waits for the complete
   *   callback to be acknowledged; one that fails for good (dead or
   *   discarded) finishes the complete stage too, its state staying `1`, as
   *   Enterprise documents success as depending on the jobs alone. A success
   *   callback that fails for good likewise finishes its stage, so it does
   *   not hold a parent back. A child batch gates its parent: the parent is
   *   complete once every child finished its complete stage, and succeeds
   *   once every child finished its success stage.
   * - An uncommitted batch is dropped 30 minutes after its creation;
   *   committed batches are kept until FLUSH. Track records of jobs that
   *   are neither enqueued nor working are dropped 30 minutes after their
   *   last update. Times in BATCH STATUS and TRACK GET have whole seconds.
   *
   * @default {false}
   */
  readonly enterprise?: boolean;
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

/** A reservation as {@linkcode FaktoryServer.busy} lists it. */
export function busyJob(r: Reservation): BusyJob {
  return {
    job: structuredClone(r.job.fields),
    wid: r.wid,
    reservedAt: new Date(r.reservedAt),
    expiresAt: new Date(r.expiresAt),
  };
}

/** A worker as {@linkcode FaktoryServer.workers} lists it. */
export function workerInfo(w: WorkerRecord): WorkerInfo {
  return {
    wid: w.wid,
    hostname: w.hostname,
    pid: w.pid,
    labels: [...w.labels],
    lastBeat: new Date(w.lastBeat),
    state: w.state,
    currentState: w.currentState,
    rssKb: w.rssKb,
    connections: w.connections,
  };
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
    enterprise: options.enterprise ?? false,
    maxInputBytes: options.maxInputBytes ?? 16 * 1024 * 1024,
  };
}
