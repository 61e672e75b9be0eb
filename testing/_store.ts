/**
 * The embedded server's data and its Faktory 1.8 semantics: queues, the
 * scheduled/retries/dead sets, reservations, workers and counters. No I/O
 * and no timers: every method that depends on time takes `now` (ms).
 *
 * @module
 */

import { reservationSeconds } from "../core/job.ts";

/** A job as stored: its fields, and its JSON cached until it changes. */
export class StoredJob {
  #json: string | undefined;
  #bytes: Uint8Array | undefined;
  fields: Record<string, unknown>;
  constructor(fields: Record<string, unknown>) {
    this.fields = goOrder(fields);
  }
  get jid(): string {
    return this.fields.jid as string;
  }
  get queue(): string {
    return this.fields.queue as string;
  }
  /** Changes fields; the cached JSON is rebuilt on next use. */
  update(changes: Record<string, unknown>): void {
    this.fields = goOrder({ ...this.fields, ...changes });
    this.#json = this.#bytes = undefined;
  }
  get json(): string {
    return this.#json ??= JSON.stringify(this.fields);
  }
  get bytes(): Uint8Array {
    return this.#bytes ??= encoder.encode(this.json);
  }
}

const encoder = new TextEncoder();
const FIELD_ORDER = [
  "jid",
  "queue",
  "jobtype",
  "args",
  "created_at",
  "enqueued_at",
  "at",
  "reserve_for",
  "retry",
  "backtrace",
  "failure",
  "custom",
];

/** Fields in the order Go marshals the server's Job struct, empty ones omitted. */
export function goOrder(job: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of FIELD_ORDER) {
    const v = job[key];
    if (v === undefined || v === null) continue;
    if (
      (key === "at" || key === "created_at" || key === "enqueued_at") &&
      v === ""
    ) continue;
    if ((key === "reserve_for" || key === "backtrace") && v === 0) continue;
    if (key === "custom" && Object.keys(v as object).length === 0) continue;
    out[key] = v;
  }
  return out;
}

/** An entry of a time-ordered set. */
export interface SetEntry {
  readonly at: number;
  readonly job: StoredJob;
}

/** A set ordered by time, like the Redis sorted sets Faktory uses. */
export class TimeSet {
  readonly entries: SetEntry[] = [];
  get size(): number {
    return this.entries.length;
  }
  add(at: number, job: StoredJob): void {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.at <= at) lo = mid + 1;
      else hi = mid;
    }
    this.entries.splice(lo, 0, { at, job });
  }
  /** Removes and returns the entries due at or before `now`. */
  takeDue(now: number): SetEntry[] {
    let n = 0;
    while (n < this.entries.length && this.entries[n]!.at <= now) n++;
    return this.entries.splice(0, n);
  }
  remove(entry: SetEntry): void {
    const i = this.entries.indexOf(entry);
    if (i !== -1) this.entries.splice(i, 1);
  }
  clear(): void {
    this.entries.length = 0;
  }
}

/** A FIFO queue with O(1) push and shift. */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  get size(): number {
    return this.#items.length - this.#head;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
  toArray(): T[] {
    return this.#items.slice(this.#head) as T[];
  }
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}

/** A job a worker fetched and has not yet acknowledged. */
export interface Reservation {
  readonly job: StoredJob;
  readonly wid: string;
  readonly reservedAt: number;
  readonly expiresAt: number;
}

/** A worker process known by its wid. */
export interface WorkerRecord {
  readonly wid: string;
  hostname: string;
  pid: number;
  labels: readonly string[];
  lastBeat: number;
  state: "running" | "quiet" | "terminate";
  currentState: string;
  rssKb: number | undefined;
  connections: number;
}

/** Counters of one periodic task, as INFO shows them. */
export interface TaskStats {
  cycles: number;
  enqueued: number;
  wall_time_sec: number;
}

/** The whole dataset of the embedded server. */
export class Store {
  readonly queues: Map<string, Fifo<StoredJob>> = new Map();
  readonly paused: Set<string> = new Set();
  readonly scheduled: TimeSet = new TimeSet();
  readonly retries: TimeSet = new TimeSet();
  readonly dead: TimeSet = new TimeSet();
  readonly working: Map<string, Reservation> = new Map();
  readonly workers: Map<string, WorkerRecord> = new Map();
  processed = 0;
  failures = 0;
  busyReaped = 0;
  workersReaped = 0;
  readonly tasks: Record<"Scheduled" | "Retries" | "Dead", TaskStats> = {
    Scheduled: { cycles: 0, enqueued: 0, wall_time_sec: 0 },
    Retries: { cycles: 0, enqueued: 0, wall_time_sec: 0 },
    Dead: { cycles: 0, enqueued: 0, wall_time_sec: 0 },
  };

  queue(name: string): Fifo<StoredJob> {
    let q = this.queues.get(name);
    if (!q) this.queues.set(name, q = new Fifo());
    return q;
  }

  /** Takes the first job from the first non-empty, unpaused queue. */
  pop(queues: readonly string[]): StoredJob | undefined {
    for (const name of queues) {
      if (this.paused.has(name)) continue;
      const job = this.queues.get(name)?.shift();
      if (job) return job;
    }
    return undefined;
  }

