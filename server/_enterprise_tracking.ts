/**
 * Job tracking as Faktory Enterprise keeps it: a job pushed with custom
 * `track` 1 (or true) gets a record whose state follows the job (enqueued,
 * working, success, failed, dead), and TRACK SET stores a percent and a
 * description on it. Records of finished jobs are forgotten 30 minutes after
 * their last update.
 *
 * @module
 */

import type { JobProgress } from "../core/results.ts";
import { isoSeconds } from "./_stored_job.ts";

/** How long a record lives after its last update once its job is done, in ms. */
export const TRACK_TTL: number = 30 * 60_000;

/** A job's tracking state. */
export type TrackState = JobProgress["state"];

/** A job's tracking record. */
export interface TrackRecord {
  state: TrackState;
  percent: number | undefined;
  desc: string | undefined;
  updatedAt: number;
}

/** What TRACK SET changes: a key that is present replaces the stored value. */
export interface TrackUpdate {
  readonly percent?: number | null;
  readonly desc?: string | null;
}

/** Whether a job asks to be tracked. */
export function isTracked(custom: Record<string, unknown>): boolean {
  return custom.track === 1 || custom.track === true;
}

/** The tracking records of the embedded server. */
export class Tracks {
  readonly #records = new Map<string, TrackRecord>();

  /** Moves a job's record to a state, creating it when needed. */
  mark(jid: string, state: TrackState, now: number): void {
    const record = this.#records.get(jid);
    if (record === undefined) {
      this.#records.set(jid, {
        state,
        percent: undefined,
        desc: undefined,
        updatedAt: now,
      });
    } else {
      record.state = state;
      record.updatedAt = now;
    }
  }

  /** TRACK SET: stores percent and description; a new record is `unknown`. */
  set(jid: string, update: TrackUpdate, now: number): void {
    let record = this.#records.get(jid);
    if (record === undefined) {
      record = {
        state: "unknown",
        percent: undefined,
        desc: undefined,
        updatedAt: now,
      };
      this.#records.set(jid, record);
    }
    if ("percent" in update) record.percent = update.percent ?? undefined;
    if ("desc" in update) record.desc = update.desc ?? undefined;
    record.updatedAt = now;
  }

  /** TRACK GET: the record, or state `unknown` with an empty `updated_at`. */
  get(jid: string): JobProgress {
    const record = this.#records.get(jid);
    if (record === undefined) return { jid, state: "unknown", updated_at: "" };
    return {
      jid,
      ...(record.percent === undefined ? {} : { percent: record.percent }),
      ...(record.desc === undefined ? {} : { desc: record.desc }),
      state: record.state,
      updated_at: isoSeconds(record.updatedAt),
    };
  }

  /**
   * Forgets records not updated for {@linkcode TRACK_TTL} whose job is not
   * waiting or running (states enqueued and working are kept).
   */
  expire(now: number): void {
    for (const [jid, record] of this.#records) {
      if (record.state === "enqueued" || record.state === "working") continue;
      if (record.updatedAt + TRACK_TTL <= now) this.#records.delete(jid);
    }
  }

  clear(): void {
    this.#records.clear();
  }

  /** Records held right now. */
  get size(): number {
    return this.#records.size;
  }

  /** The records by jid (copies), for a data file. */
  data(): [jid: string, record: TrackRecord][] {
    return [...this.#records].map(([jid, r]) => [jid, { ...r }]);
  }

  /** Replaces the records with what a data file kept. */
  load(
    records: readonly (readonly [jid: string, record: TrackRecord])[],
  ): void {
    this.clear();
    for (const [jid, r] of records) this.#records.set(jid, { ...r });
  }
}
