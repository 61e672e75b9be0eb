// The embedded server's Enterprise mode: the open-source default, unique jobs, expiring jobs
// and job tracking. Batches are in server_enterprise_batch.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createJob, EnterpriseOnlyError, NotUniqueError } from "../mod.ts";
import { err, OK, raw, withEnterprise, worker } from "./_enterprise.ts";
import { until } from "./_manager_util.ts";
import { TEST_START, withServer } from "./_seeded.ts";

/** The test clock's start plus `secs` seconds, as a Date. */
const at = (secs: number) => new Date(TEST_START + secs * 1000);

test("FaktoryServer without enterprise answers BATCH and TRACK as Faktory 1.8 and ignores unique_for and expires_at", async () => {
  await withServer({}, async (server, clock) => {
    assert.equal(server.enterprise, false);
    const r = await raw(server);
    const batchOnly = err(
      "batch subsystem is only available in Faktory Enterprise",
    );
    const trackOnly = err(
      "tracking subsystem is only available in Faktory Enterprise",
    );
    assert.deepEqual(
      await r.send(
        'BATCH NEW {"success":{"jid":"jid-bs-00000001","jobtype":"Done","args":[]}}',
      ),
      batchOnly,
    );
    assert.deepEqual(await r.send("BATCH STATUS b-0123456789abcd"), batchOnly);
    assert.deepEqual(await r.send("TRACK GET jid-x-00000001"), trackOnly);
    assert.deepEqual(
      await r.send('TRACK SET {"jid":"jid-x-00000001","percent":50}'),
      trackOnly,
    );
    const unique = (jid: string) =>
      `PUSH {"jid":"${jid}","jobtype":"U","args":[1],"custom":{"unique_for":60,"bid":"b-none"}}`;
    assert.deepEqual(await r.send(unique("jid-u-00000001")), OK);
    assert.deepEqual(await r.send(unique("jid-u-00000002")), OK);
    assert.equal(server.queue("default").length, 2);
    r.close();

    const w = await worker(server);
    const old = await w.push("Old", [], {
      queue: "exp",
      expiresAt: new Date(clock.now - 1000),
      track: true,
    });
    assert.equal((await w.fetch(["exp"]))?.jid, old);
    await assert.rejects(
      w.batchNew({ success: createJob("Done", []) }),
      EnterpriseOnlyError,
    );
    assert.deepEqual(server.batches(), []);
    assert.equal(server.batch("b-0123456789abcd"), undefined);
    assert.deepEqual(server.track(old), {
      jid: old,
      state: "unknown",
      updated_at: "",
    });
    await w.close();
  });
});

test("FaktoryServer enterprise refuses a duplicate unique job: -NOTUNIQUE on PUSH, a NOTUNIQUE entry in the PUSHB map", async () => {
  await withEnterprise({}, async ({ server, c }) => {
    assert.equal(server.enterprise, true);
    await c.push("Report", [7, { b: 2, a: 1 }], { uniqueFor: 600 });
    await assert.rejects(
      c.push("Report", [7, { a: 1, b: 2 }], { uniqueFor: 600 }),
      (e) =>
        e instanceof NotUniqueError && e.code === "NOTUNIQUE" &&
        e.serverMessage === "Job not unique",
    );
    const r = await raw(server);
    assert.deepEqual(
      await r.send(
        'PUSH {"jid":"jid-dup-0001","jobtype":"Report","args":[7,{"a":1,"b":2}],"custom":{"unique_for":1.5}}',
      ),
      { type: "error", code: "NOTUNIQUE", message: "Job not unique" },
    );
    const job = (jid: string, arg: number) =>
      `{"jid":"${jid}","jobtype":"Report","args":[${arg},{"a":1,"b":2}],"custom":{"unique_for":600}}`;
    const refused = await r.bulk(
      `PUSHB [${job("jid-dup-0002", 7)},${job("jid-new-0001", 8)},${
        job("jid-new-0002", 8)
      }]`,
    );
    assert.equal(
      refused,
      '{"jid-dup-0002":"NOTUNIQUE Job not unique","jid-new-0002":"NOTUNIQUE Job not unique"}',
    );
    assert.deepEqual(server.queue("default").map((j) => j.args), [
      [7, { b: 2, a: 1 }],
      [8, { a: 1, b: 2 }],
    ]);
    r.close();
  });
});

