/**
 * The supervisor's probes (`processes` above 1 with `healthPort`): the
 * supervisor holds no Faktory connection, so it answers `/healthz` and
 * `/readyz` from what its children report. Each child posts its own
 * `health()` every second to a second server the supervisor runs on
 * 127.0.0.1, on a free port, under a random path handed to the children in
 * `FAKTORY_HEALTH_REPORT_URL`; the children serve nothing.
 *
 * - Live: the supervisor answers (its event loop runs) and has not given up
 *   on a child; a child waiting for its restart does not fail it, nor does a
 *   Faktory outage.
 * - Ready: the supervisor runs, and every child that should run has
 *   reported itself ready within the last 3 report intervals.
 *
 * @module
 */

import { defaultHttpServe } from "../adapters/runtime.ts";
import type { HttpServer } from "../adapters/http.ts";
import { FaktoryError } from "../core/errors.ts";
import { describeThrown } from "../core/failure.ts";
import { HEALTH_INTERVALS } from "./_health.ts";
import { type HealthReport, reportEvery } from "./_health_report.ts";
import { healthHandler } from "./_health_server.ts";
import type { ManagerState } from "./_lifecycle.ts";
import type { HealthCheck, ProcessHealth, WorkerHealth } from "./health.ts";
import type { Logger } from "../client/logger.ts";
import type { Settings } from "./manager_options.ts";

/** Where a slot stands, as the supervisor sees it. */
export interface SlotView {
  readonly index: number;
  /** The running child's pid, if one runs. */
  readonly pid: number | undefined;
  readonly state: "running" | "restarting" | "given up" | "exited";
}

/** What the supervisor's probes read. */
export interface SupervisorHealthOptions {
  readonly settings: Settings;
  readonly logger: Logger;
  state(): ManagerState;
  slots(): readonly SlotView[];
  now(): number;
  /** Told the probes' base URL once listening, and undefined once closed. */
  listening?(url: string | undefined): void;
}

interface Received {
  readonly pid: number;
  readonly at: number;
  readonly health: Record<string, unknown>;
}

/** The largest report accepted, in bytes. */
const MAX_REPORT = 64 * 1024;

const base = (s: HttpServer) =>
  `http://${s.host.includes(":") ? `[${s.host}]` : s.host}:${s.port}`;

/** The probe server and report server of one supervisor run. */
export class SupervisorHealth {
  readonly #o: SupervisorHealthOptions;
  readonly #reports = new Map<number, Received>();
  readonly #path: string;
  #reporting: HttpServer | undefined;
  #probes: HttpServer | undefined;
  /** Where children post their reports, once started. */
  reportUrl = "";

