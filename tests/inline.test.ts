import { test } from "node:test";
import assert from "node:assert/strict";
import { Client, type JobContext, Manager } from "../mod.ts";
import { FaktoryServer, runInline } from "../testing/mod.ts";

test("runInline() runs a handler with its middleware, without a server", async () => {
  const mgr = new Manager({ handleSignals: false });
  const seen: string[] = [];
  mgr.use(async (ctx, next) => {
    seen.push(`mw ${ctx.queue} ${ctx.custom.tenant}`);
    await next();
  });
  mgr.register(
    "Greet",
    (_ctx: JobContext, name: string) => void seen.push(`hello ${name}`),
  );
  mgr.register("Fail", () => {
    throw new TypeError("bad input");
  });
  const ok = await runInline(mgr, "Greet", ["ada"], {
    queue: "q",
    custom: { tenant: "acme" },
  });
  assert.equal(ok.ok, true);
  assert.deepEqual(seen, ["mw q acme", "hello ada"]);
  const failed = await runInline(mgr, "Fail");
  assert.equal(failed.ok, false);
  assert.ok(!failed.ok && failed.error instanceof TypeError);
  assert.equal(!failed.ok && failed.failure.message, "bad input");
});

test("runInline() passes a signal, and ctx.with() uses the given client", async () => {
  const mgr = new Manager({ handleSignals: false });
  mgr.register("Wait", (ctx: JobContext) =>
    new Promise((_, reject) => {
      if (ctx.signal.aborted) return reject(ctx.signal.reason);
      ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
    }));
  mgr.register(
    "Push",
    (ctx: JobContext) => ctx.with((c) => c.push("Next", [])),
  );
  const ctl = new AbortController();
  const waiting = runInline(mgr, "Wait", [], { signal: ctl.signal });
  ctl.abort(new Error("cancelled by test"));
  const out = await waiting;
  assert.equal(!out.ok && out.failure.message, "cancelled by test");
  const noClient = await runInline(mgr, "Push");
  assert.match(
    !noClient.ok ? noClient.failure.message : "",
    /No client was given/,
  );
  const server = await FaktoryServer.start();
  const client = await Client.connect(server.url);
  assert.equal((await runInline(mgr, "Push", [], { client })).ok, true);
  assert.equal(server.queue("default")[0]?.jobtype, "Next");
  await client.close();
  await server.stop();
});
