// mgr.health() and the probe server: liveness stays true through a Faktory outage while
// readiness turns false within 3 heartbeat intervals and comes back with the server; a
// heartbeat the server refuses fails readiness; /healthz and /readyz answer 200 or 503 with
// JSON; the options are checked; a taken port makes run() reject.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FaktoryError, Manager, type WorkerHealth } from "../mod.ts";
import { assess } from "../worker/_health.ts";
import { rig, until } from "./_manager_util.ts";

const INTERVAL = 100; // heartbeatInterval of these tests, in ms

function failing(health: WorkerHealth, level: "live" | "ready"): string[] {
  return health.checks[level].filter((c) => !c.ok).map((c) => c.name);
}

test("Manager.health(): an outage turns readiness false within 3 heartbeat intervals, liveness stays true, readiness comes back", async () => {
  const r = await rig({ heartbeatInterval: INTERVAL });
  r.manager.register("Ok", () => {});
  assert.equal(r.manager.health().ready, false, "not ready before run()");
  assert.equal(r.manager.health().live, true);
  void r.manager.run();
  await until(() => r.manager.health().ready, 5000, "ready");
  const up = r.manager.health();
  assert.equal(up.state, "running");
  assert.equal(up.quiet, false);
  assert.equal(up.connections.control, true);
  assert.ok(up.connections.fetchers >= 1);
  assert.ok(up.lastHeartbeat instanceof Date);
  assert.ok(Date.now() - up.lastHeartbeat.getTime() <= 3 * INTERVAL);
  assert.equal(up.concurrency, 5);
  assert.deepEqual(failing(up, "ready"), []);
  // Heartbeats keep it ready, past 3 intervals after the HELLO.
  const hello = up.lastHeartbeat.getTime();
  await until(
    () => {
      const h = r.manager.health();
      return h.ready && h.lastHeartbeat!.getTime() > hello + 3 * INTERVAL;
    },
    5000,
    "ready on later heartbeats",
  );

  await r.server.stop(); // connections refused from now on
  const stoppedAt = Date.now();
  await until(() => !r.manager.health().ready, 3 * INTERVAL, "not ready");
  assert.ok(Date.now() - stoppedAt <= 3 * INTERVAL + 20);
  // Liveness holds for the whole outage, well past 3 intervals.
  const end = Date.now() + 8 * INTERVAL;
  while (Date.now() < end) {
    const h = r.manager.health();
    assert.equal(h.live, true, JSON.stringify(h.checks.live));
    assert.equal(h.ready, false);
    await new Promise((res) => setTimeout(res, INTERVAL / 2));
  }
  const down = r.manager.health();
  assert.deepEqual(failing(down, "ready"), ["connection", "heartbeat"]);
  assert.equal(down.connections.control, false);

  await r.server.start(); // same port
  await until(() => r.manager.health().ready, 5000, "ready again");
  assert.equal(r.manager.health().live, true);
  await r.close();
  const after = r.manager.health();
  assert.equal(after.state, "stopped");
  assert.equal(after.live, false);
  assert.equal(after.ready, false);
});

test("Manager.health(): heartbeats the server refuses fail readiness, not liveness", async () => {
  const r = await rig({ heartbeatInterval: INTERVAL });
  r.manager.register("Ok", () => {});
  void r.manager.run();
  await until(() => r.manager.health().ready, 5000, "ready");
  r.server.fault({ action: "error", verb: "BEAT", times: 1_000_000 });
  await until(() => !r.manager.health().ready, 5 * INTERVAL, "not ready");
  const h = r.manager.health();
  assert.deepEqual(failing(h, "ready"), ["heartbeat"]);
  assert.equal(h.connections.control, true, "the connection stays open");
  assert.equal(h.live, true);
  r.server.clearFaults();
  await until(() => r.manager.health().ready, 5000, "ready again");
  await r.close();
});

test("Manager.health(): quiet is alive but not ready", async () => {
  const r = await rig({ heartbeatInterval: INTERVAL });
  r.manager.register("Ok", () => {});
  void r.manager.run();
  await until(() => r.manager.health().ready, 5000, "ready");
  r.manager.quiet();
  await until(() => r.manager.health().connections.fetchers === 0, 5000);
  const h = r.manager.health();
  assert.equal(h.quiet, true);
  assert.equal(h.live, true);
  assert.equal(h.ready, false);
  assert.deepEqual(failing(h, "ready"), ["state"]);
  await r.close();
});

test("assess(): liveness fails when the heartbeat timer has not fired for 3 intervals", () => {
  const input = {
    state: "running" as const,
    heartbeatInterval: 1000,
    busy: 2,
    concurrency: 10,
    probe: { control: true, fetchers: 3, lastBeat: 50_000, lastTick: 50_000 },
  };
  const fresh = assess(input, 53_000);
  assert.equal(fresh.live, true);
  assert.equal(fresh.ready, true);
  assert.equal(
    fresh.checks.live[1]!.detail,
    "fired 3000 ms ago (at most 3000 ms allowed)",
  );
  const stale = assess(input, 53_001);
  assert.equal(stale.live, false);
  assert.deepEqual(failing(stale, "live"), ["heartbeatTimer"]);
  assert.deepEqual(failing(stale, "ready"), ["heartbeat"]);
  // Connected, but no fetch connection (yet): not ready.
  const noFetcher = assess({
    ...input,
    probe: { ...input.probe, fetchers: 0 },
  }, 51_000);
  assert.deepEqual(failing(noFetcher, "ready"), ["connection"]);
  assert.equal(
    noFetcher.checks.ready[1]!.detail,
    "the control connection is open, but no fetch connection yet",
  );
  // Not beating yet (the first connect is under way, the server may be down): alive.
  const connecting = assess({
    ...input,
    probe: { control: false, fetchers: 0, lastBeat: 0, lastTick: 0 },
  }, 999_999);
  assert.equal(connecting.live, true);
  assert.equal(connecting.ready, false);
  assert.equal(connecting.lastHeartbeat, null);
});

