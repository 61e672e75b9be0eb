/**
 * Every Faktory command as a typed value, its wire encoding, and the typed
 * result each reply decodes to. Encoding is pure: JSON payloads are escaped,
 * so no command can carry a CR or LF, and a verb that needs a payload cannot
 * be encoded without one (a bare `PUSH` line crashes a Faktory 1.8 server).
 *
 * @module
 */

import { LocalProtocolError } from "./errors.ts";
import type { HelloPayload } from "./handshake.ts";
import {
  checkQueueName,
  InvalidJobError,
  type JobPayload,
  validateJob,
} from "./job.ts";

/**
 * What FAIL reports about a failed job. The server keeps at most 100
 * characters of `errtype`, 1000 of `message` and 50 backtrace lines.
 *
 * @example
 * ```ts
 * import type { FailPayload } from "@x/faktory-worker";
 * const fail: FailPayload = { jid: "0123456789ab", errtype: "TypeError", message: "x is undefined" };
 * console.log(fail.errtype);
 * ```
 */
export interface FailPayload {
  /** The job id. */
  readonly jid: string;
  /** The error's type, such as `TypeError`. */
  readonly errtype: string;
  /** The error's message. */
  readonly message: string;
  /** Stack lines, innermost first. */
  readonly backtrace?: readonly string[];
}

/**
 * The worker state a heartbeat reports or the server asks for.
 *
 * @example
 * ```ts
 * import type { WorkerState } from "@x/faktory-worker";
 * const state: WorkerState = "quiet";
 * console.log(state);
 * ```
 */
export type WorkerState = "quiet" | "terminate";

/**
 * The body of a BEAT.
 *
 * @example
 * ```ts
 * import type { BeatPayload } from "@x/faktory-worker/protocol";
 * const beat: BeatPayload = { wid: "4f1c2a", rss_kb: 54176 };
 * console.log(beat.wid);
 * ```
 */
export interface BeatPayload {
  /** The worker id given in HELLO. */
  readonly wid: string;
  /** The state the worker is in (echoes what the server asked for). */
  readonly current_state?: WorkerState | "";
  /** Resident memory of the worker process, in KiB. */
  readonly rss_kb?: number;
}

/**
 * A set MUTATE works on.
 *
 * @example
 * ```ts
 * import type { MutateTarget } from "@x/faktory-worker";
 * const target: MutateTarget = "retries";
 * console.log(target);
 * ```
 */
export type MutateTarget = "scheduled" | "retries" | "dead";

/**
 * Which jobs of a set MUTATE touches. With no filter, every job in the set.
 * The server matches `regexp` as a Redis glob on the job JSON (such as
 * `*ImportantJob*`); a `jobtype` filter is not narrowed by `jids`.
 *
 * @example
 * ```ts
 * import type { MutateFilter } from "@x/faktory-worker";
 * const filter: MutateFilter = { jobtype: "Email", regexp: "*example.com*" };
 * console.log(filter.jobtype);
 * ```
 */
export interface MutateFilter {
  /** Only jobs of this type. */
  readonly jobtype?: string;
  /** Only these jobs. */
  readonly jids?: readonly string[];
  /** Only jobs whose JSON matches this Redis glob, such as `*urgent*`. */
  readonly regexp?: string;
}

/**
 * A MUTATE operation: `kill` moves to dead, `requeue` enqueues now,
 * `discard` deletes, `clear` empties (with or without a filter).
 *
 * @example
 * ```ts
 * import type { Mutation } from "@x/faktory-worker";
 * const m: Mutation = { cmd: "requeue", target: "retries", filter: { jobtype: "Email" } };
 * console.log(m.cmd);
 * ```
 */
export interface Mutation {
  /** The operation. */
  readonly cmd: "kill" | "requeue" | "discard" | "clear";
  /** The set to change. */
  readonly target: MutateTarget;
  /** Which jobs; all when absent. */
  readonly filter?: MutateFilter;
}

/**
 * The body of BATCH NEW (Faktory Enterprise).
 *
 * @example
 * ```ts
 * import type { BatchPayload } from "@x/faktory-worker";
 * const batch: BatchPayload = { description: "import", success: { jid: "0123456789ab", jobtype: "Done", args: [] } };
 * console.log(batch.description);
 * ```
 */
export interface BatchPayload {
  /** Shown in the Web UI. */
  readonly description?: string;
  /** The enclosing batch, for nested batches. */
  readonly parent_bid?: string;
  /** Pushed when every job of the batch succeeded. */
  readonly success?: JobPayload;
  /** Pushed when every job of the batch ran, successful or not. */
  readonly complete?: JobPayload;
}