test("FaktoryServer enterprise releases a unique lock at ACK but not at FAIL, or at FETCH with unique_until start", async () => {
  await withEnterprise({}, async ({ server, clock, c, w }) => {
    const sync = () => c.push("Sync", [1], { uniqueFor: 3600, retry: 3 });
    const jid = await sync();
    assert.equal((await w.fetch(["default"]))?.jid, jid);
    await assert.rejects(sync(), NotUniqueError); // running
    await w.fail(jid, new Error("boom"));
    await assert.rejects(sync(), NotUniqueError); // waiting for its retry
    clock.now += 60_000; // past the first retry (at most 45 s)
    server.runTasks();
    assert.equal((await w.fetch(["default"]))?.jid, jid);
    await assert.rejects(sync(), NotUniqueError);
    await w.ack(jid);
    const again = await sync();
    assert.notEqual(again, jid);

    const ping = () =>
      c.push("Ping", [1], {
        uniqueFor: 3600,
        uniqueUntil: "start",
        queue: "s",
      });
    const first = await ping();
    await assert.rejects(ping(), NotUniqueError); // not started yet
    assert.equal((await w.fetch(["s"]))?.jid, first);
    const second = await ping(); // the first one runs: no lock
    assert.deepEqual(server.queue("s").map((j) => j.jid), [second]);
  });
});

test("FaktoryServer enterprise unique locks end after unique_for seconds (fractions too), counted from a scheduled job's time", async () => {
  await withEnterprise({}, async ({ server, clock, c }) => {
    const r = await raw(server);
    const half = (jid: string) =>
      `PUSH {"jid":"${jid}","jobtype":"Half","args":[],"custom":{"unique_for":0.5}}`;
    assert.deepEqual(await r.send(half("jid-half-0001")), OK);
    clock.now += 499;
    assert.deepEqual(
      await r.send(half("jid-half-0002")),
      { type: "error", code: "NOTUNIQUE", message: "Job not unique" },
    );
    clock.now += 1;
    assert.deepEqual(await r.send(half("jid-half-0003")), OK);
    r.close();

    // An hour's delay and unique_for 10 minutes lock for 70 minutes.
    const start = clock.now;
    await c.push("Later", [], {
      uniqueFor: 600,
      at: new Date(start + 3_600_000),
    });
    clock.now = start + 4_199_999;
    await assert.rejects(
      c.push("Later", [], { uniqueFor: 600 }),
      NotUniqueError,
    );
    clock.now = start + 4_200_000;
    server.runTasks(); // promotes the scheduled one and forgets the ended lock
    await c.push("Later", [], { uniqueFor: 600 });
    assert.deepEqual(server.queue("default").map((j) => j.jobtype), [
      "Half",
      "Half",
      "Later",
      "Later",
    ]);
  });
});

test("FaktoryServer enterprise unique key is jobtype, arguments and queue; jobs without unique_for are neither checked nor locked", async () => {
  await withEnterprise({}, async ({ server, c }) => {
    const u = { uniqueFor: 60 };
    await c.push("K", [1], u);
    await c.push("K", [2], u); // other arguments
    await c.push("K", [1], { ...u, queue: "other" }); // other queue
    await c.push("K2", [1], u); // other jobtype
    await c.push("K", [1]); // no unique_for: not checked
    await assert.rejects(c.push("K", [1], u), NotUniqueError);
    await c.push("Free", [1]); // takes no lock
    await c.push("Free", [1], u);
    await assert.rejects(c.push("Free", [1], u), NotUniqueError);
    const r = await raw(server);
    for (const value of ['"600"', "0", "-5"]) {
      for (const n of [1, 2]) {
        assert.deepEqual(
          await r.send(
            `PUSH {"jid":"jid-odd-${n}${value.length}","jobtype":"Odd","args":[],"custom":{"unique_for":${value}}}`,
          ),
          OK,
          `unique_for ${value} takes no lock`,
        );
      }
    }
    r.close();
    assert.deepEqual(server.queues(), { default: 12, other: 1 });
  });
});

