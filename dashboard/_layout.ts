/**
 * The frame of every dashboard page (header with tabs, summary bar,
 * footer) and the small pieces pages share: links under the script name,
 * forms with the CSRF token, times, pagers and job fields.
 *
 * @module
 */

import type { FaktoryServer } from "../server/server.ts";
import type { ServerAdmin } from "../server/admin.ts";
import { type Html, html, type HtmlValue, raw } from "./_html.ts";
import { type Info, summaryOf } from "./_stats.ts";
import { ASSET_VERSION } from "./_static.ts";

/** What every page is rendered with. */
export interface Ctx {
  readonly server: FaktoryServer;
  readonly admin: ServerAdmin;
  readonly url: URL;
  readonly now: number;
  /** The path the dashboard is mounted under (X-Script-Name), or "". */
  readonly prefix: string;
  readonly csrf: string;
  /** The polling interval of live pages, in ms. */
  readonly poll: number;
  readonly info: Info;
  /** The protocol address shown in the footer (no password). */
  readonly address: string;
}

/** The tabs, in Faktory's order. */
const TABS = [
  ["home", "/", "Home"],
  ["busy", "/busy", "Busy"],
  ["queues", "/queues", "Queues"],
  ["retries", "/retries", "Retries"],
  ["scheduled", "/scheduled", "Scheduled"],
  ["dead", "/dead", "Dead"],
] as const;

/** A page's tab. */
export type Tab = (typeof TABS)[number][0] | "batches";

/** The logo: a factory, drawn in the text colour with amber windows. */
export const LOGO: Html = raw(
  `<svg viewBox="0 0 32 32" aria-hidden="true"><path fill="currentColor" d="M4 6h4v9H4zM11 2h4v11h-4zM2 30V16l8-4v4l8-4v4l8-4v4l4-2v16z"/><path fill="#f4a340" d="M6 21h3v6H6zm6 0h3v6h-3zm6 0h3v6h-3zm6 0h3v6h-3z"/></svg>`,
);

/** A path under the dashboard's mount point. */
export function link(ctx: Ctx, path: string): string {
  return `${ctx.prefix}${path}`;
}

/** The hidden CSRF field every form carries. */
export function csrfField(ctx: Ctx): Html {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;
}

/** Options of a one-button form. */
export interface ButtonForm {
  readonly action: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly label: string;
  readonly danger?: boolean;
  readonly confirm?: string;
  readonly big?: boolean;
}

/** A POST form with one button. */
export function buttonForm(ctx: Ctx, f: ButtonForm): Html {
  const cls = `btn${f.danger ? " danger" : ""}${f.big ? " big" : ""}`;
  return html`
    <form method="post"
      action="${link(ctx, f.action)}">${csrfField(ctx)}${Object.entries(
        f.fields,
      ).map(([k, v]) =>
        html`<input type="hidden" name="${k}" value="${v}">`
      )}<button class="${cls}" type="submit"${f.confirm
        ? html`
          data-confirm="${f.confirm}"
        `
        : ""}>${f.label}</button></form>
  `;
}

/** A number with thousands separators. */
export function num(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** A duration in words: "12 seconds", "3 minutes", "2 hours", "4 days". */
export function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  const [n, unit] = s < 60
    ? [s, "second"]
    : s < 3600
    ? [Math.round(s / 60), "minute"]
    : s < 86400
    ? [Math.round(s / 3600), "hour"]
    : [Math.round(s / 86400), "day"];
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** A time as "3 minutes ago" or "in 5 seconds", with the exact time on hover. */
export function when(ctx: Ctx, time: unknown): Html {
  const ms = typeof time === "string" ? Date.parse(time) : Number.NaN;
  if (Number.isNaN(ms)) return html`<span class="muted">–</span>`;
  const d = ms - ctx.now;
  const text = Math.abs(d) < 1000
    ? "just now"
    : d < 0
    ? `${duration(d)} ago`
    : `in ${duration(d)}`;
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}" title="${iso}">${text}</time>`;
}

/** JSON text of a value, cut at `max` characters as Faktory's lists do. */
export function jsonText(value: unknown, max = 1024): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? "";
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A job's failure as "ErrorType: message". */
export function errorOf(job: Record<string, unknown>): Html {
  const f = job.failure as Record<string, unknown> | undefined;
  if (!f) return html`<span class="muted">–</span>`;
  return html`<b>${String(f.errtype ?? "")}</b>: ${
    String(f.message ?? "").slice(0, 500)
  }`;
}

/** The pager: « 1 2 … 9 » for `total` items, `per` a page. */
export function pager(
  ctx: Ctx,
  total: number,
  page: number,
  per: number,
): Html {
  const pages = Math.max(1, Math.ceil(total / per));
  if (pages === 1) return html``;
  const href = (p: number) => {
    const url = new URL(ctx.url);
    url.searchParams.set("page", String(p));
    url.searchParams.delete("done");
    url.searchParams.delete("n");
    return link(ctx, `${url.pathname}${url.search}`);
  };
  const shown = [...new Set([1, page - 1, page, page + 1, pages])]
    .filter((p) => p >= 1 && p <= pages).sort((a, b) => a - b);
  const items: HtmlValue[] = [];
  if (page > 1) items.push(html`<a href="${href(page - 1)}" rel="prev">«</a>`);
  shown.forEach((p, i) => {
    if (i > 0 && p - shown[i - 1]! > 1) {
      items.push(html`<span class="gap">…</span>`);
    }
    items.push(
      p === page
        ? html`<span class="current">${p}</span>`
        : html`<a href="${href(p)}">${p}</a>`,
    );
  });
  if (page < pages) {
    items.push(html`<a href="${href(page + 1)}" rel="next">»</a>`);
  }
  return html`<nav class="pager" aria-label="Pages">${items}</nav>`;
}

