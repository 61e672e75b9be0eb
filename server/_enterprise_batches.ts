/**
 * Batches as Faktory Enterprise keeps them: counters of the jobs pushed with
 * custom `bid`, child batches, and the complete and success callbacks, each
 * pushed at most once.
 *
 * A batch is complete once it is committed, none of its jobs is pending (has
 * not run once) and every child batch has finished its complete stage; its
 * complete callback is then pushed, and the stage finishes when that job is
 * acknowledged, or fails for good (dead or discarded: its state stays "1"),
 * at once when there is no complete callback. The success stage also needs
 * no failed job, a finished complete stage and every child's success stage
 * finished. A batch left uncommitted is dropped 30 minutes after its
 * creation, without callbacks.
 *
 * Each batch keeps whether its stages finished and how many of its children
 * have not, so a change is carried up the parents only as far as it changes
 * something: settling a chain of nested batches costs its length once.
 *
 * Every method that may fire callbacks returns the callback jobs to push.
 *
 * @module
 */

import type { BatchStatus, CallbackState } from "../core/results.ts";
import { sortedObject } from "./_go_json.ts";
import { normalizeJob } from "./_job_payload.ts";
import { isoSeconds, type StoredJob } from "./_stored_job.ts";

/** How long an uncommitted batch lives after its creation, in ms. */
export const BATCH_TTL: number = 30 * 60_000;

/** The callbacks of a batch. */
export type CallbackKind = "complete" | "success";

/** A batch as BATCH NEW describes it, checked. */
export interface BatchSpec {
  readonly description: string;
  readonly parentBid: string | undefined;
  /** The callback jobs as given, with a jid. */
  readonly complete: Record<string, unknown> | undefined;
  readonly success: Record<string, unknown> | undefined;
}

/** A batch with its counters and callback states. */
export interface Batch {
  readonly bid: string;
  readonly spec: BatchSpec;
  readonly createdAt: number;
  readonly children: Set<string>;
  committed: boolean;
  total: number;
  pending: number;
  failed: number;
  completeSt: CallbackState;
  successSt: CallbackState;
  /** The callback job of a stage failed for good: the stage is over. */
  completeGone: boolean;
  successGone: boolean;
  /** Whether a stage finished, as the parent last counted it. */
  completeDone: boolean;
  successDone: boolean;
  /** Children whose complete, or success, stage has not finished. */
  openComplete: number;
  openSuccess: number;
}

/** Where a batch job stands: not run yet, last run failed, succeeded. */
export type JobState = "pending" | "failed" | "done";

/** A job of a batch. */
export interface Member {
  readonly bid: string;
  state: JobState;
}

/** A callback job of a batch. */
export interface CallbackRef {
  readonly bid: string;
  readonly kind: CallbackKind;
}

const BID_CHARS =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** A batch id: `b-` and 14 URL-safe characters. */
function newBid(random: () => number): string {
  let bid = "b-";
  for (let i = 0; i < 14; i++) {
    bid += BID_CHARS[Math.floor(random() * BID_CHARS.length)];
  }
  return bid;
}

/** The batch a job was pushed into, from its custom `bid`. */
export function bidOf(custom: Record<string, unknown>): string | undefined {
  const bid = custom.bid;
  return typeof bid === "string" && bid !== "" ? bid : undefined;
}

/** The batches of the embedded server. */
export class Batches {
  readonly #batches = new Map<string, Batch>();
  // Keyed by the stored job, which stays the same object through retries.
  #members = new WeakMap<StoredJob, Member>();
  #callbacks = new WeakMap<StoredJob, CallbackRef>();

  constructor(
    readonly random: () => number,
    readonly defaultRetry: number,
  ) {}

  has(bid: string): boolean {
    return this.#batches.has(bid);
  }

