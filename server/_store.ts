/**
 * The embedded server's data and its Faktory 1.8 semantics: queues, the
 * scheduled/retries/dead sets, reservations and counters: what Faktory
 * keeps in its storage (workers live in memory, see _workers.ts). No I/O
 * and no timers: every method that depends on time takes `now` (ms). The
 * data is private: everything else works through these methods.
 *
 * @module
 */

import { reservationSeconds } from "../core/job.ts";
import { Fifo, TimeSet } from "./_collections.ts";
import { nextRetry, orderFailure } from "./_retry.ts";
import { iso, type StoredJob } from "./_stored_job.ts";
import type {
  Failed,
  Mutation,
  Reservation,
  SetName,
  StoreData,
  StoreStats,
  TaskStats,
} from "./_store_types.ts";

export type {
  Failed,
  Mutation,
  Reservation,
  SetName,
  StoreData,
  StoreStats,
  TaskStats,
};

/** The whole dataset of the embedded server. */
export class Store {
  readonly #queues = new Map<string, Fifo<StoredJob>>();
  readonly #paused = new Set<string>();
  readonly #sets: Record<SetName, TimeSet> = {
    scheduled: new TimeSet(),
    retries: new TimeSet(),
    dead: new TimeSet(),
  };
  readonly #working = new Map<string, Reservation>();
  #processed = 0;
  #failures = 0;
  #busyReaped = 0;
  readonly #tasks: Record<"Scheduled" | "Retries" | "Dead", TaskStats> = {
    Scheduled: { cycles: 0, enqueued: 0, wall_time_sec: 0 },
    Retries: { cycles: 0, enqueued: 0, wall_time_sec: 0 },
    Dead: { cycles: 0, enqueued: 0, wall_time_sec: 0 },
  };

  // ---- queues ----

  /** Appends a job to its queue (creating the queue). */
  push(job: StoredJob): void {
    let q = this.#queues.get(job.queue);
    if (!q) this.#queues.set(job.queue, q = new Fifo());
    q.push(job);
  }

  /** Takes the first job from the first non-empty, unpaused queue. */
  pop(queues: readonly string[]): StoredJob | undefined {
    for (const name of queues) {
      if (this.#paused.has(name)) continue;
      const job = this.#queues.get(name)?.shift();
      if (job) return job;
    }
    return undefined;
  }

  isPaused(queue: string): boolean {
    return this.#paused.has(queue);
  }

  /** QUEUE PAUSE: known queues when `names` holds `*`. */
  pause(names: readonly string[]): void {
    for (const q of this.#targets(names)) this.#paused.add(q);
  }

  /** QUEUE RESUME: every paused queue when `names` holds `*`. */
  resume(names: readonly string[]): void {
    const all = names.includes("*");
    for (const q of all ? [...this.#paused] : this.#targets(names)) {
      this.#paused.delete(q);
    }
  }

  /** QUEUE REMOVE: drops queues and their jobs; every queue for `*`. */
  remove(names: readonly string[]): void {
    for (const q of this.#targets(names)) {
      this.#queues.delete(q);
      this.#paused.delete(q);
    }
  }

  #targets(names: readonly string[]): string[] {
    return names.includes("*")
      ? [...this.#queues.keys()]
      : names.filter((n) => n !== "");
  }

  /** The jobs waiting in a queue, oldest first. */
  queueJobs(name: string): StoredJob[] {
    return this.#queues.get(name)?.toArray() ?? [];
  }

  /** Every known queue with its size, in the order they were created. */
  queueSizes(): [name: string, size: number][] {
    return [...this.#queues].map(([name, q]) => [name, q.size]);
  }

  // ---- sets ----

  /** Puts a job in the scheduled set, due at `at`. */
  schedule(at: number, job: StoredJob): void {
    this.#sets.scheduled.add(at, job);
  }

  /** The jobs of a set, soonest first. */
  setJobs(name: SetName): StoredJob[] {
    return this.#sets[name].entries.map((e) => e.job);
  }

  /** Whether `target` names a set MUTATE can work on. */
  isSet(target: unknown): target is SetName {
    return target === "scheduled" || target === "retries" ||
      target === "dead";
  }

  /**
   * MUTATE on a set: `clear` empties it; the others act on the entries that
   * match (kill moves them to the dead set, discard drops them, requeue
   * takes them out).
   *
   * @returns The jobs to put back on their queues (for requeue).
   */
  mutate(
    op: Mutation,
    name: SetName,
    match: (job: StoredJob) => boolean,
    now: number,
  ): StoredJob[] {
    const set = this.#sets[name];
    if (op === "clear") {
      set.clear();
      return [];
    }
    const requeue: StoredJob[] = [];
    for (const entry of set.entries.filter((e) => match(e.job))) {
      set.remove(entry);
      if (op === "kill") this.#sets.dead.add(now, entry.job);
      else if (op === "requeue") requeue.push(entry.job);
    }
    return requeue;
  }

  // ---- reservations ----

  reserve(job: StoredJob, wid: string, now: number): void {
    const secs = reservationSeconds(
      job.fields.reserve_for as number | undefined,
    );
    this.#working.set(job.jid, {
      job,
      wid,
      reservedAt: now,
      expiresAt: now + secs * 1000,
    });
  }

  /** Reserved jobs: fetched and neither acknowledged nor failed. */
  reservations(): Reservation[] {
    return [...this.#working.values()];
  }

  /**
   * Moves a reservation's deadline to `until` when that is later; a
   * reservation is never shortened.
   */
  extend(jid: string, until: number): void {
    const res = this.#working.get(jid);
    if (res && until > res.expiresAt) {
      this.#working.set(jid, { ...res, expiresAt: until });
    }
  }

  /**
   * ACK: only the reserving worker clears a reservation; unknown jids are
   * fine.
   *
   * @returns The acknowledged job, or undefined when nothing was reserved.
   */
  ack(jid: string, wid: string): StoredJob | undefined {
    const res = this.#working.get(jid);
    if (!res || res.wid !== wid) return undefined;
    this.#working.delete(jid);
    this.#processed++;
    return res.job;
  }

  /**
   * FAIL: applies Faktory's retry policy.
   *
   * @returns What became of the job, or undefined when it is not reserved
   * by this worker.
   */
  fail(
    jid: string,
    wid: string | undefined,
    failure: { errtype: string; message: string; backtrace: string[] },
    now: number,
    random: () => number,
  ): Failed | undefined {
    const res = this.#working.get(jid);
    if (!res || (wid !== undefined && res.wid !== wid)) return undefined;
    // Work out everything first, so nothing changes when something throws.
    const job = res.job;
    const retry = job.fields.retry as number;
    const previous = job.fields.failure as Record<string, unknown> | undefined;
    const count = previous ? Number(previous.retry_count) + 1 : 0;
    const remaining = previous
      ? Math.max((Number(previous.remaining) || 0) - 1, 0)
      : retry;
    const record: Record<string, unknown> = {
      retry_count: count,
      remaining,
      failed_at: previous?.failed_at ?? iso(now),
      message: failure.message,
      errtype: failure.errtype,
      backtrace: failure.backtrace,
    };
    let apply: () => void = () => {}; // retry 0: ephemeral, gone
    let dead = false;
    if (retry !== 0 && count < retry) {
      const at = nextRetry(now, count, random);
      record.next_at = iso(at);
      apply = () => {
        job.update({ failure: orderFailure(record) });
        this.#sets.retries.add(at, job);
      };
    } else if (retry !== 0) {
      dead = true;
      apply = () => {
        job.update({ failure: orderFailure(record) });
        this.#sets.dead.add(now, job);
      };
    }
    apply();
    this.#working.delete(jid);
    this.#processed++;
    this.#failures++;
    return { job, dead, final: dead || retry === 0 };
  }

  // ---- periodic tasks ----

  /** Moves due scheduled and retry jobs to their queues; returns them. */
  promote(now: number): StoredJob[] {
    const moved: StoredJob[] = [];
    for (
      const [name, set] of [
        ["Scheduled", this.#sets.scheduled],
        ["Retries", this.#sets.retries],
      ] as const
    ) {
      const due = set.takeDue(now);
      const stats = this.#tasks[name];
      stats.cycles++;
      stats.enqueued += due.length;
      for (const { job } of due) moved.push(job);
    }
    this.#tasks.Dead.cycles++;
    return moved;
  }

  /**
   * Fails reservations past their deadline as ReservationExpired.
   *
   * @returns What became of each of those jobs.
   */
  expire(now: number, random: () => number): Failed[] {
    const failed: Failed[] = [];
    for (const res of [...this.#working.values()]) {
      if (res.expiresAt > now) continue;
      const outcome = this.fail(
        res.job.jid,
        res.wid,
        {
          errtype: "ReservationExpired",
          message: "Faktory job reservation expired",
          backtrace: [],
        },
        now,
        random,
      );
      if (outcome) failed.push(outcome);
    }
    this.#busyReaped += failed.length;
    return failed;
  }

  // ---- everything ----

  flush(): void {
    // Like the real server, known queue names survive a FLUSH (emptied).
    for (const q of this.#queues.values()) q.clear();
    this.#paused.clear();
    for (const set of Object.values(this.#sets)) set.clear();
    this.#working.clear();
    this.#processed = this.#failures = 0;
  }

  /** The data a data file keeps, by reference: read it before any change. */
  data(): StoreData {
    return {
      queues: [...this.#queues].map(([name, q]) => [name, q.toArray()]),
      paused: [...this.#paused],
      sets: this.#sets,
      reservations: [...this.#working.values()],
      processed: this.#processed,
      failures: this.#failures,
    };
  }

  /** Replaces the data with what a data file kept. */
  load(data: StoreData): void {
    this.flush();
    this.#queues.clear();
    for (const [name, jobs] of data.queues) {
      this.#queues.set(name, new Fifo());
      for (const job of jobs) this.#queues.get(name)!.push(job);
    }
    for (const name of data.paused) this.#paused.add(name);
    for (const [name, set] of Object.entries(this.#sets)) {
      for (const e of data.sets[name as SetName].entries) set.add(e.at, e.job);
    }
    for (const r of data.reservations) this.#working.set(r.job.jid, r);
    this.#processed = data.processed;
    this.#failures = data.failures;
  }

  /** Sizes and counters for INFO. */
  stats(): StoreStats {
    const queues = this.queueSizes();
    return {
      queues,
      enqueued: queues.reduce((n, [, size]) => n + size, 0),
      busy: this.#working.size,
      busyReaped: this.#busyReaped,
      sets: {
        Scheduled: this.#sets.scheduled.size,
        Retries: this.#sets.retries.size,
        Dead: this.#sets.dead.size,
      },
      tasks: this.#tasks,
      processed: this.#processed,
      failures: this.#failures,
    };
  }
}