  constructor(options: SupervisorHealthOptions) {
    this.#o = options;
    const token = crypto.getRandomValues(new Uint8Array(16));
    this.#path = `/report/${
      Array.from(token, (b) => b.toString(16).padStart(2, "0")).join("")
    }`;
  }

  /**
   * Listens for reports on 127.0.0.1, and for probes on `healthHost`.
   *
   * @throws {FaktoryError} When a server cannot listen (the port is taken).
   */
  async start(): Promise<void> {
    const { settings, logger } = this.#o;
    const { healthHost: host, healthPort: port = 0 } = settings;
    const onError = (error: unknown) =>
      logger.warn("A health check request failed", {
        error: describeThrown(error),
      });
    try {
      const serve = await defaultHttpServe();
      this.#reporting = await serve(
        { host: "127.0.0.1", port: 0, onError },
        (request) => this.#receive(request),
      );
      this.#probes = await serve(
        { host, port, onError },
        healthHandler(() => this.health()),
      );
    } catch (err) {
      await this.close();
      throw new FaktoryError(
        `Cannot serve health checks on ${host}:${port}: ${describeThrown(err)}`,
        { cause: err },
      );
    }
    this.reportUrl = `${base(this.#reporting)}${this.#path}`;
    const url = base(this.#probes);
    this.#o.listening?.(url);
    logger.info("Serving health checks on /healthz and /readyz", { url });
  }

  /** Closes both servers; idempotent. */
  async close(): Promise<void> {
    const servers = [this.#reporting, this.#probes];
    if (this.#probes) this.#o.listening?.(undefined);
    this.#reporting = this.#probes = undefined;
    await Promise.all(servers.map((s) => s?.close()));
  }

  /** The supervisor's health, from its slots and its children's last reports. */
  health(): WorkerHealth {
    const { settings } = this.#o;
    const now = this.#o.now();
    const state = this.#o.state();
    const slots = this.#o.slots();
    const processes = slots.map((slot) => this.#process(slot, now));
    const expected = processes.filter((p) =>
      p.state !== "given up" && p.state !== "exited"
    );
    const givenUp = processes.filter((p) => p.state === "given up");
    const fresh = expected.map((p) => this.#fresh(p, now)?.health);
    const sum = (key: string) =>
      fresh.reduce((n, h) => n + (Number(h?.[key]) || 0), 0);
    const beats = expected.map((p) => p.lastHeartbeat?.getTime() ?? 0);
    const live: HealthCheck[] = [
      check("state", state !== "stopped", `the supervisor is ${state}`),
      check(
        "processes",
        givenUp.length === 0,
        givenUp.length === 0
          ? `no process given up (${expected.length} of ${slots.length} to run)`
          : `gave up on process ${givenUp.map((p) => p.index).join(", ")}`,
      ),
    ];
    const ready: HealthCheck[] = [
      check("state", state === "running", `the supervisor is ${state}`),
      ...expected.map((p) => check(`process-${p.index}`, p.ready, p.detail)),
    ];
    return {
      live: live.every((c) => c.ok),
      ready: ready.every((c) => c.ok),
      state,
      quiet: state === "quiet",
      lastHeartbeat: beats.length > 0 && beats.every((t) => t > 0)
        ? new Date(Math.min(...beats))
        : null,
      connections: {
        control: fresh.length > 0 && fresh.every((h) => connected(h)),
        fetchers: fresh.reduce((n, h) => n + fetchers(h), 0),
      },
      busy: sum("busy"),
      concurrency: settings.concurrency * slots.length,
      checks: { live, ready },
      processes,
    };
  }

  /** The last report of the child now in this slot, if recent enough. */
  #fresh(p: ProcessHealth, now: number): Received | undefined {
    const got = this.#reports.get(p.index);
    return got && got.pid === p.pid && now - got.at <= this.#limit()
      ? got
      : undefined;
  }

  #limit(): number {
    return HEALTH_INTERVALS * reportEvery(this.#o.settings.heartbeatInterval);
  }

  #process(slot: SlotView, now: number): ProcessHealth {
    const got = this.#reports.get(slot.index);
    const mine = slot.state === "running" && got?.pid === slot.pid
      ? got
      : undefined;
    const h = mine?.health;
    const recent = mine !== undefined && now - mine.at <= this.#limit();
    const ready = recent && h?.ready === true;
    const beat = typeof h?.lastHeartbeat === "string"
      ? new Date(h.lastHeartbeat)
      : null;
    return {
      index: slot.index,
      pid: slot.pid ?? null,
      ready,
      live: recent && h?.live === true,
      state: slot.state !== "running"
        ? slot.state
        : typeof h?.state === "string"
        ? h.state as ProcessHealth["state"]
        : "starting",
      lastHeartbeat: beat && !Number.isNaN(beat.getTime()) ? beat : null,
      lastReport: mine ? new Date(mine.at) : null,
      busy: Number(h?.busy) || 0,
      detail: detail(slot, mine, recent, ready, now - (mine?.at ?? 0)),
    };
  }

  async #receive(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname !== this.#path) return new Response(null, { status: 404 });
    if (request.method !== "POST") return new Response(null, { status: 405 });
    const text = await request.text();
    let report: Partial<HealthReport> | undefined;
    try {
      report = text.length <= MAX_REPORT ? JSON.parse(text) : undefined;
    } catch {
      report = undefined;
    }
    const { index, pid, health } = report ?? {};
    if (
      !Number.isInteger(index) || !Number.isInteger(pid) ||
      typeof health !== "object" || health === null
    ) {
      return new Response(null, { status: 400 });
    }
    this.#reports.set(index!, {
      pid: pid!,
      at: this.#o.now(),
      health: health as unknown as Record<string, unknown>,
    });
    return new Response(null, { status: 204 });
  }
}

function check(name: string, ok: boolean, detail: string): HealthCheck {
  return { name, ok, detail };
}

function connected(h: Record<string, unknown> | undefined): boolean {
  const c = h?.connections as { control?: unknown } | undefined;
  return c?.control === true;
}

function fetchers(h: Record<string, unknown> | undefined): number {
  const c = h?.connections as { fetchers?: unknown } | undefined;
  return Number(c?.fetchers) || 0;
}

/** Why a child is (not) ready. */
function detail(
  slot: SlotView,
  got: Received | undefined,
  recent: boolean,
  ready: boolean,
  age: number,
): string {
  switch (slot.state) {
    case "restarting":
      return "exited unexpectedly; waiting to start it again";
    case "given up":
      return "failed too many times in a row; given up";
    case "exited":
      return "exited; not started again";
  }
  if (!got) return `started (pid ${slot.pid}); no health report yet`;
  if (!recent) return `no health report for ${age} ms`;
  if (ready) return "ready";
  const checks = got.health.checks as { ready?: unknown } | undefined;
  const failed = Array.isArray(checks?.ready)
    ? checks.ready.find((c) => c?.ok === false)
    : undefined;
  return typeof failed?.detail === "string"
    ? `not ready: ${failed.detail}`
    : "not ready";
}
