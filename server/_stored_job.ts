/**
 * A job as the embedded server stores it: its fields in the order Go
 * marshals Faktory's Job struct, and its JSON cached until it changes.
 *
 * @module
 */

/** A job as stored: its fields, and its JSON cached until it changes. */
export class StoredJob {
  #json: string | undefined;
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
    this.#json = undefined;
  }
  get json(): string {
    return this.#json ??= JSON.stringify(this.fields);
  }
}

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

/**
 * RFC 3339 UTC text of a time in ms, as Go's RFC3339Nano writes it: trailing
 * zeros of the fraction dropped, `2030-01-01T00:00:00.5Z`, `...00:00Z`.
 */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0*Z$/, "Z");
}

/** RFC 3339 UTC text of a time in whole seconds, as `2030-01-01T00:00:00Z`. */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
