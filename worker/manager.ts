/**
 * The Manager: the worker process. Register handlers, choose queues, then
 * `run()`: it connects, says HELLO, beats, fetches jobs while slots are free,
 * runs them through the middleware chain, ACKs or FAILs them, reconnects when
 * the server goes away, and shuts down gracefully on SIGTERM/SIGINT.
 *
 * @module
 */

import type { FailPayload } from "../core/commands.ts";
import {
  ConnectionClosedError,
  FaktoryError,
  LocalProtocolError,
  ServerError,
} from "../core/errors.ts";
import { describeThrown, failureFor } from "../core/failure.ts";
import { type Job, reservationSeconds } from "../core/job.ts";
import {
  type QueueOrder,
  strictQueueOrder,
  weightedQueueOrder,
} from "../core/queues.ts";
import { defaultPlatform } from "../adapters/runtime.ts";
import type { Platform } from "../adapters/transport.ts";
import { Client } from "./client.ts";
import type { ConnectionOptions } from "./connection.ts";
import { type Handler, JobContext, type Middleware } from "./context.ts";
import type { EventListener, ManagerEvents } from "./events.ts";
import { Emitter } from "./_emitter.ts";
import { FetcherPool } from "./_fetcher.ts";
import { randomJid } from "./jid.ts";
import type { JobDefinition } from "./job_definition.ts";
import {
  consoleLogger,
  type LogFormat,
  type Logger,
  type LogLevel,
} from "./logger.ts";
import { asLogger, defaultLogger } from "./_logging.ts";
import { isFatal } from "./_fatal.ts";
import { Pool } from "./pool.ts";
import { type Result, Results } from "./_results.ts";
import { backoff, sleep, Slots } from "./_slots.ts";

/**
 * Options for {@linkcode Manager}: the connection options plus how the worker
 * runs. Every interval is in milliseconds.
 *
 * @example
 * ```ts
 * import type { ManagerOptions } from "@x/faktory-worker";
 * const options: ManagerOptions = { concurrency: 50, labels: ["api"], shutdownTimeout: 10_000 };
 * console.log(options.concurrency);
 * ```
 */
export interface ManagerOptions extends Omit<ConnectionOptions, "signal"> {
  /** Jobs run at once, 1..10000. @default {20} */
  readonly concurrency?: number;
  /** Queues in strict priority order (same as `processStrictPriorityQueues`). @default {["default"]} */
  readonly queues?: readonly string[];
  /** How long shutdown waits for running jobs before failing them. @default {25000} */
  readonly shutdownTimeout?: number;
  /** Heartbeat interval; Faktory expects 5..60 s. @default {15000} */
  readonly heartbeatInterval?: number;
  /** The most fetch connections (see the README for the socket formula). @default {15} */
  readonly maxFetchers?: number;
  /**
   * Reconnect backoff (first delay and cap), and how often a continuing
   * outage is logged again ("still unreachable after N s").
   *
   * @default {{ initial: 100, max: 10000, reportEvery: 60000 }}
   */
  readonly reconnect?: {
    readonly initial?: number;
    readonly max?: number;
    readonly reportEvery?: number;
  };
  /** Listen for SIGTERM/SIGINT (terminate) and SIGTSTP (quiet). @default {true} */
  readonly handleSignals?: boolean;
  /**
   * Where to log. A pino logger is recognised and called as pino expects
   * (see `fieldsFirst`).
   *
   * @default {consoleLogger({ level: logLevel, format: logFormat })}
   */
  readonly logger?: Logger;
  /**
   * The level of the default console logger.
   *
   * @default {the FAKTORY_LOG_LEVEL environment variable, else "info"}
   */
  readonly logLevel?: LogLevel;
  /** The format of the default console logger: `text` or `json` lines. @default {"text"} */
  readonly logFormat?: LogFormat;
  /** Random numbers in [0, 1), for weighted queues and jitter. @default {Math.random} */
  readonly random?: () => number;
}

/**
 * How one job run ended, as returned by {@linkcode Manager.execute}.
 *
 * @example
 * ```ts
 * import type { JobOutcome } from "@x/faktory-worker";
 * const describe = (o: JobOutcome) => o.ok ? "ACK" : `FAIL ${o.failure.errtype}: ${o.failure.message}`;
 * ```
 */
