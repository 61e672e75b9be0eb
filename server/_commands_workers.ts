/**
 * The worker commands of the embedded server: a worker's HELLO (which
 * records it) and BEAT (which answers with the state the server asks for).
 *
 * @module
 */

import type { CommandContext } from "./_dispatch.ts";
import { jsonObject } from "./_go_json.ts";
import { bulkReply, errorReply, OK, type Out } from "./_replies.ts";
import type { ServerState } from "./_server_state.ts";
import type { WorkerRecord } from "./_workers.ts";

/**
 * Records the client of a HELLO as a worker when it gives a wid; producers
 * (no wid) are not recorded.
 *
 * @returns The worker's record, or undefined for a producer.
 */
export function hello(
  server: ServerState,
  fields: Record<string, unknown>,
): WorkerRecord | undefined {
  const { wid } = fields;
  if (typeof wid !== "string" || wid === "") return undefined;
  return server.workers.hello(wid, fields, server.options.now());
}

/** BEAT `{wid, current_state?, rss_kb?}`: `+OK`, or `{"state":...}` to quiet or stop. */
export function beat(ctx: CommandContext, payload: string): Out {
  const fields = jsonObject(payload);
  if (!fields) return errorReply(`invalid BEAT ${payload}`);
  const wid = typeof fields.wid === "string" ? fields.wid : "";
  const w = ctx.server.workers.beat(wid, ctx.server.options.now(), {
    currentState: fields.current_state,
    rssKb: fields.rss_kb,
  });
  if (!w) return errorReply(`unknown worker ${wid}`);
  if (w.state === "running") return OK;
  // Unlike Faktory 1.8, which lets them run out their 2 s, the worker's
  // blocked FETCHes end now with no job: it is not fetching any more, so a
  // worker that stops does not wait for them.
  ctx.server.releaseWaiters(undefined, wid);
  return bulkReply(JSON.stringify({ state: w.state }));
}
