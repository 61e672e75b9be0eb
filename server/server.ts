/**
 * An embedded, Faktory-compatible server for tests, demos and benchmarks. It
 * speaks the wire protocol byte for byte as Faktory 1.8 does (as recorded in
 * transcripts), keeps everything in memory (and in `dataFile`), and adds a
 * control API to inspect state, quiet or terminate workers, run time-based
 * tasks now, and inject faults. With `enterprise: true` it also emulates
 * Faktory Pro and Enterprise: unique and expiring jobs, batches and tracking.
 *
 * @module
 */

import {
  defaultPlatform,
  defaultServerTransport,
} from "../adapters/runtime.ts";
import type { Listener, ServerTransport } from "../adapters/listen.ts";
import type { BatchStatus, JobProgress } from "../core/results.ts";
import type { Fault } from "./_faults.ts";
import {
  type BusyJob,
  busyJob,
  type FaktoryServerOptions,
  resolveOptions,
  type WorkerInfo,
  workerInfo,
} from "./_options.ts";
import { type Persister, persisterFor } from "./_persister.ts";
import { ServerState } from "./_server_state.ts";
import { Session } from "./_session.ts";
import type { StoredJob } from "./_stored_job.ts";
import { provideStateOf } from "./_state_of.ts";
import type { WorkerState } from "./_workers.ts";

export type { BusyJob, FaktoryServerOptions, Fault, WorkerInfo };

/** A copy of a stored job's fields. */
const fieldsOf = (job: StoredJob) => structuredClone(job.fields);

/** How long stop() lets open connections be refused before closing them, in ms. */
const SHUTDOWN_GRACE = 100;

/**
 * An in-process Faktory server. Start it, point clients and workers at
 * {@linkcode FaktoryServer.url}, and stop it when done. Runs on Deno, Bun and
 * Node.
 *
 * @example Test a producer without a Faktory installation
 * ```ts ignore
 * import { Client } from "@x/faktory-worker";
 * import { FaktoryServer } from "@x/faktory-worker/testing";
 *
 * const server = await FaktoryServer.start();
 * const client = await Client.connect(server.url);
 * await client.push("SendEmail", ["alice@example.com"]);
 * console.log(server.queue("default").length); // 1
 * await client.close();
 * await server.stop();
 * ```
 */
export class FaktoryServer {
  readonly #state: ServerState;
  readonly #transport: ServerTransport | undefined;
  readonly #tls: FaktoryServerOptions["tls"];
  readonly #taskInterval: number;
  readonly #persister: Persister | undefined;
  #listener: Listener | undefined;
  #starting: Promise<this> | undefined;
  #stopping: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #port: number;

  /**
   * Creates a stopped server; most code uses {@linkcode FaktoryServer.start}.
   *
   * @param options Address, password, TLS, timing and clock.
   */
  constructor(options: FaktoryServerOptions = {}) {
    this.#state = new ServerState(resolveOptions(options));
    this.#transport = options.transport;
    this.#tls = options.tls;
    this.#taskInterval = options.taskInterval ?? 1000;
    this.#port = options.port ?? 0;
    this.#persister = persisterFor(options.dataFile, this.#state);
  }

  /**
   * Creates and starts a server.
   *
   * @param options Address, password, TLS, timing and clock.
   * @returns The listening server.
   */
  static start(options: FaktoryServerOptions = {}): Promise<FaktoryServer> {
    return new FaktoryServer(options).start();
  }

  /** The URL clients connect to, with the password if one is set. */
  get url(): string {
    const { password, host } = this.#state.options;
    const auth = password === undefined
      ? ""
      : `:${encodeURIComponent(password)}@`;
    return `${this.#tls ? "tcp+tls" : "tcp"}://${auth}${host}:${this.#port}`;
  }

  /** The bound port (0 until started). */
  get port(): number {
    return this.#port;
  }

  /** Whether the server is accepting connections. */
  get listening(): boolean {
    return this.#listener !== undefined;
  }