/** The page number asked for, within 1..pages. */
export function pageOf(ctx: Ctx, total: number, per: number): number {
  const asked = Number.parseInt(ctx.url.searchParams.get("page") ?? "1", 10);
  const pages = Math.max(1, Math.ceil(total / per));
  return Math.min(Math.max(Number.isFinite(asked) ? asked : 1, 1), pages);
}

/** The messages a redirect after an action shows (no text from the request). */
const DONE: Record<string, (n: number) => string> = {
  requeue: (n) => `${jobs(n)} queued to run now`,
  discard: (n) => `${jobs(n)} deleted`,
  kill: (n) => `${jobs(n)} moved to the dead set`,
  quiet: (n) => `${processes(n)} asked to quiet`,
  stop: (n) => `${processes(n)} asked to stop`,
  pause: () => "Queue paused",
  resume: () => "Queue resumed",
  clear: () => "Queue cleared",
  none: () => "Nothing was selected",
  gone: () => "That job is no longer there",
};
const jobs = (n: number) => `${num(n)} job${n === 1 ? "" : "s"}`;
const processes = (n: number) => `${num(n)} process${n === 1 ? "" : "es"}`;

function notice(ctx: Ctx): Html {
  const done = ctx.url.searchParams.get("done") ?? "";
  const message = Object.hasOwn(DONE, done) ? DONE[done] : undefined;
  if (!message) return html``;
  const n = Number.parseInt(ctx.url.searchParams.get("n") ?? "0", 10) || 0;
  const warn = done === "none" || done === "gone";
  return html`<div class="notice${warn ? " warn" : ""}" role="status">${
    message(n)
  }</div>`;
}

function summary(ctx: Ctx): Html {
  const s = summaryOf(ctx.info);
  const cell = (key: keyof typeof s, label: string, href?: string) => {
    const inner = html`<b data-stat="${key}">${
      num(s[key])
    }</b><span>${label}</span>`;
    return href
      ? html`<a href="${link(ctx, href)}">${inner}</a>`
      : html`<div class="${key}">${inner}</div>`;
  };
  return html`<section class="summary" aria-label="Summary">${[
    cell("processed", "Processed"),
    cell("failed", "Failed"),
    cell("busy", "Busy", "/busy"),
    cell("enqueued", "Enqueued", "/queues"),
    cell("retries", "Retries", "/retries"),
    cell("scheduled", "Scheduled", "/scheduled"),
    cell("dead", "Dead", "/dead"),
  ]}</section>`;
}

/** A whole page. */
export function layout(
  ctx: Ctx,
  page: { readonly title: string; readonly tab: Tab; readonly body: Html },
): Html {
  const tabs = ctx.server.enterprise
    ? [...TABS, ["batches", "/batches", "Batches"] as const]
    : TABS;
  const version = ctx.info.server.faktory_version;
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>${page.title} · Faktory</title>
        <link rel="icon" href="${link(
          ctx,
          `/static/favicon.svg?v=${ASSET_VERSION}`,
        )}">
        <link rel="stylesheet" href="${link(
          ctx,
          `/static/app.css?v=${ASSET_VERSION}`,
        )}">
        <script src="${link(
          ctx,
          `/static/app.js?v=${ASSET_VERSION}`,
        )}" defer></script>
      </head>
      <body data-api="${link(ctx, "/api/stats")}" data-poll="${ctx.poll}">
        <header class="top">
          <a class="brand"
            href="${link(ctx, "/")}">${LOGO}Faktory<small>DEV</small></a>
          <nav class="tabs">${tabs.map(([id, href, label]) =>
            html`
              <a href="${link(ctx, href)}" ${id === page.tab
                ? html`
                  class="active" aria-current="page"
                `
                : ""}>${label}</a>
            `
          )}</nav>
          <div
            class="status"><span class="live" data-live-status>Static</span><label><span class="muted">every</span> <select data-poll-select aria-label="Polling interval"><option value="1000">1 s</option><option value="2000">2 s</option><option value="5000">5 s</option><option value="10000">10 s</option><option value="0">off</option></select></label></div>
        </header>
        <main>
    ${summary(ctx)}
    ${notice(ctx)}
    ${page.body}
        </main>
        <footer><span>Faktory ${version} (embedded${ctx.server.enterprise
          ? ", enterprise"
          : ""})</span><span>${ctx.address}</span><span data-stat-time>${ctx
          .info
          .server_utc_time}</span><span class="dim">@x/faktory-worker dev</span></footer>
      </body>
    </html>
  `;
}
