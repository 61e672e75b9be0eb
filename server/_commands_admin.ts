/**
 * The admin commands of the embedded server: INFO, FLUSH, QUEUE and MUTATE.
 *
 * @module
 */

import type { CommandContext } from "./_dispatch.ts";
import { goParse } from "./_go_json.ts";
import { mutateMatcher } from "./_glob.ts";
import { infoJson } from "./_info.ts";
import { bulkReply, errorReply, OK, type Out } from "./_replies.ts";
import type { Mutation } from "./_store.ts";

const MUTATIONS: readonly unknown[] = [
  "clear",
  "kill",
  "discard",
  "requeue",
] satisfies Mutation[];

/** INFO: the server's state as JSON. */
export function info(ctx: CommandContext): Out {
  return bulkReply(infoJson(ctx.server));
}

/** FLUSH: forgets every job (queue names survive) and the Enterprise state. */
export function flush(ctx: CommandContext): Out {
  ctx.server.flush();
  return OK;
}

/** QUEUE PAUSE|RESUME|REMOVE names (or `*`). */
export function queue(ctx: CommandContext, payload: string): Out {
  const [sub, ...names] = payload.split(" ");
  const { server } = ctx;
  switch (sub) {
    case "PAUSE":
      server.store.pause(names);
      break;
    case "RESUME":
      server.store.resume(names);
      server.wakeWaiters();
      break;
    case "REMOVE":
      server.store.remove(names);
      break;
  }
  return OK;
}

/** MUTATE `{cmd, target, filter}`: kill, requeue, discard or clear jobs of a set. */
export function mutate(ctx: CommandContext, payload: string): Out {
  if (payload.includes(" ")) return errorReply("invalid format");
  let op: Record<string, unknown>;
  try {
    const parsed = goParse(payload);
    op =
      (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<
        string,
        unknown
      >;
  } catch (err) {
    return errorReply((err as Error).message);
  }
  const { server } = ctx;
  if (!MUTATIONS.includes(op.cmd)) {
    return errorReply("unknown mutate operation");
  }
  if (!server.store.isSet(op.target)) {
    return errorReply("invalid target for mutation command");
  }
  const cmd = op.cmd as Mutation;
  // A discard without a filter empties the set, as clear does.
  const all = cmd === "clear" || (cmd === "discard" && op.filter == null);
  const requeue = server.store.mutate(
    all ? "clear" : cmd,
    op.target,
    all ? () => true : mutateMatcher(op.filter),
    server.options.now(),
  );
  for (const job of requeue) server.enqueue(job, true); // as stored
  return OK;
}
