// The embedded server's Enterprise batches: BATCH NEW/OPEN/COMMIT/STATUS, the counters, the
// complete and success callbacks, child batches, expiry, FLUSH and restarts, and a Manager
// working through a batch end to end.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Client,
  createJob,
  type JobContext,
  NotUniqueError,
  ServerError,
} from "../mod.ts";
import type { FaktoryServer } from "../testing/mod.ts";
import { err, OK, raw, withEnterprise, worker } from "./_enterprise.ts";
import { rig, until } from "./_manager_util.ts";
import { TEST_START, withServer } from "./_seeded.ts";

/** A callback job on the `cb` queue. */
const callback = (jobtype: string) => createJob(jobtype, [], { queue: "cb" });

/** [total, pending, failed, complete_st, success_st] of a batch. */
function counts(server: FaktoryServer, bid: string): unknown[] {
  const s = server.batch(bid);
  assert.ok(s, `no batch ${bid}`);
  return [s.total, s.pending, s.failed, s.complete_st, s.success_st];
}

/** Fetches the next job of a queue and ACKs it; returns its jobtype. */
async function runNext(w: Client, queue: string): Promise<string> {
  const job = await w.fetch([queue]);
  assert.ok(job, `no job on ${queue}`);
  await w.ack(job.jid);
  return job.jobtype;
}

test("FaktoryServer enterprise BATCH NEW, OPEN, COMMIT and STATUS reply with a bid, the bid, OK and the status", async () => {
  await withEnterprise({}, async ({ server }) => {
    const r = await raw(server);
    const bid = await r.bulk(
      'BATCH NEW {"bid":"","description":"import","success":{"jid":"jid-cb-00000001","jobtype":"Done","args":[]}}',
    );
    assert.match(bid, /^b-[A-Za-z0-9_-]{14}$/);
    assert.equal(await r.bulk(`BATCH OPEN ${bid}`), bid);
    assert.equal(
      await r.bulk(`BATCH STATUS ${bid}`),
      `{"bid":"${bid}","total":0,"pending":0,"failed":0,"created_at":"2026-11-28T12:00:00Z","description":"import","complete_st":"","success_st":""}`,
    );
    const child = await r.bulk(
      `BATCH NEW {"parent_bid":"${bid}","complete":{"jobtype":"Child","args":[]}}`,
    );
    assert.match(child, /^b-[A-Za-z0-9_-]{14}$/);
    assert.notEqual(child, bid);
    assert.equal(
      await r.bulk(`BATCH STATUS ${child}`),
      `{"bid":"${child}","total":0,"pending":0,"failed":0,"created_at":"2026-11-28T12:00:00Z","description":"","parent_bid":"${bid}","complete_st":"","success_st":""}`,
    );
    assert.deepEqual(await r.send(`BATCH COMMIT ${child}`), OK);
    assert.deepEqual(await r.send(`BATCH COMMIT ${child}`), OK);
    assert.deepEqual(server.batches().map((b) => b.bid), [bid, child]);
    assert.deepEqual(server.batch(bid), {
      bid,
      total: 0,
      pending: 0,
      failed: 0,
      created_at: "2026-11-28T12:00:00Z",
      description: "import",
      complete_st: "",
      success_st: "",
    });
    r.close();
  });
});

