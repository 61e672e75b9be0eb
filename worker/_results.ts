/**
 * Delivery of job results (ACK and FAIL). Results ride along with a
 * fetcher's next FETCH when one is about to be sent (pipelined on the same
 * write); otherwise the control connection sends them after a short delay.
 * A result whose connection dropped before its reply is queued again: an ACK
 * of an already acknowledged jid is harmless, and a repeated FAIL gets
 * `Job not found`, which is ignored. Any other error reply (such as
 * `shutdown in progress` from a server going down, or a storage error) does
 * not prove the result done, so it is sent again too.
 *
 * @module
 */

import type { Command } from "../core/commands.ts";
import { ServerError } from "../core/errors.ts";
import type { Connection } from "./connection.ts";
import type { Logger } from "./logger.ts";

/** An ACK or a FAIL waiting to be delivered. */
export type Result = Extract<Command, { type: "ACK" } | { type: "FAIL" }>;

/** Whether a result's error reply means there is nothing left to deliver. */
function settled(result: Result, err: unknown): err is ServerError {
  return err instanceof ServerError && result.type === "FAIL" &&
    err.serverMessage.startsWith("Job not found");
}

export class Results {
  readonly #pending: Result[] = [];
  #inFlight = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #idle: (() => void)[] = [];

  constructor(
    private readonly control: () => Connection | undefined,
    private readonly logger: Logger,
    private readonly flushDelay: number,
  ) {}

  /** Results not yet confirmed by the server. */
  get outstanding(): number {
    return this.#pending.length + this.#inFlight;
  }

  push(result: Result): void {
    this.#pending.push(result);
    this.#arm();
  }

  /** Sends every pending result on `conn` (used right before a FETCH on it). */
  sendAllOn(conn: Connection): void {
    if (this.#pending.length === 0) return;
    for (const result of this.#pending.splice(0)) this.#send(conn, result);
  }

  /** Sends pending results on the control connection now, if it is up. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const conn = this.control();
    // Without a control connection, results wait for it (or for a fetcher):
    // the Manager flushes again when the connection is back. No polling.
    if (conn && !conn.closed && conn.state === "ready") this.sendAllOn(conn);
  }

  /** Resolves when nothing is pending or in flight. */
  idle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** The jids of results not yet confirmed. */
  undelivered(): string[] {
    return this.#pending.map((r) => (r.type === "ACK" ? r.jid : r.payload.jid));
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.flushDelay);
  }

  #send(conn: Connection, result: Result): void {
    this.#inFlight++;
    conn.request(result).then(
      () => this.#done(),
      (err) => {
        if (settled(result, err)) {
          // FAIL of a job the server no longer holds (expired, or our resend): nothing to do.
          this.logger.debug("Server refused a job result", {
            error: err.message,
          });
        } else {
          this.#pending.push(result); // the connection went away: send it again
          this.#arm();
        }
        this.#done();
      },
    );
  }

  #done(): void {
    this.#inFlight--;
    if (this.outstanding === 0) { for (const f of this.#idle.splice(0)) f(); }
  }
}
