/**
 * The results queue: job results (ACK and FAIL) wait here until a connection
 * that is ready carries them. A fetcher sends pending results on its
 * connection and waits for their replies before its next FETCH; when no
 * fetcher is about to, the standby connection (the control connection, handed
 * over with {@linkcode Results.attach} each time it connects) sends them after
 * a short delay.
 *
 * A result ends only when the server proves it done: `+OK`, or for a FAIL
 * `Job not found` (the server no longer holds the job). Any other reply
 * (`-ERR shutdown in progress`, a storage error), a dropped connection or a
 * timeout puts it back, to be sent again after a capped, growing delay. An
 * ACK sent twice is harmless: Faktory answers `+OK` for a jid it does not
 * hold.
 *
 * @module
 */

import { describeThrown } from "../core/failure.ts";
import type { Command } from "../core/commands.ts";
import { LocalProtocolError, ServerError } from "../core/errors.ts";
import type { Connection } from "../client/connection.ts";
import type { Logger } from "../client/logger.ts";
import { backoff } from "./_reconnect.ts";

/** An ACK or a FAIL waiting to be delivered. */
export type Result = Extract<Command, { type: "ACK" } | { type: "FAIL" }>;

/** How results are delivered and retried. */
export interface ResultsOptions {
  readonly logger: Logger;
  /** How long a result waits for a fetcher before the control connection sends it, in ms. */
  readonly flushDelay: number;
  /** Delay before a failed result is sent again: first and cap, in ms. */
  readonly retry: { readonly initial: number; readonly max: number };
  readonly random: () => number;
  /** Told how many results are sent again each time the retry timer fires. */
  readonly resent?: (count: number) => void;
}

/** The jid a result is about. */
export function resultJid(result: Result): string {
  return result.type === "ACK" ? result.jid : result.payload.jid;
}

/** Whether a reply proves the result needs no resending. */
function isFinal(result: Result, error: unknown): boolean {
  return result.type === "FAIL" && error instanceof ServerError &&
    error.serverMessage.startsWith("Job not found");
}

/** Jids of results, by kind. */
export interface Delivered {
  readonly acked: string[];
  readonly failed: string[];
}

export class Results {
  readonly #options: ResultsOptions;
  /** Ready to be sent. */
  readonly #pending: Result[] = [];
  /** Failed; sent again when the retry timer fires. */
  readonly #retrying: Result[] = [];
  readonly #inFlight = new Set<Result>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Failed deliveries in a row; any success resets it. */
  #failures = 0;
  /** Whether the current streak of failures was reported. */
  #warned = false;
  #idle: (() => void)[] = [];
  #stopped = false;
  /** Sends what no fetcher picks up in time. */
  #standby: Connection | undefined;
  /** The results confirmed since {@linkcode Results.record} was called. */
  #confirmed: Delivered | undefined;

  constructor(options: ResultsOptions) {
    this.#options = options;
  }

  /** Results not yet confirmed by the server. */
  get outstanding(): number {
    return this.#pending.length + this.#retrying.length + this.#inFlight.size;
  }

  /** Whether results are ready to be sent now. */
  get ready(): boolean {
    return this.#pending.length > 0;
  }

  push(result: Result): void {
    this.#pending.push(result);
    this.#armFlush();
  }

  /**
   * Sends every ready result on `conn`, in one write with whatever else is
   * issued on it in this turn. Each result ends on its own reply (see
   * {@linkcode Results.idle}).
   */
  sendAllOn(conn: Connection): void {
    const pending = this.#pending;
    const n = pending.length;
    for (let i = 0; i < n; i++) this.#send(conn, pending[i]!);
    pending.length = 0;
  }

  /** Makes `conn` the standby connection, and sends ready results on it. */
  attach(conn: Connection): void {
    this.#standby = conn;
    this.flush();
  }