test("FaktoryServer enterprise drops jobs past their expires_at at FETCH, releases their lock, and hands out the next job", async () => {
  await withEnterprise({}, async ({ server, clock, c, w }) => {
    await c.push("Gone", [], { expiresAt: at(10), uniqueFor: 3600 });
    await c.push("Odd", [], { custom: { expires_at: "next tuesday" } });
    const keep = await c.push("Keep", [], { expiresAt: at(11) });
    clock.now = TEST_START + 10_000;
    assert.equal((await w.fetch(["default"]))?.jobtype, "Odd");
    assert.equal((await w.fetch(["default"]))?.jid, keep);
    assert.equal(await w.fetch(["default"]), null);
    assert.deepEqual(server.busy().map((b) => b.job.jobtype), ["Odd", "Keep"]);
    assert.deepEqual(server.dead(), []);
    assert.deepEqual(server.retries(), []);
    await c.push("Gone", [], { uniqueFor: 3600 }); // the lock went with the job
    assert.deepEqual(server.queue("default").map((j) => j.jobtype), ["Gone"]);
  });
});

test("FaktoryServer enterprise does not wake a blocked FETCH with an expired job", async () => {
  await withEnterprise(
    { fetchTimeout: 5000 },
    async ({ server, clock, c, w }) => {
      const fetching = w.fetch(["wait"]);
      await until(() => server.commands("FETCH") === 1);
      await c.push("Stale", [], {
        queue: "wait",
        expiresAt: new Date(clock.now - 1),
      });
      const fresh = await c.push("Fresh", [], { queue: "wait" });
      assert.equal((await fetching)?.jid, fresh);
      assert.deepEqual(server.queue("wait"), []);
    },
  );
});

test("FaktoryServer enterprise tracks a job: enqueued, working, success; failed, then dead; unknown when not tracked", async () => {
  await withEnterprise({}, async ({ server, clock, c, w }) => {
    const a = await c.push("A", [], { track: true });
    assert.deepEqual(await c.trackGet(a), {
      jid: a,
      state: "enqueued",
      updated_at: "2026-11-28T12:00:00Z",
    });
    clock.now += 5000;
    await w.fetch(["default"]);
    assert.deepEqual(await c.trackGet(a), {
      jid: a,
      state: "working",
      updated_at: "2026-11-28T12:00:05Z",
    });
    await w.ack(a);
    assert.equal((await c.trackGet(a)).state, "success");

    const b = await c.push("B", [], { track: true, retry: 1 });
    await w.fetch(["default"]);
    await w.fail(b, new Error("once"));
    assert.equal((await c.trackGet(b)).state, "failed");
    clock.now += 60_000;
    server.runTasks(); // back on its queue: still failed until it runs
    assert.equal((await c.trackGet(b)).state, "failed");
    await w.fetch(["default"]);
    await w.fail(b, new Error("twice"));
    assert.equal((await c.trackGet(b)).state, "dead");
    assert.deepEqual(server.dead().map((j) => j.jid), [b]);

    const later = await c.push("L", [], { track: true, at: at(3600) });
    assert.equal(server.track(later).state, "enqueued");
    const plain = await c.push("P", []);
    assert.deepEqual(await c.trackGet(plain), {
      jid: plain,
      state: "unknown",
      updated_at: "",
    });
    const r = await raw(server);
    assert.equal(
      await r.bulk("TRACK GET jid-nope-0001"),
      '{"jid":"jid-nope-0001","state":"unknown","updated_at":""}',
    );
    r.close();
  });
});

