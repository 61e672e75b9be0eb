/**
 * The Queues page (size, latency, pause/resume, clear) and a queue's own
 * page (its jobs, oldest first).
 *
 * @module
 */

import { type Html, html } from "./_html.ts";
import {
  buttonForm,
  type Ctx,
  duration,
  jsonText,
  layout,
  link,
  num,
  pageOf,
  pager,
  when,
} from "./_layout.ts";

/** Jobs a list page shows. */
export const PER_PAGE = 25;

/** A queue as the lists show it. */
export interface QueueRow {
  readonly name: string;
  readonly size: number;
  readonly paused: boolean;
  /** How long its oldest job has waited, in ms (0 when empty). */
  readonly latency: number;
}

/** Every queue with its size, whether paused, and its latency. */
export function queueRows(ctx: Ctx): QueueRow[] {
  const paused = new Set(ctx.admin.pausedQueues());
  return Object.entries(ctx.server.queues()).map(([name, size]) => {
    const oldest = ctx.admin.queuePage(name, 0, 1).jobs[0]?.enqueued_at;
    const at = typeof oldest === "string" ? Date.parse(oldest) : Number.NaN;
    return {
      name,
      size,
      paused: paused.has(name),
      latency: Number.isNaN(at) ? 0 : Math.max(0, ctx.now - at),
    };
  }).sort((a, b) => a.name.localeCompare(b.name));
}

/** Latency as text: "–" for an empty queue. */
export function latencyText(q: QueueRow): string {
  return q.size === 0 ? "–" : duration(q.latency);
}

/** The link to a queue's page. */
export function queueLink(ctx: Ctx, name: string): Html {
  return html`<a href="${
    link(ctx, `/queues/${encodeURIComponent(name)}`)
  }">${name}</a>`;
}

function queueActions(ctx: Ctx, q: QueueRow, back: string): Html {
  const fields = { queue: q.name, back };
  return html`<div class="actions">${
    buttonForm(ctx, {
      action: "/queues",
      fields: { ...fields, action: q.paused ? "resume" : "pause" },
      label: q.paused ? "Resume" : "Pause",
    })
  }${
    buttonForm(ctx, {
      action: "/queues",
      fields: { ...fields, action: "clear" },
      label: "Clear",
      danger: true,
      confirm: `Remove the queue ${q.name} and its ${q.size} job(s)?`,
    })
  }</div>`;
}

/**
 * The queues table the Home and Queues pages show: name, size, latency and
 * status, with the pause/resume and clear buttons when `actions` is set.
 */
export function queueTable(
  ctx: Ctx,
  rows: readonly QueueRow[],
  empty: string,
  actions: boolean,
): Html {
  return html`
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Queue</th>
            <th class="num">Size</th>
            <th class="num">Latency</th>
            <th>Status</th>${actions ? html`<th>Actions</th>` : ""}
          </tr>
        </thead>
        <tbody>${rows.length === 0
          ? html`
            <tr>
              <td colspan="${actions ? 5 : 4}" class="empty">${empty}</td>
            </tr>
          `
          : rows.map((q) =>
            html`
              <tr>
                <td>${queueLink(ctx, q.name)}</td>
                <td class="num">${num(q.size)}</td>
                <td class="num">${latencyText(q)}</td>
                <td>${q.paused
                  ? html`<span class="badge paused">paused</span>`
                  : html`<span class="muted">active</span>`}</td>${actions
                  ? html`<td>${queueActions(ctx, q, "/queues")}</td>`
                  : ""}
              </tr>
            `
          )}</tbody>
      </table>
    </div>
  `;
}

/** GET /queues */
export function queuesPage(ctx: Ctx): Html {
  const rows = queueRows(ctx);
  const body = html`
    <div id="queues" data-live-region>
      <div class="bar">
        <h1>Queues <span class="count">${num(rows.length)}</span></h1>
      </div>
      ${queueTable(
        ctx,
        rows,
        "No queues yet: push a job and it appears here.",
        true,
      )}
    </div>
  `;
  return layout(ctx, { title: "Queues", tab: "queues", body });
}

/** GET /queues/:name */
export function queuePage(ctx: Ctx, name: string): Html {
  const row = queueRows(ctx).find((q) => q.name === name) ??
    { name, size: 0, paused: false, latency: 0 };
  const total = row.size;
  const page = pageOf(ctx, total, PER_PAGE);
  const { jobs } = ctx.admin.queuePage(name, (page - 1) * PER_PAGE, PER_PAGE);
  const back = `/queues/${encodeURIComponent(name)}`;
  const body = html`
    <div id="queue" data-live-region>
      <div
        class="bar"><h1>${name} <span class="count">${num(
          total,
        )} job${total === 1 ? "" : "s"} · latency ${latencyText(
          row,
        )}</span>${row.paused &&
          html`<span class="badge paused">paused</span>`}</h1>${queueActions(
            ctx,
            row,
            back,
          )}</div>
      ${total > PER_PAGE &&
        html`<div class="bar"><span></span>${
          pager(ctx, total, page, PER_PAGE)
        }</div>`}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>JID</th>
              <th>Job</th>
              <th>Arguments</th>
              <th>Enqueued</th>
            </tr>
          </thead>
          <tbody>${jobs.length === 0
            ? html`
              <tr>
                <td colspan="4" class="empty">This queue is empty.</td>
              </tr>
            `
            : jobs.map((job) =>
              html`
                <tr>
                  <td class="mono">${String(job.jid)}</td>
                  <td class="mono">${String(job.jobtype)}</td>
                  <td class="args mono">${jsonText(job.args)}</td>
                  <td>${when(ctx, job.enqueued_at)}</td>
                </tr>
              `
            )}</tbody>
        </table>
      </div>
    </div>
  `;
  return layout(ctx, { title: name, tab: "queues", body });
}