  /** Sends ready results on the standby connection now, if it is ready. */
  flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const conn = this.#standby;
    // Without a ready standby connection, results wait for a fetcher or for
    // the next attach(). No polling.
    if (conn && !conn.closed && conn.state === "ready") {
      this.sendAllOn(conn);
    }
  }

  /** Resolves when nothing is pending, waiting for a retry or in flight. */
  idle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** The jids of results not yet confirmed. */
  undelivered(): string[] {
    return [...this.#pending, ...this.#retrying, ...this.#inFlight].map(
      resultJid,
    );
  }

  /**
   * The results not yet confirmed, by kind: the jids of ACKs and of FAILs,
   * and among them those sent whose reply has not come (the server may have
   * them).
   */
  unconfirmed(): Delivered & { readonly awaitingReply: string[] } {
    const all = [...this.#pending, ...this.#retrying, ...this.#inFlight];
    return {
      acked: all.filter((r) => r.type === "ACK").map(resultJid),
      failed: all.filter((r) => r.type === "FAIL").map(resultJid),
      awaitingReply: [...this.#inFlight].map(resultJid),
    };
  }

  /**
   * Starts recording the jids of the results the server confirms from now
   * on (for the shutdown report).
   *
   * @returns The record, filled in as replies come.
   */
  record(): Delivered {
    return this.#confirmed ??= { acked: [], failed: [] };
  }

  /** Stops every timer; results still outstanding stay undelivered. */
  stop(): void {
    this.#stopped = true;
    this.#standby = undefined;
    clearTimeout(this.#flushTimer);
    clearTimeout(this.#retryTimer);
    this.#flushTimer = undefined;
    this.#retryTimer = undefined;
  }

  #armFlush(): void {
    if (this.#stopped) return;
    this.#flushTimer ??= setTimeout(() => {
      this.#flushTimer = undefined;
      this.flush();
    }, this.#options.flushDelay);
  }

  #send(conn: Connection, result: Result): void {
    this.#inFlight.add(result);
    conn.request(result).then(
      () => {
        if (this.#warned) {
          this.#options.logger.info("Job results are being delivered again", {
            afterFailures: this.#failures,
          });
        }
        this.#failures = 0;
        this.#warned = false;
        this.#confirm(result);
        this.#done(result);
      },
      (error) => {
        if (error instanceof LocalProtocolError) {
          // It cannot be encoded, so it can never be delivered: say so once.
          this.#options.logger.error(
            "A job result cannot be sent; the server will retry the job when its reservation expires",
            { jid: resultJid(result), error: describeThrown(error) },
          );
        } else if (isFinal(result, error)) {
          this.#confirm(result);
          // The server no longer holds the job (its reservation expired, or
          // this is a resend of a FAIL that already landed).
          this.#options.logger.debug(
            "The server no longer holds a failed job",
            {
              jid: resultJid(result),
            },
          );
        } else {
          this.#retry(result, error);
        }
        this.#done(result);
      },
    );
  }

  #retry(result: Result, error: unknown): void {
    this.#retrying.push(result);
    // A refusal is worth a warning (once per streak); a dropped connection or
    // a server shutting down is already reported as an outage by the Manager.
    if (
      error instanceof ServerError &&
      !error.serverMessage.startsWith("shutdown in progress") && !this.#warned
    ) {
      this.#warned = true;
      this.#options.logger.warn(
        "A job result was not confirmed by the server; sending it again",
        { jid: resultJid(result), error: describeThrown(error) },
      );
    } else {
      this.#options.logger.debug("Job result not confirmed", {
        jid: resultJid(result),
        error: describeThrown(error),
      });
    }
    this.#failures++;
    if (this.#retryTimer !== undefined || this.#stopped) return;
    const { initial, max } = this.#options.retry;
    const delay = backoff(
      this.#failures - 1,
      initial,
      max,
      this.#options.random,
    );
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      const again = this.#retrying.splice(0);
      this.#options.resent?.(again.length);
      this.#pending.push(...again);
      this.flush();
    }, delay);
  }

  #confirm(result: Result): void {
    const record = this.#confirmed;
    if (!record) return;
    (result.type === "ACK" ? record.acked : record.failed).push(
      resultJid(result),
    );
  }

  #done(result: Result): void {
    this.#inFlight.delete(result);
    if (this.outstanding === 0) { for (const f of this.#idle.splice(0)) f(); }
  }
}