test("FaktoryServer enterprise TRACK SET stores percent and desc, extends a reservation but never shortens it, and refuses bad fields", async () => {
  await withEnterprise({}, async ({ server, clock, c, w }) => {
    const jid = await c.push("Long", [], { track: true, reserveFor: 600 });
    await c.trackSet({ jid, percent: 10, desc: "queued up" });
    assert.deepEqual(await c.trackGet(jid), {
      jid,
      percent: 10,
      desc: "queued up",
      state: "enqueued",
      updated_at: "2026-11-28T12:00:00Z",
    });
    await w.fetch(["default"]);
    const deadline = () => server.busy()[0]!.expiresAt.getTime();
    assert.equal(deadline(), TEST_START + 600_000);
    await c.trackSet({
      jid,
      percent: 50,
      reserve_until: at(1200).toISOString(),
    });
    assert.equal(deadline(), TEST_START + 1_200_000);
    await c.trackSet({ jid, reserve_until: at(300).toISOString() });
    assert.equal(deadline(), TEST_START + 1_200_000);
    clock.now = TEST_START + 900_000;
    server.runTasks();
    assert.equal(server.busy().length, 1); // past 600 s, still reserved

    const r = await raw(server);
    assert.deepEqual(
      await r.send(`TRACK SET {"jid":"${jid}","desc":null}`),
      OK,
    );
    assert.deepEqual(server.track(jid), {
      jid,
      percent: 50,
      state: "working",
      updated_at: "2026-11-28T12:15:00Z",
    });
    assert.deepEqual(
      await r.send('TRACK SET {"jid":"jid-free-0001","percent":5}'),
      OK,
    );
    assert.deepEqual(server.track("jid-free-0001"), {
      jid: "jid-free-0001",
      percent: 5,
      state: "unknown",
      updated_at: "2026-11-28T12:15:00Z",
    });
    const refusals: [string, string][] = [
      ['TRACK SET {"percent":5}', "TRACK SET needs a jid"],
      ['TRACK SET {"jid":""}', "TRACK SET needs a jid"],
      [
        'TRACK SET {"jid":"j","percent":101}',
        "percent must be a whole number from 0 to 100, got 101",
      ],
      [
        'TRACK SET {"jid":"j","percent":2.5}',
        "percent must be a whole number from 0 to 100, got 2.5",
      ],
      ['TRACK SET {"jid":"j","desc":7}', "desc must be a string, got 7"],
      [
        'TRACK SET {"jid":"j","reserve_until":"soon"}',
        'invalid reserve_until: parsing time "soon" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "soon" as "2006"',
      ],
      ['TRACK SET {"jid":"j"', "invalid JSON: unexpected end of JSON input"],
      [
        "TRACK SET [1]",
        "invalid JSON: json: cannot unmarshal array into Go value of type client.JobTrack",
      ],
      ["TRACK STOP j", "unknown TRACK subcommand STOP"],
    ];
    for (const [line, message] of refusals) {
      assert.deepEqual(await r.send(line), err(message), line);
    }
    assert.equal(server.track("j").state, "unknown");
    r.close();
  });
});

test("FaktoryServer enterprise forgets the tracks of finished jobs 30 minutes after their last update", async () => {
  await withEnterprise({}, async ({ server, clock, c, w }) => {
    const done = await c.push("Done", [], { track: true });
    const running = await c.push("Running", [], {
      track: true,
      reserveFor: 7200,
    });
    const waiting = await c.push("Waiting", [], { track: true, queue: "q" });
    assert.equal((await w.fetch(["default"]))?.jid, done);
    await w.ack(done);
    assert.equal((await w.fetch(["default"]))?.jid, running);
    clock.now += 30 * 60_000 - 1;
    server.runTasks();
    assert.equal(server.track(done).state, "success");
    clock.now += 1;
    server.runTasks();
    assert.deepEqual(server.track(done), {
      jid: done,
      state: "unknown",
      updated_at: "",
    });
    assert.equal(server.track(running).state, "working");
    assert.equal(server.track(waiting).state, "enqueued");
  });
});
