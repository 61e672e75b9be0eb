/**
 * The INFO reply of the embedded server, shaped as Faktory 1.8's; with the
 * `enterprise` option its `server.description` is "Faktory Enterprise".
 *
 * @module
 */

import { sortedObject } from "./_go_json.ts";
import type { ServerState } from "./_server_state.ts";
import { iso } from "./_stored_job.ts";

/** The Faktory version the embedded server answers as. */
const VERSION = "1.8.0";

/** INFO's JSON for the server's current state. */
export function infoJson(server: ServerState): string {
  const stats = server.store.stats();
  const now = server.options.now();
  const task = (name: "Scheduled" | "Retries" | "Dead") => {
    const t = stats.tasks[name];
    return {
      cycles: t.cycles,
      enqueued: t.enqueued,
      size: stats.sets[name],
      wall_time_sec: t.wall_time_sec,
    };
  };
  const date = new Date(now);
  return JSON.stringify({
    faktory: {
      queues: sortedObject(stats.queues),
      tasks: {
        Busy: { reaped: stats.busyReaped, size: stats.busy },
        Dead: task("Dead"),
        Retries: task("Retries"),
        Scheduled: task("Scheduled"),
        Workers: { reaped: server.workers.reaped, size: server.workers.size },
      },
      total_enqueued: stats.enqueued,
      total_failures: stats.failures,
      total_processed: stats.processed,
      total_queues: stats.queues.length,
    },
    now: iso(now),
    server: {
      command_count: server.commands(),
      connections: server.connections,
      // What Faktory Enterprise reports, and what clients tell editions by.
      description: server.enterprise ? "Faktory Enterprise" : "Faktory",
      faktory_version: VERSION,
      uptime: Math.floor((now - server.startedAt) / 1000),
      used_memory_mb: Math.max(1, Math.round(server.rssBytes() / 1048576)),
    },
    server_utc_time: `${date.toISOString().slice(11, 19)} UTC`,
  });
}
