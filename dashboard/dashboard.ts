/**
 * The dashboard of an embedded Faktory server: Faktory's Web UI pages
 * (Home, Busy, Queues, Retries, Scheduled, Dead, and Batches in Enterprise
 * mode), server-rendered, kept live by one small script polling a JSON API.
 * It is a web-standard handler (`Request` in, `Response` out), so it runs
 * on any runtime's HTTP server.
 *
 * @module
 */

import type { FaktoryServer } from "../server/server.ts";
import { ServerAdmin } from "../server/admin.ts";
import { act, readForm } from "./_actions.ts";
import type { Html } from "./_html.ts";
import type { Ctx } from "./_layout.ts";
import { batchesPage, batchPage } from "./_pages_batches.ts";
import { busyPage } from "./_pages_busy.ts";
import { homePage } from "./_pages_home.ts";
import { queuePage, queuesPage } from "./_pages_queues.ts";
import { jobPage, SET_PAGES, setPage } from "./_pages_sets.ts";
import {
  authorized,
  crossOrigin,
  loopbackHost,
  randomToken,
  sameSecret,
  secure,
} from "./_security.ts";
import { ASSETS } from "./_static.ts";
import { History, type Info, summaryOf } from "./_stats.ts";

/**
 * Options of {@linkcode createDashboard}.
 *
 * @example
 * ```ts
 * import type { DashboardOptions } from "@x/faktory-worker/dev";
 * const options: DashboardOptions = { password: "s3cret", pollInterval: 5000 };
 * ```
 */
export interface DashboardOptions {
  /**
   * Ask for this password with HTTP Basic auth (any user name), as
   * Faktory's Web UI does. None by default.
   */
  readonly password?: string;
  /**
   * Host names the `Host` header may carry, against DNS rebinding, or
   * `"any"` when the dashboard is served beyond this machine.
   *
   * @default {loopback names only: localhost, 127.0.0.1, ::1}
   */
  readonly hosts?: readonly string[] | "any";
  /** How often live pages refresh, in ms. @default {2000} */
  readonly pollInterval?: number;
  /** The protocol address the pages show. @default {the server's URL, without password} */
  readonly address?: string;
  /** The clock, in ms since the epoch. @default {Date.now} */
  readonly now?: () => number;
}

const HTML_TYPE = "text/html; charset=utf-8";

function respond(
  body: string | null,
  status: number,
  headers: Record<string, string> = {},
): Response {
  const h = secure(new Headers(headers));
  if (!h.has("cache-control")) h.set("cache-control", "no-store");
  return new Response(body, { status, headers: h });
}

function refusal(status: number, message: string): Response {
  return respond(`${message}\n`, status, {
    "content-type": "text/plain; charset=utf-8",
  });
}

/** The mount path a proxy says it serves the dashboard under, if sane. */
function prefixOf(request: Request): string {
  const name = request.headers.get("x-script-name") ?? "";
  return /^(\/[A-Za-z0-9._~-]+)+$/.test(name) ? name : "";
}

