// The supervisor's probes with `processes` above 1, in-process: fake child processes, and the
// test posting each child's health report as a child does, to the URL the supervisor handed it.
// /readyz needs every child that should run to have reported itself ready recently; /healthz
// fails only when the supervisor gave up on a child. The real processes are in
// supervisor_health_process.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Platform } from "../adapters/transport.ts";
import { Manager, type WorkerHealth } from "../mod.ts";
import { Lifecycle } from "../worker/_lifecycle.ts";
import { SwitchableLogger } from "../worker/_logging.ts";
import { reportHealth } from "../worker/_health_report.ts";
import {
  type ManagerOptions,
  settingsFrom,
} from "../worker/manager_options.ts";
import { Supervisor } from "../worker/supervisor.ts";
import { FakeChildren } from "./_fake_children.ts";
import { captureLogger, until } from "./_manager_util.ts";

const platform: Platform = {
  hostname: () => "test",
  pid: 1,
  ppid: () => 0,
  rssBytes: () => 0,
  cores: () => 2,
  env: () => undefined,
  onSignal: () => () => {},
};

/** A child's own health, as its Manager's health() gives it. */
function childHealth(ready: boolean, at: number): WorkerHealth {
  return {
    live: true,
    ready,
    state: "running",
    quiet: false,
    lastHeartbeat: ready ? new Date(at) : null,
    connections: { control: ready, fetchers: ready ? 1 : 0 },
    busy: 1,
    concurrency: 2,
    checks: {
      live: [],
      ready: [{
        name: "connection",
        ok: ready,
        detail: ready ? "open" : "the control connection is down",
      }],
    },
  };
}

function supervisor(options: ManagerOptions) {
  const children = new FakeChildren((child, signal) => {
    if (signal === "SIGTERM" || signal === "SIGKILL") child.exit(0);
  });
  const logger = captureLogger();
  const lifecycle = new Lifecycle();
  lifecycle.fire("run");
  let now = 1_000_000;
  let url: string | undefined;
  const sup = new Supervisor({
    options: { logger },
    settings: settingsFrom({
      healthPort: 0,
      heartbeatInterval: 100, // reports every 100 ms: stale after 300 ms
      shutdownTimeout: 20,
      restart: { initial: 60_000, max: 60_000, giveUpAfter: 2 },
      ...options,
    }),
    lifecycle,
    logger: new SwitchableLogger(logger),
    children,
    platform,
    now: () => now,
    killGrace: 10,
    listening: (u) => url = u,
  });
  /** Posts a report as the child in slot `index` does; the status the supervisor answered. */
  const report = async (
    index: number,
    ready: boolean,
    child = children.slot(index),
  ) => {
    const response = await fetch(child.env.FAKTORY_HEALTH_REPORT_URL!, {
      method: "POST",
      body: JSON.stringify({
        index,
        pid: child.pid,
        health: childHealth(ready, now - 50),
      }),
    });
    await response.body?.cancel();
    return response.status;
  };
  const probe = async (path: "/healthz" | "/readyz") => {
    const response = await fetch(`${url}${path}`);
    return {
      status: response.status,
      body: await response.json() as WorkerHealth & { ok: boolean },
    };
  };
  return {
    sup,
    children,
    report,
    probe,
    url: () => url,
    advance: (ms: number) => void (now += ms),
  };
}

test("new Manager() accepts healthPort with processes above 1", () => {
  const mgr = new Manager({ processes: 2, healthPort: 0 });
  assert.equal(mgr.isSupervisor, true);
});

test("Supervisor with healthPort: /readyz is 503 until every child reported itself ready, then 200 listing each child; /healthz is 200 throughout", async () => {
  const s = supervisor({ processes: 2 });
  const running = s.sup.run();
  try {
    await until(() => s.children.started.length === 2 && !!s.url());
    assert.deepEqual(
      s.children.needs,
      ["FAKTORY_HEALTH_REPORT_URL", "FAKTORY_URL", "FAKTORY_PROVIDER"],
    );
    const report = s.children.started[0]!.env.FAKTORY_HEALTH_REPORT_URL!;
    assert.match(report, /^http:\/\/127\.0\.0\.1:\d+\/report\/[0-9a-f]{32}$/);
    assert.notEqual(new URL(report).port, new URL(s.url()!).port);

    let ready = await s.probe("/readyz");
    assert.equal(ready.status, 503);
    assert.deepEqual(
      ready.body.processes?.map((p) => [p.index, p.state, p.ready]),
      [[0, "starting", false], [1, "starting", false]],
    );
    assert.equal((await s.probe("/healthz")).status, 200);

    assert.equal(await s.report(0, true), 204);
    assert.equal((await s.probe("/readyz")).status, 503, "one of two");
    assert.equal(await s.report(1, true), 204);
    ready = await s.probe("/readyz");
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    assert.equal(ready.body.ok, true);
    const [p0, p1] = ready.body.processes!;
    assert.equal(p0?.pid, s.children.slot(0).pid);
    assert.equal(p1?.pid, s.children.slot(1).pid);
    assert.equal(p0?.state, "running");
    assert.equal(typeof p0?.lastHeartbeat, "string", "a date, in JSON");
    assert.equal(ready.body.busy, 2);
    assert.equal(ready.body.concurrency, 40);
    assert.deepEqual(ready.body.connections, { control: true, fetchers: 2 });
    assert.deepEqual(
      (ready.body.checks as unknown as { name: string }[]).map((c) => c.name),
      ["state", "process-0", "process-1"],
    );
    assert.equal(s.sup.health()?.ready, true, "mgr.health() says the same");
  } finally {
    await s.sup.terminate("api");
    await running;
  }
  await assert.rejects(fetch(`${s.url() ?? "http://127.0.0.1:1"}/healthz`));
  assert.equal(s.url(), undefined, "closed once run() resolved");
});

