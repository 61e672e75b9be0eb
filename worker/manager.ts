/**
 * The Manager: the worker process. Register handlers, choose queues, then
 * `run()`: it connects, says HELLO, beats, fetches jobs while slots are free,
 * runs them through the middleware chain, ACKs or FAILs them, reconnects when
 * the server goes away, and shuts down gracefully on SIGTERM/SIGINT.
 *
 * The Manager itself is a facade over small parts: the options
 * (`manager_options.ts`), the handler registry (`_registry.ts`), the
 * lifecycle table (`_lifecycle.ts`), and one run of the worker
 * (`_session.ts`: the control link, the fetchers, the runner and the results
 * queue, and the shutdown sequence).
 *
 * @module
 */

import type { Job } from "../core/job.ts";
import {
  type QueueOrder,
  strictQueueOrder,
  weightedQueueOrder,
} from "../core/queues.ts";
import type { Client } from "../client/client.ts";
import type { Handler, Middleware } from "./context.ts";
import type { EventListener, ManagerEvents } from "./events.ts";
import { Emitter } from "./_emitter.ts";
import { randomJid } from "../client/jobs.ts";
import type { JobDefinition } from "../client/jobs.ts";
import { consoleLogger } from "../client/logger.ts";
import { Lifecycle, type ManagerState } from "./_lifecycle.ts";
import { asLogger } from "../client/_user_logger.ts";
import { SwitchableLogger } from "./_logging.ts";
import {
  type ManagerOptions,
  type Settings,
  settingsFrom,
} from "./manager_options.ts";
import { type JobOutcome, Registry } from "./_registry.ts";
import { Session } from "./_session.ts";
import { Progress } from "./_progress.ts";
import { Supervisor } from "./supervisor.ts";
import { readWorkerIndex } from "../adapters/child_process.ts";
import { Metrics } from "./_metrics.ts";
import type { WorkerStats } from "./metrics.ts";
import { assess } from "./_health.ts";
import { runWithProbes } from "./_health_server.ts";
import type { WorkerHealth } from "./health.ts";

export type { ManagerOptions } from "./manager_options.ts";
export type { ManagerState } from "./_lifecycle.ts";
export type { JobOutcome } from "./_registry.ts";
export type { MetricsMeter, WorkerStats } from "./metrics.ts";
export type { HealthCheck, ProcessHealth, WorkerHealth } from "./health.ts";
export {
  CrashLoopError,
  ReservationExpiredError,
  ShutdownTimeoutError,
  UnknownJobTypeError,
} from "./manager_errors.ts";

/**
 * A Faktory worker process.
 *
 * @example
 * ```ts ignore
 * import { Manager } from "@x/faktory-worker";
 * const mgr = new Manager({ concurrency: 20 });
 * mgr.register("SomeJob", async (ctx, ...args) => {
 *   ctx.logger.info(`working on ${ctx.jid}`, { args });
 * });
 * mgr.processStrictPriorityQueues("critical", "default", "bulk");
 * await mgr.run(); // until SIGTERM/SIGINT; SIGTSTP = quiet
 * ```
 */
export class Manager {
  readonly #options: ManagerOptions;
  readonly #settings: Settings;
  readonly #registry = new Registry();
  readonly #lifecycle = new Lifecycle();
  readonly #events: Emitter;
  /** Every log line goes through here, to the current sink. */
  readonly #logger: SwitchableLogger;
  readonly #queues: { order: QueueOrder };
  /** Progress reports of every job of this manager (one warning for a server without tracking). */
  readonly #progress: Progress;
  readonly #metrics: Metrics;
  #session: Session | undefined;
  #supervisor: Supervisor | undefined;
  /** This process's slot when a supervisor started it (only read with `processes` above 1). */
  readonly #index: number | undefined;
  #runPromise: Promise<void> | undefined;
  #healthUrl: string | undefined;
  /** The worker id this process uses in HELLO and BEAT. */
  readonly wid: string;

