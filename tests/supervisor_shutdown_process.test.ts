// `processes: 2` as real processes: a child stops by itself within the supervisor's promise,
// shutdownTimeout + 2 s, even when the server is slow to confirm its results, instead of being
// killed by the supervisor while it still waits for them.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { rmSync } from "node:fs";
import { Client, createJob } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { until } from "./_manager_util.ts";
import { exitWithin, runtime, start, writeScript } from "./_spawn.ts";

const TIMEOUT = 1000;

test(`processes: 2 on ${runtime}: a job running past shutdownTimeout is FAILed, and the supervisor exits within shutdownTimeout + 2 s though the server confirms the FAIL late`, async () => {
  const server = await FaktoryServer.start({ fetchTimeout: 300 });
  const client = await Client.connect(server.url);
  const file = writeScript(
    "procs-deadline",
    `import process from "node:process";
import { Manager } from "@x/faktory-worker";
const mgr = new Manager({ processes: 2, concurrency: 1, heartbeatInterval: 1000, shutdownTimeout: ${TIMEOUT} });
mgr.register("Stubborn", async () => {
  console.log("stubborn running");
  await new Promise((resolve) => setTimeout(resolve, 60_000));
});
await mgr.run();
process.exit(0);
`,
  );
  const w = start(file, { FAKTORY_URL: server.url });
  try {
    await until(
      () => server.workers().filter((x) => x.connections > 0).length === 2,
      30_000,
      w.output(),
    );
    const job = createJob("Stubborn", []);
    await client.push(job);
    await until(() => w.output().includes("stubborn running"), 20_000);
    // The server applies the FAIL at once but answers it 3 s later.
    server.fault({ action: "delay", verb: "FAIL", ms: 3000 });
    const signalled = Date.now();
    process.kill(w.child.pid!, "SIGTERM");
    assert.equal(await exitWithin(w, 10_000), 0, w.output());
    const took = Date.now() - signalled;
    assert.ok(took < TIMEOUT + 2000, `exited after ${took} ms:\n${w.output()}`);
    assert.doesNotMatch(w.output(), /did not stop in time/);
    assert.match(
      w.output(),
      new RegExp(`Job results not confirmed .*awaitingReply=\\S*${job.jid}`),
    );
    assert.equal(server.busy().length, 0, "no job left reserved");
    assert.equal(server.retries()[0]?.jid, job.jid, "FAILed for a retry");
  } finally {
    w.child.kill("SIGKILL");
    rmSync(file, { force: true });
    await client.close();
    await server.stop();
  }
});
