/**
 * The typed result each Faktory reply decodes to, and the decoder: `+OK`,
 * bulk JSON, `$-1`, and `-ERR` replies as typed server errors.
 *
 * @module
 */

import {
  JobTooLargeError,
  RemoteProtocolError,
  serverError,
} from "./errors.ts";
import { jidInHead } from "./_job_head.ts";
import { type Job, parseJob } from "./job.ts";
import type { ParsedReply, Reply } from "./resp.ts";
import type { Verb, WorkerState } from "./commands.ts";

/**
 * Where a batch's callback stands, as BATCH STATUS reports it: `""` not
 * pushed yet (or not defined), `"1"` pushed (it stays so while the callback
 * job runs or fails), `"2"` the callback job succeeded.
 *
 * @example
 * ```ts
 * import type { CallbackState } from "@x/faktory-worker";
 * const done = (st: CallbackState) => st === "2";
 * console.log(done("1")); // false
 * ```
 */
export type CallbackState = "" | "1" | "2";

/**
 * The status of a batch, as BATCH STATUS returns it (Faktory Enterprise).
 *
 * @example
 * ```ts
 * import type { BatchStatus } from "@x/faktory-worker";
 * const s: BatchStatus = {
 *   bid: "b-W5uwOl0DNxfZyg",
 *   total: 3,
 *   pending: 1,
 *   failed: 0,
 *   created_at: "2030-01-01T00:00:00Z",
 *   complete_st: "",
 *   success_st: "",
 * };
 * console.log(`${s.total - s.pending} of ${s.total} ran`);
 * ```
 */
export interface BatchStatus {
  /** The batch id. */
  readonly bid: string;
  /** The batch this one is a child of, if any. */
  readonly parent_bid?: string | null;
  /** The description given at creation. */
  readonly description?: string;
  /** When the batch was created, RFC 3339. */
  readonly created_at: string;
  /** Jobs pushed into the batch (child batches' jobs not included). */
  readonly total: number;
  /** Jobs that have not yet run once. */
  readonly pending: number;
  /** Jobs whose last run failed. */
  readonly failed: number;
  /** Where the complete callback stands. */
  readonly complete_st: CallbackState;
  /** Where the success callback stands. */
  readonly success_st: CallbackState;
}

/**
 * A job's progress, as TRACK GET returns it (Faktory Enterprise). A job that
 * is not tracked, or whose track expired, has state `unknown`.
 *
 * @example
 * ```ts
 * import type { JobProgress } from "@x/faktory-worker";
 * const p: JobProgress = { jid: "0123456789ab", state: "working", percent: 40, updated_at: "2030-01-01T00:00:00Z" };
 * console.log(`${p.state} ${p.percent ?? 0}%`);
 * ```
 */
export interface JobProgress {
  /** The job id. */
  readonly jid: string;
  /** Where the job is. */
  readonly state:
    | "unknown"
    | "enqueued"
    | "working"
    | "success"
    | "failed"
    | "dead";
  /** The last percent the job reported. */
  readonly percent?: number;
  /** The last description the job reported. */
  readonly desc?: string;
  /** When the track last changed, RFC 3339; `""` for an unknown job. */
  readonly updated_at: string;
}

/**
 * Counters of one server task, as INFO reports them.
 *
 * @example
 * ```ts
 * import type { TaskInfo } from "@x/faktory-worker";
 * const t: TaskInfo = { size: 1, cycles: 5, enqueued: 0, wall_time_sec: 0.0006 };
 * console.log(t.size);
 * ```
 */
export interface TaskInfo {
  /** Items in the set. */
  readonly size: number;
  /** Items the server expired. */
  readonly reaped?: number;
  /** Times the task ran. */
  readonly cycles?: number;
  /** Jobs the task moved to queues. */
  readonly enqueued?: number;
  /** Seconds the task spent running. */
  readonly wall_time_sec?: number;
}

/**
 * What INFO returns (Faktory 1.8 shape).
 *
 * @example
 * ```ts
 * import type { ServerInfo } from "@x/faktory-worker";
 * function backlog(info: ServerInfo): number {
 *   return Object.values(info.faktory.queues).reduce((a, b) => a + b, 0);
 * }
 * ```
 */
export interface ServerInfo {
  /** Queue sizes, task counters and totals. */
  readonly faktory: {
    readonly queues: { readonly [queue: string]: number };
    readonly tasks: {
      readonly Busy: TaskInfo;
      readonly Dead: TaskInfo;
      readonly Retries: TaskInfo;
      readonly Scheduled: TaskInfo;
      readonly Workers: TaskInfo;
      readonly [task: string]: TaskInfo;
    };
    readonly total_enqueued: number;
    readonly total_failures: number;
    readonly total_processed: number;
    readonly total_queues: number;
  };
  /** The server's clock, RFC 3339. */
  readonly now: string;
  /** Server version, uptime, connections and memory. */
  readonly server: {
    readonly command_count: number;
    readonly connections: number;
    readonly description: string;
    readonly faktory_version: string;
    readonly uptime: number;
    readonly used_memory_mb: number;
  };
  /** The server's clock, `HH:MM:SS UTC`. */
  readonly server_utc_time: string;
}

/**
 * The typed result of each command once its reply arrived.
 *
 * @example
 * ```ts
 * import type { CommandResults } from "@x/faktory-worker/protocol";
 * type FetchResult = CommandResults["FETCH"]; // Job | null
 * ```
 */