  /**
   * Creates a manager. Nothing connects until {@linkcode Manager.run}.
   *
   * @param options Connection and worker options, each checked here.
   * @throws {TypeError} For an option of the wrong kind (a logger without `warn`).
   * @throws {RangeError} For a value out of range.
   * @throws {LocalProtocolError} For invalid connection options (the URL...).
   */
  constructor(options: ManagerOptions = {}) {
    this.#settings = settingsFrom(options);
    this.#options = options;
    this.#logger = new SwitchableLogger(
      options.logger !== undefined ? asLogger(options.logger) : consoleLogger({
        level: options.logLevel ?? "info",
        ...(options.logFormat ? { format: options.logFormat } : {}),
      }),
    );
    this.#events = new Emitter(() => this.#logger);
    this.#progress = new Progress(this.#logger);
    this.#queues = { order: strictQueueOrder(this.#settings.queues) };
    this.#index = this.#settings.processes === 1
      ? undefined
      : readWorkerIndex();
    this.wid = options.wid === undefined
      ? randomJid().slice(0, 16)
      : `${options.wid}${this.#index === undefined ? "" : `-${this.#index}`}`;
    this.#metrics = new Metrics(options.meter, {
      busy: () => this.busy,
      concurrency: this.#settings.concurrency,
    });
    this.#events.on("connection:restored", () => this.#metrics.reconnected());
  }

  /**
   * The slot (0..N-1) of this process when a supervising Manager started it
   * (`FAKTORY_WORKER_INDEX`), else undefined; readable before `run()`.
   */
  static get processIndex(): number | undefined {
    return readWorkerIndex();
  }

  /**
   * Whether a supervising Manager started this process (see
   * {@linkcode Manager.processIndex}).
   *
   * @example Start-up code that runs once, not in every child
   * ```ts ignore
   * import { Manager } from "@x/faktory-worker";
   * if (!Manager.isChild) console.log("supervisor, or the only process");
   * ```
   */
  static get isChild(): boolean {
    return readWorkerIndex() !== undefined;
  }

  /** Whether `run()` supervises child processes (`processes` above 1, and not a child itself). */
  get isSupervisor(): boolean {
    return this.#settings.processes !== 1 && this.#index === undefined;
  }

  /** Jobs that may run at once. */
  get concurrency(): number {
    return this.#settings.concurrency;
  }

  /** The manager's state: idle, running, quiet, stopping or stopped. */
  get state(): ManagerState {
    return this.#lifecycle.state;
  }

  /** Jobs running right now. */
  get busy(): number {
    return this.#session?.busy ?? 0;
  }

  /** Open connections to the server right now (control, fetchers, the `with` pool). */
  get sockets(): number {
    return this.#session?.sockets ?? 0;
  }

  /** The most fetch connections open at once so far. */
  get peakFetchers(): number {
    return this.#session?.peakFetchers ?? 0;
  }

  /** The base URL of the health checks while `run()` serves them (`healthPort`). */
  get healthUrl(): string | undefined {
    return this.#healthUrl;
  }

  /**
   * The worker's numbers since it was created (jobs processed and failed by
   * type and queue, busy slots, reconnects, results sent again, durations and
   * latencies): what the `meter` option records, with or without one.
   */
  stats(): WorkerStats {
    return this.#metrics.stats();
  }

  /**
   * Whether the worker is alive (its heartbeat timer fires, outage or not)
   * and ready (running, connected, heartbeats accepted within the last 3
   * intervals), with the checks behind each verdict, from memory.
   */
  health(): WorkerHealth {
    return this.#supervisor?.health() ?? assess({
      state: this.#lifecycle.state,
      heartbeatInterval: this.#settings.heartbeatInterval,
      busy: this.busy,
      concurrency: this.concurrency,
      probe: this.#session?.probe(),
    }, Date.now());
  }

  /**
   * Registers the handler for a job type. A handler resolves to ACK the job
   * and throws (or rejects) to FAIL it.
   *
   * @param jobtype The job type name, or a typed definition from {@linkcode defineJob}.
   * @param handler The function that runs the job.
   * @returns This manager.
   */
  register<A extends readonly unknown[]>(
    jobtype: JobDefinition<A>,
    handler: NoInfer<Handler<A>>,
  ): this;
  /**
   * Registers the handler for a job type by name.
   *
   * @param jobtype The job type name.
   * @param handler The function that runs the job.
   * @returns This manager.
   */
  // deno-lint-ignore no-explicit-any -- argument types are the handler's to declare
  register<A extends readonly any[]>(
    jobtype: string,
    handler: Handler<A>,
  ): this;
  register(
    jobtype: string | JobDefinition<readonly unknown[]>,
    handler: Handler<never[]>,
  ): this {
    this.#registry.register(
      typeof jobtype === "string" ? jobtype : jobtype.name,
      handler,
    );
    return this;
  }

  /**
   * Adds middleware around every job, after the middleware added before it.
   *
   * @param middleware The middleware.
   * @returns This manager.
   */
  use(middleware: Middleware): this {
    this.#registry.use(middleware);
    return this;
  }

  /**
   * Fetches from these queues in strict order: a queue is served only when
   * the ones before it are empty.
   *
   * @param queues Queue names, highest priority first.
   * @returns This manager.
   */
  processStrictPriorityQueues(...queues: string[]): this {
    this.#queues.order = strictQueueOrder(queues);
    return this;
  }

  /**
   * Fetches from these queues in a random order per fetch, where a queue
   * comes first in proportion to its weight; no queue starves.
   *
   * @param weights Queue name to a positive weight.
   * @returns This manager.
   */
  processWeightedPriorityQueues(
    weights: { readonly [queue: string]: number },
  ): this {
    this.#queues.order = weightedQueueOrder(weights, this.#settings.random);
    return this;
  }

  /**
   * Listens to an event. Listener errors are logged, never thrown.
   *
   * @param event The event name.
   * @param listener The listener.
   * @returns A function that removes the listener.
   */
  on<K extends keyof ManagerEvents>(
    event: K,
    listener: EventListener<K>,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * Connects and processes jobs until the manager stops (a signal,
   * {@linkcode Manager.terminate}, or the server's request). The library
   * never exits the process. With `processes` above 1 (see
   * {@linkcode Manager.isSupervisor}) it starts that many child processes of
   * this program instead, and resolves once they all have stopped.
   *
   * @returns Resolves when the manager has stopped; the same promise on every call.
   * @throws {AuthenticationError} When the password is wrong.
   * @throws {LocalProtocolError} When the URL or options are invalid, or
   *   this program cannot be started again in child processes.
   * @throws {CrashLoopError} When the supervisor gave up on a child.
   * @throws {FaktoryError} When `healthPort` is set and cannot be listened on.
   */
  run(): Promise<void> {
    if (this.#runPromise) return this.#runPromise;
    // Refused once stopped; from here on a stop() shuts this run down.
    if (this.#lifecycle.fire("run") === undefined) {
      return this.#runPromise = Promise.resolve();
    }
    if (this.isSupervisor) {
      this.#supervisor = new Supervisor({
        options: this.#options,
        settings: this.#settings,
        lifecycle: this.#lifecycle,
        logger: this.#logger,
        listening: (url) => this.#healthUrl = url,
      });
      return this.#runPromise = this.#supervisor.run();
    }
    const index = this.#index;
    this.#session = new Session({
      options: index === undefined ? this.#options : {
        ...this.#options,
        labels: [...this.#options.labels ?? ["typescript"], `process-${index}`],
      },
      ...(index === undefined ? {} : { processIndex: index }),
      settings: this.#settings,
      wid: this.wid,
      lifecycle: this.#lifecycle,
      registry: this.#registry,
      queues: this.#queues,
      events: this.#events,
      logger: this.#logger,
      progress: this.#progress,
      metrics: this.#metrics,
    });
    return this.#runPromise = runWithProbes({
      settings: this.#settings,
      processIndex: index,
      health: () => this.health(),
      logger: this.#logger,
      listening: (url) => this.#healthUrl = url,
    }, this.#session);
  }

  /**
   * Stops fetching new jobs; running jobs finish and heartbeats go on.
   * Idempotent.
   */
  quiet(): void {
    this.#session?.quiet("api");
    this.#supervisor?.quiet("api");
  }

  /**
   * Shuts down: stops fetching, lets running jobs finish until
   * `shutdownTimeout`, then aborts their signals and FAILs them, delivers
   * every result, sends END on every connection, and resolves.
   *
   * @returns The same promise on every call.
   */
  terminate(): Promise<void> {
    if (this.#session) return this.#session.terminate("api");
    if (this.#supervisor) return this.#supervisor.terminate("api");
    this.#lifecycle.fire("stop"); // idle: stopped at once
    return this.#runPromise ??= Promise.resolve();
  }

  /**
   * Same as {@linkcode Manager.terminate}.
   *
   * @returns The same promise on every call.
   */
  stop(): Promise<void> {
    return this.terminate();
  }

  /**
   * Runs one job through the middleware and its handler, here and now,
   * without a server, and reports how it ended (for tests and one-off runs).
   *
   * @param job The job.
   * @param options An abort signal for the job and a client for `ctx.with`.
   * @returns The outcome.
   */
  execute(
    job: Job,
    options: { readonly signal?: AbortSignal; readonly client?: Client } = {},
  ): Promise<JobOutcome> {
    return this.#registry.execute(job, this.#logger, {
      ...options,
      progress: this.#progress,
    });
  }
}