function segment(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * Creates the dashboard's request handler for an embedded server. Every
 * action is a POST carrying the dashboard's CSRF token, from the same
 * origin; every response has a strict Content-Security-Policy.
 *
 * @param server The embedded server to show and act on.
 * @param options Password, allowed host names, polling interval.
 * @returns The handler, for any runtime's HTTP server.
 *
 * @example Serve it next to an embedded server
 * ```ts ignore
 * import { FaktoryServer } from "@x/faktory-worker/testing";
 * import { createDashboard } from "@x/faktory-worker/dev";
 *
 * const server = await FaktoryServer.start({ port: 7419 });
 * const handler = createDashboard(server);
 * Deno.serve({ port: 7420 }, handler); // or Bun.serve({ port: 7420, fetch: handler })
 * ```
 */
export function createDashboard(
  server: FaktoryServer,
  options: DashboardOptions = {},
): (request: Request) => Promise<Response> {
  const admin = new ServerAdmin(server);
  const csrf = randomToken();
  const history = new History();
  const now = options.now ?? Date.now;
  const hosts = options.hosts ?? [];
  const poll = options.pollInterval ?? 2000;

  const hostAllowed = (request: Request) => {
    if (hosts === "any" || loopbackHost(request)) return true;
    const host = request.headers.get("host") ?? "";
    return hosts.some((h) => host === h || host.startsWith(`${h}:`));
  };

  const context = (request: Request): Ctx => ({
    server,
    admin,
    url: new URL(request.url),
    now: now(),
    prefix: prefixOf(request),
    csrf,
    poll,
    info: admin.info() as unknown as Info,
    address: options.address ?? server.url.replace(/\/\/[^@/]*@/, "//"),
  });

  const page = (markup: Html) =>
    respond(markup.toString(), 200, { "content-type": HTML_TYPE });

  const redirect = (ctx: Ctx, path: string, status = 303) =>
    respond(null, status, { location: `${ctx.prefix}${path}` });

  function get(request: Request, path: string): Response {
    if (path.startsWith("/static/")) {
      const asset = ASSETS[path.slice(8)];
      if (!asset || !Object.hasOwn(ASSETS, path.slice(8))) {
        return refusal(404, "Not found");
      }
      return respond(asset.body, 200, {
        "content-type": asset.type,
        "cache-control": "private, max-age=31536000, immutable",
      });
    }
    const ctx = context(request);
    if (path === "/api/stats") {
      const s = summaryOf(ctx.info);
      history.sample(ctx.now, s.processed, s.failed);
      const since = Number(ctx.url.searchParams.get("since") ?? "0") || 0;
      return respond(
        JSON.stringify({
          now: ctx.now,
          time: ctx.info.server_utc_time,
          summary: s,
          history: history.since(since),
        }),
        200,
        { "content-type": "application/json" },
      );
    }
    if (path === "/") return page(homePage(ctx));
    if (path === "/busy") return page(busyPage(ctx));
    if (path === "/queues") return page(queuesPage(ctx));
    if (path === "/batches" && server.enterprise) {
      return page(batchesPage(ctx));
    }
    const [, first = "", second, ...rest] = path.split("/");
    const key = second === undefined ? undefined : segment(second);
    if (rest.length > 0 || (second !== undefined && !key)) {
      return refusal(404, "Not found");
    }
    if (first === "queues" && key) return page(queuePage(ctx, key));
    if (first === "batches" && key && server.enterprise) {
      const found = batchPage(ctx, key);
      return found ? page(found) : redirect(ctx, "/batches", 302);
    }
    if (Object.hasOwn(SET_PAGES, first)) {
      const set = SET_PAGES[first as keyof typeof SET_PAGES];
      if (!key) return page(setPage(ctx, set));
      const found = jobPage(ctx, set, key);
      return found ? page(found) : redirect(ctx, `/${first}?done=gone`, 302);
    }
    return refusal(404, "Not found");
  }

  async function post(request: Request, path: string): Promise<Response> {
    const why = crossOrigin(request);
    if (why !== undefined) return refusal(403, `Forbidden: ${why}`);
    const form = await readForm(request);
    if (typeof form === "number") {
      return refusal(form, form === 413 ? "Form too large" : "Not a form");
    }
    if (!await sameSecret(form.get("_csrf") ?? "", csrf)) {
      return refusal(
        403,
        "Forbidden: the form's security token is missing or out of date; reload the page and try again",
      );
    }
    const outcome = act(server, admin, path, form);
    if (outcome === undefined) return refusal(404, "Not found");
    if ("status" in outcome) return refusal(outcome.status, outcome.message);
    const ctx = context(request);
    const sep = outcome.back.includes("?") ? "&" : "?";
    return redirect(
      ctx,
      `${outcome.back}${sep}done=${outcome.done}&n=${outcome.n}`,
    );
  }

  return async (request) => {
    if (!hostAllowed(request)) {
      return refusal(403, "Forbidden: this host name is not served here");
    }
    if (
      options.password !== undefined &&
      !await authorized(request, options.password)
    ) {
      return respond("Authentication required\n", 401, {
        "www-authenticate": 'Basic realm="Faktory"',
        "content-type": "text/plain; charset=utf-8",
      });
    }
    const path = new URL(request.url).pathname;
    switch (request.method) {
      case "GET":
      case "HEAD":
        return get(request, path);
      case "POST":
        return await post(request, path);
      default:
        return respond("Method not allowed\n", 405, {
          allow: "GET, HEAD, POST",
          "content-type": "text/plain; charset=utf-8",
        });
    }
  };
}