/**
 * The body of TRACK SET (Faktory Enterprise).
 *
 * @example
 * ```ts
 * import type { TrackPayload } from "@x/faktory-worker";
 * const t: TrackPayload = { jid: "0123456789ab", percent: 50, desc: "halfway" };
 * console.log(t.percent);
 * ```
 */
export interface TrackPayload {
  /** The job id. */
  readonly jid: string;
  /** Progress, 0..100. */
  readonly percent?: number;
  /** What the job is doing. */
  readonly desc?: string;
  /** Extends the job's reservation to this RFC 3339 time. */
  readonly reserve_until?: string;
}

/**
 * One command, tagged by its verb.
 *
 * @example
 * ```ts
 * import { encodeCommand, type Command } from "@x/faktory-worker/protocol";
 * const cmd: Command = { type: "FETCH", queues: ["critical", "default"] };
 * console.log(encodeCommand(cmd)); // "FETCH critical default\r\n"
 * ```
 */
export type Command =
  | { readonly type: "HELLO"; readonly payload: HelloPayload }
  | { readonly type: "FLUSH" }
  | { readonly type: "END" }
  | { readonly type: "INFO" }
  | { readonly type: "PUSH"; readonly job: JobPayload }
  | { readonly type: "PUSHB"; readonly jobs: readonly JobPayload[] }
  | { readonly type: "FETCH"; readonly queues: readonly string[] }
  | { readonly type: "ACK"; readonly jid: string }
  | { readonly type: "FAIL"; readonly payload: FailPayload }
  | { readonly type: "BEAT"; readonly payload: BeatPayload }
  | {
    readonly type: "QUEUE PAUSE" | "QUEUE RESUME" | "QUEUE REMOVE";
    readonly queues: readonly string[] | "*";
  }
  | { readonly type: "MUTATE"; readonly mutation: Mutation }
  | { readonly type: "BATCH NEW"; readonly batch: BatchPayload }
  | {
    readonly type: "BATCH OPEN" | "BATCH COMMIT" | "BATCH STATUS";
    /** The batch id. */
    readonly bid: string;
  }
  | { readonly type: "TRACK SET"; readonly payload: TrackPayload }
  | { readonly type: "TRACK GET"; readonly jid: string };

/**
 * The verb of a command, such as `PUSH` or `QUEUE PAUSE`.
 *
 * @example
 * ```ts
 * import type { Verb } from "@x/faktory-worker/protocol";
 * const verb: Verb = "ACK";
 * console.log(verb);
 * ```
 */
export type Verb = Command["type"];

// deno-lint-ignore no-control-regex -- control characters are exactly what it refuses
const TOKEN = /^[^\s\x00-\x1f\x7f]+$/;

function token(value: string, what: string, verb: string): string {
  if (typeof value !== "string" || !TOKEN.test(value)) {
    throw new LocalProtocolError(
      `${verb} needs a ${what} without spaces or control characters, got ${
        JSON.stringify(value)
      }`,
    );
  }
  return value;
}

// A value carried inside a JSON payload: JSON escapes whatever it contains,
// so any non-empty string will do (the server accepts any jid it accepted in PUSH).
function jsonString(value: string, what: string, verb: string): string {
  if (typeof value !== "string" || value === "") {
    throw new LocalProtocolError(
      `${verb} needs a ${what} string, got ${
        JSON.stringify(value) ?? "undefined"
      }`,
    );
  }
  return value;
}

// Jobs were validated, but a getter or Proxy may answer differently the
// second time it is read: whatever then fails is still the job's fault.
function jobJson(value: unknown): string {
  try {
    return json(value);
  } catch (err) {
    throw new InvalidJobError(
      "job",
      `Job cannot be serialized: ${(err as Error)?.message ?? String(err)}`,
      { cause: err },
    );
  }
}

function json(value: unknown): string {
  // JSON.stringify escapes CR and LF inside strings and adds no whitespace
  // outside them, so the payload is always one line.
  return JSON.stringify(value);
}

/**
 * Encodes a command as the line the client writes, CRLF included.
 *
 * @param command The command.
 * @returns The line.
 * @throws {LocalProtocolError} When a required payload is missing or a name
 * written outside JSON (a queue, a bid, the jid of TRACK GET) contains
 * whitespace or control characters.
 * @throws {InvalidJobError} When a pushed job would be refused by the server.
 *
 * @example
 * ```ts
 * import { encodeCommand } from "@x/faktory-worker/protocol";
 * console.log(encodeCommand({ type: "ACK", jid: "0123456789ab" }));
 * // ACK {"jid":"0123456789ab"}\r\n
 * ```
 */
