// Many fetchers backing off through a server restart share one stop signal: they must not each add
// a listener to it (Node warns "MaxListenersExceededWarning: 11 abort listeners added").
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { createJob, detectRuntime, type JobContext } from "../mod.ts";
import { rig, until } from "./_manager_util.ts";

test("Manager at concurrency 20 goes through a server restart without a MaxListenersExceededWarning", async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => void warnings.push(`${w.name}: ${w.message}`);
  const node = detectRuntime() === "node";
  if (node) process.on("warning", onWarning);
  const r = await rig({
    concurrency: 20,
    reconnect: { initial: 20, max: 100 },
  });
  try {
    const ran = new Set<string>();
    r.manager.register("Short", async (ctx: JobContext) => {
      ran.add(ctx.jid);
      await new Promise((res) => setTimeout(res, 2));
    });
    const total = 600;
    await r.client.pushBulk(
      Array.from({ length: total }, () => createJob("Short", [])),
    );
    void r.manager.run();
    await until(() => r.manager.peakFetchers >= 11, 10_000, "11+ fetchers");
    await r.server.restart(); // every fetcher fails and backs off at once
    await until(() => ran.size === total, 20_000, "every job ran");
    await until(() => r.server.busy().length === 0, 5000, "results delivered");
    await new Promise((res) => setTimeout(res, 20)); // warnings come on a later tick
    assert.deepEqual(
      warnings.filter((w) => w.includes("MaxListenersExceededWarning")),
      [],
    );
  } finally {
    if (node) process.off("warning", onWarning);
    await r.close();
  }
});
