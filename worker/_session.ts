/**
 * One run of a Manager, from the first connect to the last closed socket: it
 * wires the pieces together (fetchers → runner → results queue, the control
 * link beside them), installs the signal handlers, and runs the shutdown
 * sequence. Every change of state goes through the lifecycle table.
 *
 * @module
 */

import { defaultPlatform } from "../adapters/runtime.ts";
import type { Platform } from "../adapters/transport.ts";
import type { QueueOrder } from "../core/queues.ts";
import { Client } from "../client/client.ts";
import { Connection } from "../client/connection.ts";
import type { Emitter } from "./_emitter.ts";
import { FetcherPool } from "./_fetcher.ts";
import { Jobs } from "./_jobs.ts";
import type { Lifecycle } from "./_lifecycle.ts";
import { Link } from "./_link.ts";
import { applyEnvLogLevel, type SwitchableLogger } from "./_logging.ts";
import {
  type ConnectionOptionsFor,
  connectionOptionsFor,
  type ManagerOptions,
  type Settings,
} from "./manager_options.ts";
import { SharedClient } from "./_shared_client.ts";
import { Reconnect, Wakeup, within } from "./_reconnect.ts";
import type { Registry } from "./_registry.ts";
import { Results } from "./_results.ts";
import type { Progress } from "./_progress.ts";
import { Slots } from "./_slots.ts";
import { childDeadline, watchSupervisor } from "./_supervisor_child.ts";
import type { Metrics } from "./_metrics.ts";

/** Who asked for a change of state. */
export type Reason = "signal" | "server" | "api";

/** What a session is made from: the Manager's long-lived pieces. */
export interface SessionOptions {
  readonly options: ManagerOptions;
  readonly settings: Settings;
  readonly wid: string;
  readonly lifecycle: Lifecycle;
  readonly registry: Registry;
  readonly queues: { readonly order: QueueOrder };
  readonly events: Emitter;
  readonly logger: SwitchableLogger;
  readonly progress: Progress;
  /** The slot of this process, when a supervisor started it. */
  readonly processIndex?: number;
  readonly metrics?: Metrics;
}

/** What health checks read from a session. */
export interface SessionProbe {
  /** Whether the control connection is open. */
  readonly control: boolean;
  /** Fetch connections open now. */
  readonly fetchers: number;
  /** When the server last accepted a HELLO or BEAT, in ms; 0 if never. */
  readonly lastBeat: number;
  /** When the heartbeat timer last fired, in ms; 0 before beating starts. */
  readonly lastTick: number;
}

export class Session {
  readonly #o: SessionOptions;
  /** Aborted when shutdown starts: wakes fetchers from backoff and online waits. */
  readonly #stop = new AbortController();
  /** Aborted when the worker closes its connections for good. */
  readonly #closed = new AbortController();
  /** Aborted by a second SIGTERM/SIGINT: skip what is left of the shutdown timeout. */
  readonly #hurry = new AbortController();
  readonly #reconnect: Reconnect;
  readonly #slots: Slots;
  readonly #results: Results;
  readonly #jobs: Jobs;
  readonly #finished: Promise<void>;
  #finish!: () => void;
  #link: Link | undefined;
  #fetchers: FetcherPool | undefined;
  #shared: SharedClient | undefined;
  #connect: ConnectionOptionsFor | undefined;
  /** Removes the signal listeners and stops watching the supervisor. */
  #removeSignals: (() => void)[] = [];
  #shutdown: Promise<void> | undefined;