test("FaktoryServer enterprise refuses unknown batches, batches without callbacks, a given bid and bad callback jobs", async () => {
  await withEnterprise({}, async ({ server, c }) => {
    const r = await raw(server);
    const done = '{"jid":"jid-cb-00000001","jobtype":"Done","args":[]}';
    const refusals: [string, string][] = [
      ["BATCH OPEN b-nope", "no such batch b-nope"],
      ["BATCH COMMIT b-nope", "no such batch b-nope"],
      ["BATCH STATUS b-nope", "no such batch b-nope"],
      [
        'BATCH NEW {"description":"x"}',
        "batch must have a success or complete callback",
      ],
      ["BATCH NEW null", "batch must have a success or complete callback"],
      [
        `BATCH NEW {"bid":"b-mine","success":${done}}`,
        "bid must be blank when creating a new batch: the server assigns it",
      ],
      [
        `BATCH NEW {"parent_bid":"b-nope","success":${done}}`,
        "no such batch b-nope",
      ],
      [
        'BATCH NEW {"success":{"jid":"jid-cb-00000002","args":[]}}',
        "invalid success callback: jobs must have a jobtype parameter",
      ],
      [
        'BATCH NEW {"complete":{"jobtype":"X","args":[],"queue":"bad queue"}}',
        'invalid complete callback: cannot get "bad queue" queue: queue names must match \\A[a-zA-Z0-9._-]+\\z',
      ],
      [
        'BATCH NEW {"complete":{"jobtype":"X","args":[],"at":"tomorrow"}}',
        'invalid complete callback: invalid timestamp for \'at\': "tomorrow": parsing time "tomorrow" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "tomorrow" as "2006"',
      ],
      ['BATCH NEW {"success":', "invalid JSON: unexpected end of JSON input"],
      [
        `BATCH NEW {"description":5,"success":${done}}`,
        "invalid JSON: json: cannot unmarshal number into Go struct field Batch.description of type string",
      ],
      [
        'BATCH NEW {"success":"Done"}',
        "invalid JSON: json: cannot unmarshal string into Go struct field Batch.success of type client.Job",
      ],
      ["BATCH DELETE b-nope", "unknown BATCH subcommand DELETE"],
      [
        'PUSH {"jid":"jid-in-00000001","jobtype":"T","args":[],"custom":{"bid":"b-nope"}}',
        "no such batch b-nope",
      ],
    ];
    for (const [line, message] of refusals) {
      assert.deepEqual(await r.send(line), err(message), line);
    }
    assert.equal(
      await r.bulk(
        'PUSHB [{"jid":"jid-in-00000002","jobtype":"T","args":[],"custom":{"bid":"b-nope"}},{"jid":"jid-in-00000003","jobtype":"T","args":[]}]',
      ),
      '{"jid-in-00000002":"no such batch b-nope"}',
    );
    await assert.rejects(
      c.push("T", [], { custom: { bid: "b-gone" } }),
      (e) =>
        e instanceof ServerError && e.serverMessage === "no such batch b-gone",
    );
    assert.deepEqual(server.batches(), []);
    assert.deepEqual(server.queue("default").map((j) => j.jid), [
      "jid-in-00000003",
    ]);
    r.close();
  });
});

test("FaktoryServer enterprise batch counts: ACK, a first FAIL and a retry that succeeds; complete fires first, then success", async () => {
  await withEnterprise({}, async ({ server, clock, c, w }) => {
    const bid = await c.batchNew({
      description: "nightly",
      complete: callback("Complete"),
      success: callback("Success"),
    });
    const a = await c.push("Part", [1], { custom: { bid } });
    const b = await c.push("Part", [2], { custom: { bid }, retry: 5 });
    const later = await c.push("Part", [3], {
      custom: { bid },
      at: new Date(TEST_START + 600_000),
    });
    await c.batchCommit(bid);
    assert.deepEqual(counts(server, bid), [3, 3, 0, "", ""]);
    assert.equal((await w.fetch(["default"]))?.jid, a);
    await w.ack(a);
    assert.deepEqual(counts(server, bid), [3, 2, 0, "", ""]);
    assert.equal((await w.fetch(["default"]))?.jid, b);
    await w.fail(b, new Error("flaky"));
    assert.deepEqual(counts(server, bid), [3, 1, 1, "", ""]);

    clock.now = TEST_START + 600_000; // the retry of b and the scheduled job are due
    server.runTasks();
    const due = [await w.fetch(["default"]), await w.fetch(["default"])];
    assert.deepEqual(due.map((j) => j?.jid).sort(), [b, later].sort());
    await w.fail(b, new Error("flaky again"));
    assert.deepEqual(counts(server, bid), [3, 1, 1, "", ""]); // no change
    await w.ack(later);
    assert.deepEqual(counts(server, bid), [3, 0, 1, "1", ""]);
    assert.equal(await runNext(w, "cb"), "Complete");
    assert.deepEqual(counts(server, bid), [3, 0, 1, "2", ""]);
    assert.deepEqual(server.queue("cb"), []); // b still failed: no success

    clock.now += 3_600_000;
    server.runTasks();
    assert.equal(await runNext(w, "default"), "Part");
    assert.deepEqual(counts(server, bid), [3, 0, 0, "2", "1"]);
    const success = await w.fetch(["cb"]);
    assert.equal(success?.jobtype, "Success");
    await w.fail(success!.jid, new Error("callback failed"));
    assert.deepEqual(counts(server, bid), [3, 0, 0, "2", "1"]);
    clock.now += 3_600_000;
    server.runTasks();
    assert.equal(await runNext(w, "cb"), "Success");
    assert.deepEqual(counts(server, bid), [3, 0, 0, "2", "2"]);
    assert.deepEqual(server.queue("cb"), []);
  });
});