export type JobOutcome =
  | { readonly ok: true; readonly durationMs: number }
  | {
    readonly ok: false;
    readonly error: unknown;
    readonly failure: FailPayload;
    readonly durationMs: number;
  };

/**
 * The error a job's signal is aborted with when shutdown runs out of time.
 *
 * @example
 * ```ts
 * import { type JobContext, ShutdownTimeoutError } from "@x/faktory-worker";
 * function stoppedByShutdown(ctx: JobContext): boolean {
 *   return ctx.signal.reason instanceof ShutdownTimeoutError;
 * }
 * ```
 */
export class ShutdownTimeoutError extends FaktoryError {}

/**
 * The error a job's signal is aborted with when its reservation expires.
 *
 * @example
 * ```ts
 * import { type JobContext, ReservationExpiredError } from "@x/faktory-worker";
 * function expired(ctx: JobContext): boolean {
 *   return ctx.signal.reason instanceof ReservationExpiredError;
 * }
 * ```
 */
export class ReservationExpiredError extends FaktoryError {}

/**
 * Thrown (and reported as the FAIL) for a job whose type has no handler.
 *
 * @example
 * ```ts
 * import { UnknownJobTypeError } from "@x/faktory-worker";
 * console.log(new UnknownJobTypeError("Nope").message);
 * ```
 */
export class UnknownJobTypeError extends FaktoryError {
  /**
   * Creates the error.
   *
   * @param jobtype The job type without a handler.
   */
  constructor(jobtype: string) {
    super(`No handler is registered for job type ${JSON.stringify(jobtype)}`);
  }
}

/**
 * Where a {@linkcode Manager} is in its life.
 *
 * @example
 * ```ts
 * import type { ManagerState } from "@x/faktory-worker";
 * const state: ManagerState = "quiet";
 * console.log(state);
 * ```
 */
export type ManagerState =
  | "idle"
  | "running"
  | "quiet"
  | "stopping"
  | "stopped";

