/**
 * The job commands of the embedded server: PUSH, PUSHB, FETCH, ACK and
 * FAIL, with Faktory 1.8's replies (and Enterprise's NOTUNIQUE, when that is
 * on).
 *
 * @module
 */

import { MAX_BACKTRACE, MAX_ERRTYPE, MAX_MESSAGE } from "../core/failure.ts";
import { checkQueueName } from "../core/job.ts";
import type { CommandContext } from "./_dispatch.ts";
import { NOT_UNIQUE } from "./_enterprise_unique.ts";
import {
  isGoString,
  isGoStrings,
  jsonObject,
  sortedObject,
} from "./_go_json.ts";
import {
  decodeJob,
  decodeJobs,
  normalizeJob,
  scheduledAt,
} from "./_job_payload.ts";
import {
  bulkReply,
  errorReply,
  NOT_UNIQUE_REPLY,
  NULL,
  OK,
  type Out,
} from "./_replies.ts";
import type { StoredJob } from "./_stored_job.ts";

/** Schedules or enqueues a valid job; returns an error message or undefined. */
function accept(ctx: CommandContext, job: StoredJob): string | undefined {
  const { server } = ctx;
  const at = scheduledAt(job);
  const now = server.options.now();
  const later = at > now;
  if (!later) {
    try {
      checkQueueName(job.queue);
    } catch (err) {
      return (err as Error).message; // the server's own wording
    }
  }
  if (server.enterprise !== undefined) {
    const refused = server.enterprise.admit(job, at, now);
    if (refused !== undefined) return refused;
  }
  if (later) server.store.schedule(at, job);
  else server.enqueue(job);
  return undefined;
}

/** Normalizes and accepts one decoded job; returns an error message or undefined. */
function take(ctx: CommandContext, raw: unknown): string | undefined {
  const { options } = ctx.server;
  const job = normalizeJob(raw, options.now(), options.defaultRetry);
  return typeof job === "string" ? job : accept(ctx, job);
}

/**
 * PUSH `{job}`: `+OK`, or `-ERR` with the reason (`-NOTUNIQUE` for a
 * duplicate of a unique job).
 */
export function push(ctx: CommandContext, payload: string): Out {
  let raw: unknown;
  try {
    raw = decodeJob(payload);
  } catch (err) {
    return errorReply(`invalid JSON: ${(err as Error).message}`);
  }
  const failure = take(ctx, raw);
  if (failure === undefined) return OK;
  return failure === NOT_UNIQUE ? NOT_UNIQUE_REPLY : errorReply(failure);
}

/** PUSHB `[jobs]`: a map of refused jids to reasons, `{}` when all are taken. */
export function pushBulk(ctx: CommandContext, payload: string): Out {
  let raw: unknown[];
  try {
    raw = decodeJobs(payload);
  } catch (err) {
    return errorReply(`invalid JSON: ${(err as Error).message}`);
  }
  const refused: [string, string][] = [];
  for (const item of raw) {
    const message = take(ctx, item);
    if (message !== undefined) {
      refused.push([String((item as { jid?: unknown })?.jid ?? ""), message]);
    }
  }
  return bulkReply(JSON.stringify(sortedObject(refused)));
}

/** FETCH queues: a job, or `$-1` after waiting `fetchTimeout` for one. */
export function fetch(
  ctx: CommandContext,
  queues: readonly string[],
): Out | Promise<Out> {
  const { server, wid = "" } = ctx;
  // Quiet or terminated workers get no jobs, after the usual wait.
  const serving = ctx.worker === undefined || ctx.worker.state === "running";
  const job = serving ? server.next(queues, wid) : undefined;
  if (job) return bulkReply(job.json);
  return server.waitForJob(ctx, wid, serving ? queues : []).then((j) =>
    j ? bulkReply(j.json) : NULL
  );
}

/** ACK `{"jid"}`: `+OK`, even for a jid the server does not know. */
export function ack(ctx: CommandContext, payload: string): Out {
  let jid: unknown;
  try {
    const parsed = JSON.parse(payload);
    const values =
      typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
        ? Object.values(parsed)
        : [0];
    if (values.some((v) => typeof v !== "string")) {
      throw new Error("not a map of strings");
    }
    jid = parsed.jid;
  } catch {
    return errorReply(`invalid ACK ${payload}`);
  }
  if (typeof jid !== "string") return errorReply(`invalid ACK ${payload}`);
  ctx.server.ack(jid, ctx.wid ?? "");
  return OK;
}

/** FAIL `{jid, errtype, message, backtrace}`: `+OK`, or `-ERR Job not found`. */
export function fail(ctx: CommandContext, payload: string): Out {
  const f = jsonObject(payload);
  // Go unmarshals FAIL into strings and a []string.
  if (
    !f || !isGoString(f.jid) || !isGoString(f.errtype) ||
    !isGoString(f.message) || !isGoStrings(f.backtrace)
  ) return errorReply(`invalid FAIL ${payload}`);
  const jid = typeof f.jid === "string" ? f.jid : "";
  if (jid === "") return errorReply("missing JID");
  const errtype = String(f.errtype ?? "").trim().slice(0, MAX_ERRTYPE) ||
    "unknown";
  const message = String(f.message ?? "").trim().slice(0, MAX_MESSAGE) ||
    "unknown";
  const backtrace = Array.isArray(f.backtrace)
    ? f.backtrace.map((line: string | null) => line ?? "").slice(
      0,
      MAX_BACKTRACE,
    )
    : [];
  const found = ctx.server.fail(jid, ctx.wid ?? "", {
    errtype,
    message,
    backtrace,
  });
  return found ? OK : errorReply(`Job not found ${jid}`);
}