  constructor(options: SessionOptions) {
    this.#o = options;
    const { settings, logger, events, registry } = options;
    this.#finished = new Promise((resolve) => this.#finish = resolve);
    this.#reconnect = new Reconnect(settings.reconnect, settings.random);
    this.#slots = new Slots(settings.concurrency);
    this.#results = new Results({
      logger,
      flushDelay: 5,
      retry: { initial: 50, max: 2000 },
      random: settings.random,
      ...(options.metrics
        ? { resent: (n: number) => options.metrics!.resent(n) }
        : {}),
    });
    this.#jobs = new Jobs({
      registry,
      results: this.#results,
      slots: this.#slots,
      events,
      logger,
      progress: options.progress,
      with: (fn) => this.#with(fn),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
  }

  /** Jobs running now. */
  get busy(): number {
    return this.#jobs.size;
  }

  /** Open connections: control, fetchers, the `ctx.with` client. */
  get sockets(): number {
    return (this.#link?.open ? 1 : 0) + (this.#fetchers?.size ?? 0) +
      (this.#shared?.open ? 1 : 0);
  }

  /** The most fetch connections open at once so far. */
  get peakFetchers(): number {
    return this.#fetchers?.peak ?? 0;
  }

  /** The connections and heartbeat, for health checks. */
  probe(): SessionProbe {
    return {
      control: this.#link?.open ?? false,
      fetchers: this.#fetchers?.connected ?? 0,
      lastBeat: this.#link?.lastBeat ?? 0,
      lastTick: this.#link?.lastTick ?? 0,
    };
  }

  /** Connects, then fetches and runs jobs; resolves once stopped. */
  async run(): Promise<void> {
    const { events, lifecycle, logger, registry, settings, wid } = this.#o;
    const platform = await defaultPlatform();
    if (this.#closed.signal.aborted) return await this.#finished; // stopped meanwhile
    applyEnvLogLevel(
      this.#o.options,
      this.#o.logger,
      (name) => platform.env(name),
    );
    if (registry.size === 0) logger.warn("No job handlers are registered");
    const connect = this.#connect = connectionOptionsFor(
      this.#o.options,
      platform,
      wid,
      (note) => logger.warn(note),
    );
    // A supervisor speaks to its children by signals: a child always hears them.
    if (settings.handleSignals || this.#o.processIndex !== undefined) {
      this.#installSignals(platform);
    }
    if (this.#o.processIndex !== undefined) {
      this.#removeSignals.push(watchSupervisor(platform, () => {
        logger.warn("The supervisor is gone; shutting down");
        void this.terminate("signal");
      }));
    }
    const link = this.#link = new Link({
      open: (signal) => Client.connect(connect("worker", signal)),
      reconnect: this.#reconnect,
      wake: new Wakeup(this.#closed.signal),
      results: this.#results,
      events,
      logger,
      lifecycle,
      wid,
      rssBytes: () => platform.rssBytes(),
      reportEvery: settings.reconnect.reportEvery,
      requested: (state) =>
        state === "quiet"
          ? this.quiet("server")
          : void this.terminate("server"),
    });
    try {
      await link.connect(true);
    } catch (err) {
      // A shutdown under way owns the end of the run.
      if (lifecycle.fire("fail") === undefined) return await this.#finished;
      this.#closed.abort();
      this.#cleanup();
      this.#finish();
      throw err;
    }
    if (lifecycle.state !== "running" && lifecycle.state !== "quiet") {
      return await this.#finished; // stopped while connecting
    }
    events.emit("startup", { wid });
    logger.info("Worker started", {
      wid,
      ...(this.#o.processIndex === undefined
        ? {}
        : { process: this.#o.processIndex }),
      concurrency: settings.concurrency,
      server: link.address,
    });
    link.startBeating(settings.heartbeatInterval);
    this.#jobs.watchDeadlines(Math.min(1000, settings.heartbeatInterval));
    this.#fetchers = new FetcherPool({
      slots: this.#slots,
      runner: this.#jobs,
      results: this.#results,
      gate: lifecycle,
      queues: this.#o.queues,
      open: (signal) => Connection.open(connect("worker", signal)),
      reconnect: this.#reconnect,
      wake: new Wakeup(this.#stop.signal),
      events,
      logger,
      max: settings.maxFetchers,
    });
    if (lifecycle.fetching) this.#fetchers.start();
    await this.#finished;
  }

  /** Stops fetching; running jobs finish and heartbeats go on. */
  quiet(reason: Reason): void {
    const { events, lifecycle, logger } = this.#o;
    if (lifecycle.fire("quiet") === undefined) return;
    this.#slots.cancelWaiters();
    void this.#link?.beat(); // tells the server now, not at the next heartbeat
    logger.info("Quiet: no new jobs will be fetched", {
      reason,
      busy: this.busy,
    });
    events.emit("quiet", { reason });
  }

  /** Shuts down once; the same promise on every call. */
  terminate(reason: Reason): Promise<void> {
    if (this.#shutdown) return this.#shutdown;
    if (this.#o.lifecycle.fire("stop") === undefined) {
      return this.#shutdown = this.#finished; // the first connect failed
    }
    return this.#shutdown = this.#shutdownNow(reason);
  }

  async #shutdownNow(reason: Reason): Promise<void> {
    const { events, lifecycle, logger, settings, wid } = this.#o;
    const timeout = settings.shutdownTimeout;
    const started = Date.now();
    const hurry = this.#hurry.signal;
    logger.info("Shutting down", {
      reason,
      busy: this.busy,
      timeoutMs: timeout,
    });
    events.emit("shutdown", { reason });
    this.#results.record(); // for the report of what was delivered
    this.#slots.cancelWaiters();
    this.#stop.abort(); // also releases fetchers waiting for the server to come back
    // Tells the server at once; a server that then ends the blocked FETCHes
    // (the embedded one does) lets the fetchers finish without their 2 s wait.
    void this.#link?.beat();
    // In-flight FETCHes finish within the server's 2 s block; the jobs they bring still run.
    const fetchersDone = this.#fetchers?.drain() ?? Promise.resolve();
    await within(fetchersDone, timeout, hurry);
    await within(
      this.#jobs.idle(),
      Math.max(0, timeout - (Date.now() - started)),
      hurry,
    );
    const unfinished = this.#jobs.failUnfinished(hurry.aborted, timeout);
    // A child ends before its supervisor's kill, with its results' fate logged.
    const endBy = this.#o.processIndex === undefined
      ? Infinity
      : childDeadline(started, timeout);
    const left = (ms: number) => Math.max(0, Math.min(ms, endBy - Date.now()));
    await this.#drainFetchers(fetchersDone, left);
    await Promise.all([
      this.#deliverResults(left(hurry.aborted ? 2000 : 10_000)),
      this.#jobs.reportAbandoned(unfinished),
    ]);
    this.#closed.abort();
    this.#cleanup();
    await Promise.all([this.#link?.close(), this.#shared?.close()]);
    lifecycle.fire("finish");
    logger.info("Worker stopped", { wid });
    this.#finish();
  }

  /**
   * Waits for the FETCHes still under way, even after a second signal: the
   * server answers them within its 2 s block, and a job one brings is failed
   * without running. Closing their connections instead would leave such a
   * job reserved, with no jid to report, until its reservation expires; that
   * happens only to a FETCH the server does not answer in 2.5 s.
   */
  async #drainFetchers(
    drained: Promise<void>,
    left: (ms: number) => number,
  ): Promise<void> {
    if (await within(drained, left(2500))) return;
    const closed = this.#fetchers?.closeAll() ?? 0;
    if (closed === 0) return;
    this.#o.logger.warn(
      "Closed fetch connections whose FETCH got no reply in 2.5 s: a job the server reserved for one, if any, is retried when its reservation expires",
      { connections: closed },
    );
  }

  /**
   * Delivers every queued result, reconnecting if needed, for at most `ms`
   * (10 s, 2 s after a second signal, less in a child near its supervisor's
   * kill), and says what was delivered or not.
   */
  async #deliverResults(ms: number): Promise<void> {
    const { logger } = this.#o;
    const results = this.#results;
    const delivered = results.record(); // since shutdown began
    if (results.outstanding > 0) {
      results.flush(); // if the control connection is down, its reconnect attaches it again
      if (!(await within(results.idle(), ms))) {
        const { acked, failed, awaitingReply } = results.unconfirmed();
        logger.error(
          "Job results not confirmed by the server before exiting: it fails these jobs when their reservations expire and retries them as their retry option allows" +
            (acked.length > 0
              ? ", those that succeeded here (acked) too"
              : "") +
            (awaitingReply.length > 0
              ? "; those awaiting a reply were sent and may have arrived"
              : ""),
          awaitingReply.length > 0
            ? { acked, failed, awaitingReply }
            : { acked, failed },
        );
      }
    }
    if (delivered.acked.length + delivered.failed.length > 0) {
      logger.info("Job results delivered", {
        acked: delivered.acked.length,
        failed: delivered.failed,
      });
    }
  }

  async #with<T>(fn: (client: Client) => Promise<T> | T): Promise<T> {
    this.#shared ??= new SharedClient(() => ({
      ...this.#connect!("client", this.#closed.signal),
      middleware: this.#o.options.pushMiddleware ?? [],
      logger: this.#o.logger,
    }));
    return await fn(await this.#shared.get());
  }

  /**
   * SIGTERM/SIGINT terminate, a second one hurries; SIGTSTP quiets. In a
   * child of a supervisor, a repeated SIGTERM does not hurry: the
   * supervisor forwards SIGTERM, and a service manager that signals the
   * whole process group (systemd, Heroku) sends one more. The supervisor
   * hurries its children with SIGINT instead.
   */
  #installSignals(platform: Platform): void {
    const child = this.#o.processIndex !== undefined;
    const stop = (hurry: boolean) => () => {
      if (hurry && this.#shutdown && !this.#hurry.signal.aborted) {
        this.#o.logger.warn(
          "Second signal: skipping the rest of the shutdown timeout",
        );
        this.#hurry.abort();
      }
      void this.terminate("signal");
    };
    this.#removeSignals.push(
      platform.onSignal("SIGTERM", stop(!child)),
      platform.onSignal("SIGINT", stop(true)),
      platform.onSignal("SIGTSTP", () => this.quiet("signal")),
    );
  }

  #cleanup(): void {
    for (const remove of this.#removeSignals.splice(0)) remove();
    this.#jobs.stop();
    this.#results.stop();
  }
}
