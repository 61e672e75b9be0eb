// The Batch API on the client side: what it sends, its guards, and what the open-source server says.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Batch,
  type BatchClient,
  type BatchStatus,
  createJob,
  defineJob,
  EnterpriseOnlyError,
  type JobPayload,
  LocalProtocolError,
} from "../mod.ts";
import type { BatchPayload } from "../protocol.ts";
import { rig, until } from "./_manager_util.ts";

/** A BatchClient that records what it is asked and answers like Enterprise. */
function recorder() {
  const calls: [string, unknown][] = [];
  let n = 0;
  const client: BatchClient = {
    push(job: JobPayload) {
      calls.push(["push", job]);
      return Promise.resolve(job.jid);
    },
    pushBulk(jobs: readonly JobPayload[]) {
      calls.push(["pushBulk", jobs]);
      return Promise.resolve({});
    },
    batchNew(batch: BatchPayload) {
      calls.push(["new", batch]);
      return Promise.resolve(`b-${++n}`);
    },
    batchCommit(bid: string) {
      calls.push(["commit", bid]);
      return Promise.resolve();
    },
    batchStatus(bid: string) {
      calls.push(["status", bid]);
      return Promise.resolve({ bid } as BatchStatus);
    },
  };
  return { client, calls };
}

test("jobs pushed through a batch carry its bid; a child batch names its parent", async () => {
  const { client, calls } = recorder();
  const Row = defineJob<[file: string, row: number]>("ImportRow");
  const parent = new Batch(client, "b-parent");
  await parent.push("A", [1], { custom: { keep: 1 } });
  await parent.push(createJob("B", [2]));
  await parent.push(Row, ["f.csv", 3]);
  await parent.pushBulk(Row, [["f.csv", 4], ["f.csv", 5]]);
  const child = await parent.newBatch({
    description: "child",
    complete: "ChildDone",
  });
  assert.equal(child.bid, "b-1");
  assert.equal(child.parentBid, "b-parent");
  await child.push("C", []);
  await child.commit();
  await parent.commit();
  const pushed = calls.filter(([k]) => k === "push").map(([, j]) =>
    j as JobPayload
  );
  assert.deepEqual(pushed.map((j) => [j.jobtype, j.custom]), [
    ["A", { keep: 1, bid: "b-parent" }],
    ["B", { bid: "b-parent" }],
    ["ImportRow", { bid: "b-parent" }],
    ["C", { bid: "b-1" }],
  ]);
  const bulk = calls.find(([k]) => k === "pushBulk")![1] as JobPayload[];
  assert.deepEqual(bulk.map((j) => [j.args, j.custom]), [
    [["f.csv", 4], { bid: "b-parent" }],
    [["f.csv", 5], { bid: "b-parent" }],
  ]);
  const created = calls.find(([k]) => k === "new")![1] as BatchPayload;
  assert.equal(created.description, "child");
  assert.equal(created.parent_bid, "b-parent");
  assert.equal(created.complete?.jobtype, "ChildDone");
  assert.deepEqual(created.complete?.args, []);
  assert.match(created.complete?.jid ?? "", /^[0-9a-f]{24}$/);
  assert.equal("success" in created, false);
  assert.deepEqual(calls.filter(([k]) => k === "commit").map(([, b]) => b), [
    "b-1",
    "b-parent",
  ]);
});

test("a committed batch refuses pushes, children and a second commit, sending nothing", async () => {
  const { client, calls } = recorder();
  const batch = new Batch(client, "b-x");
  await batch.commit();
  assert.equal(batch.committed, true);
  const committed = (err: unknown) =>
    err instanceof LocalProtocolError && /is committed/.test(err.message);
  await assert.rejects(batch.push("T", []), committed);
  await assert.rejects(batch.pushBulk([createJob("T", [])]), committed);
  await assert.rejects(batch.newBatch({ success: "S" }), committed);
  await assert.rejects(batch.commit(), committed);
  assert.deepEqual(calls, [["commit", "b-x"]]);
});

test("a batch needs a callback; invalid callbacks are refused before BATCH NEW", async () => {
  const { client, calls } = recorder();
  const batch = new Batch(client, "b-x");
  await assert.rejects(
    batch.newBatch({ description: "none" }),
    /needs a success or a complete callback/,
  );
  await assert.rejects(
    batch.newBatch({
      success: { jid: "short", jobtype: "T", args: [] },
    }),
    /reasonable jid/,
  );
  assert.deepEqual(calls, []);
});

