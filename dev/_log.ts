/**
 * The one-line log of `faktory-worker dev`: each connection as it opens and
 * closes (seen through the server's transport), and what changed about
 * worker processes between two looks at the server (arriving, changing state,
 * leaving).
 *
 * @module
 */

import type { ServerTransport } from "../adapters/listen.ts";

/** What the log compares between two looks. */
export interface Snapshot {
  readonly workers: readonly {
    readonly wid: string;
    readonly hostname: string;
    readonly pid: number;
    readonly labels: readonly string[];
    readonly state: string;
  }[];
}

/** The empty server. */
export const NOTHING: Snapshot = { workers: [] };

/** The lines that tell how the workers changed, one event a line. */
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
  return lines;
}

/** A log line: the time (UTC, to the second), then the text on one line. */
export function logLine(now: number, text: string): string {
  const time = new Date(now).toISOString().slice(11, 19);
  // One line whatever the text holds (a worker's host name, an error).
  return `${time} ${text.replace(/[\r\n\t]+/g, " ")}`;
}

/**
 * A server transport that tells `log` about every connection the server
 * accepts and sees close (with the error that closed it, if any).
 */
export function loggedTransport(
  inner: ServerTransport,
  log: (text: string) => void,
): ServerTransport {
  let open = 0;
  return {
    name: inner.name,
    listen: (options, accept) =>
      inner.listen(options, (socket) => {
        log(`connection opened (${++open} open)`);
        const handlers = accept(socket);
        return {
          data: (chunk) => handlers.data(chunk),
          close(error) {
            const why = error ? `: ${error.message}` : "";
            log(`connection closed${why} (${--open} open)`);
            handlers.close(error);
          },
        };
      }),
  };
}
