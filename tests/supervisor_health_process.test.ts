// `processes: 2` with `healthPort` as real processes: the supervisor serves /healthz and /readyz
// from its children's reports. /readyz is 200 once both children are up, 503 while one is
// restarting after a crash or while the server is unreachable, 200 again after; /healthz stays
// 200 throughout.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { rmSync } from "node:fs";
import type { WorkerHealth } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { until } from "./_manager_util.ts";
import { exitWithin, runtime, start, writeScript } from "./_spawn.ts";

interface Probe {
  status: number;
  body: WorkerHealth & { ok: boolean };
}

async function probe(url: string): Promise<Probe | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: await res.json() };
  } catch {
    return undefined;
  }
}

/** Polls `url` until its status is `status`; the last answer. */
async function status(
  url: string,
  want: number,
  what: string,
  out: () => string,
) {
  const end = Date.now() + 20_000;
  for (;;) {
    const got = await probe(url);
    if (got?.status === want) return got;
    if (Date.now() > end) {
      throw new Error(`${what}: ${JSON.stringify(got?.body)}\n${out()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

test(`processes: 2 with healthPort on ${runtime}: /readyz follows the children (a crash, a Faktory outage), /healthz stays 200`, async () => {
  const server = await FaktoryServer.start({ fetchTimeout: 300 });
  const file = writeScript(
    "procs-health",
    `import process from "node:process";
import { Manager } from "@x/faktory-worker";
const mgr = new Manager({
  processes: 2,
  healthPort: 0,
  heartbeatInterval: 200,
  shutdownTimeout: 1000,
  reconnect: { max: 100 },
  restart: { initial: 1500, max: 1500 },
});
mgr.register("Work", () => {});
await mgr.run();
process.exit(0);
`,
  );
  const w = start(file, { FAKTORY_URL: server.url });
  try {
    await until(() => /Serving health checks .*url=/.test(w.output()), 20_000);
    const base = /Serving health checks .*url=(\S+)/.exec(w.output())![1]!;
    const [healthz, readyz] = [`${base}/healthz`, `${base}/readyz`];
    const up = await status(readyz, 200, "both up", w.output);
    const pids = up.body.processes!.map((p) => p.pid!);
    assert.equal(pids.length, 2);
    assert.ok(
      up.body.processes!.every((p) => p.ready && p.state === "running"),
    );
    assert.equal(
      new Set(server.workers().map((x) => x.pid)).size,
      2,
      "the children are the workers",
    );

    // A crash: 503 while the slot waits for its restart, live all along.
    process.kill(pids[1]!, "SIGKILL");
    const down = await status(readyz, 503, "a child down", w.output);
    assert.ok(
      down.body.processes!.some((p) => p.index === 1 && !p.ready),
      JSON.stringify(down.body),
    );
    assert.equal((await probe(healthz))?.status, 200, "restarting: live");
    const back = await status(readyz, 200, "restarted", w.output);
    assert.notEqual(back.body.processes![1]!.pid, pids[1]);

    // A Faktory outage: not ready, still live.
    await server.stop();
    const out = await status(readyz, 503, "outage", w.output);
    assert.ok(out.body.processes!.every((p) => p.live), "children live");
    assert.equal((await probe(healthz))?.status, 200, "outage: live");
    await server.start();
    await status(readyz, 200, "server back", w.output);

    process.kill(w.child.pid!, "SIGTERM");
    assert.equal(await exitWithin(w, 10_000), 0, w.output());
    assert.equal(await probe(healthz), undefined, "closed");
  } finally {
    w.child.kill("SIGKILL");
    rmSync(file, { force: true });
    await server.stop();
  }
});