interface Running {
  readonly job: Job;
  readonly controller: AbortController;
  readonly started: number;
  readonly deadline: number;
  settled: boolean;
  /** The handler (and middleware) returned or threw. */
  finished: boolean;
}

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
  readonly #handlers = new Map<string, Handler<never[]>>();
  readonly #middleware: Middleware[] = [];
  readonly #events: Emitter;
  readonly #running = new Map<string, Running>();
  /** Aborted when shutdown starts: wakes fetchers from backoff and online waits. */
  readonly #stop = new AbortController();
  /** Aborted when the manager closes its connections for good. */
  readonly #closed = new AbortController();
  readonly #random: () => number;
  /** Aborted by a second SIGTERM/SIGINT: skip what is left of the shutdown timeout. */
  readonly #hurry = new AbortController();
  /** Every log line goes through here, to the current sink. */
  readonly #logger: Logger;
  #sink: Logger;
  #order: QueueOrder;
  #state: ManagerState = "idle";
  #control: Client | undefined;
  #online = false;
  #rehello = false;
  #offlineSince = 0;
  #onlineWaiters: (() => void)[] = [];
  #pool: Pool | undefined;
  #slots: Slots;
  #results: Results;
  #fetchers: FetcherPool | undefined;
  #platform: Platform | undefined;
  #hostname: string | undefined;
  /** When the current outage was last logged. */
  #reportedAt = 0;
  #runPromise: Promise<void> | undefined;
  #shutdown: Promise<void> | undefined;
  #finish: (() => void) | undefined;
  #removeSignals: (() => void)[] = [];
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #idleJobs: (() => void)[] = [];
  /** The worker id this process uses in HELLO and BEAT. */
  readonly wid: string;

  /**
   * Creates a manager. Nothing connects until {@linkcode Manager.run}.
   *
   * @param options Connection and worker options.
   * @throws {RangeError} For an invalid concurrency, interval or timeout.
   */
  constructor(options: ManagerOptions = {}) {
    const concurrency = options.concurrency ?? 20;
    if (
      !Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000
    ) {
      throw new RangeError(
        `concurrency must be an integer from 1 to 10000, got ${concurrency}`,
      );
    }
    const heartbeat = options.heartbeatInterval ?? 15_000;
    if (!(heartbeat > 0 && heartbeat <= 60_000)) {
      throw new RangeError(
        `heartbeatInterval must be at most 60000 ms (Faktory reaps silent workers after 60 s), got ${heartbeat}`,
      );
    }
    const shutdown = options.shutdownTimeout ?? 25_000;
    if (!(shutdown >= 0)) {
      throw new RangeError(`shutdownTimeout must be >= 0, got ${shutdown}`);
    }
    const maxFetchers = options.maxFetchers ?? 15;
    if (!Number.isInteger(maxFetchers) || maxFetchers < 1 || maxFetchers > 15) {
      throw new RangeError(
        `maxFetchers must be an integer from 1 to 15, got ${maxFetchers}`,
      );
    }
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#sink = options.logger ? asLogger(options.logger) : consoleLogger({
      level: options.logLevel ?? "info",
      ...(options.logFormat ? { format: options.logFormat } : {}),
    });
    this.#logger = {
      debug: (m, f) => this.#sink.debug(m, f),
      info: (m, f) => this.#sink.info(m, f),
      warn: (m, f) => this.#sink.warn(m, f),
      error: (m, f) => this.#sink.error(m, f),
    };
    this.#events = new Emitter(() => this.#logger);
    this.#order = strictQueueOrder(options.queues ?? ["default"]);
    this.#slots = new Slots(concurrency);
    this.#results = new Results({
      control: () => this.#control?.connection,
      logger: this.#logger,
      flushDelay: 5,
      retry: { initial: 50, max: 2000 },
      random: this.#random,
    });
    this.wid = options.wid ?? randomJid().slice(0, 16);
  }

  /** Jobs that may run at once. */
  get concurrency(): number {
    return this.#slots.size;
  }

  /** The manager's state: idle, running, quiet, stopping or stopped. */
  get state(): ManagerState {
    return this.#state;
  }

  /** Jobs running right now. */
  get busy(): number {
    return this.#running.size;
  }

  /** Open connections to the server right now (control, fetchers, the `with` pool). */
  get sockets(): number {
    return (this.#control && !this.#control.closed ? 1 : 0) +
      (this.#fetchers?.size ?? 0) + (this.#pool?.size ?? 0);
  }

  /** The most fetch connections open at once so far. */
  get peakFetchers(): number {
    return this.#fetchers?.peak ?? 0;
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
    handler: Handler<A>,
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
    const name = typeof jobtype === "string" ? jobtype : jobtype.name;
    if (typeof name !== "string" || name === "") {
      throw new TypeError("A job type needs a non-empty name");
    }
    if (typeof handler !== "function") {
      throw new TypeError(`The handler for ${name} must be a function`);
    }
    this.#handlers.set(name, handler);
    return this;
  }

  /**
   * Adds middleware around every job, after the middleware added before it.
   *
   * @param middleware The middleware.
   * @returns This manager.
   */
  use(middleware: Middleware): this {
    if (typeof middleware !== "function") {
      throw new TypeError("Middleware must be a function");
    }
    this.#middleware.push(middleware);
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
    this.#order = strictQueueOrder(queues);
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
    this.#order = weightedQueueOrder(weights, this.#random);
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
   * never exits the process.
   *
   * @returns Resolves when the manager has stopped; the same promise on every call.
   * @throws {AuthenticationError} When the password is wrong.
   * @throws {LocalProtocolError} When the URL or options are invalid.
   */
  run(): Promise<void> {
    if (this.#runPromise) return this.#runPromise;
    if (this.#state === "stopped") return this.#runPromise = Promise.resolve();
    // Running from now on, so a stop() from here on shuts this run down.
    this.#state = "running";
    return this.#runPromise = this.#run();
  }

  async #run(): Promise<void> {
    const finished = new Promise<void>((resolve) => this.#finish = resolve);
    this.#stop.signal.addEventListener("abort", () => {
      for (const f of this.#onlineWaiters.splice(0)) f();
    });
    this.#platform = await defaultPlatform();
    if (this.#closed.signal.aborted) return await finished; // stopped meanwhile
    this.#setUpLogger(this.#platform);
    if (this.#handlers.size === 0) {
      this.#logger.warn("No job handlers are registered");
    }
    if (this.#options.handleSignals ?? true) this.#installSignals();
    try {
      await this.#connectControl(true);
    } catch (err) {
      this.#state = "stopped";
      this.#closed.abort();
      this.#cleanup();
      this.#finish?.();
      throw err;
    }
    if (this.#state !== "running") return await finished; // stopped while connecting
    this.#events.emit("startup", { wid: this.wid });
    this.#logger.info("Worker started", {
      wid: this.wid,
      concurrency: this.concurrency,
      server: String(this.#control!.connection.address),
    });
    const interval = this.#options.heartbeatInterval ?? 15_000;
    this.#heartbeat = setInterval(() => void this.#beat(), interval);
    this.#sweeper = setInterval(
      () => this.#sweepDeadlines(),
      Math.min(1000, interval),
    );
    this.#fetchers = new FetcherPool(
      this.#fetchHost(),
      this.#options.maxFetchers ?? 15,
    );
    if (this.#state === "running") this.#fetchers.start();
    await finished;
  }

  /**
   * Stops fetching new jobs; running jobs finish and heartbeats go on.
   * Idempotent.
   */
  quiet(): void {
    this.#quiet("api");
  }

  /**
   * Shuts down: stops fetching, lets running jobs finish until
   * `shutdownTimeout`, then aborts their signals and FAILs them, delivers
   * every result, sends END on every connection, and resolves.
   *
   * @returns The same promise on every call.
   */
  terminate(): Promise<void> {
    return this.#terminate("api");
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
  async execute(
    job: Job,
    options: { readonly signal?: AbortSignal; readonly client?: Client } = {},
  ): Promise<JobOutcome> {
    const controller = new AbortController();
    const signal = options.signal
      ? AbortSignal.any([options.signal, controller.signal])
      : controller.signal;
    const started = Date.now();
    const ctx = new JobContext(
      job,
      signal,
      new Date(started + reservationSeconds(job.reserve_for) * 1000),
      {
        logger: this.#logger,
        with: async (fn) => {
          if (!options.client) {
            throw new LocalProtocolError(
              "No client was given to execute(): pass { client }",
            );
          }
          return await fn(options.client);
        },
      },
    );
    try {
      await this.#perform(ctx);
      return { ok: true, durationMs: Date.now() - started };
    } catch (error) {
      return {
        ok: false,
        error,
        failure: failureFor(job.jid, error),
        durationMs: Date.now() - started,
      };
    }
  }

  // ---- job execution ----

  #perform(ctx: JobContext): Promise<void> {
    const handler = this.#handlers.get(ctx.jobType);
    // A job of a type without a handler fails at once: middleware never sees it.
    if (!handler) return Promise.reject(new UnknownJobTypeError(ctx.jobType));
    const chain = this.#middleware;
    const call = (i: number): Promise<void> => {
      try {
        return step(i);
      } catch (error) {
        return Promise.reject(error); // a middleware threw synchronously
      }
    };
    const step = (i: number): Promise<void> => {
      if (i < chain.length) {
        let called = false;
        return Promise.resolve(chain[i]!(ctx, () => {
          if (called) {
            return Promise.reject(
              new LocalProtocolError("next() called twice by a middleware"),
            );
          }
          called = true;
          return call(i + 1);
        })).then(() => {});
      }
      return Promise.resolve().then(() =>
        handler(ctx, ...(ctx.args as never[]))
      ).then(() => {});
    };
    return call(0);
  }

  #runJob(job: Job, fetchedAt: number): void {
    const controller = new AbortController();
    const deadline = fetchedAt + reservationSeconds(job.reserve_for) * 1000;
    const entry: Running = {
      job,
      controller,
      started: Date.now(),
      deadline,
      settled: false,
      finished: false,
    };
    this.#running.set(job.jid, entry);
    const ctx = new JobContext(job, controller.signal, new Date(deadline), {
      logger: this.#logger,
      with: (fn) => this.#with(fn),
    });
    if (this.#events.has("job:start")) this.#events.emit("job:start", { job });
    this.#perform(ctx).then(
      () => {
        entry.finished = true;
        this.#settle(entry, { type: "ACK", jid: job.jid });
      },
      (error) => {
        entry.finished = true;
        this.#settle(entry, {
          type: "FAIL",
          payload: failureFor(job.jid, error),
        }, error);
      },
    );
  }

  #settle(entry: Running, result: Result, error?: unknown): void {
    if (entry.settled) return; // already failed at the shutdown timeout: never ACK after FAIL
    entry.settled = true;
    this.#running.delete(entry.job.jid);
    this.#slots.release();
    this.#results.push(result);
    const durationMs = Date.now() - entry.started;
    if (result.type === "ACK") {
      if (this.#events.has("job:success")) {
        this.#events.emit("job:success", { job: entry.job, durationMs });
      }
    } else {
      this.#logger.warn("Job failed", {
        jobtype: entry.job.jobtype,
        jid: entry.job.jid,
        errtype: result.payload.errtype,
        message: result.payload.message,
        retryCount: entry.job.failure ? entry.job.failure.retry_count + 1 : 0,
      });
      this.#events.emit("job:failure", { job: entry.job, error, durationMs });
    }
    if (this.#running.size === 0) {
      for (const f of this.#idleJobs.splice(0)) f();
    }
  }

  #sweepDeadlines(): void {
    const now = Date.now();
    for (const entry of this.#running.values()) {
      if (now >= entry.deadline && !entry.controller.signal.aborted) {
        this.#logger.warn("Job reservation expired; the server will retry it", {
          jid: entry.job.jid,
        });
        entry.controller.abort(
          new ReservationExpiredError(
            `The reservation of job ${entry.job.jid} expired`,
          ),
        );
      }
    }
  }

  async #with<T>(fn: (client: Client) => Promise<T> | T): Promise<T> {
    this.#pool ??= new Pool({ ...this.#connectionOptions(false), size: 1 });
    return await this.#pool.with(fn);
  }

  // ---- connections ----

  #connectionOptions(
    worker = true,
    signal: AbortSignal = this.#closed.signal,
  ): ConnectionOptions {
    const o = this.#options;
    const platform = this.#platform!;
    return {
      ...(o.url === undefined ? {} : { url: o.url }),
      ...(o.password === undefined ? {} : { password: o.password }),
      ...(o.tls === undefined ? {} : { tls: o.tls }),
      ...(o.timeout === undefined ? {} : { timeout: o.timeout }),
      ...(o.connectTimeout === undefined
        ? {}
        : { connectTimeout: o.connectTimeout }),
      ...(o.transport === undefined ? {} : { transport: o.transport }),
      ...(o.maxReplyBytes === undefined
        ? {}
        : { maxReplyBytes: o.maxReplyBytes }),
      hostname: this.#hostname ??= o.hostname ??
        platform.hostname((note) => this.#logger.warn(note)),
      pid: o.pid ?? platform.pid,
      labels: o.labels ?? ["typescript"],
      ...(worker ? { wid: this.wid } : {}),
      signal, // cancels a connect still pending when the worker stops
    };
  }

  #fetchHost(): ConstructorParameters<typeof FetcherPool>[0] {
    return {
      slots: this.#slots,
      results: this.#results,
      logger: this.#logger,
      order: () => this.#order(),
      connectionOptions: this.#connectionOptions(true, this.#stop.signal),
      reconnect: this.#backoff(),
      random: this.#random,
      stopSignal: this.#stop.signal,
      fetching: () => this.#state === "running",
      online: () => this.#whenOnline(),
      connectionFailed: (err) => {
        if (isFatal(err)) {
          this.#events.emit("error", { error: err, context: "fetch" });
        }
      },
      run: (job, fetchedAt) => this.#runJob(job, fetchedAt),
    };
  }

  #backoff(): { initial: number; max: number } {
    return {
      initial: this.#options.reconnect?.initial ?? 100,
      max: this.#options.reconnect?.max ?? 10_000,
    };
  }

  /** Opens the control connection, retrying with backoff until it works or the manager closes. */
  async #connectControl(first: boolean): Promise<void> {
    const { initial, max } = this.#backoff();
    for (let attempt = 0; !this.#closed.signal.aborted; attempt++) {
      try {
        const client = await Client.connect(this.#connectionOptions());
        if (this.#closed.signal.aborted) {
          await client.close();
          return;
        }
        this.#control = client;
        client.connection.onClose((error) =>
          this.#controlClosed(client, error)
        );
        this.#setOnline();
        this.#results.flush();
        return;
      } catch (err) {
        if (this.#closed.signal.aborted) return; // stopped while connecting
        if (isFatal(err)) {
          if (first) throw err;
          this.#events.emit("error", { error: err, context: "connect" });
        }
        this.#setOffline(err);
        this.#reportOutage(err);
        await sleep(
          backoff(attempt, initial, max, this.#random),
          this.#closed.signal,
        );
      }
    }
  }

  #controlClosed(client: Client, error: unknown): void {
    if (this.#control !== client) return;
    this.#control = undefined;
    if (this.#closed.signal.aborted) return;
    if (this.#rehello) this.#rehello = false;
    else this.#setOffline(error);
    void this.#connectControl(false);
  }

  #setOnline(): void {
    if (this.#online) return;
    const wasOffline = this.#offlineSince > 0;
    this.#online = true;
    if (wasOffline) {
      const downtimeMs = Date.now() - this.#offlineSince;
      this.#logger.info("Connection to Faktory restored", { downtimeMs });
      this.#events.emit("connection:restored", { downtimeMs });
    }
    this.#offlineSince = 0;
    for (const f of this.#onlineWaiters.splice(0)) f();
  }

  #setOffline(error: unknown): void {
    if (!this.#online && this.#offlineSince > 0) return;
    this.#online = false;
    this.#offlineSince = Date.now();
    this.#reportedAt = this.#offlineSince;
    if (this.#state === "idle") return;
    this.#logger.warn("Faktory is unreachable; reconnecting", {
      error: describeThrown(error),
    });
    this.#events.emit("connection:lost", { error });
  }

  /** Logs a continuing outage again every `reconnect.reportEvery` ms. */
  #reportOutage(error: unknown): void {
    const every = this.#options.reconnect?.reportEvery ?? 60_000;
    const now = Date.now();
    if (this.#online || now - this.#reportedAt < every) return;
    this.#reportedAt = now;
    this.#logger.warn(
      `Faktory is still unreachable after ${
        Math.round((now - this.#offlineSince) / 1000)
      } s; reconnecting`,
      { error: describeThrown(error) },
    );
  }

  #whenOnline(): Promise<void> {
    if (this.#online || this.#stop.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.#onlineWaiters.push(resolve));
  }

  async #beat(): Promise<void> {
    const client = this.#control;
    if (!client || client.closed) return;
    const state = this.#state === "quiet"
      ? "quiet"
      : this.#state === "stopping"
      ? "terminate"
      : "";
    try {
      const rssKb = Math.round(this.#platform!.rssBytes() / 1024);
      const wanted = await client.beat({ state, rssKb });
      if (wanted === "quiet") this.#quiet("server");
      else if (wanted === "terminate") void this.#terminate("server");
    } catch (err) {
      if (
        err instanceof ServerError &&
        err.serverMessage.startsWith("unknown worker")
      ) {
        // The server forgot us (no beat for 60 s, or it restarted): say HELLO again.
        this.#logger.warn(
          "The server no longer knows this worker; saying HELLO again",
          { wid: this.wid },
        );
        this.#rehello = true; // reconnect at once, without reporting an outage
        void client.close();
        return;
      }
      if (!(err instanceof ConnectionClosedError)) {
        this.#events.emit("error", { error: err, context: "heartbeat" });
      }
    }
  }

  // ---- lifecycle ----

  #quiet(reason: "signal" | "server" | "api"): void {
    if (this.#state !== "running") return;
    this.#state = "quiet";
    this.#slots.cancelWaiters();
    this.#logger.info("Quiet: no new jobs will be fetched", {
      reason,
      busy: this.busy,
    });
    this.#events.emit("quiet", { reason });
  }

  #terminate(reason: "signal" | "server" | "api"): Promise<void> {
    if (this.#shutdown) return this.#shutdown;
    if (this.#state === "idle") {
      this.#state = "stopped";
      return this.#shutdown = Promise.resolve();
    }
    return this.#shutdown = this.#shutdownNow(reason);
  }

  async #shutdownNow(reason: "signal" | "server" | "api"): Promise<void> {
    const timeout = this.#options.shutdownTimeout ?? 25_000;
    const started = Date.now();
    this.#state = "stopping";
    this.#logger.info("Shutting down", {
      reason,
      busy: this.busy,
      timeoutMs: timeout,
    });
    this.#events.emit("shutdown", { reason });
    this.#slots.cancelWaiters();
    this.#stop.abort(); // also releases fetchers waiting for the server to come back
    // In-flight FETCHes finish within the server's 2 s block; the jobs they bring still run.
    const hurry = this.#hurry.signal;
    const fetchersDone = this.#fetchers?.drain() ?? Promise.resolve();
    await within(fetchersDone, timeout, hurry);
    const jobsDone = this.#running.size === 0
      ? Promise.resolve()
      : new Promise<void>((r) => this.#idleJobs.push(r));
    await within(
      jobsDone,
      Math.max(0, timeout - (Date.now() - started)),
      hurry,
    );
    const unfinished = [...this.#running.values()];
    if (unfinished.length > 0) {
      this.#logger.warn(
        hurry.aborted
          ? "Second signal: failing unfinished jobs now so they are retried"
          : "Shutdown timeout: failing unfinished jobs so they are retried",
        { jids: unfinished.map((e) => e.job.jid) },
      );
      for (const entry of unfinished) {
        const error = new ShutdownTimeoutError(
          hurry.aborted
            ? "The worker was told to stop at once before the job finished"
            : `The worker shut down before the job finished (shutdown timeout ${timeout} ms)`,
        );
        entry.controller.abort(error);
        this.#settle(entry, {
          type: "FAIL",
          payload: failureFor(entry.job.jid, error),
        }, error);
      }
    }
    // The FETCHes left are answered within the server's 2 s block; a second
    // signal does not wait for them (their jobs are retried after reserve_for).
    await within(fetchersDone, 2500, hurry);
    await Promise.all([
      this.#deliverResults(),
      this.#reportAbandoned(unfinished),
    ]);
    this.#closed.abort();
    this.#cleanup();
    await Promise.all([this.#control?.close(), this.#pool?.close()]);
    this.#control = undefined;
    this.#state = "stopped";
    this.#logger.info("Worker stopped", { wid: this.wid });
    this.#finish?.();
  }

  /**
   * Gives the handlers whose signal was just aborted a moment to return, then
   * names those that ignored it: they may go on running (and hold timers)
   * after the worker stopped.
   */
  async #reportAbandoned(aborted: readonly Running[]): Promise<void> {
    if (aborted.length === 0) return;
    const pending = () => aborted.filter((e) => !e.finished);
    for (let waited = 0; waited < 500 && pending().length > 0; waited += 20) {
      if (this.#hurry.signal.aborted) break;
      await sleep(20, this.#hurry.signal);
    }
    const ignored = pending();
    if (ignored.length === 0) return;
    this.#logger.warn(
      "Jobs ignored their abort signal and are still running; their results are discarded",
      { jids: ignored.map((e) => e.job.jid) },
    );
  }

  /** Delivers every queued result, reconnecting if needed, for at most 10 s. */
  async #deliverResults(): Promise<void> {
    if (this.#results.outstanding === 0) return;
    this.#results.flush(); // if the control connection is down, its reconnect loop flushes
    if (!(await within(this.#results.idle(), 10_000, this.#hurry.signal))) {
      this.#logger.error(
        "Could not deliver job results before exiting; the server will retry those jobs",
        {
          jids: this.#results.undelivered(),
        },
      );
    }
  }

  /** Picks the console logger's level from FAKTORY_LOG_LEVEL, unless told otherwise. */
  #setUpLogger(platform: Platform): void {
    if (this.#options.logger || this.#options.logLevel) return;
    const { logger, note } = defaultLogger(
      undefined,
      this.#options.logFormat,
      (name) => platform.env(name),
    );
    this.#sink = logger;
    if (note) this.#logger.warn(note);
  }

  #installSignals(): void {
    const platform = this.#platform!;
    const stop = () => {
      if (this.#shutdown && !this.#hurry.signal.aborted) {
        this.#logger.warn(
          "Second signal: skipping the rest of the shutdown timeout",
        );
        this.#hurry.abort();
      }
      void this.#terminate("signal");
    };
    this.#removeSignals = [
      platform.onSignal("SIGTERM", stop),
      platform.onSignal("SIGINT", stop),
      platform.onSignal("SIGTSTP", () => this.#quiet("signal")),
    ];
  }

  #cleanup(): void {
    for (const remove of this.#removeSignals.splice(0)) remove();
    clearInterval(this.#heartbeat);
    clearInterval(this.#sweeper);
    this.#results.stop();
    for (const f of this.#onlineWaiters.splice(0)) f();
  }
}

/**
 * Waits for `promise` at most `ms`, or until `cut` aborts; true if it settled
 * in time. Leaves no timer behind.
 */
async function within(
  promise: Promise<unknown>,
  ms: number,
  cut?: AbortSignal,
): Promise<boolean> {
  const stop = new AbortController();
  const settled = promise.then(() => true, () => true);
  const signal = cut ? AbortSignal.any([stop.signal, cut]) : stop.signal;
  const result = await Promise.race([
    settled,
    sleep(ms, signal).then(() => false),
  ]);
  stop.abort();
  return result;
}
