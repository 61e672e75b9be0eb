/**
 * The Enterprise commands of the embedded server, when it runs with
 * `enterprise: true`: BATCH NEW|OPEN|COMMIT|STATUS and TRACK SET|GET. Where
 * Faktory Enterprise's own error texts are unknown, the messages say what is
 * wrong in the words of the open-source server's other replies.
 *
 * @module
 */

import { checkQueueName } from "../core/job.ts";
import type { CommandContext } from "./_dispatch.ts";
import type { Enterprise } from "./_enterprise.ts";
import type { BatchSpec, CallbackKind } from "./_enterprise_batches.ts";
import type { TrackUpdate } from "./_enterprise_tracking.ts";
import { firstWord } from "./_framing.ts";
import { checkJobTypes, goKind, goParse } from "./_go_json.ts";
import { parseGoTime } from "./_go_time.ts";
import { normalizeJob } from "./_job_payload.ts";
import { bulkReply, errorReply, OK, type Out } from "./_replies.ts";

/** A payload's subcommand and its argument ("" when none). */
function split(payload: string): [sub: string, rest: string] {
  const [sub, rest = ""] = firstWord(payload);
  return [sub, rest];
}

const noSuchBatch = (bid: string) => errorReply(`no such batch ${bid}`);

/** BATCH NEW|OPEN|COMMIT|STATUS. */
export function batch(
  ctx: CommandContext,
  ent: Enterprise,
  payload: string,
): Out {
  const [sub, arg] = split(payload);
  switch (sub) {
    case "NEW": {
      const spec = batchSpec(ctx, ent, arg);
      if (typeof spec === "string") return errorReply(spec);
      return bulkReply(ent.batches.create(spec, ctx.server.options.now()));
    }
    case "OPEN":
      return ent.batches.has(arg) ? bulkReply(arg) : noSuchBatch(arg);
    case "COMMIT":
      return ent.commit(arg, ctx.server.options.now()) ? OK : noSuchBatch(arg);
    case "STATUS": {
      const status = ent.batches.status(arg);
      return status ? bulkReply(JSON.stringify(status)) : noSuchBatch(arg);
    }
    default:
      return errorReply(`unknown BATCH subcommand ${sub}`);
  }
}

/** A JSON object, Go's unmarshal error, or `{}` for null. */
function object(
  json: string,
  goType: string,
): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = goParse(json);
  } catch (err) {
    return `invalid JSON: ${(err as Error).message}`;
  }
  if (value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    return `invalid JSON: json: cannot unmarshal ${
      goKind(value).split(" ")[0]
    } into Go value of type ${goType}`;
  }
  return value as Record<string, unknown>;
}

/** Go's message for a field of the wrong JSON type. */
function fieldType(field: string, value: unknown, type: string): string {
  return `invalid JSON: json: cannot unmarshal ${
    goKind(value).split(" ")[0]
  } into Go struct field Batch.${field} of type ${type}`;
}

/** A random jid for a callback job given without one: 24 hex digits. */
function newJid(random: () => number): string {
  let jid = "";
  for (let i = 0; i < 24; i++) jid += Math.floor(random() * 16).toString(16);
  return jid;
}

/** The body of BATCH NEW, checked: a spec or the error message. */
function batchSpec(
  ctx: CommandContext,
  ent: Enterprise,
  json: string,
): BatchSpec | string {
  const raw = object(json, "client.Batch");
  if (typeof raw === "string") return raw;
  for (const field of ["bid", "description", "parent_bid"]) {
    const v = raw[field];
    if (v != null && typeof v !== "string") {
      return fieldType(field, v, "string");
    }
  }
  if (raw.bid) {
    return "bid must be blank when creating a new batch: the server assigns it";
  }
  const callbacks: Partial<Record<CallbackKind, Record<string, unknown>>> = {};
  for (const kind of ["complete", "success"] as const) {
    const v = raw[kind];
    if (v == null) continue;
    if (typeof v !== "object" || Array.isArray(v)) {
      return fieldType(kind, v, "client.Job");
    }
    try {
      checkJobTypes(v);
    } catch (err) {
      return `invalid JSON: ${(err as Error).message}`;
    }
    const given = v as Record<string, unknown>;
    const { options } = ctx.server;
    const job = { ...given, jid: given.jid || newJid(options.random) };
    const checked = normalizeJob(job, options.now(), options.defaultRetry);
    let problem = typeof checked === "string" ? checked : undefined;
    if (typeof checked !== "string") {
      try {
        checkQueueName(checked.queue);
      } catch (err) {
        problem = (err as Error).message;
      }
    }
    if (problem !== undefined) return `invalid ${kind} callback: ${problem}`;
    callbacks[kind] = job;
  }
  if (!callbacks.complete && !callbacks.success) {
    return "batch must have a success or complete callback";
  }
  const parentBid = (raw.parent_bid as string | null | undefined) || undefined;
  if (parentBid !== undefined && !ent.batches.has(parentBid)) {
    return `no such batch ${parentBid}`;
  }
  return {
    description: (raw.description as string | null | undefined) ?? "",
    parentBid,
    complete: callbacks.complete,
    success: callbacks.success,
  };
}

/** TRACK SET|GET. */
export function track(
  ctx: CommandContext,
  ent: Enterprise,
  payload: string,
): Out {
  const [sub, arg] = split(payload);
  switch (sub) {
    case "GET":
      return bulkReply(JSON.stringify(ent.tracks.get(arg)));
    case "SET":
      return trackSet(ctx, ent, arg);
    default:
      return errorReply(`unknown TRACK subcommand ${sub}`);
  }
}

/** TRACK SET `{jid, percent?, desc?, reserve_until?}`. */
function trackSet(ctx: CommandContext, ent: Enterprise, json: string): Out {
  const raw = object(json, "client.JobTrack");
  if (typeof raw === "string") return errorReply(raw);
  const { jid, percent, desc, reserve_until: until } = raw;
  if (typeof jid !== "string" || jid === "") {
    return errorReply("TRACK SET needs a jid");
  }
  if (
    percent != null &&
    (!Number.isInteger(percent) || (percent as number) < 0 ||
      (percent as number) > 100)
  ) {
    return errorReply(
      `percent must be a whole number from 0 to 100, got ${
        JSON.stringify(percent)
      }`,
    );
  }
  if (desc != null && typeof desc !== "string") {
    return errorReply(`desc must be a string, got ${JSON.stringify(desc)}`);
  }
  let reserveUntil: number | undefined;
  if (until != null && until !== "") {
    const ms = typeof until === "string"
      ? parseGoTime(until)
      : `not a string: ${JSON.stringify(until)}`;
    if (typeof ms === "string") {
      return errorReply(`invalid reserve_until: ${ms}`);
    }
    reserveUntil = ms;
  }
  const update: { -readonly [K in keyof TrackUpdate]: TrackUpdate[K] } = {};
  if ("percent" in raw) update.percent = percent as number | null;
  if ("desc" in raw) update.desc = desc as string | null;
  const { server } = ctx;
  if (reserveUntil !== undefined) server.store.extend(jid, reserveUntil);
  ent.tracks.set(jid, update, server.options.now());
  return OK;
}
