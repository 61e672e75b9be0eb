// The Pro/Enterprise client API end to end, against the embedded server in Enterprise mode:
// unique jobs, expiring jobs, batches reopened from jobs with child batches, and tracking.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createJob,
  type JobContext,
  NotUniqueError,
  type PushMiddleware,
} from "../mod.ts";
import { rig, until } from "./_manager_util.ts";

test("a duplicate unique job is a NotUniqueError for push, a refusal in pushBulk, and a rejected next()", async () => {
  const seen: unknown[] = [];
  const watch: PushMiddleware = async (job, next) => {
    try {
      await next(job);
    } catch (err) {
      seen.push(err);
      throw err;
    }
  };
  const r = await rig({}, { enterprise: true });
  try {
    await r.client.push("Digest", ["alice"], { uniqueFor: 60 });
    await assert.rejects(
      r.client.push("Digest", ["alice"], { uniqueFor: 60 }),
      (err) => err instanceof NotUniqueError && err.code === "NOTUNIQUE",
    );
    const dup = createJob("Digest", ["alice"], { uniqueFor: 60 });
    const other = createJob("Digest", ["bob"], { uniqueFor: 60 });
    assert.deepEqual(await r.client.pushBulk([dup, other]), {
      [dup.jid]: "NOTUNIQUE Job not unique",
    });
    r.client.use(watch);
    await assert.rejects(
      r.client.push("Digest", ["bob"], { uniqueFor: 60 }),
      NotUniqueError,
    );
    assert.equal(seen.length, 1);
    assert.ok(seen[0] instanceof NotUniqueError);
    assert.deepEqual(
      r.server.queue("default").map((j) => j.args),
      [["alice"], ["bob"]],
    );
  } finally {
    await r.close();
  }
});

test("a job fetched after expiresAt is dropped, not run; the next one runs", async () => {
  const ran: string[] = [];
  const r = await rig({}, { enterprise: true });
  r.manager.register("Report", (_ctx, name: string) => void ran.push(name));
  try {
    await r.client.push("Report", ["stale"], {
      expiresAt: new Date(Date.now() - 1000),
    });
    await r.client.push("Report", ["fresh"], { expiresIn: 600 });
    const running = r.manager.run();
    await until(() => ran.length === 1, 5000, "fresh job ran");
    await r.manager.stop();
    await running;
    assert.deepEqual(ran, ["fresh"]);
    assert.equal(r.server.queue("default").length, 0);
  } finally {
    await r.close();
  }
});

