// The probe server of a worker run as a real process on the runtime running this test: while a
// job blocks the event loop with a busy wait, /healthz cannot answer (a probe with a short
// timeout fails), and once the loop is free it answers 200 again.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { rmSync } from "node:fs";
import { Client, createJob } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { until } from "./_manager_util.ts";
import { exitWithin, runtime, start, writeScript } from "./_spawn.ts";

const WORKER = `
import { writeSync } from "node:fs";
import process from "node:process";
import { Manager } from "@x/faktory-worker";

const say = (line: string) => writeSync(1, line + "\\n"); // unbuffered, even in a blocked loop
const mgr = new Manager({ heartbeatInterval: 100, healthPort: 0, logLevel: "warn" });
mgr.register("Block", () => {
  say("blocking");
  const end = Date.now() + 2000;
  while (Date.now() < end) { /* busy: nothing else runs */ }
  say("unblocked");
});
mgr.on("startup", () => say("health " + mgr.healthUrl));
await mgr.run();
process.exit(0);
`;

interface Probe {
  status: number;
  body: { ok?: boolean; checks?: { name: string }[] };
}

async function probe(url: string, ms: number): Promise<Probe> {
  const res = await fetch(url, { signal: AbortSignal.timeout(ms) });
  return { status: res.status, body: await res.json() };
}

test(`Health probes on ${runtime}: /healthz fails while a job blocks the event loop, and answers 200 after`, async () => {
  const server = await FaktoryServer.start({ fetchTimeout: 300 });
  const client = await Client.connect(server.url);
  const file = writeScript("health-block", WORKER);
  const w = start(file, { FAKTORY_URL: server.url });
  try {
    await until(() => /^health http:/m.test(w.output()), 20_000, "health URL");
    const healthz = `${/^health (\S+)$/m.exec(w.output())![1]}/healthz`;
    const before = await probe(healthz, 2000);
    assert.equal(before.status, 200);
    assert.equal(before.body.ok, true);

    await client.push(createJob("Block", []));
    await until(() => w.output().includes("blocking"), 10_000, "job started");
    await assert.rejects(probe(healthz, 500), "no answer while blocked");
    assert.ok(
      !w.output().includes("unblocked"),
      "the probe timed out while the loop was still blocked",
    );

    let after: Probe | undefined;
    const deadline = Date.now() + 10_000;
    while (after?.status !== 200) {
      assert.ok(Date.now() < deadline, `no 200 after the block: ${w.output()}`);
      after = await probe(healthz, 500).catch(() => undefined);
      if (after?.status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(w.output().includes("unblocked"));
    assert.equal(after.body.ok, true);

    process.kill(w.child.pid!, "SIGTERM");
    assert.equal(await exitWithin(w, 10_000), 0, w.output());
  } finally {
    w.child.kill("SIGKILL");
    rmSync(file, { force: true });
    await client.close();
    await server.stop();
  }
});
