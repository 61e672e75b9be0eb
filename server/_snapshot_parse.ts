/**
 * The checks of a snapshot read from a data file: every field the server
 * relies on has the right type, every record has no unknown key, and the
 * jobs' batches exist. A file that passes them loads into a working server.
 * Pure: a value in, a typed snapshot or an error out.
 *
 * @module
 */

import type {
  BatchEntry,
  EnterpriseSnapshot,
  JobEntry,
  LockEntry,
  ReservationEntry,
  Snapshot,
  TimedEntry,
  TrackEntry,
} from "./_snapshot.ts";

/** A snapshot that does not have the expected shape. */
export class SnapshotShapeError extends Error {}

type Value = Record<string, unknown>;

function fail(path: string, what: string): never {
  throw new SnapshotShapeError(`${path} must be ${what}`);
}

/** An object with only the given keys (those not marked `?` required). */
function record(v: unknown, path: string, keys: readonly string[]): Value {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    fail(path, "an object");
  }
  const names = keys.map((k) => k.replace("?", ""));
  for (const k of Object.keys(v)) {
    if (!names.includes(k)) fail(`${path}.${k}`, "absent (unknown field)");
  }
  for (const k of keys) {
    if (!k.endsWith("?") && !(k in v)) fail(`${path}.${k}`, "present");
  }
  return v as Value;
}

function list<T>(
  v: unknown,
  path: string,
  item: (v: unknown, path: string) => T,
): T[] {
  if (!Array.isArray(v)) fail(path, "an array");
  return v.map((x, i) => item(x, `${path}[${i}]`));
}

function str(v: unknown, path: string): string {
  return typeof v === "string" ? v : fail(path, "a string");
}

function nonEmpty(v: unknown, path: string): string {
  return str(v, path) !== "" ? v as string : fail(path, "a non-empty string");
}

function num(v: unknown, path: string): number {
  return typeof v === "number" && Number.isFinite(v)
    ? v
    : fail(path, "a number");
}

function count(v: unknown, path: string): number {
  return Number.isSafeInteger(v) && (v as number) >= 0
    ? v as number
    : fail(path, "a whole number of at least 0");
}

function bool(v: unknown, path: string): boolean {
  return typeof v === "boolean" ? v : fail(path, "true or false");
}

function oneOf<T extends string>(
  v: unknown,
  path: string,
  values: readonly T[],
): T {
  return values.includes(v as T)
    ? v as T
    : fail(path, `one of ${values.map((x) => JSON.stringify(x)).join(", ")}`);
}

function object(v: unknown, path: string): Value {
  return record(v, path, Object.keys(v ?? {}));
}

/** A job's fields: what the server reads of them has the type it expects. */
function job(v: unknown, path: string): Value {
  const f = object(v, path);
  nonEmpty(f.jid, `${path}.jid`);
  nonEmpty(f.jobtype, `${path}.jobtype`);
  nonEmpty(f.queue, `${path}.queue`);
  list(f.args, `${path}.args`, (x) => x);
  num(f.retry, `${path}.retry`);
  for (const k of ["created_at", "enqueued_at", "at"]) {
    if (f[k] !== undefined) str(f[k], `${path}.${k}`);
  }
  for (const k of ["reserve_for", "backtrace"]) {
    if (f[k] !== undefined) num(f[k], `${path}.${k}`);
  }
  for (const k of ["failure", "custom"]) {
    if (f[k] !== undefined) object(f[k], `${path}.${k}`);
  }
  return f;
}

/** A batch's callback job as BATCH NEW gave it, with a jid. */
function callbackJob(v: unknown, path: string): Value {
  const f = object(v, path);
  nonEmpty(f.jid, `${path}.jid`);
  return f;
}

const JOB_KEYS = ["job", "batch?", "callback?"];