  /** BATCH NEW: creates a batch under its parent, if any; returns its bid. */
  create(spec: BatchSpec, now: number): string {
    let bid = newBid(this.random);
    while (this.#batches.has(bid)) bid = newBid(this.random);
    this.#batches.set(bid, {
      bid,
      spec,
      createdAt: now,
      children: new Set(),
      committed: false,
      total: 0,
      pending: 0,
      failed: 0,
      completeSt: "",
      successSt: "",
      completeGone: false,
      successGone: false,
      completeDone: false,
      successDone: false,
      openComplete: 0,
      openSuccess: 0,
    });
    const parent = spec.parentBid === undefined
      ? undefined
      : this.#batches.get(spec.parentBid);
    if (parent !== undefined) {
      parent.children.add(bid);
      parent.openComplete++;
      parent.openSuccess++;
      this.#settle(parent, now); // a new child only holds callbacks back
    }
    return bid;
  }

  /**
   * BATCH COMMIT: marks the batch committed and pushes the callbacks that
   * are due.
   *
   * @returns The callback jobs to push, or undefined for an unknown batch.
   */
  commit(bid: string, now: number): StoredJob[] | undefined {
    const batch = this.#batches.get(bid);
    if (batch === undefined) return undefined;
    batch.committed = true;
    return this.#settle(batch, now);
  }

  /** BATCH STATUS of one batch. */
  status(bid: string): BatchStatus | undefined {
    const batch = this.#batches.get(bid);
    return batch && statusOf(batch);
  }

  /** BATCH STATUS of every batch, oldest first. */
  list(): BatchStatus[] {
    return [...this.#batches.values()].map(statusOf);
  }

  // ---- the jobs of a batch ----

  /** The refusal of a push into a batch that does not exist. */
  refuses(custom: Record<string, unknown>): string | undefined {
    const bid = bidOf(custom);
    return bid === undefined || this.#batches.has(bid)
      ? undefined
      : `no such batch ${bid}`;
  }

  /** A job joined its batch (checked by {@linkcode Batches.refuses}). */
  added(job: StoredJob, custom: Record<string, unknown>): void {
    const bid = bidOf(custom);
    const batch = bid === undefined ? undefined : this.#batches.get(bid);
    if (batch === undefined) return;
    batch.total++;
    batch.pending++;
    this.#members.set(job, { bid: batch.bid, state: "pending" });
  }

  /** ACK of a batch job or a callback job. */
  succeeded(job: StoredJob, now: number): StoredJob[] {
    const callback = this.#callbacks.get(job);
    if (callback !== undefined) {
      const batch = this.#batches.get(callback.bid);
      if (batch === undefined) return [];
      if (callback.kind === "complete") batch.completeSt = "2";
      else batch.successSt = "2";
      this.#callbacks.delete(job);
      return this.#settle(batch, now);
    }
    const member = this.#members.get(job);
    const batch = member && this.#batches.get(member.bid);
    if (member === undefined || batch === undefined) return [];
    if (member.state === "pending") batch.pending--;
    else if (member.state === "failed") batch.failed--;
    member.state = "done";
    return this.#settle(batch, now);
  }

  /**
   * A batch job ran and failed (FAIL, an expired reservation, or it expired
   * before it ran): its first failure moves it from pending to failed. A
   * callback job that fails for good (`final`: dead, discarded or expired)
   * ends its stage.
   */
  failed(job: StoredJob, final: boolean, now: number): StoredJob[] {
    const callback = this.#callbacks.get(job);
    if (callback !== undefined) {
      const batch = this.#batches.get(callback.bid);
      if (!final || batch === undefined) return [];
      if (callback.kind === "complete") batch.completeGone = true;
      else batch.successGone = true;
      return this.#settle(batch, now);
    }
    const member = this.#members.get(job);
    const batch = member && this.#batches.get(member.bid);
    if (member === undefined || batch === undefined) return [];
    if (member.state !== "pending") return [];
    batch.pending--;
    batch.failed++;
    member.state = "failed";
    return this.#settle(batch, now);
  }

  /** Drops batches left uncommitted for {@linkcode BATCH_TTL}. */
  expire(now: number): StoredJob[] {
    const out: StoredJob[] = [];
    for (const batch of [...this.#batches.values()]) {
      if (batch.committed || batch.createdAt + BATCH_TTL > now) continue;
      this.#batches.delete(batch.bid);
      const parent = this.#parent(batch);
      if (parent === undefined) continue;
      parent.children.delete(batch.bid);
      if (!batch.completeDone) parent.openComplete--;
      if (!batch.successDone) parent.openSuccess--;
      out.push(...this.#settle(parent, now));
    }
    return out;
  }

  clear(): void {
    this.#batches.clear();
    this.#members = new WeakMap();
    this.#callbacks = new WeakMap();
  }

  // ---- data files ----

  /** Batches held right now. */
  get size(): number {
    return this.#batches.size;
  }

  /** The batches, oldest first, by reference: read them before any change. */
  data(): Batch[] {
    return [...this.#batches.values()];
  }

  /** A job's place in a batch: as one of its jobs, or as its callback. */
  roleOf(job: StoredJob): { member?: Member; callback?: CallbackRef } {
    const member = this.#members.get(job);
    const callback = this.#callbacks.get(job);
    return { ...(member && { member }), ...(callback && { callback }) };
  }

  /** Replaces the batches with what a data file kept. */
  load(batches: readonly Batch[]): void {
    this.clear();
    for (const batch of batches) this.#batches.set(batch.bid, batch);
  }

  /** Gives a job loaded from a data file its place in a batch back. */
  assign(
    job: StoredJob,
    role: { member?: Member; callback?: CallbackRef },
  ): void {
    if (role.member) this.#members.set(job, { ...role.member });
    if (role.callback) this.#callbacks.set(job, role.callback);
  }

  // ---- callbacks ----

  #parent(batch: Batch): Batch | undefined {
    const bid = batch.spec.parentBid;
    return bid === undefined ? undefined : this.#batches.get(bid);
  }

  /** Committed, nothing pending, every child's complete stage finished. */
  #complete(b: Batch): boolean {
    return b.committed && b.pending === 0 && b.openComplete === 0;
  }

  #completeFinished(b: Batch): boolean {
    return b.spec.complete !== undefined
      ? b.completeSt === "2" || b.completeGone
      : this.#complete(b);
  }

  /** Complete, no failure, every child's success stage finished. */
  #successReady(b: Batch): boolean {
    return b.committed && b.pending === 0 && b.failed === 0 &&
      this.#completeFinished(b) && b.openSuccess === 0;
  }

  #successFinished(b: Batch): boolean {
    return b.spec.success !== undefined
      ? b.successSt === "2" || b.successGone
      : this.#successReady(b);
  }

  /**
   * Pushes the callbacks now due of a batch, and carries the change of its
   * stages up to its parent, and on while something changes.
   */
  #settle(batch: Batch, now: number): StoredJob[] {
    const out: StoredJob[] = [];
    for (let b: Batch | undefined = batch; b;) {
      if (
        b.spec.complete !== undefined && b.completeSt === "" &&
        this.#complete(b)
      ) {
        b.completeSt = "1";
        this.#fire(b, "complete", now, out);
      }
      if (
        b.spec.success !== undefined && b.successSt === "" &&
        this.#successReady(b)
      ) {
        b.successSt = "1";
        this.#fire(b, "success", now, out);
      }
      const complete = this.#completeFinished(b);
      const success = this.#successFinished(b);
      if (complete === b.completeDone && success === b.successDone) break;
      const parent = this.#parent(b);
      if (parent !== undefined) {
        parent.openComplete += Number(b.completeDone) - Number(complete);
        parent.openSuccess += Number(b.successDone) - Number(success);
      }
      b.completeDone = complete;
      b.successDone = success;
      b = parent;
    }
    return out;
  }

  /**
   * Makes a callback job: the job as given, with custom `_bid`, `_cb` and
   * (for a child batch) `_pbid` added and `bid` removed.
   */
  #fire(batch: Batch, kind: CallbackKind, now: number, out: StoredJob[]) {
    const given = batch.spec[kind]!;
    const custom: Record<string, unknown> = {
      ...(given.custom as Record<string, unknown> | null | undefined),
      _bid: batch.bid,
      _cb: kind,
    };
    delete custom.bid;
    if (batch.spec.parentBid !== undefined) {
      custom._pbid = batch.spec.parentBid;
    }
    const job = normalizeJob(
      { ...given, custom: sortedObject(Object.entries(custom)) },
      now,
      this.defaultRetry,
    );
    if (typeof job === "string") return; // checked by BATCH NEW
    this.#callbacks.set(job, { bid: batch.bid, kind });
    out.push(job);
  }
}

function statusOf(batch: Batch): BatchStatus {
  const { parentBid } = batch.spec;
  return {
    bid: batch.bid,
    total: batch.total,
    pending: batch.pending,
    failed: batch.failed,
    created_at: isoSeconds(batch.createdAt),
    description: batch.spec.description,
    ...(parentBid === undefined ? {} : { parent_bid: parentBid }),
    complete_st: batch.completeSt,
    success_st: batch.successSt,
  };
}