  reserve(job: StoredJob, wid: string, now: number): void {
    const secs = reservationSeconds(
      job.fields.reserve_for as number | undefined,
    );
    this.working.set(job.jid, {
      job,
      wid,
      reservedAt: now,
      expiresAt: now + secs * 1000,
    });
  }

  /** ACK: only the reserving worker clears a reservation; unknown jids are fine. */
  ack(jid: string, wid: string): void {
    const res = this.working.get(jid);
    if (!res || res.wid !== wid) return;
    this.working.delete(jid);
    this.processed++;
  }

  /**
   * FAIL: applies Faktory's retry policy. Returns false when the job is not
   * reserved by this worker.
   */
  fail(
    jid: string,
    wid: string | undefined,
    failure: { errtype: string; message: string; backtrace: string[] },
    now: number,
    random: () => number,
  ): boolean {
    const res = this.working.get(jid);
    if (!res || (wid !== undefined && res.wid !== wid)) return false;
    // Work out everything first, so nothing changes when something throws.
    const job = res.job;
    const retry = job.fields.retry as number;
    const previous = job.fields.failure as Record<string, unknown> | undefined;
    const count = previous ? Number(previous.retry_count) + 1 : 0;
    const remaining = previous
      ? Math.max(Number(previous.retry_remaining) - 1, 0)
      : retry;
    const record: Record<string, unknown> = {
      retry_count: count,
      retry_remaining: remaining,
      failed_at: previous?.failed_at ?? iso(now),
      message: failure.message,
      errtype: failure.errtype,
      backtrace: failure.backtrace,
    };
    let apply: () => void = () => {}; // retry 0: ephemeral, gone
    if (retry !== 0 && count < retry) {
      const at = nextRetry(now, count, random);
      record.next_at = iso(at);
      apply = () => {
        job.update({ failure: orderFailure(record) });
        this.retries.add(at, job);
      };
    } else if (retry !== 0) {
      apply = () => {
        job.update({ failure: orderFailure(record) });
        this.dead.add(now, job);
      };
    }
    apply();
    this.working.delete(jid);
    this.processed++;
    this.failures++;
    return true;
  }

  /** Moves due scheduled and retry jobs to their queues; returns them. */
  promote(now: number): StoredJob[] {
    const moved: StoredJob[] = [];
    for (
      const [name, set] of [["Scheduled", this.scheduled], [
        "Retries",
        this.retries,
      ]] as const
    ) {
      const due = set.takeDue(now);
      const stats = this.tasks[name];
      stats.cycles++;
      stats.enqueued += due.length;
      for (const { job } of due) moved.push(job);
    }
    this.tasks.Dead.cycles++;
    return moved;
  }

  /** Fails reservations past their deadline as ReservationExpired. */
  expire(now: number, random: () => number): number {
    let n = 0;
    for (const res of [...this.working.values()]) {
      if (res.expiresAt > now) continue;
      this.fail(
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
      n++;
    }
    this.busyReaped += n;
    return n;
  }

  /** Forgets workers whose last heartbeat is older than `timeout` ms. */
  reapWorkers(now: number, timeout: number): number {
    let n = 0;
    for (const [wid, w] of this.workers) {
      if (now - w.lastBeat > timeout) {
        this.workers.delete(wid);
        n++;
      }
    }
    this.workersReaped += n;
    return n;
  }

  flush(): void {
    // Like the real server, known queue names survive a FLUSH (emptied).
    for (const q of this.queues.values()) q.clear();
    this.paused.clear();
    this.scheduled.clear();
    this.retries.clear();
    this.dead.clear();
    this.working.clear();
    this.processed = this.failures = 0;
  }

  /** The target set of MUTATE, or undefined for an invalid target. */
  set(target: unknown): TimeSet | undefined {
    return target === "scheduled"
      ? this.scheduled
      : target === "retries"
      ? this.retries
      : target === "dead"
      ? this.dead
      : undefined;
  }
}

function orderFailure(f: Record<string, unknown>): Record<string, unknown> {
  const order = [
    "retry_count",
    "retry_remaining",
    "failed_at",
    "next_at",
    "message",
    "errtype",
    "backtrace",
  ];
  const out: Record<string, unknown> = {};
  for (const k of order) if (f[k] !== undefined) out[k] = f[k];
  return out;
}

const NS_PER_SEC = 1_000_000_000n;

/**
 * When a job that failed `count` times before runs again, in ms. Faktory
 * computes `count^4 + 15 + rand(30) * (count + 1)` seconds in Go's int64 and
 * multiplies by time.Second, which wraps around silently for large counts;
 * this does the same arithmetic, so the result is always within about 292
 * years of `now` (possibly in the past, as on Faktory), never an invalid date.
 */
export function nextRetry(
  now: number,
  count: number,
  random: () => number,
): number {
  const c = BigInt(Math.max(0, Math.min(Math.trunc(count), 2 ** 53)));
  const jitter = BigInt(Math.floor(random() * 30));
  const secs = BigInt.asIntN(64, c ** 4n + 15n + jitter * (c + 1n));
  const ns = BigInt.asIntN(64, secs * NS_PER_SEC);
  return now + Number(ns / 1_000_000n);
}

/** RFC 3339 UTC text of a time in ms. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
