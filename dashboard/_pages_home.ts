/**
 * The Home page: a live chart of jobs per second, queue sizes and the
 * server's facts.
 *
 * @module
 */

import { type Html, html } from "./_html.ts";
import { type Ctx, duration, layout, link, num } from "./_layout.ts";
import { queueRows, queueTable } from "./_pages_queues.ts";

/** GET / */
export function homePage(ctx: Ctx): Html {
  const s = ctx.info.server;
  const queues = queueRows(ctx);
  const workers = ctx.server.workers().length;
  const fact = (value: string, label: string) =>
    html`<div><b>${value}</b><span>${label}</span></div>`;
  const body = html`
    <div class="bar">
      <h1>Dashboard</h1>
      <div
        class="legend"><span class="p"><i></i>Processed <b data-rate="processed">0.0/s</b></span><span class="f"><i></i>Failed <b data-rate="failed">0.0/s</b></span></div>
    </div>
    <div class="panel chart-panel">
      <svg class="chart" data-chart role="img"
        aria-label="Jobs processed and failed per second, last 5 minutes"></svg>
    </div>
    <div id="home-queues" data-live-region>
      <h2>Queues</h2>
      ${queueTable(
        ctx,
        queues,
        "No queues yet. Point a worker or producer at the server and push a job.",
        false,
      )}
      <h2>Faktory</h2>
      <div class="facts">${[
        fact(s.faktory_version, "Version"),
        fact(duration(s.uptime * 1000), "Uptime"),
        fact(num(s.connections), "Connections"),
        fact(num(workers), "Processes"),
        fact(`${num(s.used_memory_mb)} MB`, "Memory usage"),
        fact(num(s.command_count), "Commands executed"),
      ]}</div>
      <p
        class="muted">Workers and producers connect to <code>${ctx
          .address}</code>${ctx.server.workers().length === 0
          ? html`
            · no worker process yet: see <a href="${link(
              ctx,
              "/busy",
            )}">Busy</a> once one says HELLO
          `
          : ""}</p>
    </div>
  `;
  return layout(ctx, { title: "Dashboard", tab: "home", body });
}
