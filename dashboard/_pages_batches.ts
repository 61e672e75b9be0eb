/**
 * The Batches page (Enterprise mode): every batch with its progress and
 * callbacks, newest first, and a batch's own page.
 *
 * @module
 */

import type { BatchStatus, CallbackState } from "../core/results.ts";
import { type Html, html } from "./_html.ts";
import { type Ctx, layout, link, num, pageOf, pager, when } from "./_layout.ts";
import { PER_PAGE } from "./_pages_queues.ts";

function callback(st: CallbackState): Html {
  return st === "2"
    ? html`<span class="badge running">succeeded</span>`
    : st === "1"
    ? html`<span class="badge quiet">pushed</span>`
    : html`<span class="muted">waiting</span>`;
}

function batchLink(ctx: Ctx, bid: string): Html {
  return html`<a class="mono" href="${
    link(ctx, `/batches/${encodeURIComponent(bid)}`)
  }">${bid}</a>`;
}

function progress(b: BatchStatus): string {
  const done = b.total - b.pending;
  return b.total === 0 ? "–" : `${Math.floor((done / b.total) * 100)}%`;
}

/** GET /batches */
export function batchesPage(ctx: Ctx): Html {
  const batches = ctx.server.batches().reverse();
  const total = batches.length;
  const page = pageOf(ctx, total, PER_PAGE);
  const shown = batches.slice((page - 1) * PER_PAGE, page * PER_PAGE);
  const body = html`
    <div id="batches" data-live-region>
      <div
        class="bar"><h1>Batches <span class="count">${num(
          total,
        )}</span></h1>${pager(ctx, total, page, PER_PAGE)}</div>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Batch</th>
              <th>Description</th>
              <th>Created</th>
              <th class="num">Total</th>
              <th class="num">Pending</th>
              <th class="num">Failed</th>
              <th class="num">Done</th>
              <th>Complete</th>
              <th>Success</th>
            </tr>
          </thead>
          <tbody>${shown.length === 0
            ? html`
              <tr>
                <td colspan="9" class="empty">No batches yet.</td>
              </tr>
            `
            : shown.map((b) =>
              html`
                <tr>
                  <td>${batchLink(ctx, b.bid)}</td>
                  <td>${b.description ?? ""}</td>
                  <td>${when(ctx, b.created_at)}</td>
                  <td class="num">${num(b.total)}</td>
                  <td class="num">${num(b.pending)}</td>
                  <td class="num">${num(b.failed)}</td>
                  <td class="num">${progress(b)}</td>
                  <td>${callback(b.complete_st)}</td>
                  <td>${callback(b.success_st)}</td>
                </tr>
              `
            )}</tbody>
        </table>
      </div>
    </div>
  `;
  return layout(ctx, { title: "Batches", tab: "batches", body });
}

/** GET /batches/:bid (undefined: no such batch). */
export function batchPage(ctx: Ctx, bid: string): Html | undefined {
  const b = ctx.server.batch(bid);
  if (!b) return undefined;
  const children = ctx.server.batches().filter((c) => c.parent_bid === bid);
  const row = (label: string, value: Html | string) =>
    html`
      <dt>${label}</dt>
      <dd>${value}</dd>
    `;
  const body = html`
    <div id="batch" data-live-region>
      <div class="bar">
        <h1><a href="${link(
          ctx,
          "/batches",
        )}">Batches</a> <span class="muted">/</span> <span class="mono">${bid}</span></h1>
      </div>
      <div class="panel">
        <dl class="job">${[
          row("Description", b.description ?? ""),
          row(
            "Parent",
            b.parent_bid
              ? batchLink(ctx, b.parent_bid)
              : html`<span class="muted">none</span>`,
          ),
          row("Created", when(ctx, b.created_at)),
          row(
            "Jobs",
            `${num(b.total)} total, ${num(b.pending)} pending, ${
              num(b.failed)
            } failed (${progress(b)} done)`,
          ),
          row("Complete callback", callback(b.complete_st)),
          row("Success callback", callback(b.success_st)),
          row(
            "Child batches",
            children.length === 0
              ? html`<span class="muted">none</span>`
              : html`${
                children.map((c) =>
                  html`
                    ${batchLink(ctx, c.bid)}
                  `
                )
              }`,
          ),
        ]}</dl>
      </div>
    </div>
  `;
  return layout(ctx, { title: `Batch ${bid}`, tab: "batches", body });
}
