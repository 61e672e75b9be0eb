/**
 * JSON decoding with the error messages of Go's encoding/json, which is what
 * Faktory answers with for malformed payloads (transcripts 07, 09, 23).
 *
 * @module
 */

import { isGoInt as isGoIntLiteral } from "../core/job_validation.ts";

/** Go's quoting of a character in its scanner errors: 'x', '"', '\n'. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const q = JSON.stringify(c).slice(1, -1);
  return `'${q.replace(/\\u00([0-9a-f]{2})/, "\\x$1")}'`;
}

class Scan {
  i = 0;
  depth = 0;
  /** Number literals by key, for each object at `recordDepth`, in order. */
  readonly literals: Map<string, string>[] = [];
  constructor(readonly s: string, readonly recordDepth = 0) {}
  err(context: string): never {
    if (this.i >= this.s.length) {
      throw new GoJsonError("unexpected end of JSON input");
    }
    throw new GoJsonError(
      `invalid character ${quoteChar(this.s[this.i]!)} ${context}`,
    );
  }
  ws(): void {
    while (this.i < this.s.length && " \t\r\n".includes(this.s[this.i]!)) {
      this.i++;
    }
  }
  value(): void {
    this.ws();
    const c = this.s[this.i];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) {
      return this.number();
    }
    for (const lit of ["true", "false", "null"]) {
      if (c === lit[0]) return this.literal(lit);
    }
    this.err("looking for beginning of value");
  }
  literal(lit: string): void {
    for (let k = 0; k < lit.length; k++, this.i++) {
      if (this.s[this.i] !== lit[k]) {
        this.err(`in literal ${lit} (expecting ${quoteChar(lit[k]!)})`);
      }
    }
  }
  number(): void {
    if (this.s[this.i] === "-") this.i++;
    const digit = () => this.s[this.i]! >= "0" && this.s[this.i]! <= "9";
    if (this.i >= this.s.length || !digit()) this.err("in numeric literal");
    if (this.s[this.i] === "0") this.i++;
    else while (this.i < this.s.length && digit()) this.i++;
    if (this.s[this.i] === ".") {
      this.i++;
      if (this.i >= this.s.length || !digit()) {
        this.err("after decimal point in numeric literal");
      }
      while (this.i < this.s.length && digit()) this.i++;
    }
    if (this.s[this.i] === "e" || this.s[this.i] === "E") {
      this.i++;
      if (this.s[this.i] === "+" || this.s[this.i] === "-") this.i++;
      if (this.i >= this.s.length || !digit()) {
        this.err("in exponent of numeric literal");
      }
      while (this.i < this.s.length && digit()) this.i++;
    }
  }
  string(): void {
    this.i++;
    for (;;) {
      if (this.i >= this.s.length) this.err("");
      const c = this.s[this.i]!;
      if (c === '"') {
        this.i++;
        return;
      }
      if (c < " ") this.err("in string literal");
      if (c === "\\") {
        this.i++;
        const e = this.s[this.i];
        if (e === "u") {
          for (let k = 0; k < 4; k++) {
            this.i++;
            if (!/[0-9a-fA-F]/.test(this.s[this.i] ?? "")) {
              this.err("in \\u hexadecimal character escape");
            }
          }
        } else if (e === undefined || !'"\\/bfnrt'.includes(e)) {
          this.err("in string escape code");
        }
      }
      this.i++;
    }
  }
  object(): void {
    this.i++;
    this.depth++;
    const record = this.depth === this.recordDepth ? new Map() : undefined;
    if (record) this.literals.push(record);
    this.ws();
    if (this.s[this.i] === "}") return void (this.i++, this.depth--);
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') {
        this.err("looking for beginning of object key string");
      }
      const keyStart = this.i;
      this.string();
      const key = record ? JSON.parse(this.s.slice(keyStart, this.i)) : "";
      this.ws();
      if (this.s[this.i] !== ":") this.err("after object key");
      this.i++;
      this.ws();
      const valueStart = this.i;
      this.value();
      if (record) {
        const c = this.s[valueStart]!;
        if (c === "-" || (c >= "0" && c <= "9")) {
          record.set(key, this.s.slice(valueStart, this.i));
        } else record.delete(key);
      }
      this.ws();
      if (this.s[this.i] === ",") {
        this.i++;
        continue;
      }
      if (this.s[this.i] === "}") return void (this.i++, this.depth--);
      this.err("after object key:value pair");
    }
  }
  array(): void {
    this.i++;
    this.depth++;
    this.ws();
    if (this.s[this.i] === "]") return void (this.i++, this.depth--);
    for (;;) {
      this.value();
      this.ws();
      if (this.s[this.i] === ",") {
        this.i++;
        continue;
      }
      if (this.s[this.i] === "]") return void (this.i++, this.depth--);
      this.err("after array element");
    }
  }
}

