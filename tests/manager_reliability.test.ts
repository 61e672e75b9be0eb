// Manager behaviour under unusual jobs and a blocked event loop: nothing stays reserved.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createJob } from "../mod.ts";
import { rig, until } from "./_manager_util.ts";

test("Manager acknowledges jobs whose jid has spaces or control characters", async () => {
  const r = await rig({ concurrency: 2 });
  const ran: string[] = [];
  r.manager.register("Odd", (ctx) => void ran.push(ctx.jid));
  void r.manager.run();
  const jids = ["jid with spaces 1", "tab\tand\u0001ctl-2", "new\r\nline-3"];
  for (const jid of jids) await r.client.push(createJob("Odd", [], { jid }));
  await until(() => ran.length === 3, 5000, "jobs ran");
  await until(() => r.server.busy().length === 0, 5000, "jobs acknowledged");
  assert.deepEqual(ran.sort(), [...jids].sort());
  assert.equal(r.server.retries().length, 0);
  await r.close();
});

test("Manager loses no FETCH reply when a handler blocks the event loop past the read timeout", async () => {
  const r = await rig({ concurrency: 5, timeout: 2500 });
  const ran: string[] = [];
  r.manager.register("Quick", (ctx) => void ran.push(ctx.jid));
  r.manager.register("Block", async (ctx) => {
    ran.push(ctx.jid);
    await new Promise((res) => setTimeout(res, 300)); // the Quick jobs are due
    await r.client.info(); // resume from an I/O callback, as after a FETCH
    // Hand the due jobs to the fetchers blocked in FETCH: the server writes
    // their replies now, and the loop blocks before the client reads them.
    r.server.runTasks();
    for (let i = 0; i < 20; i++) await null;
    const end = Date.now() + 4000;
    while (Date.now() < end) { /* a handler hogging the loop */ }
  });
  void r.manager.run();
  const at = new Date(Date.now() + 200);
  const quick = [1, 2, 3, 4].map(() => createJob("Quick", [], { at }));
  for (const job of quick) await r.client.push(job);
  const block = createJob("Block", []);
  await r.client.push(block);
  await until(() => ran.length === 5, 8000, "all five jobs ran");
  await until(() => r.server.busy().length === 0, 5000, "nothing reserved");
  assert.deepEqual(
    [...ran].sort(),
    [block.jid, ...quick.map((j) => j.jid)].sort(),
  );
  await r.close();
});

test("A result that cannot be encoded is given up at once and logged at error, not retried forever", async () => {
  const { Results } = await import("../worker/_results.ts");
  const { LocalProtocolError } = await import("../mod.ts");
  const { captureLogger } = await import("./_manager_util.ts");
  const logger = captureLogger();
  let sent = 0;
  const conn = {
    closed: false,
    state: "ready",
    request: () => {
      sent++;
      return Promise.reject(new LocalProtocolError("cannot encode"));
    },
  };
  const results = new Results({
    logger,
    flushDelay: 1,
    retry: { initial: 1, max: 1 },
    random: () => 0.5,
  });
  results.attach(conn as never);
  results.push({ type: "ACK", jid: "0123456789ab" });
  await results.idle();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(sent, 1);
  assert.equal(results.outstanding, 0);
  assert.equal(logger.lines.filter((l) => l.level === "error").length, 1);
  results.stop();
});
