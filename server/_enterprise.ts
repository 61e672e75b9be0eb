/**
 * The Faktory Pro and Enterprise features of the embedded server (unique
 * jobs, expiring jobs, batches, tracking), and the hooks the job commands
 * call at push, fetch, ACK and FAIL. It exists only when the server was
 * started with `enterprise: true`, so the open-source behaviour pays for a
 * single check.
 *
 * @module
 */

import { Batches } from "./_enterprise_batches.ts";
import { isTracked, Tracks } from "./_enterprise_tracking.ts";
import { NOT_UNIQUE, UniqueLocks } from "./_enterprise_unique.ts";
import { parseGoTime } from "./_go_time.ts";
import type { StoredJob } from "./_stored_job.ts";

/** The job's custom map, or undefined when it has none. */
function customOf(job: StoredJob): Record<string, unknown> | undefined {
  return job.fields.custom as Record<string, unknown> | undefined;
}

/** Whether a job's custom `expires_at` has passed; an unparseable one never does. */
function isExpired(custom: Record<string, unknown>, now: number): boolean {
  const at = custom.expires_at;
  if (typeof at !== "string") return false;
  const ms = parseGoTime(at);
  return typeof ms === "number" && ms <= now;
}

/** The Enterprise state of one embedded server. */
export class Enterprise {
  readonly unique: UniqueLocks = new UniqueLocks();
  readonly batches: Batches;
  readonly tracks: Tracks = new Tracks();

  /**
   * @param random Randomness for batch ids.
   * @param defaultRetry The `retry` of a callback job that has none.
   * @param place Schedules or enqueues a callback job.
   */
  constructor(
    random: () => number,
    defaultRetry: number,
    readonly place: (job: StoredJob) => void,
  ) {
    this.batches = new Batches(random, defaultRetry);
  }

  /**
   * PUSH of a valid job: refuses it (unknown batch, duplicate of a unique
   * job), or takes its unique lock, counts it in its batch and tracks it.
   *
   * @param at When it is scheduled (0 or past: now).
   * @returns The refusal, or undefined when the job is accepted.
   */
  admit(job: StoredJob, at: number, now: number): string | undefined {
    const custom = customOf(job);
    if (custom === undefined) return undefined;
    const refused = this.batches.refuses(custom);
    if (refused !== undefined) return refused;
    if (this.unique.refuses(job, custom, now)) return NOT_UNIQUE;
    this.unique.take(job, custom, at, now);
    this.batches.added(job, custom);
    if (isTracked(custom)) this.tracks.mark(job.jid, "enqueued", now);
    return undefined;
  }

  /**
   * A FETCH is about to hand a job out. An expired job is dropped instead:
   * its lock ends and its batch counts it as run and failed.
   *
   * @returns False when the job expired and must not be handed out.
   */
  handOut(job: StoredJob, now: number): boolean {
    const custom = customOf(job);
    if (custom === undefined) return true;
    if (isExpired(custom, now)) {
      this.unique.dropped(job.jid);
      if (isTracked(custom)) this.tracks.mark(job.jid, "failed", now);
      this.#push(this.batches.failed(job, true, now), now);
      return false;
    }
    this.unique.started(job.jid);
    if (isTracked(custom)) this.tracks.mark(job.jid, "working", now);
    return true;
  }

  /** A reserved job was acknowledged. */
  acked(job: StoredJob, now: number): void {
    const custom = customOf(job);
    if (custom === undefined) return;
    this.unique.succeeded(job.jid);
    if (isTracked(custom)) this.tracks.mark(job.jid, "success", now);
    this.#push(this.batches.succeeded(job, now), now);
  }

  /**
   * A reserved job failed (FAIL or an expired reservation); `final` when no
   * retry follows.
   */
  failed(job: StoredJob, dead: boolean, final: boolean, now: number): void {
    const custom = customOf(job);
    if (custom === undefined) return;
    if (isTracked(custom)) {
      this.tracks.mark(job.jid, dead ? "dead" : "failed", now);
    }
    this.#push(this.batches.failed(job, final, now), now);
  }

  /** BATCH COMMIT; false for an unknown batch. */
  commit(bid: string, now: number): boolean {
    const callbacks = this.batches.commit(bid, now);
    if (callbacks === undefined) return false;
    this.#push(callbacks, now);
    return true;
  }

  /** The periodic tasks: ends stale locks, batches and tracks. */
  runTasks(now: number): void {
    this.unique.expire(now);
    this.#push(this.batches.expire(now), now);
    this.tracks.expire(now);
  }

  /**
   * Locks, batches and tracks held: the periodic tasks changed something
   * when this changed (they only drop things).
   */
  get size(): number {
    return this.unique.size + this.batches.size + this.tracks.size;
  }

  /** FLUSH: forgets everything. */
  flush(): void {
    this.unique.clear();
    this.batches.clear();
    this.tracks.clear();
  }

  #push(callbacks: readonly StoredJob[], now: number): void {
    for (const job of callbacks) {
      const custom = customOf(job);
      if (custom !== undefined && isTracked(custom)) {
        this.tracks.mark(job.jid, "enqueued", now);
      }
      this.place(job);
    }
  }
}
