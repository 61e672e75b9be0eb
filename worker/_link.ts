/**
 * The control link: the worker's own connection to the server. It says
 * HELLO, beats every `heartbeatInterval`, obeys the server's quiet and
 * terminate requests, says HELLO again when the server forgot the worker,
 * and owns whether the server is reachable: it reports outages and
 * recoveries (once per change, then now and then while it lasts) and tells
 * the reconnect policy, which the fetchers wait on. Each time it connects, it
 * becomes the results queue's standby connection.
 *
 * @module
 */

import { connectionOf } from "../client/_connection_of.ts";
import { ConnectionClosedError, ServerError } from "../core/errors.ts";
import { describeThrown } from "../core/failure.ts";
import type { Client } from "../client/client.ts";
import type { Emitter } from "./_emitter.ts";
import { isFatal } from "./_fatal.ts";
import type { ManagerState } from "./_lifecycle.ts";
import type { Logger } from "../client/logger.ts";
import type { Reconnect, Wakeup } from "./_reconnect.ts";
import type { Results } from "./_results.ts";

/** What the control link works with. */
export interface LinkOptions {
  /** Opens a worker client; `signal` cancels a pending connect. */
  open(signal: AbortSignal): Promise<Client>;
  readonly reconnect: Reconnect;
  /** Fires when the worker closes for good: ends backoff waits and connects. */
  readonly wake: Wakeup;
  readonly results: Results;
  readonly events: Emitter;
  readonly logger: Logger;
  readonly lifecycle: { readonly state: ManagerState };
  readonly wid: string;
  /** The process's resident set size in bytes, for BEAT. */
  rssBytes(): number;
  /** How often a continuing outage is logged again, in ms. */
  readonly reportEvery: number;
  /** The server asked the worker to go quiet or to terminate. */
  requested(state: "quiet" | "terminate"): void;
}

export class Link {
  readonly #o: LinkOptions;
  #control: Client | undefined;
  /** The next close is a re-HELLO, not an outage. */
  #rehello = false;
  #offlineSince = 0;
  /** When the current outage was last logged. */
  #reportedAt = 0;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  /** When the server last accepted the worker (HELLO or BEAT), in ms; 0 before. */
  #beatAt = 0;
  /** When the heartbeat timer last fired (or started), in ms; 0 before it started. */
  #tickAt = 0;

  constructor(options: LinkOptions) {
    this.#o = options;
  }

  /** Whether the control connection is open. */
  get open(): boolean {
    return this.#control !== undefined && !this.#control.closed;
  }

  /** When the server last accepted a HELLO or a BEAT, in ms since the epoch; 0 if never. */
  get lastBeat(): number {
    return this.#beatAt;
  }

  /** When the heartbeat timer last fired, in ms since the epoch; 0 before beating starts. */
  get lastTick(): number {
    return this.#tickAt;
  }

  /** The server's address, once connected. */
  get address(): string {
    return String(this.#control ? connectionOf(this.#control).address : "");
  }

  /**
   * Opens the control connection, retrying under the reconnect policy until
   * it works or the link closes.
   *
   * @param first Whether this is the worker's first connect: errors retrying
   *   cannot fix are thrown then, and only reported later.
   */
  async connect(first: boolean): Promise<void> {
    const { events, reconnect, wake } = this.#o;
    const opened = await reconnect.open(
      () => wake.scoped((signal) => this.#o.open(signal)),
      {
        failures: 0,
        wake,
        untilOnline: false, // this link is what finds the server reachable
        alive: () => !wake.signal.aborted,
        failed: (err) => {
          if (wake.signal.aborted) return; // closed while connecting
          if (isFatal(err)) {
            if (first) throw err;
            events.emit("error", { error: err, context: "connect" });
          }
          this.#setOffline(err);
          this.#reportOutage(err);
        },
      },
    );
    if (!opened) return;
    const client = opened.value;
    if (wake.signal.aborted) {
      await client.close();
      return;
    }
    this.#control = client;
    this.#beatAt = Date.now(); // HELLO accepted: the server registered the worker
    connectionOf(client).onClose((error) => this.#lost(client, error));
    this.#setOnline();
    this.#o.results.attach(connectionOf(client));
  }

  /** Beats every `interval` ms until {@linkcode close}. */
  startBeating(interval: number): void {
    clearInterval(this.#heartbeat);
    this.#tickAt = Date.now();
    this.#heartbeat = setInterval(() => {
      this.#tickAt = Date.now();
      void this.beat();
    }, interval);
  }

  /** Sends one BEAT and acts on the reply. Never rejects. */
  async beat(): Promise<void> {
    const client = this.#control;
    if (!client || client.closed) return;
    const now = this.#o.lifecycle.state;
    const state = now === "quiet"
      ? "quiet"
      : now === "stopping"
      ? "terminate"
      : "";
    try {
      const rssKb = Math.round(this.#o.rssBytes() / 1024);
      const wanted = await client.beat({ state, rssKb });
      this.#beatAt = Date.now();
      if (wanted === "quiet" || wanted === "terminate") {
        this.#o.requested(wanted);
      }
    } catch (err) {
      if (
        err instanceof ServerError &&
        err.serverMessage.startsWith("unknown worker")
      ) {
        // The server forgot us (no beat for 60 s, or it restarted): say HELLO again.
        this.#o.logger.warn(
          "The server no longer knows this worker; saying HELLO again",
          { wid: this.#o.wid },
        );
        this.#rehello = true; // reconnect at once, without reporting an outage
        void client.close();
        return;
      }
      if (!(err instanceof ConnectionClosedError)) {
        this.#o.events.emit("error", { error: err, context: "heartbeat" });
      }
    }
  }

  /** Stops beating and closes the control connection (END). */
  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    const client = this.#control;
    this.#control = undefined;
    await client?.close();
  }

  #lost(client: Client, error: unknown): void {
    if (this.#control !== client) return;
    this.#control = undefined;
    if (this.#o.wake.signal.aborted) return;
    if (this.#rehello) this.#rehello = false;
    else this.#setOffline(error);
    void this.connect(false);
  }

  #setOnline(): void {
    const { events, logger, reconnect } = this.#o;
    if (reconnect.online) return;
    const wasOffline = this.#offlineSince > 0;
    reconnect.setOnline();
    if (wasOffline) {
      const downtimeMs = Date.now() - this.#offlineSince;
      logger.info("Connection to Faktory restored", { downtimeMs });
      events.emit("connection:restored", { downtimeMs });
    }
    this.#offlineSince = 0;
  }

  #setOffline(error: unknown): void {
    const { events, logger, reconnect } = this.#o;
    if (!reconnect.online && this.#offlineSince > 0) return;
    reconnect.setOffline();
    this.#offlineSince = Date.now();
    this.#reportedAt = this.#offlineSince;
    logger.warn("Faktory is unreachable; reconnecting", {
      error: describeThrown(error),
    });
    events.emit("connection:lost", { error });
  }

  /** Logs a continuing outage again every `reportEvery` ms. */
  #reportOutage(error: unknown): void {
    const now = Date.now();
    if (
      this.#o.reconnect.online || now - this.#reportedAt < this.#o.reportEvery
    ) {
      return;
    }
    this.#reportedAt = now;
    this.#o.logger.warn(
      `Faktory is still unreachable after ${
        Math.round((now - this.#offlineSince) / 1000)
      } s; reconnecting`,
      { error: describeThrown(error) },
    );
  }
}