test("Supervisor with healthPort: a child not ready (server unreachable), silent for 3 report intervals, or waiting for its restart makes /readyz 503 while /healthz stays 200; giving up fails /healthz", async () => {
  const s = supervisor({ processes: 2 });
  const running = s.sup.run();
  try {
    await until(() => s.children.started.length === 2 && !!s.url());
    await s.report(0, true);
    await s.report(1, true);
    assert.equal((await s.probe("/readyz")).status, 200);

    // A Faktory outage: the child is live, not ready.
    await s.report(1, false);
    let ready = await s.probe("/readyz");
    assert.equal(ready.status, 503);
    assert.equal(
      ready.body.processes?.[1]?.detail,
      "not ready: the control connection is down",
    );
    assert.equal(ready.body.connections.control, false);
    assert.equal((await s.probe("/healthz")).status, 200, "outage: still live");
    await s.report(1, true);
    assert.equal((await s.probe("/readyz")).status, 200);

    // Reports stop (a blocked event loop): stale after 3 intervals.
    s.advance(301);
    ready = await s.probe("/readyz");
    assert.equal(ready.status, 503);
    assert.match(
      ready.body.processes![0]!.detail,
      /no health report for 30\d ms/,
    );
    await s.report(0, true);
    await s.report(1, true);
    assert.equal((await s.probe("/readyz")).status, 200);

    // A child crashes: restarting (60 s backoff) is not ready, but live.
    const crashed = s.children.slot(1);
    crashed.exit(1);
    await until(() => !crashed.running);
    await new Promise((r) => setTimeout(r, 0));
    ready = await s.probe("/readyz");
    assert.equal(ready.status, 503);
    assert.deepEqual(
      [ready.body.processes![1]!.state, ready.body.processes![1]!.pid],
      ["restarting", null],
    );
    assert.equal((await s.probe("/healthz")).status, 200, "restarting: live");
    assert.equal(await s.report(1, true, crashed), 204);
    assert.equal(
      (await s.probe("/readyz")).status,
      503,
      "a report from the old pid does not count",
    );
  } finally {
    await s.sup.terminate("api");
    await running.catch(() => {});
  }
});

test("Supervisor with healthPort: /healthz fails once a child is given up", async () => {
  const s = supervisor({
    processes: 2,
    restart: { initial: 0, max: 0, giveUpAfter: 1 },
  });
  const running = s.sup.run();
  const outcome = running.then(() => undefined, (err: Error) => err);
  await until(() => s.children.started.length === 2 && !!s.url());
  await s.report(0, true);
  s.children.slot(1).exit(3);
  await until(() => s.sup.health()?.live === false);
  const health = s.sup.health()!;
  assert.equal(health.processes![1]!.state, "given up");
  assert.deepEqual(
    health.checks.live.find((c) => c.name === "processes"),
    { name: "processes", ok: false, detail: "gave up on process 1" },
  );
  assert.equal((await outcome)?.name, "CrashLoopError");
});

test("the supervisor's report server takes only its own path, POST, and a well-formed report", async () => {
  const s = supervisor({ processes: 2 });
  const running = s.sup.run();
  try {
    await until(() => s.children.started.length === 2 && !!s.url());
    const good = s.children.started[0]!.env.FAKTORY_HEALTH_REPORT_URL!;
    const status = async (url: string, init?: RequestInit) => {
      const response = await fetch(url, init);
      await response.body?.cancel();
      return response.status;
    };
    const wrong = good.replace(/[0-9a-f]{32}$/, "0".repeat(32));
    assert.equal(await status(wrong, { method: "POST", body: "{}" }), 404);
    assert.equal(await status(good), 405);
    assert.equal(await status(good, { method: "POST", body: "nope" }), 400);
    assert.equal(
      await status(good, { method: "POST", body: '{"index":0}' }),
      400,
    );
    assert.equal(
      await status(`${s.url()}/report`, { method: "POST", body: "{}" }),
      404,
      "not on the probe server",
    );
  } finally {
    await s.sup.terminate("api");
    await running;
  }
});

test("reportHealth() posts the child's health now and every interval, and stops", async () => {
  const s = supervisor({ processes: 2 });
  const running = s.sup.run();
  try {
    await until(() => s.children.started.length === 2 && !!s.url());
    const logger = captureLogger();
    const stops = [0, 1].map((index) =>
      reportHealth({
        url: s.children.slot(index).env.FAKTORY_HEALTH_REPORT_URL!,
        index,
        pid: s.children.slot(index).pid,
        every: 20,
        health: () => childHealth(true, Date.now()),
        logger,
      })
    );
    await until(() => s.sup.health()?.ready === true, 5000);
    for (const stop of stops) stop();
    assert.deepEqual(logger.lines, []);
  } finally {
    await s.sup.terminate("api");
    await running;
  }
});
