/**
 * The workers the embedded server knows, by wid: what they said in HELLO and
 * BEAT, and the state the server asks of them. Like Faktory, the server
 * keeps them in memory only, so a restart forgets them.
 *
 * @module
 */

import type { WorkerState as BeatState } from "../core/commands.ts";

/** What the server asks a worker to do, through its BEAT replies. */
export type WorkerState = "running" | BeatState;

/** A worker process known by its wid. */
export interface WorkerRecord {
  readonly wid: string;
  hostname: string;
  pid: number;
  labels: readonly string[];
  lastBeat: number;
  state: WorkerState;
  currentState: string;
  rssKb: number | undefined;
  connections: number;
}

/** The fields of HELLO the server keeps about a worker. */
export interface HelloFields {
  readonly hostname?: unknown;
  readonly pid?: unknown;
  readonly labels?: unknown;
}

/** The known workers. */
export class Workers {
  readonly #workers = new Map<string, WorkerRecord>();
  #reaped = 0;

  /** How many workers are known. */
  get size(): number {
    return this.#workers.size;
  }

  /** How many workers were forgotten for their silence. */
  get reaped(): number {
    return this.#reaped;
  }

  /** Forgets workers whose last heartbeat is older than `timeout` ms. */
  reap(now: number, timeout: number): number {
    let n = 0;
    for (const [wid, w] of this.#workers) {
      if (now - w.lastBeat > timeout) {
        this.#workers.delete(wid);
        n++;
      }
    }
    this.#reaped += n;
    return n;
  }

  get(wid: string): WorkerRecord | undefined {
    return this.#workers.get(wid);
  }

  /** Workers the server knows, in the order they first said HELLO. */
  list(): WorkerRecord[] {
    return [...this.#workers.values()];
  }

  /** HELLO of a worker: records it (or updates it) and counts the connection. */
  hello(wid: string, fields: HelloFields, now: number): WorkerRecord {
    let w = this.#workers.get(wid);
    if (!w) {
      w = {
        wid,
        hostname: "",
        pid: 0,
        labels: [],
        lastBeat: 0,
        state: "running",
        currentState: "",
        rssKb: undefined,
        connections: 0,
      };
      this.#workers.set(wid, w);
    }
    if (typeof fields.hostname === "string") w.hostname = fields.hostname;
    if (typeof fields.pid === "number") w.pid = fields.pid;
    if (Array.isArray(fields.labels)) {
      w.labels = fields.labels.map((l) => l ?? "");
    }
    w.lastBeat = now;
    w.connections++;
    return w;
  }

  /** A connection of a worker (as returned by HELLO) closed. */
  disconnect(worker: WorkerRecord): void {
    worker.connections--;
  }

  /** BEAT: the worker's record, updated, or undefined when it is unknown. */
  beat(
    wid: string,
    now: number,
    report: { readonly currentState?: unknown; readonly rssKb?: unknown },
  ): WorkerRecord | undefined {
    const w = this.#workers.get(wid);
    if (!w) return undefined;
    w.lastBeat = now;
    if (typeof report.currentState === "string") {
      w.currentState = report.currentState;
      // As Faktory does: a worker that says it is quiet or terminating is
      // treated so, and states only move forward (running, quiet, terminate).
      const said = report.currentState;
      if (
        (said === "quiet" && w.state === "running") ||
        (said === "terminate" && w.state !== "terminate")
      ) {
        w.state = said;
      }
    }
    if (typeof report.rssKb === "number") w.rssKb = report.rssKb;
    return w;
  }

  /**
   * Sets the state the server asks a worker for.
   *
   * @returns Whether the worker is known.
   */
  setState(wid: string, state: WorkerState): boolean {
    const w = this.#workers.get(wid);
    if (w) w.state = state;
    return w !== undefined;
  }

  /** Forgets every worker, as a restart does (workers live in memory). */
  forget(): void {
    this.#workers.clear();
  }
}
