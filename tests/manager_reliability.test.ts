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