test("Health probes: /healthz and /readyz answer 200 or 503 with JSON, from run() until it resolves", async () => {
  const r = await rig({ heartbeatInterval: INTERVAL, healthPort: 0 });
  r.manager.register("Ok", () => {});
  assert.equal(r.manager.healthUrl, undefined);
  const running = r.manager.run();
  await until(() => r.manager.health().ready, 5000, "ready");
  const base = r.manager.healthUrl!;
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
  const get = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${base}${path}`, init);
    return {
      status: res.status,
      type: res.headers.get("content-type"),
      body: await res.json() as Record<string, unknown>,
    };
  };
  const live = await get("/healthz");
  assert.equal(live.status, 200);
  assert.equal(live.type, "application/json; charset=utf-8");
  assert.equal(live.body.ok, true);
  assert.equal(live.body.state, "running");
  assert.deepEqual(
    (live.body.checks as { name: string }[]).map((c) => c.name),
    ["state", "heartbeatTimer"],
  );
  const ready = await get("/readyz");
  assert.equal(ready.status, 200);
  assert.deepEqual(
    (ready.body.checks as { name: string }[]).map((c) => c.name),
    ["state", "connection", "heartbeat"],
  );
  assert.equal(typeof ready.body.lastHeartbeat, "string");

  r.manager.quiet();
  const quiet = await get("/readyz");
  assert.equal(quiet.status, 503);
  assert.equal(quiet.body.ok, false);
  assert.deepEqual(
    (quiet.body.checks as { name: string; ok: boolean }[]).filter((c) => !c.ok)
      .map((c) => c.name),
    ["state"],
  );
  assert.equal((await get("/healthz")).status, 200);
  assert.equal((await get("/other")).status, 404);
  const post = await get("/healthz", { method: "POST" });
  assert.equal(post.status, 405);

  await r.close();
  await running;
  assert.equal(r.manager.healthUrl, undefined);
  await assert.rejects(fetch(`${base}/healthz`), "closed when run() resolved");
});

test("Health probes: run() rejects when healthPort is taken, and the worker stops", async () => {
  const first = await rig({ heartbeatInterval: INTERVAL, healthPort: 0 });
  first.manager.register("Ok", () => {});
  void first.manager.run();
  await until(() => first.manager.healthUrl !== undefined, 5000, "listening");
  const port = Number(new URL(first.manager.healthUrl!).port);
  const second = new Manager({
    url: first.server.url,
    healthPort: port,
    handleSignals: false,
    logger: first.logger,
  });
  second.register("Ok", () => {});
  await assert.rejects(second.run(), (err: Error) => {
    assert.ok(err instanceof FaktoryError);
    assert.match(
      err.message,
      new RegExp(`^Cannot serve health checks on 127\\.0\\.0\\.1:${port}`),
    );
    assert.ok(err.cause instanceof Error);
    return true;
  });
  assert.equal(second.state, "stopped");
  await first.close();
});

test("Manager checks healthPort and healthHost, naming the option", () => {
  const bad: [Record<string, unknown>, ErrorConstructor, RegExp][] = [
    [
      { healthPort: -1 },
      RangeError,
      /^healthPort must be an integer from 0 to 65535 \(0 picks a free port\), got -1$/,
    ],
    [{ healthPort: 65_536 }, RangeError, /^healthPort must be/],
    [{ healthPort: 80.5 }, RangeError, /^healthPort must be/],
    [{ healthPort: "8080" }, TypeError, /^healthPort must be .*, got "8080"$/],
    [
      { healthPort: 8080, healthHost: 42 },
      TypeError,
      /^healthHost must be a host name or IP address/,
    ],
    [
      { healthPort: 8080, healthHost: "" },
      RangeError,
      /^healthHost must be a host name or IP address/,
    ],
    [
      { healthPort: 8080, healthHost: "[::1]" },
      RangeError,
      /IPv6 without brackets/,
    ],
    [
      { healthPort: 8080, healthHost: "a b" },
      RangeError,
      /^healthHost must be/,
    ],
    [{ healthHost: "0.0.0.0" }, RangeError, /^healthHost needs healthPort/],
  ];
  for (const [options, type, message] of bad) {
    assert.throws(
      () => new Manager(options),
      (err: Error) => err instanceof type && message.test(err.message),
      JSON.stringify(options),
    );
  }
  for (
    const healthHost of [
      "0.0.0.0",
      "::",
      "::1",
      "localhost",
      "worker-1.internal",
    ]
  ) {
    new Manager({ healthPort: 0, healthHost });
  }
  new Manager({ healthPort: 65_535 });
});