test("FaktoryServer enterprise batch: a job that fails for good keeps success from firing; an expired job counts as failed", async () => {
  await withEnterprise({}, async ({ server, clock, c, w }) => {
    const bid = await c.batchNew({
      complete: callback("Complete"),
      success: callback("Success"),
    });
    const once = await c.push("Once", [], { custom: { bid }, retry: 0 });
    const stale = await c.push("Stale", [], {
      custom: { bid },
      expiresAt: new Date(TEST_START + 10_000),
    });
    await c.batchCommit(bid);
    assert.equal((await w.fetch(["default"]))?.jid, once);
    await w.fail(once, new Error("gone"));
    assert.deepEqual(counts(server, bid), [2, 1, 1, "", ""]);
    clock.now += 10_000;
    assert.equal(await w.fetch(["default"]), null); // stale was dropped
    assert.notEqual(stale, once);
    assert.deepEqual(counts(server, bid), [2, 0, 2, "1", ""]);
    assert.equal(await runNext(w, "cb"), "Complete");
    clock.now += 86_400_000;
    server.runTasks();
    assert.deepEqual(counts(server, bid), [2, 0, 2, "2", ""]);
    assert.deepEqual(server.queue("cb"), []);
  });
});

test("FaktoryServer enterprise QUEUE RESUME hands a blocked FETCH the job after an expired one, whose batch callback then waits its turn", async () => {
  await withEnterprise(
    { fetchTimeout: 5000 },
    async ({ server, clock, c, w }) => {
      await c.pauseQueues(["p"]);
      const bid = await c.batchNew({
        complete: createJob("Done", [], { queue: "p" }),
      });
      await c.push("Stale", [], {
        queue: "p",
        custom: { bid },
        expiresAt: new Date(clock.now - 1),
      });
      const good = await c.push("Good", [], { queue: "p" });
      await c.batchCommit(bid);
      const fetching = w.fetch(["p"]);
      await until(() => server.commands("FETCH") === 1);
      await c.resumeQueues(["p"]);
      assert.equal((await fetching)?.jid, good);
      assert.deepEqual(counts(server, bid), [1, 0, 1, "1", ""]);
      assert.deepEqual(server.queue("p").map((j) => j.jobtype), ["Done"]);
      assert.deepEqual(server.busy().map((b) => b.job.jid), [good]);
    },
  );
});

test("FaktoryServer enterprise batch callbacks wait for BATCH COMMIT, and an empty batch fires at commit", async () => {
  await withEnterprise({}, async ({ server, c, w }) => {
    const bid = await c.batchNew({
      complete: callback("Complete"),
      success: callback("Success"),
    });
    await c.push("Part", [], { custom: { bid } });
    assert.equal(await runNext(w, "default"), "Part");
    assert.deepEqual(counts(server, bid), [1, 0, 0, "", ""]);
    assert.deepEqual(server.queue("cb"), []);
    await c.batchCommit(bid);
    assert.deepEqual(counts(server, bid), [1, 0, 0, "1", ""]);

    const empty = await c.batchNew({
      complete: callback("EmptyComplete"),
      success: callback("EmptySuccess"),
    });
    await c.batchCommit(empty);
    assert.deepEqual(counts(server, empty), [0, 0, 0, "1", ""]);
    const successOnly = await c.batchNew({ success: callback("OnlySuccess") });
    await c.batchCommit(successOnly);
    assert.deepEqual(counts(server, successOnly), [0, 0, 0, "", "1"]);
    assert.deepEqual(server.queue("cb").map((j) => j.jobtype), [
      "Complete",
      "EmptyComplete",
      "OnlySuccess",
    ]);
  });
});

