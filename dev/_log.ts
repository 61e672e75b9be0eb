/**
 * The one-line log of `faktory-worker dev`: what changed between two looks
 * at the server (connections opened and closed, worker processes arriving,
 * changing state and leaving). Pure: snapshots in, lines out.
 *
 * @module
 */

/** What the log compares between two looks. */
export interface Snapshot {
  readonly connections: number;
  readonly workers: readonly {
    readonly wid: string;
    readonly hostname: string;
    readonly pid: number;
    readonly labels: readonly string[];
    readonly state: string;
  }[];
}

/** The empty server. */
export const NOTHING: Snapshot = { connections: 0, workers: [] };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * The lines that tell what changed from `before` to `after`, one event a
 * line.
 */
export function changes(before: Snapshot, after: Snapshot): string[] {
  const lines: string[] = [];
  const old = new Map(before.workers.map((w) => [w.wid, w]));
  const now = new Map(after.workers.map((w) => [w.wid, w]));
  for (const w of after.workers) {
    const was = old.get(w.wid);
    if (!was) {
      const labels = w.labels.length > 0 ? ` [${w.labels.join(", ")}]` : "";
      lines.push(
        `worker ${w.wid} connected from ${
          w.hostname || "?"
        } pid ${w.pid}${labels}`,
      );
    } else if (was.state !== w.state) {
      lines.push(`worker ${w.wid} is now ${w.state}`);
    }
  }
  for (const w of before.workers) {
    if (!now.has(w.wid)) lines.push(`worker ${w.wid} is gone`);
  }
  const d = after.connections - before.connections;
  if (d !== 0) {
    lines.push(
      `${plural(Math.abs(d), "connection")} ${
        d > 0 ? "opened" : "closed"
      } (${after.connections} open)`,
    );
  }
  return lines;
}

/** A log line: the time (UTC, to the second), then the text on one line. */
export function logLine(now: number, text: string): string {
  const time = new Date(now).toISOString().slice(11, 19);
  // One line whatever the text holds (a worker's host name, an error).
  return `${time} ${text.replace(/[\r\n\t]+/g, " ")}`;
}