  /**
   * Starts listening (on the same port again after a stop). Idempotent.
   *
   * @returns This server.
   * @throws {DataFileError} When the data file (loaded once) is unusable.
   */
  start(): Promise<this> {
    if (this.#starting) return this.#starting;
    const stopping = this.#stopping;
    this.#stopping = undefined;
    return this.#starting = (async () => {
      await stopping?.catch(() => {}); // a start() during a stop() waits for it
      await this.#persister?.load();
      const transport = this.#transport ?? defaultServerTransport();
      const platform = await defaultPlatform();
      this.#state.rssBytes = () => platform.rssBytes();
      this.#listener = await transport.listen(
        {
          host: this.#state.options.host,
          port: this.#port,
          ...(this.#tls ? { tls: this.#tls } : {}),
        },
        (socket) => {
          const session = new Session(this.#state, socket);
          this.#state.opened(session);
          return session.handlers;
        },
      );
      this.#port = this.#listener.port;
      this.#persister?.startSaving();
      if (this.#taskInterval > 0) {
        this.#timer = setInterval(() => {
          try {
            this.runTasks();
          } catch (err) {
            // A bug must not end the process that hosts the server.
            console.error("FaktoryServer: a periodic task failed", err);
          }
        }, this.#taskInterval);
      }
      return this;
    })();
  }

  /**
   * Shuts down as Faktory 1.8 does on SIGTERM: stops listening at once, then
   * answers the next command on each open connection with
   * `-ERR shutdown in progress` and closes that connection. After a grace of
   * 100 ms (Faktory waits as long before it closes its storage and exits),
   * connections still open are closed without a reply, a FETCH blocked on an
   * empty queue included, as when Faktory's process ends. Resolves when every
   * connection is closed (at once if none is open). Data is kept, reservations
   * included, so {@linkcode FaktoryServer.start} resumes where it stopped.
   * Idempotent.
   *
   * @throws {DataFileError} When what changed cannot be saved to the data file.
   */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    const starting = this.#starting;
    this.#starting = undefined;
    this.#state.closing = true;
    const closeListener = () => {
      clearInterval(this.#timer);
      this.#timer = undefined;
      const listener = this.#listener;
      this.#listener = undefined;
      return listener?.close();
    };
    const closing = closeListener();
    return this.#stopping = (async () => {
      await starting?.catch(() => {});
      const late = closeListener(); // when stop() came while starting
      let grace: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#state.drained(),
        new Promise((resolve) => (grace = setTimeout(resolve, SHUTDOWN_GRACE))),
      ]);
      clearTimeout(grace);
      this.dropConnections();
      await Promise.all([closing, late]); // Node's close waits for the connections
      this.#state.closing = false;
      await this.#persister?.stopSaving();
    })();
  }

  /** Closes every client connection now, like a network failure. */
  dropConnections(): void {
    this.#state.closeAll();
  }

  /**
   * Simulates a server restart: shuts down as {@linkcode FaktoryServer.stop}
   * does, forgets the workers (which live in memory on a real server), and
   * starts again on the same port, keeping jobs and reservations (which live
   * in its storage), so a late ACK or FAIL after the restart still works.
   *
   * @returns Resolves when the server listens again.
   */
  async restart(): Promise<void> {
    await this.stop();
    this.#state.workers.forget();
    await this.start();
  }

  // ---- time-based tasks ----

  /**
   * Runs the periodic tasks now: promotes due scheduled and retry jobs,
   * fails expired reservations as ReservationExpired, and forgets workers
   * silent for longer than `heartbeatTimeout`. With `enterprise`, also ends
   * unique locks whose time is up, drops batches left uncommitted for 30
   * minutes, and tracks of finished jobs 30 minutes after their last update.
   */
  runTasks(): void {
    this.#state.runTasks();
  }

  // ---- control API ----

  /**
   * Asks a worker to stop fetching, as the Web UI's Quiet button does: its
   * next BEAT gets `{"state":"quiet"}`.
   *
   * @param wid The worker id.
   * @throws {Error} When no such worker is known.
   */
  quiet(wid: string): void {
    this.#setState(wid, "quiet");
  }

  /**
   * Asks a worker to shut down, as the Web UI's Stop button does: its next
   * BEAT gets `{"state":"terminate"}`.
   *
   * @param wid The worker id.
   * @throws {Error} When no such worker is known.
   */
  terminate(wid: string): void {
    this.#setState(wid, "terminate");
  }

  #setState(wid: string, state: WorkerState): void {
    if (!this.#state.workers.setState(wid, state)) {
      throw new Error(`No worker ${wid} is known to the server`);
    }
  }

  /**
   * The jobs waiting in a queue, oldest first.
   *
   * @param name The queue.
   * @returns Copies of the jobs.
   */
  queue(name: string): Record<string, unknown>[] {
    return this.#state.store.queueJobs(name).map(fieldsOf);
  }

  /**
   * Every queue with its size.
   *
   * @returns Queue name to size.
   */
  queues(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, size] of this.#state.store.queueSizes()) {
      out[name] = size;
    }
    return out;
  }

  /** Scheduled jobs, soonest first. */
  scheduled(): Record<string, unknown>[] {
    return this.#state.store.setJobs("scheduled").map(fieldsOf);
  }

  /** Jobs waiting for a retry, soonest first (with their `failure`). */
  retries(): Record<string, unknown>[] {
    return this.#state.store.setJobs("retries").map(fieldsOf);
  }

  /** Dead jobs, oldest first. */
  dead(): Record<string, unknown>[] {
    return this.#state.store.setJobs("dead").map(fieldsOf);
  }

  /** Reserved jobs: fetched and neither acknowledged nor failed. */
  busy(): BusyJob[] {
    return this.#state.store.reservations().map(busyJob);
  }

  /** Workers the server knows, with their last heartbeat. */
  workers(): WorkerInfo[] {
    return this.#state.workers.list().map(workerInfo);
  }

  /**
   * Whether the server emulates Faktory Pro and Enterprise (the
   * `enterprise` option).
   *
   * @example
   * ```ts ignore
   * const server = await FaktoryServer.start({ enterprise: true });
   * console.log(server.enterprise); // true
   * ```
   */
  get enterprise(): boolean {
    return this.#state.enterprise !== undefined;
  }

  /**
   * Every batch, oldest first, as BATCH STATUS reports it; none without
   * `enterprise`.
   *
   * @returns Copies of the batches' status.
   * @example
   * ```ts ignore
   * const bid = await client.batchNew({ success: createJob("Done", []) });
   * console.log(server.batches().map((b) => b.bid)); // [bid]
   * ```
   */
  batches(): BatchStatus[] {
    return this.#state.enterprise?.batches.list() ?? [];
  }

  /**
   * One batch, as BATCH STATUS reports it.
   *
   * @param bid The batch id.
   * @returns Its status, or undefined when no such batch exists.
   * @example
   * ```ts ignore
   * await client.batchCommit(bid);
   * console.log(server.batch(bid)?.complete_st); // "1" once nothing is pending
   * ```
   */
  batch(bid: string): BatchStatus | undefined {
    return this.#state.enterprise?.batches.status(bid);
  }

  /**
   * A job's track, as TRACK GET reports it: state `unknown` for a job that
   * is not tracked (or without `enterprise`).
   *
   * @param jid The job.
   * @returns Its progress.
   * @example
   * ```ts ignore
   * const jid = await client.push("Import", [], { track: true });
   * console.log(server.track(jid).state); // "enqueued"
   * ```
   */
  track(jid: string): JobProgress {
    return this.#state.enterprise?.tracks.get(jid) ??
      { jid, state: "unknown", updated_at: "" };
  }

  /** Open connections right now. */
  get connections(): number {
    return this.#state.connections;
  }

  /**
   * How many commands of a verb (such as `ACK`; all when absent) the server
   * has received. Verbs it does not know are counted together as `UNKNOWN`.
   */
  commands(verb?: string): number {
    return this.#state.commands(verb);
  }

  /** Injects a fault (what to do, to which commands, how often) into matching commands. */
  fault(fault: Fault): void {
    this.#state.faults.add(fault);
  }

  /** Removes every injected fault. */
  clearFaults(): void {
    this.#state.faults.clear();
  }

  static {
    provideStateOf((server) => server.#state); // for ServerAdmin (admin.ts)
  }
}