function entry(v: unknown, path: string, keys = JOB_KEYS): JobEntry {
  const e = record(v, path, keys);
  const batch = e.batch === undefined ? undefined : record(
    e.batch,
    `${path}.batch`,
    ["bid", "state"],
  );
  const callback = e.callback === undefined ? undefined : record(
    e.callback,
    `${path}.callback`,
    ["bid", "kind"],
  );
  return {
    job: job(e.job, `${path}.job`),
    ...(batch && {
      batch: {
        bid: nonEmpty(batch.bid, `${path}.batch.bid`),
        state: oneOf(batch.state, `${path}.batch.state`, [
          "pending",
          "failed",
          "done",
        ]),
      },
    }),
    ...(callback && {
      callback: {
        bid: nonEmpty(callback.bid, `${path}.callback.bid`),
        kind: oneOf(callback.kind, `${path}.callback.kind`, [
          "complete",
          "success",
        ]),
      },
    }),
  };
}

function timed(v: unknown, path: string): TimedEntry {
  const at = num(record(v, path, ["at", ...JOB_KEYS]).at, `${path}.at`);
  return { at, ...entry(v, path, ["at", ...JOB_KEYS]) };
}

function reservation(v: unknown, path: string): ReservationEntry {
  const keys = ["wid", "reservedAt", "expiresAt", ...JOB_KEYS];
  const r = record(v, path, keys);
  return {
    wid: str(r.wid, `${path}.wid`),
    reservedAt: num(r.reservedAt, `${path}.reservedAt`),
    expiresAt: num(r.expiresAt, `${path}.expiresAt`),
    ...entry(v, path, keys),
  };
}

const CALLBACK_STATES = ["", "1", "2"] as const;

function batchEntry(v: unknown, path: string): BatchEntry {
  const b = record(v, path, [
    "bid",
    "description",
    "parentBid?",
    "complete?",
    "success?",
    "createdAt",
    "children",
    "committed",
    "total",
    "pending",
    "failed",
    "completeSt",
    "successSt",
    "completeGone",
    "successGone",
    "completeDone",
    "successDone",
    "openComplete",
    "openSuccess",
  ]);
  const at = (k: string) => `${path}.${k}`;
  return {
    bid: nonEmpty(b.bid, at("bid")),
    description: str(b.description, at("description")),
    ...(b.parentBid !== undefined &&
      { parentBid: nonEmpty(b.parentBid, at("parentBid")) }),
    ...(b.complete !== undefined &&
      { complete: callbackJob(b.complete, at("complete")) }),
    ...(b.success !== undefined &&
      { success: callbackJob(b.success, at("success")) }),
    createdAt: num(b.createdAt, at("createdAt")),
    children: list(b.children, at("children"), nonEmpty),
    committed: bool(b.committed, at("committed")),
    total: count(b.total, at("total")),
    pending: count(b.pending, at("pending")),
    failed: count(b.failed, at("failed")),
    completeSt: oneOf(b.completeSt, at("completeSt"), CALLBACK_STATES),
    successSt: oneOf(b.successSt, at("successSt"), CALLBACK_STATES),
    completeGone: bool(b.completeGone, at("completeGone")),
    successGone: bool(b.successGone, at("successGone")),
    completeDone: bool(b.completeDone, at("completeDone")),
    successDone: bool(b.successDone, at("successDone")),
    openComplete: count(b.openComplete, at("openComplete")),
    openSuccess: count(b.openSuccess, at("openSuccess")),
  };
}

function lock(v: unknown, path: string): LockEntry {
  const l = record(v, path, ["key", "jid", "expiresAt", "untilStart"]);
  return {
    key: str(l.key, `${path}.key`),
    jid: nonEmpty(l.jid, `${path}.jid`),
    expiresAt: num(l.expiresAt, `${path}.expiresAt`),
    untilStart: bool(l.untilStart, `${path}.untilStart`),
  };
}

