/**
 * The Busy page: worker processes (with Quiet and Stop, one or all) and the
 * jobs they are running.
 *
 * @module
 */

import { type Html, html } from "./_html.ts";
import {
  buttonForm,
  type Ctx,
  jsonText,
  layout,
  num,
  when,
} from "./_layout.ts";
import { queueLink } from "./_pages_queues.ts";

function rss(kb: number | undefined): string {
  if (kb === undefined) return "–";
  return kb >= 1024 ? `${num(Math.round(kb / 1024))} MB` : `${num(kb)} KB`;
}

/** GET /busy */
export function busyPage(ctx: Ctx): Html {
  const workers = ctx.server.workers();
  const busy = ctx.server.busy();
  const running = new Map<string, number>();
  for (const b of busy) running.set(b.wid, (running.get(b.wid) ?? 0) + 1);
  const control = (wid: string, all: boolean, quiet = true) =>
    html`<div class="actions">${
      quiet && buttonForm(ctx, {
        action: "/busy",
        fields: { action: "quiet", wid },
        label: all ? "Quiet All" : "Quiet",
        big: all,
        ...(all ? { confirm: "Ask every process to stop fetching jobs?" } : {}),
      })
    }${
      buttonForm(ctx, {
        action: "/busy",
        fields: { action: "stop", wid },
        label: all ? "Stop All" : "Stop",
        danger: true,
        big: all,
        confirm: all
          ? "Ask every process to shut down?"
          : `Ask process ${wid} to shut down?`,
      })
    }</div>`;
  const body = html`
    <div id="busy" data-live-region>
      <div
        class="bar"><h1>Processes <span class="count">${num(
          workers.length,
        )}</span></h1>${workers.length > 0 && control("all", true)}</div>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>ID</th>
              <th>Name</th>
              <th>Last beat</th>
              <th class="num">Connections</th>
              <th class="num">RSS</th>
              <th class="num">Busy</th>
              <th>State</th>
              <th></th>
            </tr>
          </thead>
          <tbody>${workers.length === 0
            ? html`
              <tr>
                <td colspan="8"
                  class="empty">No worker process is connected. A worker appears here once it says HELLO with a wid.</td>
              </tr>
            `
            : workers.map((w) =>
              html`
                <tr>
                  <td class="mono">${w.wid}</td>
                  <td><span class="mono">${w.hostname}:${w.pid}</span> ${w
                    .labels.map((l) =>
                      html`<span class="badge label">${l}</span>`
                    )}</td>
                  <td>${when(ctx, w.lastBeat.toISOString())}</td>
                  <td class="num">${num(w.connections)}</td>
                  <td class="num">${rss(w.rssKb)}</td>
                  <td class="num">${num(running.get(w.wid) ?? 0)}</td>
                  <td><span class="badge ${w.state}">${w.state}</span></td>
                  <td>${w.state === "terminate"
                    ? ""
                    : control(w.wid, false, w.state === "running")}</td>
                </tr>
              `
            )}</tbody>
        </table>
      </div>
      <div class="bar section">
        <h2>Jobs <span class="count muted">${num(busy.length)}</span></h2>
      </div>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Process</th>
              <th>JID</th>
              <th>Queue</th>
              <th>Job</th>
              <th>Arguments</th>
              <th>Started</th>
              <th>Reserved until</th>
            </tr>
          </thead>
          <tbody>${busy.length === 0
            ? html`
              <tr>
                <td colspan="7" class="empty">No job is running.</td>
              </tr>
            `
            : busy.map((b) =>
              html`
                <tr>
                  <td class="mono">${b.wid}</td>
                  <td class="mono">${String(b.job.jid)}</td>
                  <td>${queueLink(ctx, String(b.job.queue))}</td>
                  <td class="mono">${String(b.job.jobtype)}</td>
                  <td class="args mono">${jsonText(b.job.args)}</td>
                  <td>${when(ctx, b.reservedAt.toISOString())}</td>
                  <td>${when(ctx, b.expiresAt.toISOString())}</td>
                </tr>
              `
            )}</tbody>
        </table>
      </div>
    </div>
  `;
  return layout(ctx, { title: "Busy", tab: "busy", body });
}
