// What a worker process logs while it shuts down, run as a real process on the runtime running
// this test: every warn or error line is true, and names the jids it speaks of.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { rmSync } from "node:fs";
import { Client, createJob } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { until } from "./_manager_util.ts";
import { exitWithin, runtime, start, writeScript } from "./_spawn.ts";

/** A worker with two slow jobs: one honours ctx.signal, one ignores it. */
const WORKER = `
import { Manager } from "@x/faktory-worker";
const mgr = new Manager({ concurrency: 4, shutdownTimeout: 30_000 });
mgr.register("Polite", async (ctx) => {
  console.log("polite running " + ctx.jid);
  await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
  throw ctx.signal.reason;
});
mgr.register("Stubborn", async (ctx) => {
  console.log("stubborn running " + ctx.jid);
  await new Promise((resolve) => setTimeout(resolve, 60_000));
});
mgr.register("Quick", () => {});
await mgr.run();
process.exit(0);
`;

/** The warn and error lines of a text log. */
function complaints(out: string): string[] {
  return out.split("\n").filter((l) => /^\[faktory\] (WARN|ERROR) /.test(l));
}

// SIGTERM (how an orchestrator stops a process) and SIGINT (Ctrl-C) alike.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  test(`worker process on ${runtime}: a second ${signal} FAILs running jobs, delivers them, and logs only what is true`, async () => {
    const server = await FaktoryServer.start({ fetchTimeout: 300 });
    const client = await Client.connect(server.url);
    const file = writeScript(`shutdown-twice-${signal}`, WORKER);
    const polite = createJob("Polite", []);
    const stubborn = createJob("Stubborn", []);
    const quick = createJob("Quick", []);
    try {
      await client.pushBulk([polite, stubborn, quick]);
      const w = start(file, { FAKTORY_URL: server.url });
      try {
        await until(
          () =>
            w.output().includes("polite running") &&
            w.output().includes("stubborn running") &&
            server.busy().length === 2 && server.queue("default").length === 0,
          20_000,
          "both slow jobs running, the quick one done",
        );
        process.kill(w.child.pid!, signal);
        await until(
          () => w.output().includes("Shutting down"),
          5000,
          "shutdown",
        );
        process.kill(w.child.pid!, signal);
        assert.equal(await exitWithin(w, 5000), 0, w.output());
        const out = w.output();

        // The server got every result: no reservation left, both slow jobs FAILed.
        assert.equal(server.busy().length, 0, out);
        const retried = server.retries().map((j) => j.jid).sort();
        assert.deepEqual(retried, [polite.jid, stubborn.jid].sort(), out);
        for (const job of server.retries()) {
          const failure = job.failure as Record<string, unknown>;
          assert.equal(failure.errtype, "ShutdownTimeoutError", out);
        }

        // So no line claims a result was lost.
        const lines = complaints(out);
        assert.ok(
          !lines.some((l) => /not deliver|undelivered|not delivered/i.test(l)),
          out,
        );
        assert.ok(!lines.some((l) => l.startsWith("[faktory] ERROR")), out);
        // The lines that speak of the FAILed jobs name both, and say they were delivered.
        const failing = lines.find((l) =>
          /failing the jobs still running/.test(l)
        );
        assert.ok(failing?.includes(polite.jid), out);
        assert.ok(failing?.includes(stubborn.jid), out);
        const ignored = lines.find((l) => /ignored their abort signal/.test(l));
        assert.ok(ignored?.includes(stubborn.jid), out);
        assert.ok(!ignored?.includes(polite.jid), out);
        assert.match(
          out,
          new RegExp(
            `^\\[faktory\\] INFO Job results delivered .*failed=\\[[^\\]]*"${polite.jid}"`,
            "m",
          ),
        );
      } finally {
        w.child.kill("SIGKILL");
      }
    } finally {
      rmSync(file, { force: true });
      await client.close();
      await server.stop();
    }
  });
}

test(`worker process on ${runtime}: results the server refuses until exit are logged at error, by jid, as left to the reservation timeout`, async () => {
  const server = await FaktoryServer.start({ fetchTimeout: 300 });
  const client = await Client.connect(server.url);
  const file = writeScript("shutdown-refused", WORKER);
  const polite = createJob("Polite", []);
  try {
    await client.push(polite);
    const w = start(file, { FAKTORY_URL: server.url });
    try {
      await until(
        () => w.output().includes("polite running"),
        20_000,
        "job running",
      );
      // A storage error on every FAIL: the worker cannot deliver it.
      server.fault({ action: "error", verb: "FAIL", times: 1000 });
      process.kill(w.child.pid!, "SIGINT");
      await until(() => w.output().includes("Shutting down"), 5000, "shutdown");
      const signalled = Date.now();
      process.kill(w.child.pid!, "SIGINT");
      assert.equal(await exitWithin(w, 6000), 0, w.output());
      assert.ok(Date.now() - signalled < 4000, "a hurried delivery ends soon");
      const out = w.output();
      // The server still holds the job: the error line is true, and names it.
      assert.deepEqual(server.busy().map((b) => b.job.jid), [polite.jid]);
      const errors = complaints(out).filter((l) => l.includes("ERROR"));
      assert.equal(errors.length, 1, out);
      assert.match(errors[0]!, /not confirmed by the server/);
      assert.match(errors[0]!, /reservations expire/);
      assert.ok(errors[0]!.includes(`failed=["${polite.jid}"]`), out);
      assert.ok(!/Job results delivered/.test(out), out);
    } finally {
      w.child.kill("SIGKILL");
    }
  } finally {
    rmSync(file, { force: true });
    await client.close();
    await server.stop();
  }
});
