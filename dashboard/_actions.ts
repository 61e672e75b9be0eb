/**
 * The dashboard's actions: each a POST form (already checked for origin
 * and CSRF token) answered by a redirect back to its page, whose notice
 * says what was done. Reading the form is bounded in size.
 *
 * @module
 */

import type { FaktoryServer } from "../server/server.ts";
import type { JobSet, ServerAdmin } from "../server/admin.ts";
import { SET_PAGES, type SetAction } from "./_pages_sets.ts";

/** The largest form accepted, in bytes. */
export const MAX_FORM_BYTES: number = 1 << 20;

/** What an action came to: where to go and what to say, or a refusal. */
export type Outcome =
  | { readonly back: string; readonly done: string; readonly n: number }
  | { readonly status: number; readonly message: string };

/**
 * Reads an urlencoded form of at most {@linkcode MAX_FORM_BYTES}.
 *
 * @returns The form, or the HTTP status that refuses it.
 */
export async function readForm(
  request: Request,
): Promise<URLSearchParams | number> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) return 415;
  const length = Number(request.headers.get("content-length") ?? "0");
  if (length > MAX_FORM_BYTES) return 413;
  if (request.body === null) return new URLSearchParams();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_FORM_BYTES) {
      await reader.cancel();
      return 413;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) bytes.set(c, offset), offset += c.length;
  return new URLSearchParams(new TextDecoder().decode(bytes));
}

/** A path of this dashboard to go back to, or the fallback. */
export function backPath(value: string | null, fallback: string): string {
  return value !== null && /^\/(?![/\\])[A-Za-z0-9/_.~%?=&-]*$/.test(value)
    ? value
    : fallback;
}

const bad = (message: string): Outcome => ({ status: 400, message });

function workers(
  server: FaktoryServer,
  form: URLSearchParams,
): Outcome {
  const action = form.get("action");
  if (action !== "quiet" && action !== "stop") return bad("Unknown action");
  const wid = form.get("wid") ?? "";
  const wids = wid === "all"
    ? server.workers().filter((w) => w.state !== "terminate").map((w) => w.wid)
    : [wid];
  let n = 0;
  for (const w of wids) {
    try {
      if (action === "quiet") server.quiet(w);
      else server.terminate(w);
      n++;
    } catch { /* gone meanwhile */ }
  }
  return { back: "/busy", done: action, n };
}

function queues(admin: ServerAdmin, form: URLSearchParams): Outcome {
  const action = form.get("action");
  const queue = form.get("queue") ?? "";
  if (queue === "" || queue.includes(" ") || queue === "*") {
    return bad("Not a queue name");
  }
  const back = backPath(form.get("back"), "/queues");
  switch (action) {
    case "pause":
      admin.pauseQueues([queue]);
      break;
    case "resume":
      admin.resumeQueues([queue]);
      break;
    case "clear":
      admin.removeQueues([queue]);
      return { back: "/queues", done: action, n: 1 };
    default:
      return bad("Unknown action");
  }
  return { back, done: action, n: 1 };
}

function jobs(admin: ServerAdmin, set: JobSet, form: URLSearchParams): Outcome {
  const action = form.get("action") as SetAction | null;
  if (!SET_PAGES[set].actions.some(([a]) => a === action)) {
    return bad("Unknown action");
  }
  const back = backPath(form.get("back"), `/${set}`);
  const keys = form.getAll("key").filter((k) => k !== "");
  if (keys.length === 0) return { back, done: "none", n: 0 };
  const n = admin.mutate(set, action!, keys.includes("all") ? "all" : keys);
  return { back, done: action!, n };
}

/**
 * Runs the action a form asks for on the page at `path`.
 *
 * @returns The outcome, or undefined when no action lives at that path.
 */
export function act(
  server: FaktoryServer,
  admin: ServerAdmin,
  path: string,
  form: URLSearchParams,
): Outcome | undefined {
  switch (path) {
    case "/busy":
      return workers(server, form);
    case "/queues":
      return queues(admin, form);
    case "/scheduled":
    case "/retries":
    case "/dead":
      return jobs(admin, path.slice(1) as JobSet, form);
  }
  return undefined;
}