test("batch(fn) commits after fn, and leaves the batch open when fn throws", async () => {
  const { client, calls } = recorder();
  const parent = new Batch(client, "b-p");
  const bid = await parent.batch({ success: "S" }, async (b) => {
    await b.push("T", []);
  });
  assert.equal(bid, "b-1");
  await assert.rejects(
    parent.batch({ success: "S" }, () => {
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.deepEqual(calls.filter(([k]) => k === "commit"), [["commit", "b-1"]]);
});

test("on the open-source server a batch is an EnterpriseOnlyError and nothing is pushed", async () => {
  const r = await rig();
  try {
    await assert.rejects(
      r.client.batch(
        { success: "Done" },
        (b) => b.push("T", []).then(() => {}),
      ),
      (err) => err instanceof EnterpriseOnlyError && err.feature === "batch",
    );
    await assert.rejects(r.client.openBatch("b-nope"), EnterpriseOnlyError);
    assert.equal(r.server.queue("default").length, 0);
  } finally {
    await r.close();
  }
});

test("ctx.batch in a job that is not in a batch rejects with a clear error; the job fails", async () => {
  const r = await rig();
  let seen: unknown;
  r.manager.register("Lonely", async (ctx) => {
    try {
      await ctx.batch(() => {});
    } catch (err) {
      seen = err;
      throw err;
    }
  });
  try {
    const running = r.manager.run();
    await r.client.push("Lonely", [], { retry: 0 });
    await until(() => seen !== undefined, 5000, "job ran");
    assert.ok(seen instanceof LocalProtocolError);
    assert.match((seen as Error).message, /is not in a batch/);
    await r.manager.stop();
    await running;
  } finally {
    await r.close();
  }
});

test("jobs share one client: a job may borrow it inside ctx.with without waiting on itself", async () => {
  const r = await rig({ concurrency: 3 });
  let done = 0;
  r.manager.register("Nested", async (ctx) => {
    await ctx.with(async (outer) => {
      await ctx.with((inner) =>
        inner.push("Child", [ctx.jid], { queue: "later" })
      );
      await outer.push("Child2", [], { queue: "later" });
    });
    done++;
  });
  try {
    const running = r.manager.run();
    for (let i = 0; i < 3; i++) await r.client.push("Nested", [i]);
    await until(() => done === 3, 5000, "three nested jobs");
    assert.equal(r.server.queue("later").length, 6);
    await r.manager.stop();
    await running;
  } finally {
    await r.close();
  }
});

test("ctx.trackProgress checks percent before sending", async () => {
  const r = await rig();
  const errors: unknown[] = [];
  r.manager.register("Track", async (ctx) => {
    for (const p of [-1, 101, 1.5, Number.NaN]) {
      await ctx.trackProgress(p).catch((e) => errors.push(e));
    }
  });
  try {
    const running = r.manager.run();
    await r.client.push("Track", []);
    await until(() => errors.length === 4, 5000, "four refusals");
    assert.ok(errors.every((e) => e instanceof RangeError));
    assert.equal(r.server.commands("TRACK"), 0);
    await r.manager.stop();
    await running;
  } finally {
    await r.close();
  }
});

test("Batch.pushBulk refuses an invalid job alone, as Client.pushBulk does", async () => {
  const r = await rig();
  try {
    const { Batch } = await import("../mod.ts");
    const batch = new Batch(r.client, "b-fake0000000000");
    const good = createJob("T", [1]);
    const bad = { jid: "short", jobtype: "T", args: [] };
    const refused = await batch.pushBulk([good, bad]);
    assert.deepEqual(refused, {
      short: "jobs must have a reasonable jid parameter",
    });
    assert.deepEqual(
      r.server.queue("default").map((j) => [j.jid, j.custom]),
      [[good.jid, { bid: "b-fake0000000000" }]],
    );
  } finally {
    await r.close();
  }
});

test("two commit() calls at once: the second is refused and only one BATCH COMMIT goes out", async () => {
  const { client, calls } = recorder();
  const batch = new Batch(client, "b-x");
  const results = await Promise.allSettled([batch.commit(), batch.commit()]);
  assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected"]);
  assert.deepEqual(calls, [["commit", "b-x"]]);
});
