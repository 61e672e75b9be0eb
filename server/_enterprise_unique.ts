/**
 * Unique jobs as Faktory Pro and Enterprise keep them: a job whose custom
 * `unique_for` is a number of seconds above 0 takes a lock on its jobtype,
 * arguments and queue; a second such job is refused while the lock lives.
 * The lock ends when its time is up, at the owner's ACK (`unique_until`
 * "success", the default) or when the owner is fetched ("start"). FAIL does
 * not release it. Jobs without `unique_for` are neither checked nor locked.
 *
 * @module
 */

import type { StoredJob } from "./_stored_job.ts";

/** The reply text of a refused duplicate, as Go's coded error prints it. */
export const NOT_UNIQUE = "NOTUNIQUE Job not unique";

/** A unique lock: its owner, its end, and whether the owner's start ends it. */
export interface Lock {
  readonly jid: string;
  readonly expiresAt: number;
  readonly untilStart: boolean;
}

/** The seconds of a job's `unique_for`, or 0 when it takes no lock. */
function uniqueFor(custom: Record<string, unknown>): number {
  const v = custom.unique_for;
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0;
}

/**
 * JSON with object keys sorted at every level, so arguments that differ
 * only in key order make the same key.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    return `{${
      keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(
        ",",
      )
    }}`;
  }
  return JSON.stringify(value) ?? "null";
}

function keyOf(job: StoredJob): string {
  const { jobtype, args } = job.fields;
  return `${JSON.stringify([jobtype, job.queue])}${canonicalJson(args)}`;
}

/** The unique locks of the embedded server. */
export class UniqueLocks {
  readonly #locks = new Map<string, Lock>();
  /** The key each lock owner holds, by jid. */
  readonly #owned = new Map<string, string>();

  /** Whether a live lock refuses this job (`custom` is the job's). */
  refuses(
    job: StoredJob,
    custom: Record<string, unknown>,
    now: number,
  ): boolean {
    if (uniqueFor(custom) === 0) return false;
    const lock = this.#locks.get(keyOf(job));
    return lock !== undefined && lock.expiresAt > now;
  }

  /**
   * Takes the lock for an accepted job that asks for one, until `at` (when
   * it is scheduled later than now) plus `unique_for` seconds.
   */
  take(
    job: StoredJob,
    custom: Record<string, unknown>,
    at: number,
    now: number,
  ): void {
    const secs = uniqueFor(custom);
    if (secs === 0) return;
    const key = keyOf(job);
    const previous = this.#locks.get(key);
    if (previous !== undefined) this.#owned.delete(previous.jid);
    this.#locks.set(key, {
      jid: job.jid,
      expiresAt: Math.max(at, now) + secs * 1000,
      untilStart: custom.unique_until === "start",
    });
    this.#owned.set(job.jid, key);
  }

  /** A job was handed to a worker: ends its lock if it is held until start. */
  started(jid: string): void {
    this.#release(jid, true);
  }

  /** A job was acknowledged: ends its lock if it is held until success. */
  succeeded(jid: string): void {
    this.#release(jid, false);
  }

  /** A job will never run (it expired): ends its lock whatever the policy. */
  dropped(jid: string): void {
    this.#release(jid, undefined);
  }

  #release(jid: string, untilStart: boolean | undefined): void {
    const key = this.#owned.get(jid);
    if (key === undefined) return;
    const lock = this.#locks.get(key);
    if (lock === undefined || lock.jid !== jid) {
      this.#owned.delete(jid);
      return;
    }
    if (untilStart !== undefined && lock.untilStart !== untilStart) return;
    this.#locks.delete(key);
    this.#owned.delete(jid);
  }

  /** Forgets locks whose time is up. */
  expire(now: number): void {
    for (const [key, lock] of this.#locks) {
      if (lock.expiresAt > now) continue;
      this.#locks.delete(key);
      this.#owned.delete(lock.jid);
    }
  }

  /** Locks held right now. */
  get size(): number {
    return this.#locks.size;
  }

  clear(): void {
    this.#locks.clear();
    this.#owned.clear();
  }

  /** The locks by key and the key each owner holds, for a data file. */
  data(): UniqueData {
    return { locks: [...this.#locks], owned: [...this.#owned] };
  }

  /** Replaces the locks with what a data file kept. */
  load(data: UniqueData): void {
    this.clear();
    for (const [key, lock] of data.locks) this.#locks.set(key, lock);
    for (const [jid, key] of data.owned) this.#owned.set(jid, key);
  }
}

/** What a data file keeps of the unique locks. */
export interface UniqueData {
  readonly locks: readonly (readonly [key: string, lock: Lock])[];
  readonly owned: readonly (readonly [jid: string, key: string])[];
}
