/**
 * The Scheduled, Retries and Dead pages (paged lists with checkboxes and
 * actions on a selection or on all) and a job's page (arguments, error,
 * backtrace and the raw job).
 *
 * @module
 */

import type { JobSet } from "../server/admin.ts";
import { type Html, html } from "./_html.ts";
import {
  buttonForm,
  csrfField,
  type Ctx,
  errorOf,
  jsonText,
  layout,
  link,
  num,
  pageOf,
  pager,
  when,
} from "./_layout.ts";
import { PER_PAGE, queueLink } from "./_pages_queues.ts";

/** The MUTATE commands the pages offer. */
export type SetAction = "requeue" | "discard" | "kill";

/** What differs between the three set pages. */
export interface SetPage {
  readonly set: JobSet;
  readonly title: string;
  /** The heading of the time column. */
  readonly timeLabel: string;
  /** The time a job is listed by. */
  readonly time: (job: Record<string, unknown>) => unknown;
  readonly showError: boolean;
  /** Buttons, by action: label on a selection and on all. */
  readonly actions: readonly [SetAction, string, string][];
}

const failure = (job: Record<string, unknown>) =>
  (job.failure ?? {}) as Record<string, unknown>;

/** The three set pages, by path. */
export const SET_PAGES: Readonly<Record<JobSet, SetPage>> = {
  scheduled: {
    set: "scheduled",
    title: "Scheduled",
    timeLabel: "When",
    time: (job) => job.at,
    showError: false,
    actions: [["requeue", "Enqueue now", "Enqueue all"], [
      "discard",
      "Delete",
      "Delete all",
    ]],
  },
  retries: {
    set: "retries",
    title: "Retries",
    timeLabel: "Next retry",
    time: (job) => failure(job).next_at,
    showError: true,
    actions: [["requeue", "Retry now", "Retry all"], [
      "discard",
      "Delete",
      "Delete all",
    ], ["kill", "Kill", "Kill all"]],
  },
  dead: {
    set: "dead",
    title: "Dead",
    timeLabel: "Failed",
    time: (job) => failure(job).failed_at,
    showError: true,
    actions: [["requeue", "Retry now", "Retry all"], [
      "discard",
      "Delete",
      "Delete all",
    ]],
  },
};

const CONFIRM: Record<SetAction, string> = {
  requeue: "",
  discard: "Delete these jobs for good?",
  kill: "Move these jobs to the dead set?",
};

function jobHref(ctx: Ctx, set: JobSet, jid: unknown): string {
  return link(ctx, `/${set}/${encodeURIComponent(String(jid))}`);
}

/** GET /scheduled, /retries, /dead */
export function setPage(ctx: Ctx, p: SetPage): Html {
  const total = ctx.admin.setPage(p.set, 0, 0).total;
  const page = pageOf(ctx, total, PER_PAGE);
  const { jobs } = ctx.admin.setPage(p.set, (page - 1) * PER_PAGE, PER_PAGE);
  const back = `/${p.set}${page > 1 ? `?page=${page}` : ""}`;
  const all = total > 0 &&
    html`<div class="actions">${
      p.actions.map(([action, , label]) =>
        buttonForm(ctx, {
          action: `/${p.set}`,
          fields: { action, key: "all", back: `/${p.set}` },
          label,
          danger: action !== "requeue",
          confirm: `${label}: ${num(total)} job${total === 1 ? "" : "s"}?`,
        })
      )
    }</div>`;
  const cols = 5 + (p.set === "retries" ? 1 : 0) + (p.showError ? 1 : 0);
  const body = html`
    <div id="set" data-live-region>
      <div
        class="bar"><h1>${p.title} <span class="count">${num(
          total,
        )}</span></h1>${all}</div>
      <form method="post" action="${link(ctx, `/${p.set}`)}"
        data-selection>${csrfField(
          ctx,
        )}<input type="hidden" name="back" value="${back}">
    <div class="bar"><div class="actions">${p.actions.map(([action, label]) =>
      html`
        <button class="btn${action === "requeue"
          ? ""
          : " danger"}" type="submit" name="action" value="${action}"
          data-needs-selection${CONFIRM[action] && html`
            data-confirm="${CONFIRM[action]}"
          `}>${label}</button>
      `
    )}<span class="selection" data-selected></span></div>${pager(
      ctx,
      total,
      page,
      PER_PAGE,
    )}</div>
    <div class="table-wrap"><table>
    <thead><tr><th class="check"><input type="checkbox" data-check-all aria-label="Select all on this page"></th><th>${p
      .timeLabel}</th>${p.set === "retries" &&
      html`<th class="num">Retries</th>`}<th>Queue</th><th>Job</th><th>Arguments</th>${p
      .showError && html`<th>Error</th>`}</tr></thead>
    <tbody>${jobs.length === 0
      ? html`
        <tr>
          <td colspan="${cols}" class="empty">${p.set === "retries"
            ? "No jobs wait for a retry."
            : `No ${p.title.toLowerCase()} jobs.`}</td>
        </tr>
      `
      : jobs.map((job) =>
        html`<tr><td class="check"><input type="checkbox" name="key" value="${
          String(job.jid)
        }" aria-label="Select ${String(job.jid)}"></td><td><a href="${
          jobHref(ctx, p.set, job.jid)
        }">${when(ctx, p.time(job))}</a></td>${
          p.set === "retries" &&
          html`<td class="num">${String(failure(job).retry_count ?? 0)}</td>`
        }<td>${queueLink(ctx, String(job.queue))}</td><td class="mono">${
          String(job.jobtype)
        }</td><td class="args mono">${jsonText(job.args)}</td>${
          p.showError && html`<td class="err">${errorOf(job)}</td>`
        }</tr>`
      )}</tbody></table></div></form>
    </div>
  `;
  return layout(ctx, { title: p.title, tab: p.set, body });
}

