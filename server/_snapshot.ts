/**
 * What a data file keeps of the embedded server, as a JSON-able value: the
 * queues, scheduled jobs, retries, dead jobs, reservations, paused queues,
 * the processed and failed counters, and the Enterprise state (batches,
 * unique locks, tracking). Workers are left out: Faktory keeps them in
 * memory too. Capture and apply only, no I/O; a value read from a file is
 * checked by _snapshot_parse.ts first.
 *
 * @module
 */

import type { CallbackState } from "../core/results.ts";
import type { Enterprise } from "./_enterprise.ts";
import type {
  CallbackKind,
  CallbackRef,
  JobState,
  Member,
} from "./_enterprise_batches.ts";
import type { TrackState } from "./_enterprise_tracking.ts";
import type { ServerState } from "./_server_state.ts";
import { StoredJob } from "./_stored_job.ts";

/** A stored job, with its place in a batch (Enterprise). */
export interface JobEntry {
  /** The job's fields, as FETCH sends them. */
  readonly job: Record<string, unknown>;
  /** The batch the job belongs to, and where it stands in it. */
  readonly batch?: { readonly bid: string; readonly state: JobState };
  /** The batch whose callback the job is. */
  readonly callback?: { readonly bid: string; readonly kind: CallbackKind };
}

/** A job of the scheduled, retries or dead set, with its time (ms). */
export interface TimedEntry extends JobEntry {
  readonly at: number;
}

/** A reserved job: its worker and when the reservation started and ends (ms). */
export interface ReservationEntry extends JobEntry {
  readonly wid: string;
  readonly reservedAt: number;
  readonly expiresAt: number;
}

/** A batch (times in ms). */
export interface BatchEntry {
  readonly bid: string;
  readonly description: string;
  readonly parentBid?: string;
  readonly complete?: Record<string, unknown>;
  readonly success?: Record<string, unknown>;
  readonly createdAt: number;
  readonly children: readonly string[];
  readonly committed: boolean;
  readonly total: number;
  readonly pending: number;
  readonly failed: number;
  readonly completeSt: CallbackState;
  readonly successSt: CallbackState;
  /** The callback job of a stage failed for good. */
  readonly completeGone: boolean;
  readonly successGone: boolean;
  /** Whether a stage finished, as the parent last counted it. */
  readonly completeDone: boolean;
  readonly successDone: boolean;
  /** Children whose complete, or success, stage has not finished. */
  readonly openComplete: number;
  readonly openSuccess: number;
}

/** A unique lock on a key (jobtype, queue and arguments). */
export interface LockEntry {
  readonly key: string;
  readonly jid: string;
  readonly expiresAt: number;
  readonly untilStart: boolean;
}

/** A job's tracking record. */
export interface TrackEntry {
  readonly jid: string;
  readonly state: TrackState;
  readonly percent?: number;
  readonly desc?: string;
  readonly updatedAt: number;
}

/** The Enterprise state. */
export interface EnterpriseSnapshot {
  readonly batches: readonly BatchEntry[];
  readonly locks: readonly LockEntry[];
  /** The lock key each job holds. */
  readonly owners: readonly { readonly jid: string; readonly key: string }[];
  readonly tracks: readonly TrackEntry[];
}

/** Everything a data file keeps; queues and sets in their order. */
export interface Snapshot {
  readonly queues: readonly {
    readonly name: string;
    readonly jobs: readonly JobEntry[];
  }[];
  readonly paused: readonly string[];
  readonly scheduled: readonly TimedEntry[];
  readonly retries: readonly TimedEntry[];
  readonly dead: readonly TimedEntry[];
  readonly reservations: readonly ReservationEntry[];
  readonly processed: number;
  readonly failures: number;
  /** Present when the server emulates Enterprise. */
  readonly enterprise?: EnterpriseSnapshot;
}

/** JSON has no infinity: a lock that never ends is kept as the largest number. */
const finite = (ms: number): number => Math.min(ms, Number.MAX_VALUE);

/**
 * The state as a JSON-able value. It shares the jobs' fields with the
 * state: serialize it before anything changes.
 */