test("FaktoryServer enterprise callback jobs carry custom _bid, _cb and (for a child batch) _pbid, and no bid", async () => {
  await withEnterprise({}, async ({ server, c, w }) => {
    const parent = await c.batchNew({
      success: createJob("ParentDone", [1], {
        queue: "cb",
        custom: { k: 1 },
      }),
    });
    const r = await raw(server);
    const child = await r.bulk(
      `BATCH NEW {"parent_bid":"${parent}","complete":{"jobtype":"ChildDone","args":[],"queue":"cb","custom":{"bid":"b-zzz","note":"x"}}}`,
    );
    r.close();
    await c.batchCommit(child);
    const childCb = await w.fetch(["cb"]);
    assert.ok(childCb);
    assert.match(childCb.jid, /^[0-9a-f]{24}$/);
    assert.equal(childCb.retry, 25);
    assert.deepEqual(childCb.custom, {
      _bid: child,
      _cb: "complete",
      _pbid: parent,
      note: "x",
    });
    await w.ack(childCb.jid);
    assert.deepEqual(counts(server, child), [0, 0, 0, "2", ""]);
    assert.deepEqual(server.queue("cb"), []); // the parent is not committed
    await c.batchCommit(parent);
    const parentCb = await w.fetch(["cb"]);
    assert.equal(parentCb?.jobtype, "ParentDone");
    assert.deepEqual(parentCb?.args, [1]);
    assert.deepEqual(parentCb?.custom, { _bid: parent, _cb: "success", k: 1 });
  });
});

test("FaktoryServer enterprise BATCH OPEN after the callbacks fired adds jobs, and no callback fires twice", async () => {
  await withEnterprise({}, async ({ server, c, w }) => {
    const bid = await c.batchNew({
      complete: callback("Complete"),
      success: callback("Success"),
    });
    await c.push("Part", [1], { custom: { bid } });
    await c.batchCommit(bid);
    assert.equal(await runNext(w, "default"), "Part");
    assert.equal(await runNext(w, "cb"), "Complete");
    assert.deepEqual(counts(server, bid), [1, 0, 0, "2", "1"]);
    await c.batchOpen(bid);
    await c.push("Part", [2], { custom: { bid } });
    await c.batchCommit(bid);
    assert.deepEqual(counts(server, bid), [2, 1, 0, "2", "1"]);
    assert.equal(await runNext(w, "default"), "Part");
    assert.deepEqual(counts(server, bid), [2, 0, 0, "2", "1"]);
    assert.equal(await runNext(w, "cb"), "Success");
    assert.deepEqual(counts(server, bid), [2, 0, 0, "2", "2"]);
    assert.deepEqual(server.queue("cb"), []);
  });
});

test("FaktoryServer enterprise child batches gate their parent's callbacks and do not count in its totals", async () => {
  await withEnterprise({}, async ({ server, c, w }) => {
    const parent = await c.batchNew({
      complete: callback("ParentComplete"),
      success: callback("ParentSuccess"),
    });
    const child = await c.batchNew({
      parent_bid: parent,
      complete: callback("ChildComplete"),
      success: callback("ChildSuccess"),
    });
    await c.push("P", [], { custom: { bid: parent } });
    await c.push("C", [], { custom: { bid: child } });
    await c.batchCommit(child);
    await c.batchCommit(parent);
    assert.equal(server.batch(child)?.parent_bid, parent);
    assert.deepEqual(counts(server, parent), [1, 1, 0, "", ""]);
    assert.deepEqual(counts(server, child), [1, 1, 0, "", ""]);

    assert.equal(await runNext(w, "default"), "P");
    assert.deepEqual(counts(server, parent), [1, 0, 0, "", ""]); // child not complete
    assert.equal(await runNext(w, "default"), "C");
    assert.deepEqual(counts(server, child), [1, 0, 0, "1", ""]);
    assert.deepEqual(counts(server, parent), [1, 0, 0, "", ""]); // child callback not done
    assert.equal(await runNext(w, "cb"), "ChildComplete");
    assert.deepEqual(counts(server, child), [1, 0, 0, "2", "1"]);
    assert.deepEqual(counts(server, parent), [1, 0, 0, "1", ""]);
    assert.equal(await runNext(w, "cb"), "ChildSuccess");
    assert.deepEqual(counts(server, child), [1, 0, 0, "2", "2"]);
    assert.deepEqual(counts(server, parent), [1, 0, 0, "1", ""]); // own complete not done
    assert.equal(await runNext(w, "cb"), "ParentComplete");
    assert.deepEqual(counts(server, parent), [1, 0, 0, "2", "1"]);
    assert.equal(await runNext(w, "cb"), "ParentSuccess");
    assert.deepEqual(counts(server, parent), [1, 0, 0, "2", "2"]);
  });
});