/** A JSON error worded as Go's encoding/json words it. */
export class GoJsonError extends Error {}

/**
 * Parses JSON, throwing {@linkcode GoJsonError} with Go's wording for syntax
 * errors.
 *
 * @param text The JSON text.
 * @returns The parsed value.
 */
export function goParse(text: string): unknown {
  return goParseJobs(text, 0).value;
}

/**
 * Parses JSON like {@linkcode goParse}, and also returns the literal text of
 * the numbers in every object at `depth` (1: the top-level object, 2: the
 * objects of a top-level array), since Go unmarshals an int from that text.
 *
 * @param text The JSON text.
 * @param depth The nesting depth of the job objects.
 * @returns The value and, per object at that depth in order, its number literals.
 */
export function goParseJobs(
  text: string,
  depth: number,
): { value: unknown; literals: Map<string, string>[] } {
  const scan = new Scan(text, depth);
  scan.value();
  scan.ws();
  if (scan.i < text.length) scan.err("after top-level value");
  return { value: JSON.parse(text), literals: scan.literals };
}

/** Go's name for the JSON kind of a value, as in "cannot unmarshal array". */
export function goKind(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  if (typeof value === "object") return "object";
  if (typeof value === "number") return `number ${value}`;
  return typeof value;
}

const JOB_FIELDS: Record<string, string> = {
  jid: "string",
  queue: "string",
  jobtype: "string",
  args: "[]interface {}",
  created_at: "string",
  enqueued_at: "string",
  at: "string",
  reserve_for: "int",
  retry: "int",
  backtrace: "int",
  custom: "map[string]interface {}",
};

/**
 * Checks a parsed job's field types as Go's json.Unmarshal into the server's
 * Job struct would, with its message.
 *
 * @param job The parsed value.
 * @param literals The literal text of its numbers, from {@linkcode goParseJobs}.
 * @param goType How Go names the target, `client.Job`.
 */
export function checkJobTypes(
  job: unknown,
  literals: ReadonlyMap<string, string> = new Map(),
  goType = "client.Job",
): void {
  if (job === null) return;
  if (typeof job !== "object" || Array.isArray(job)) {
    throw new GoJsonError(
      `json: cannot unmarshal ${
        goKind(job).split(" ")[0]
      } into Go value of type ${goType}`,
    );
  }
  for (const [field, type] of Object.entries(JOB_FIELDS)) {
    const v = (job as Record<string, unknown>)[field];
    if (v === undefined || v === null) continue;
    const ok = type === "string"
      ? typeof v === "string"
      : type === "int"
      ? typeof v === "number" &&
        isGoIntLiteral(literals.get(field) ?? String(v))
      : type.startsWith("[]")
      ? Array.isArray(v)
      : typeof v === "object" && !Array.isArray(v);
    if (!ok) {
      // Go names the value of a number only when it was meant for a number.
      const kind = typeof v === "number" && type === "int"
        ? `number ${literals.get(field) ?? v}`
        : goKind(v).split(" ")[0];
      throw new GoJsonError(
        `json: cannot unmarshal ${kind} into Go struct field Job.${field} of type ${type}`,
      );
    }
  }
}

// ---- Go field types of the server's other payloads ----

/** Whether Go unmarshals the value into a string field (null: left empty). */
export function isGoString(v: unknown): boolean {
  return v === undefined || v === null || typeof v === "string";
}

/** Whether Go unmarshals the value into a []string field. */
export function isGoStrings(v: unknown): boolean {
  return v === undefined || v === null ||
    (Array.isArray(v) && v.every((s) => s === null || typeof s === "string"));
}

/** Whether Go unmarshals the value into an integer field of this range. */
export function isGoInt(
  v: unknown,
  min: number = -(2 ** 63),
  max: number = 2 ** 63,
): boolean {
  return v === undefined || v === null ||
    (Number.isInteger(v) && (v as number) >= min && (v as number) < max);
}

/** The payload as a JSON object, or undefined when it is not one. */
export function jsonObject(
  payload: string,
): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(payload);
    return typeof parsed === "object" && parsed !== null &&
        !Array.isArray(parsed)
      ? parsed
      : undefined;
  } catch {
    return undefined;
  }
}

/** An object with its keys sorted, as Go marshals a map. */
export function sortedObject<T>(
  entries: Iterable<readonly [string, T]>,
): Record<string, T> {
  const out: Record<string, T> = {};
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [k, v] of sorted) out[k] = v;
  return out;
}