function track(v: unknown, path: string): TrackEntry {
  const t = record(v, path, ["jid", "state", "percent?", "desc?", "updatedAt"]);
  return {
    jid: nonEmpty(t.jid, `${path}.jid`),
    state: oneOf(t.state, `${path}.state`, [
      "unknown",
      "enqueued",
      "working",
      "success",
      "failed",
      "dead",
    ]),
    ...(t.percent !== undefined &&
      { percent: num(t.percent, `${path}.percent`) }),
    ...(t.desc !== undefined && { desc: str(t.desc, `${path}.desc`) }),
    updatedAt: num(t.updatedAt, `${path}.updatedAt`),
  };
}

function enterprise(v: unknown, path: string): EnterpriseSnapshot {
  const e = record(v, path, ["batches", "locks", "owners", "tracks"]);
  return {
    batches: list(e.batches, `${path}.batches`, batchEntry),
    locks: list(e.locks, `${path}.locks`, lock),
    owners: list(e.owners, `${path}.owners`, (o, p) => {
      const r = record(o, p, ["jid", "key"]);
      return { jid: nonEmpty(r.jid, `${p}.jid`), key: str(r.key, `${p}.key`) };
    }),
    tracks: list(e.tracks, `${path}.tracks`, track),
  };
}

/**
 * Checks a value read from a data file (its `data` member).
 *
 * @param value The parsed JSON.
 * @param path How to name the value in errors.
 * @returns The snapshot, typed.
 * @throws {SnapshotShapeError} Naming the first field that is wrong.
 */
export function parseSnapshot(value: unknown, path = "data"): Snapshot {
  const d = record(value, path, [
    "queues",
    "paused",
    "scheduled",
    "retries",
    "dead",
    "reservations",
    "processed",
    "failures",
    "enterprise?",
  ]);
  const snapshot: Snapshot = {
    queues: list(d.queues, `${path}.queues`, (q, p) => {
      const r = record(q, p, ["name", "jobs"]);
      return {
        name: str(r.name, `${p}.name`),
        jobs: list(r.jobs, `${p}.jobs`, entry),
      };
    }),
    paused: list(d.paused, `${path}.paused`, str),
    scheduled: list(d.scheduled, `${path}.scheduled`, timed),
    retries: list(d.retries, `${path}.retries`, timed),
    dead: list(d.dead, `${path}.dead`, timed),
    reservations: list(d.reservations, `${path}.reservations`, reservation),
    processed: count(d.processed, `${path}.processed`),
    failures: count(d.failures, `${path}.failures`),
    ...(d.enterprise !== undefined &&
      { enterprise: enterprise(d.enterprise, `${path}.enterprise`) }),
  };
  checkReferences(snapshot, path);
  return snapshot;
}

/** Queue names and reserved jids are unique; batch references exist. */
function checkReferences(s: Snapshot, path: string): void {
  const unique = (names: readonly string[], where: string, what: string) => {
    const seen = new Set<string>();
    names.forEach((n, i) => {
      if (seen.has(n)) fail(`${where}[${i}]`, `a ${what} not listed before`);
      seen.add(n);
    });
  };
  unique(s.queues.map((q) => q.name), `${path}.queues`, "queue name");
  unique(
    s.reservations.map((r) => r.job.jid as string),
    `${path}.reservations`,
    "jid",
  );
  const batches = s.enterprise?.batches ?? [];
  unique(batches.map((b) => b.bid), `${path}.enterprise.batches`, "bid");
  const bids = new Set(batches.map((b) => b.bid));
  const check = (entries: readonly JobEntry[], where: string) =>
    entries.forEach((e, i) => {
      for (const role of ["batch", "callback"] as const) {
        const bid = e[role]?.bid;
        if (bid !== undefined && !bids.has(bid)) {
          fail(`${where}[${i}].${role}.bid`, "the bid of a batch in the file");
        }
      }
    });
  s.queues.forEach((q, i) => check(q.jobs, `${path}.queues[${i}].jobs`));
  for (const set of ["scheduled", "retries", "dead", "reservations"] as const) {
    check(s[set], `${path}.${set}`);
  }
}
