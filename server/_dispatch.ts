/**
 * Dispatch of the embedded server's commands to their handlers, with the
 * error replies of Faktory 1.8 for unknown, Enterprise-only (unless
 * Enterprise is on) and bare verbs.
 *
 * @module
 */

import { flush, info, mutate, queue } from "./_commands_admin.ts";
import { batch, track } from "./_commands_enterprise.ts";
import { ack, fail, fetch, push, pushBulk } from "./_commands_jobs.ts";
import { beat } from "./_commands_workers.ts";
import type { ServerState } from "./_server_state.ts";
import type { WorkerRecord } from "./_workers.ts";
import { errorReply, type Out } from "./_replies.ts";

/** What a command handler knows about the connection it runs on. */
export interface CommandContext {
  /** The server. */
  readonly server: ServerState;
  /** The worker id from HELLO; undefined for a producer. */
  readonly wid: string | undefined;
  /** The worker's record, for a worker's connection. */
  readonly worker: WorkerRecord | undefined;
}

/** Verbs whose bare form (no payload) crashes a Faktory 1.8 server. */
const NEEDS_PAYLOAD = new Set([
  "PUSH",
  "PUSHB",
  "ACK",
  "FAIL",
  "BEAT",
  "QUEUE",
  "MUTATE",
  "BATCH",
  "TRACK",
]);

/**
 * Runs one command (END and HELLO excepted).
 *
 * @returns The reply, or a Promise of it for a FETCH that waits.
 */
export function dispatch(
  ctx: CommandContext,
  verb: string,
  payload: string | undefined,
): Out | Promise<Out> {
  if (payload === undefined && NEEDS_PAYLOAD.has(verb)) {
    return errorReply(
      `${verb} needs a payload (a bare ${verb} crashes Faktory 1.8 servers)`,
    );
  }
  const p = payload ?? "";
  switch (verb) {
    case "PUSH":
      return push(ctx, p);
    case "PUSHB":
      return pushBulk(ctx, p);
    case "FETCH":
      return payload === undefined
        ? errorReply("must call fetch with at least one queue")
        : fetch(ctx, p.split(" "));
    case "ACK":
      return ack(ctx, p);
    case "FAIL":
      return fail(ctx, p);
    case "BEAT":
      return beat(ctx, p);
    case "INFO":
      return info(ctx);
    case "FLUSH":
      return flush(ctx);
    case "QUEUE":
      return queue(ctx, p);
    case "MUTATE":
      return mutate(ctx, p);
    case "BATCH":
      return ctx.server.enterprise
        ? batch(ctx, ctx.server.enterprise, p)
        : errorReply("batch subsystem is only available in Faktory Enterprise");
    case "TRACK":
      return ctx.server.enterprise
        ? track(ctx, ctx.server.enterprise, p)
        : errorReply(
          "tracking subsystem is only available in Faktory Enterprise",
        );
    default:
      return errorReply(`unknown command ${verb}`);
  }
}