export function captureSnapshot(state: ServerState): Snapshot {
  const ent = state.enterprise;
  const batches = ent?.batches.data() ?? [];
  const bids = new Set(batches.map((b) => b.bid));
  const entry = (job: StoredJob): JobEntry => {
    const role = ent?.batches.roleOf(job) ?? {};
    const { member, callback } = role;
    return {
      job: job.fields,
      ...(member && bids.has(member.bid) &&
        { batch: { bid: member.bid, state: member.state } }),
      ...(callback && bids.has(callback.bid) &&
        { callback: { bid: callback.bid, kind: callback.kind } }),
    };
  };
  const data = state.store.data();
  const timed = (set: "scheduled" | "retries" | "dead"): TimedEntry[] =>
    data.sets[set].entries.map((e) => ({ at: e.at, ...entry(e.job) }));
  return {
    queues: data.queues.map(([name, jobs]) => ({
      name,
      jobs: jobs.map(entry),
    })),
    paused: [...data.paused],
    scheduled: timed("scheduled"),
    retries: timed("retries"),
    dead: timed("dead"),
    reservations: data.reservations.map((r) => ({
      wid: r.wid,
      reservedAt: r.reservedAt,
      expiresAt: r.expiresAt,
      ...entry(r.job),
    })),
    processed: data.processed,
    failures: data.failures,
    ...(ent && { enterprise: captureEnterprise(ent) }),
  };
}

function captureEnterprise(ent: Enterprise): EnterpriseSnapshot {
  const unique = ent.unique.data();
  return {
    batches: ent.batches.data().map(({ spec, children, ...state }) => ({
      ...state,
      description: spec.description,
      ...(spec.parentBid !== undefined && { parentBid: spec.parentBid }),
      ...(spec.complete && { complete: spec.complete }),
      ...(spec.success && { success: spec.success }),
      children: [...children],
    })),
    locks: unique.locks.map(([key, lock]) => ({
      key,
      jid: lock.jid,
      expiresAt: finite(lock.expiresAt),
      untilStart: lock.untilStart,
    })),
    owners: unique.owned.map(([jid, key]) => ({ jid, key })),
    tracks: ent.tracks.data().map(([jid, r]) => ({
      jid,
      state: r.state,
      ...(r.percent !== undefined && { percent: r.percent }),
      ...(r.desc !== undefined && { desc: r.desc }),
      updatedAt: r.updatedAt,
    })),
  };
}

/** Whether a snapshot holds Enterprise state. */
export function holdsEnterprise(snapshot: Snapshot): boolean {
  const e = snapshot.enterprise;
  return e !== undefined &&
    e.batches.length + e.locks.length + e.owners.length + e.tracks.length > 0;
}

/**
 * Replaces the state's data with a snapshot's (checked by
 * {@linkcode parseSnapshot}); changes nothing when it throws.
 *
 * @throws {Error} When the snapshot holds Enterprise state and the server
 * does not emulate Enterprise.
 */
export function applySnapshot(state: ServerState, snapshot: Snapshot): void {
  const ent = state.enterprise;
  if (ent === undefined && holdsEnterprise(snapshot)) {
    throw new Error(
      "it holds Enterprise state (batches, unique locks or tracking): start the server with enterprise: true",
    );
  }
  if (ent !== undefined) loadEnterprise(ent, snapshot.enterprise);
  const job = (e: JobEntry): StoredJob => {
    const stored = new StoredJob(e.job);
    const member: Member | undefined = e.batch && { ...e.batch };
    const callback: CallbackRef | undefined = e.callback && { ...e.callback };
    ent?.batches.assign(stored, {
      ...(member && { member }),
      ...(callback && { callback }),
    });
    return stored;
  };
  const timed = (entries: readonly TimedEntry[]) => ({
    entries: entries.map((e) => ({ at: e.at, job: job(e) })),
  });
  state.store.load({
    queues: snapshot.queues.map((q) => [q.name, q.jobs.map(job)]),
    paused: snapshot.paused,
    sets: {
      scheduled: timed(snapshot.scheduled),
      retries: timed(snapshot.retries),
      dead: timed(snapshot.dead),
    },
    reservations: snapshot.reservations.map((r) => ({
      job: job(r),
      wid: r.wid,
      reservedAt: r.reservedAt,
      expiresAt: r.expiresAt,
    })),
    processed: snapshot.processed,
    failures: snapshot.failures,
  });
}

function loadEnterprise(ent: Enterprise, e: EnterpriseSnapshot | undefined) {
  ent.batches.load(
    (e?.batches ?? []).map((
      { description, parentBid, complete, success, children, ...state },
    ) => ({
      ...state,
      spec: { description, parentBid, complete, success },
      children: new Set(children),
    })),
  );
  ent.unique.load({
    locks: (e?.locks ?? []).map((l) => [l.key, {
      jid: l.jid,
      expiresAt: l.expiresAt,
      untilStart: l.untilStart,
    }]),
    owned: (e?.owners ?? []).map((o) => [o.jid, o.key]),
  });
  ent.tracks.load((e?.tracks ?? []).map((t) => [t.jid, {
    state: t.state,
    percent: t.percent,
    desc: t.desc,
    updatedAt: t.updatedAt,
  }]));
}
