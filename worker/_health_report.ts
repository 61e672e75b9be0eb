/**
 * The child's side of the supervisor's probes: a child started by a
 * supervisor that serves `healthPort` serves nothing itself; it posts its
 * own `health()` to the supervisor's 127.0.0.1 URL (from
 * `FAKTORY_HEALTH_REPORT_URL`) every second (every heartbeat interval, if
 * shorter), one request at a time.
 *
 * @module
 */

import { HEALTH_REPORT_ENV, readChildEnv } from "../adapters/child_process.ts";
import { defaultPlatform } from "../adapters/runtime.ts";
import { describeThrown } from "../core/failure.ts";
import type { WorkerHealth } from "./health.ts";
import type { Logger } from "../client/logger.ts";

/** How often a child reports its health, in ms, for a heartbeat interval. */
export function reportEvery(heartbeatInterval: number): number {
  return Math.min(1000, heartbeatInterval);
}

/** What a child posts: its slot, its pid and its health. */
export interface HealthReport {
  readonly index: number;
  readonly pid: number;
  readonly health: WorkerHealth;
}

/** What {@linkcode reportHealth} needs. */
export interface ReportOptions {
  /** The supervisor's report URL. */
  readonly url: string;
  readonly index: number;
  readonly pid: number;
  /** How often to report, in ms. */
  readonly every: number;
  health(): WorkerHealth;
  readonly logger: Logger;
}

/**
 * Posts the health now and every `every` ms; a failure is logged once until
 * a report goes through again.
 *
 * @returns Stops reporting (and cancels a request under way).
 */
export function reportHealth(options: ReportOptions): () => void {
  const { url, index, pid, every, logger } = options;
  let pending: AbortController | undefined;
  let failing = false;
  const send = async () => {
    if (pending) return;
    const abort = pending = new AbortController();
    const timer = setTimeout(() => abort.abort(), Math.max(every, 1000));
    try {
      const report: HealthReport = { index, pid, health: options.health() };
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(report),
        signal: abort.signal,
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`HTTP status ${response.status}`);
      if (failing) logger.info("Health reports reach the supervisor again");
      failing = false;
    } catch (err) {
      if (!failing && !stopped) {
        logger.warn(
          "Cannot report health to the supervisor; it reports this process as not ready",
          { error: describeThrown(err) },
        );
      }
      failing = true;
    } finally {
      clearTimeout(timer);
      pending = undefined;
    }
  };
  let stopped = false;
  void send();
  const timer = setInterval(send, every);
  return () => {
    stopped = true;
    clearInterval(timer);
    pending?.abort();
  };
}

/** The part of a session reporting wraps. */
export interface Runnable {
  run(): Promise<void>;
}

/**
 * Runs a supervised child's session, reporting its health to the
 * supervisor meanwhile when the supervisor asked for it.
 */
export async function runReporting(
  options: Omit<ReportOptions, "url" | "pid">,
  session: Runnable,
): Promise<void> {
  const url = readChildEnv(HEALTH_REPORT_ENV);
  if (url === undefined) return await session.run();
  const { pid } = await defaultPlatform();
  const stop = reportHealth({ ...options, url, pid });
  try {
    await session.run();
  } finally {
    stop();
  }
}
