/**
 * Redis glob matching (`stringmatchlen`), which Faktory's MUTATE `regexp`
 * filter relies on: `*`, `?`, `[...]` classes with `^` negation and `a-z`
 * ranges (a reversed range is swapped), and `\` escapes. Each token but `*`
 * consumes exactly one character, so a greedy match that backtracks only to
 * the last `*` is exact and takes O(pattern x text) steps at worst, never
 * exponential time (the flaw behind CVE-2022-36021).
 *
 * @module
 */

import type { StoredJob } from "./_stored_job.ts";

/**
 * Whether `text` matches the Redis glob `pattern`.
 *
 * @param pattern The glob.
 * @param text The text to test, as a whole.
 * @returns True on a match.
 *
 * @example
 * ```ts ignore
 * globMatch('*"jobtype":"Email"*', job.json); // true for Email jobs
 * ```
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1; // the pattern position just after the last `*` seen
  let starT = 0; // where in the text that `*` currently ends
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === "*") {
      while (pattern[p] === "*") p++;
      if (p === pattern.length) return true;
      starP = p;
      starT = t;
      continue;
    }
    const next = p < pattern.length ? matchOne(pattern, p, text[t]!) : -1;
    if (next !== -1) {
      p = next;
      t++;
    } else if (starP !== -1) {
      // Let the last `*` take one more character and retry from there.
      p = starP;
      t = ++starT;
    } else return false;
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/**
 * Matches the single-character token at `p` (not `*`) against `c`.
 *
 * @returns The position after the token, or -1 when `c` does not match.
 */
function matchOne(pattern: string, p: number, c: string): number {
  const token = pattern[p]!;
  if (token === "?") return p + 1;
  if (token === "[") return matchClass(pattern, p + 1, c);
  if (token === "\\" && p + 1 < pattern.length) p++;
  return pattern[p] === c ? p + 1 : -1;
}

/** A `[...]` class starting at `p` (after the `[`), as Redis reads it. */
function matchClass(pattern: string, p: number, c: string): number {
  const not = pattern[p] === "^";
  if (not) p++;
  let match = false;
  for (;;) {
    const left = pattern.length - p;
    if (pattern[p] === "\\" && left >= 2) {
      p++;
      if (pattern[p] === c) match = true;
    } else if (pattern[p] === "]") {
      break;
    } else if (left <= 0) {
      // An unclosed class ends with the pattern.
      p = pattern.length - 1;
      break;
    } else if (left >= 3 && pattern[p + 1] === "-") {
      let start = pattern[p]!;
      let end = pattern[p + 2]!;
      if (start > end) [start, end] = [end, start];
      if (c >= start && c <= end) match = true;
      p += 2;
    } else if (pattern[p] === c) match = true;
    p++;
  }
  return match !== not ? p + 1 : -1;
}

/**
 * Which jobs of a set MUTATE touches, as Faktory matches them: a regexp
 * (Redis glob on the job JSON, narrowed by jobtype when both are given),
 * else a jobtype, else jids, else everything.
 */
export function mutateMatcher(filter: unknown): (job: StoredJob) => boolean {
  if (typeof filter !== "object" || filter === null) return () => true;
  const f = filter as { regexp?: unknown; jobtype?: unknown; jids?: unknown };
  if (typeof f.regexp === "string" && f.regexp !== "") {
    const glob = f.regexp;
    if (typeof f.jobtype === "string" && f.jobtype !== "") {
      const typematch = `"jobtype":${JSON.stringify(f.jobtype)}`;
      return (job) =>
        globMatch(glob, job.json) && job.json.indexOf(typematch) > 0;
    }
    return (job) => globMatch(glob, job.json);
  }
  if (typeof f.jobtype === "string" && f.jobtype !== "") {
    return (job) => job.fields.jobtype === f.jobtype;
  }
  if (Array.isArray(f.jids) && f.jids.length > 0) {
    const jids = new Set(f.jids);
    return (job) => jids.has(job.jid);
  }
  return () => true;
}