export function encodeCommand(command: Command): string {
  return `${commandLine(command)}\r\n`;
}

// The last FETCH line and the frozen queue list it was built from: a worker
// with a fixed queue order sends the same line every time, so it is checked
// and joined once, not once per job.
let lastQueues: readonly string[] | undefined;
let lastFetch = "";

function fetchLine(queues: readonly string[]): string {
  if (queues === lastQueues) return lastFetch;
  const line = `FETCH ${queues.map(checkQueueName).join(" ")}`;
  if (Object.isFrozen(queues)) {
    lastQueues = queues;
    lastFetch = line;
  }
  return line;
}

function commandLine(command: Command): string {
  switch (command.type) {
    case "FLUSH":
    case "END":
    case "INFO":
      return command.type;
    case "HELLO":
      if (typeof command.payload !== "object" || command.payload === null) {
        throw new LocalProtocolError("HELLO needs a payload object");
      }
      return `HELLO ${json(command.payload)}`;
    case "PUSH":
      return `PUSH ${jobJson(validateJob(command.job))}`;
    case "PUSHB":
      if (!Array.isArray(command.jobs)) {
        throw new LocalProtocolError("PUSHB needs an array of jobs");
      }
      return `PUSHB ${jobJson(command.jobs.map((j) => validateJob(j)))}`;
    case "FETCH": {
      if (!Array.isArray(command.queues) || command.queues.length === 0) {
        throw new LocalProtocolError("FETCH needs at least one queue");
      }
      return fetchLine(command.queues);
    }
    case "ACK":
      return `ACK ${json({ jid: jsonString(command.jid, "jid", "ACK") })}`;
    case "FAIL": {
      const p = command.payload;
      if (typeof p !== "object" || p === null) {
        throw new LocalProtocolError("FAIL needs a payload object");
      }
      jsonString(p.jid, "jid", "FAIL");
      return `FAIL ${json(p)}`;
    }
    case "BEAT": {
      const p = command.payload;
      if (typeof p !== "object" || p === null) {
        throw new LocalProtocolError("BEAT needs a payload object");
      }
      jsonString(p.wid, "wid", "BEAT");
      return `BEAT ${json(p)}`;
    }
    case "QUEUE PAUSE":
    case "QUEUE RESUME":
    case "QUEUE REMOVE": {
      const q = command.queues;
      if (q === "*") return `${command.type} *`;
      if (!Array.isArray(q) || q.length === 0) {
        throw new LocalProtocolError(
          `${command.type} needs at least one queue name or "*"`,
        );
      }
      return `${command.type} ${q.map(checkQueueName).join(" ")}`;
    }
    case "MUTATE": {
      const m = command.mutation;
      if (typeof m !== "object" || m === null) {
        throw new LocalProtocolError("MUTATE needs a mutation object");
      }
      if (!["kill", "requeue", "discard", "clear"].includes(m.cmd)) {
        throw new LocalProtocolError(`Unknown MUTATE operation ${json(m.cmd)}`);
      }
      if (!["scheduled", "retries", "dead"].includes(m.target)) {
        throw new LocalProtocolError(`Invalid MUTATE target ${json(m.target)}`);
      }
      // The server splits the MUTATE line on spaces, and JSON.stringify puts
      // spaces only inside strings: escaping them there keeps the JSON equal.
      return `MUTATE ${json(m).replaceAll(" ", "\\u0020")}`;
    }
    case "BATCH NEW":
      if (typeof command.batch !== "object" || command.batch === null) {
        throw new LocalProtocolError("BATCH NEW needs a batch object");
      }
      return `BATCH NEW ${json(command.batch)}`;
    case "BATCH OPEN":
    case "BATCH COMMIT":
    case "BATCH STATUS":
      return `${command.type} ${token(command.bid, "bid", command.type)}`;
    case "TRACK SET":
      if (typeof command.payload !== "object" || command.payload === null) {
        throw new LocalProtocolError("TRACK SET needs a payload object");
      }
      jsonString(command.payload.jid, "jid", "TRACK SET");
      return `TRACK SET ${json(command.payload)}`;
    case "TRACK GET":
      return `TRACK GET ${token(command.jid, "jid", "TRACK GET")}`;
    default: {
      const unknown: { type?: unknown } = command;
      throw new LocalProtocolError(`Unknown command ${json(unknown.type)}`);
    }
  }
}

export {
  type BatchStatus,
  type CallbackState,
  type CommandResults,
  decodeResult,
  type JobProgress,
  type ServerInfo,
  type TaskInfo,
} from "./results.ts";