export interface CommandResults {
  /** `+OK`. */
  HELLO: void;
  /** `+OK`. */
  FLUSH: void;
  /** No reply. */
  END: void;
  /** The INFO document. */
  INFO: ServerInfo;
  /** `+OK`. */
  PUSH: void;
  /** Refused jobs, jid to reason. */
  PUSHB: Record<string, string>;
  /** The job, or null when none arrived. */
  FETCH: Job | null;
  /** `+OK`. */
  ACK: void;
  /** `+OK`. */
  FAIL: void;
  /** The state the server asks for, or null. */
  BEAT: WorkerState | null;
  /** `+OK`. */
  "QUEUE PAUSE": void;
  /** `+OK`. */
  "QUEUE RESUME": void;
  /** `+OK`. */
  "QUEUE REMOVE": void;
  /** `+OK`. */
  MUTATE: void;
  /** The new batch id. */
  "BATCH NEW": string;
  /** The batch id (or nothing, from a server that answers `+OK`). */
  "BATCH OPEN": string | undefined;
  /** `+OK`. */
  "BATCH COMMIT": void;
  /** The batch status. */
  "BATCH STATUS": BatchStatus;
  /** `+OK`. */
  "TRACK SET": void;
  /** The job's progress. */
  "TRACK GET": JobProgress;
}

function expectOk(verb: Verb, reply: Reply): void {
  if (reply.type === "simple" && reply.value === "OK") return;
  throw unexpected(verb, reply);
}

function expectBulkJson(verb: Verb, reply: Reply): unknown {
  if (reply.type !== "bulk" || reply.value === null) {
    throw unexpected(verb, reply);
  }
  try {
    return JSON.parse(reply.value);
  } catch (err) {
    throw new RemoteProtocolError(`${verb} reply is not valid JSON`, {
      cause: err,
    });
  }
}

function expectObject(verb: Verb, value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RemoteProtocolError(`${verb} reply is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function unexpected(verb: Verb, reply: Reply): RemoteProtocolError {
  const shown = reply.type === "simple" || reply.type === "bulk"
    ? `${reply.type} ${JSON.stringify(reply.value)?.slice(0, 80)}`
    : reply.type;
  return new RemoteProtocolError(`Unexpected reply to ${verb}: ${shown}`);
}

/**
 * Decodes the reply to a command into its typed result.
 *
 * @param verb The verb of the command the reply answers.
 * @param reply The reply.
 * @returns The typed result.
 * @throws {ServerError} For an error reply (the connection stays usable).
 * @throws {JobTooLargeError} For a FETCH reply over the parser's limit (the
 * connection stays usable), with the jid when the job's first bytes hold it.
 * @throws {RemoteProtocolError} For a reply of the wrong shape, or another
 * reply over the parser's limit.
 *
 * @example
 * ```ts
 * import { decodeResult } from "@x/faktory-worker/protocol";
 * console.log(decodeResult("BEAT", { type: "bulk", value: '{"state":"quiet"}' })); // "quiet"
 * console.log(decodeResult("FETCH", { type: "bulk", value: null })); // null
 * ```
 */
export function decodeResult<V extends Verb>(
  verb: V,
  reply: ParsedReply,
): CommandResults[V] {
  return decode(verb, reply) as CommandResults[V];
}

function decode(verb: Verb, reply: ParsedReply): unknown {
  if (reply.type === "oversized") {
    const { size, limit } = reply;
    if (verb === "FETCH") {
      throw new JobTooLargeError({ size, limit, jid: jidInHead(reply.head) });
    }
    throw new RemoteProtocolError(
      `Reply to ${verb} of ${size} bytes exceeds the limit of ${limit}`,
    );
  }
  if (reply.type === "error") {
    throw serverError(reply.code, reply.message, verb);
  }
  switch (verb) {
    case "FETCH":
      if (reply.type === "bulk") {
        return reply.value === null ? null : parseJob(reply.value);
      }
      throw unexpected(verb, reply);
    case "BEAT": {
      if (reply.type === "simple") return expectOk(verb, reply), null;
      const state = expectObject(verb, expectBulkJson(verb, reply)).state;
      if (state === "quiet" || state === "terminate") return state;
      throw new RemoteProtocolError(
        `BEAT reply has an unknown state ${JSON.stringify(state)}`,
      );
    }
    case "PUSHB": {
      const map = expectObject(verb, expectBulkJson(verb, reply));
      for (const value of Object.values(map)) {
        if (typeof value !== "string") {
          throw new RemoteProtocolError("PUSHB reply values must be strings");
        }
      }
      return map;
    }
    case "INFO": {
      const info = expectObject(verb, expectBulkJson(verb, reply));
      if (typeof info.faktory !== "object" || info.faktory === null) {
        throw new RemoteProtocolError("INFO reply has no faktory section");
      }
      return info;
    }
    case "BATCH NEW":
      if (reply.type === "bulk" && reply.value) return reply.value;
      if (reply.type === "simple" && reply.value) return reply.value;
      throw unexpected(verb, reply);
    case "BATCH OPEN":
      if (reply.type === "bulk" && reply.value) return reply.value;
      return expectOk(verb, reply), undefined;
    case "BATCH STATUS": {
      const status = expectObject(verb, expectBulkJson(verb, reply));
      if (typeof status.bid !== "string") {
        throw new RemoteProtocolError("BATCH STATUS reply has no bid");
      }
      return status;
    }
    case "TRACK GET": {
      const track = expectObject(verb, expectBulkJson(verb, reply));
      if (typeof track.jid !== "string" || typeof track.state !== "string") {
        throw new RemoteProtocolError("TRACK GET reply has no jid and state");
      }
      return track;
    }
    case "END":
      throw new RemoteProtocolError("END gets no reply, but one arrived");
    default:
      return expectOk(verb, reply);
  }
}