test("a batch whose jobs reopen it and add a child batch: callbacks run once, children first", async () => {
  const events: string[] = [];
  let finished = false;
  const r = await rig({ concurrency: 4 }, { enterprise: true });
  const { manager: mgr } = r;
  mgr.register("ImportFile", async (ctx: JobContext, file: string) => {
    events.push(`file ${file}`);
    await ctx.batch(async (batch) => {
      await batch.push("ImportRow", [file, 1]);
      await batch.batch(
        {
          description: `indexes of ${file}`,
          success: createJob("IndexDone", [file]),
        },
        async (child) => {
          await child.pushBulk([createJob("Index", [file])]);
        },
      );
    });
  });
  mgr.register("ImportRow", (ctx: JobContext, file: string) => {
    assert.ok(ctx.bid);
    events.push(`row ${file}`);
  });
  mgr.register(
    "Index",
    (_ctx, file: string) => void events.push(`index ${file}`),
  );
  mgr.register("IndexDone", (ctx: JobContext, file: string) => {
    assert.equal(ctx.bid, undefined); // a callback is not a member of its batch
    assert.ok(ctx.callbackBid);
    assert.ok(ctx.parentBid);
    events.push(`indexed ${file}`);
  });
  mgr.register("ImportComplete", (ctx: JobContext) => {
    assert.equal(ctx.custom._cb, "complete");
    events.push("complete");
  });
  mgr.register("ImportDone", (ctx: JobContext, upload: number) => {
    assert.equal(ctx.custom._cb, "success");
    events.push(`done ${upload}`);
    finished = true;
  });
  try {
    const bid = await r.client.batch({
      description: "Import upload 42",
      complete: "ImportComplete",
      success: createJob("ImportDone", [42]),
    }, async (batch) => {
      await batch.push("ImportFile", ["a.csv"]);
      await batch.push("ImportFile", ["b.csv"]);
    });
    const running = mgr.run();
    await until(() => finished, 10_000, "the success callback");
    await mgr.stop();
    await running;
    const last = events.slice(-2);
    assert.deepEqual(last, ["complete", "done 42"]);
    // Both children's callbacks ran before the parent's.
    for (const file of ["a.csv", "b.csv"]) {
      assert.ok(events.indexOf(`indexed ${file}`) < events.indexOf("complete"));
    }
    assert.equal(events.filter((e) => e === "done 42").length, 1);
    const status = await r.client.batchStatus(bid);
    assert.equal(status.bid, bid);
    assert.equal(status.description, "Import upload 42");
    assert.equal(status.total, 4); // two files, two rows; the index jobs are the children's
    assert.equal(status.pending, 0);
    assert.equal(status.failed, 0);
    assert.equal(status.complete_st, "2");
    assert.equal(status.success_st, "2");
    const children = r.server.batches().filter((b) => b.parent_bid === bid);
    assert.equal(children.length, 2);
    assert.ok(children.every((c) => c.total === 1 && c.success_st === "2"));
  } finally {
    await r.close();
  }
});

test("a batch job that fails holds the success callback back until it succeeds", async () => {
  let attempts = 0;
  let done = false;
  const r = await rig({}, { enterprise: true });
  r.manager.register("Flaky", () => {
    if (++attempts === 1) throw new Error("first try fails");
  });
  r.manager.register("Done", () => void (done = true));
  try {
    const batch = await r.client.newBatch({ success: "Done" });
    await batch.push("Flaky", []);
    await batch.commit();
    const running = r.manager.run();
    await until(() => attempts === 1, 5000, "first attempt");
    await until(
      () => r.server.batch(batch.bid)?.failed === 1,
      5000,
      "failure counted",
    );
    assert.equal(done, false);
    assert.equal((await batch.status()).success_st, "");
    await r.client.requeue("retries");
    await until(() => done, 5000, "success callback after the retry");
    await r.manager.stop();
    await running;
    const status = await batch.status();
    assert.deepEqual([status.pending, status.failed, status.success_st], [
      0,
      0,
      "2",
    ]);
  } finally {
    await r.close();
  }
});

test("a tracked job's progress and state, read with trackGet", async () => {
  const r = await rig({}, { enterprise: true });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  let reported = false;
  r.manager.register("Transcode", async (ctx: JobContext) => {
    await ctx.trackProgress(40, "encoding", {
      reserveUntil: new Date(Date.now() + 2 * 3_600_000),
    });
    reported = true;
    await gate;
  });
  try {
    const jid = await r.client.push("Transcode", [], {
      track: true,
      reserveFor: 600,
    });
    assert.equal((await r.client.trackGet(jid)).state, "enqueued");
    const running = r.manager.run();
    await until(() => reported, 5000, "progress reported");
    const working = await r.client.trackGet(jid);
    assert.equal(working.state, "working");
    assert.equal(working.percent, 40);
    assert.equal(working.desc, "encoding");
    const busy = r.server.busy().find((b) => b.job.jid === jid);
    assert.ok(busy && busy.expiresAt.getTime() > Date.now() + 3_600_000);
    release();
    await r.manager.stop();
    await running;
    const finished = await r.client.trackGet(jid);
    assert.equal(finished.state, "success");
    assert.equal(
      (await r.client.trackGet("0123456789abcdef")).state,
      "unknown",
    );
  } finally {
    await r.close();
  }
});