function pretty(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? "";
  } catch {
    return String(value);
  }
}

/** GET /scheduled/:jid, /retries/:jid, /dead/:jid (undefined: gone). */
export function jobPage(
  ctx: Ctx,
  p: SetPage,
  jid: string,
): Html | undefined {
  const job = ctx.admin.findJob(p.set, jid);
  if (!job) return undefined;
  const f = job.failure as Record<string, unknown> | undefined;
  const backtrace = Array.isArray(f?.backtrace) ? f.backtrace.map(String) : [];
  const row = (label: string, value: Html | string) =>
    html`
      <dt>${label}</dt>
      <dd>${value}</dd>
    `;
  const custom = job.custom as Record<string, unknown> | undefined;
  const body = html`
    <div class="bar">
      <h1><a href="${link(ctx, `/${p.set}`)}">${p
        .title}</a> <span class="muted">/</span> <span class="mono">${jid}</span></h1>
      <div class="actions">${p.actions.map(([action, label]) =>
        buttonForm(ctx, {
          action: `/${p.set}`,
          fields: { action, key: jid, back: `/${p.set}` },
          label,
          danger: action !== "requeue",
          ...(CONFIRM[action] ? { confirm: CONFIRM[action] } : {}),
        })
      )}</div>
    </div>
    <div class="panel">
      <dl class="job">${[
        row("Queue", queueLink(ctx, String(job.queue))),
        row("Job", html`<span class="mono">${String(job.jobtype)}</span>`),
        row("JID", html`<span class="mono">${String(job.jid)}</span>`),
        row("Arguments", html`<pre class="block">${pretty(job.args)}</pre>`),
        row(p.timeLabel, when(ctx, p.time(job))),
        row("Created", when(ctx, job.created_at)),
        row("Enqueued", when(ctx, job.enqueued_at)),
        f !== undefined && [
          row(
            "Retries",
            `${String(f.retry_count ?? 0)} done, ${
              String(f.remaining ?? 0)
            } left (retry ${String(job.retry ?? "")})`,
          ),
          row("First failed", when(ctx, f.failed_at)),
          row("Error", html`<span class="err">${errorOf(job)}</span>`),
          row(
            "Backtrace",
            backtrace.length === 0
              ? html`<span class="muted">none</span>`
              : html`<pre class="block">${backtrace.join("\n")}</pre>`,
          ),
        ],
        custom !== undefined &&
        row("Custom", html`<pre class="block">${pretty(custom)}</pre>`),
      ]}</dl>
    </div>
    <details>
      <summary>The job as JSON</summary>
      <pre class="block">${pretty(job)}</pre>
    </details>
  `;
  return layout(ctx, { title: `${p.title}: ${jid}`, tab: p.set, body });
}