test("FaktoryServer enterprise child batch: the parent's success waits for the child's success callback", async () => {
  await withEnterprise({}, async ({ server, c, w }) => {
    const parent = await c.batchNew({ success: callback("ParentSuccess") });
    const child = await c.batchNew({
      parent_bid: parent,
      success: callback("ChildSuccess"),
    });
    await c.batchCommit(parent);
    await c.batchCommit(child);
    assert.deepEqual(counts(server, child), [0, 0, 0, "", "1"]);
    assert.deepEqual(counts(server, parent), [0, 0, 0, "", ""]);
    assert.equal(await runNext(w, "cb"), "ChildSuccess");
    assert.deepEqual(counts(server, parent), [0, 0, 0, "", "1"]);
  });
});

test("FaktoryServer enterprise drops a batch left uncommitted for 30 minutes, and its parent then fires", async () => {
  await withEnterprise({}, async ({ server, clock, c }) => {
    const parent = await c.batchNew({ success: callback("ParentSuccess") });
    const child = await c.batchNew({
      parent_bid: parent,
      success: callback("ChildSuccess"),
    });
    await c.push("C", [], { custom: { bid: child } });
    await c.batchCommit(parent);
    clock.now += 30 * 60_000 - 1;
    server.runTasks();
    assert.deepEqual(counts(server, child), [1, 1, 0, "", ""]);
    assert.deepEqual(counts(server, parent), [0, 0, 0, "", ""]);
    clock.now += 1;
    server.runTasks();
    assert.equal(server.batch(child), undefined);
    assert.deepEqual(server.batches().map((b) => b.bid), [parent]);
    assert.deepEqual(counts(server, parent), [0, 0, 0, "", "1"]);
    assert.deepEqual(server.queue("cb").map((j) => j.jobtype), [
      "ParentSuccess",
    ]);
    await assert.rejects(
      c.batchStatus(child),
      (e) =>
        e instanceof ServerError &&
        e.serverMessage === `no such batch ${child}`,
    );
  });
});

test("FaktoryServer enterprise FLUSH forgets batches, unique locks and tracks", async () => {
  await withEnterprise({}, async ({ server, c }) => {
    const bid = await c.batchNew({ success: callback("Done") });
    await c.push("U", [1], { uniqueFor: 600 });
    const tracked = await c.push("T", [], { track: true });
    await c.flush();
    assert.deepEqual(server.batches(), []);
    await assert.rejects(c.batchOpen(bid), ServerError);
    await c.push("U", [1], { uniqueFor: 600 });
    assert.equal(server.track(tracked).state, "unknown");
    assert.equal(server.queue("default").length, 1);
  });
});

test("FaktoryServer enterprise state survives stop(), start() and restart()", async () => {
  await withServer({ enterprise: true }, async (server) => {
    let c = await Client.connect(server.url);
    const bid = await c.batchNew({ success: callback("Done") });
    const part = await c.push("Part", [], { custom: { bid } });
    await c.push("U", [1], { uniqueFor: 600 });
    await c.trackSet({ jid: part, percent: 30 });
    await c.close();
    await server.restart();
    await server.stop();
    await server.start();
    c = await Client.connect(server.url);
    const w = await worker(server);
    await assert.rejects(c.push("U", [1], { uniqueFor: 600 }), NotUniqueError);
    assert.equal((await c.trackGet(part)).percent, 30);
    await c.batchCommit(bid);
    assert.equal(await runNext(w, "default"), "Part");
    assert.deepEqual(counts(server, bid), [1, 0, 0, "", "1"]);
    await Promise.all([c.close(), w.close()]);
  });
});

test("FaktoryServer enterprise batch: a complete callback that fails for good lets success fire; its complete_st stays 1", async () => {
  await withEnterprise({}, async ({ server, clock, c, w }) => {
    const bid = await c.batchNew({
      complete: createJob("Complete", [], { queue: "cb", retry: 1 }),
      success: callback("Success"),
    });
    await c.push("Part", [], { custom: { bid } });
    await c.batchCommit(bid);
    assert.equal(await runNext(w, "default"), "Part");
    assert.deepEqual(counts(server, bid), [1, 0, 0, "1", ""]);
    let complete = await w.fetch(["cb"]);
    assert.equal(complete?.jobtype, "Complete");
    await w.fail(complete!.jid, new Error("callback broke"));
    // It will be retried: success waits for it.
    assert.deepEqual(counts(server, bid), [1, 0, 0, "1", ""]);
    assert.deepEqual(server.queue("cb"), []);
    clock.now += 3_600_000;
    server.runTasks();
    complete = await w.fetch(["cb"]);
    assert.equal(complete?.jobtype, "Complete");
    await w.fail(complete!.jid, new Error("callback broke again"));
    assert.deepEqual(server.dead().map((j) => j.jobtype), ["Complete"]);
    assert.deepEqual(counts(server, bid), [1, 0, 0, "1", "1"]);
    assert.equal(await runNext(w, "cb"), "Success");
    assert.deepEqual(counts(server, bid), [1, 0, 0, "1", "2"]);

    // A child whose complete callback is discarded (retry 0) lets its parent complete.
    const parent = await c.batchNew({ complete: callback("ParentComplete") });
    const child = await c.batchNew({
      parent_bid: parent,
      complete: createJob("ChildComplete", [], { queue: "cb", retry: 0 }),
    });
    await c.batchCommit(child);
    await c.batchCommit(parent);
    const childCb = await w.fetch(["cb"]);
    assert.equal(childCb?.jobtype, "ChildComplete");
    await w.fail(childCb!.jid, new Error("gone"));
    assert.deepEqual(counts(server, child), [0, 0, 0, "1", ""]);
    assert.deepEqual(counts(server, parent), [0, 0, 0, "1", ""]);
    assert.equal(await runNext(w, "cb"), "ParentComplete");
  });
});

test("FaktoryServer enterprise settles a 2,000-deep chain of child batches in linear time, each success after its child's", async () => {
  await withEnterprise({}, async ({ server, c, w }) => {
    const depth = 2000;
    const bids: string[] = [];
    for (let i = 0; i < depth; i++) {
      bids.push(
        await c.batchNew({
          ...(i === 0 ? {} : { parent_bid: bids[i - 1] }),
          success: createJob("Done", [i], { queue: "cb" }),
        }),
      );
    }
    const started = Date.now();
    const bound = 5000;
    const inTime = () => {
      const ms = Date.now() - started;
      assert.ok(ms < bound, `still settling the chain after ${ms} ms`);
    };
    for (const bid of bids) { // the root first: each waits for its child
      await c.batchCommit(bid);
      inTime();
    }
    assert.deepEqual(server.queue("cb").map((j) => j.args), [[depth - 1]]);
    for (let i = depth - 1; i >= 0; i--) {
      const job = await w.fetch(["cb"]);
      assert.deepEqual(job?.args, [i]);
      assert.deepEqual(job?.custom, {
        _bid: bids[i],
        _cb: "success",
        ...(i === 0 ? {} : { _pbid: bids[i - 1] }),
      });
      await w.ack(job!.jid);
      inTime();
    }
    assert.deepEqual(server.queue("cb"), []);
    assert.ok(server.batches().every((b) => b.success_st === "2"));
  });
});

test("Manager runs a batch's jobs, one reopening the batch to add another, then its complete and success callbacks", async () => {
  const r = await rig({}, { enterprise: true });
  const ran: string[] = [];
  r.manager.register("Part", async (ctx: JobContext, n: number) => {
    ran.push(`part ${n} of ${ctx.bid}`);
    if (n !== 1) return;
    await ctx.with(async (client) => {
      await client.batchOpen(ctx.bid!);
      await client.push("Part", [3], { custom: { bid: ctx.bid! } });
      await client.batchCommit(ctx.bid!);
    });
  });
  for (const kind of ["Complete", "Success"]) {
    r.manager.register(`Batch${kind}`, (ctx: JobContext) => {
      ran.push(`${ctx.custom._cb} of ${ctx.callbackBid}`);
    });
  }
  const bid = await r.client.batchNew({
    description: "end to end",
    complete: createJob("BatchComplete", []),
    success: createJob("BatchSuccess", []),
  });
  await r.client.push("Part", [1], { custom: { bid } });
  await r.client.push("Part", [2], { custom: { bid } });
  await r.client.batchCommit(bid);
  const running = r.manager.run();
  try {
    await until(
      () => r.server.batch(bid)?.success_st === "2",
      10_000,
      "success",
    );
  } finally {
    await r.close();
    await running;
  }
  assert.deepEqual(
    { ...r.server.batch(bid), created_at: "" },
    {
      bid,
      total: 3,
      pending: 0,
      failed: 0,
      created_at: "",
      description: "end to end",
      complete_st: "2",
      success_st: "2",
    },
  );
  assert.deepEqual(ran.slice(0, 3).sort(), [
    `part 1 of ${bid}`,
    `part 2 of ${bid}`,
    `part 3 of ${bid}`,
  ]);
  assert.deepEqual(ran.slice(3), [`complete of ${bid}`, `success of ${bid}`]);
});
