// FaktoryServer's dataFile option: the state survives a clean stop and a kill -9 (at most the
// last second is lost), a damaged, truncated, foreign or newer file stops the start with a
// DataFileError and is left as it is, nothing is written while idle, and writes go through a
// temporary file that does not stay behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { Buffer } from "node:buffer";
import { Client, createJob, NotUniqueError } from "../mod.ts";
import {
  DataFileError,
  FaktoryServer,
  type FaktoryServerOptions,
  ServerAdmin,
} from "../testing/mod.ts";
import { decodeDataFile } from "../server/_data_file.ts";
import { until } from "./_manager_util.ts";
import { seededRandom, TEST_START } from "./_seeded.ts";
import { exitWithin, runtime, start, writeScript } from "./_spawn.ts";

/** Runs `fn` with a fresh directory, removed afterwards. */
async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "faktory-persist-"));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Options for a server on a hand-driven clock, tasks run by the test only. */
function options(
  dataFile: string,
  clock: { now: number },
  more: FaktoryServerOptions = {},
): FaktoryServerOptions {
  return {
    dataFile,
    taskInterval: 0,
    fetchTimeout: 100,
    now: () => clock.now,
    random: seededRandom(7),
    ...more,
  };
}

/** Everything the inspection API and INFO show of the kept state. */
async function inspect(server: FaktoryServer) {
  const c = await Client.connect(server.url);
  const { faktory } = await c.info();
  await c.close();
  const queues = server.queues();
  return {
    queues,
    jobs: Object.keys(queues).map((q) => server.queue(q)),
    scheduled: server.scheduled(),
    retries: server.retries(),
    dead: server.dead(),
    busy: server.busy(),
    batches: server.batches(),
    info: {
      queues: faktory.queues,
      total_enqueued: faktory.total_enqueued,
      total_failures: faktory.total_failures,
      total_processed: faktory.total_processed,
      total_queues: faktory.total_queues,
      sizes: Object.entries(faktory.tasks).map(([k, t]) => [
        k,
        (t as { size?: number }).size,
      ]).filter(([k]) => k !== "Workers"),
    },
  };
}

/** A data file with some jobs in it, written by a server's clean stop. */
async function someDataFile(dataFile: string): Promise<Uint8Array> {
  const server = await FaktoryServer.start(
    options(dataFile, { now: TEST_START }),
  );
  const c = await Client.connect(server.url);
  await c.push("Mail", ["a@example.com"], { queue: "mail" });
  await c.push("Later", [1], { at: new Date(TEST_START + 60_000) });
  await c.close();
  await server.stop();
  return readFileSync(dataFile);
}

/**
 * Starting a server on `dataFile` fails with a DataFileError naming the file and matching
 * `problem`, and neither that start nor the stop after it changes the file.
 */
async function refused(dataFile: string, problem: RegExp): Promise<void> {
  const before = readFileSync(dataFile);
  const server = new FaktoryServer(options(dataFile, { now: TEST_START }));
  await assert.rejects(server.start(), (err: unknown) => {
    assert.ok(err instanceof DataFileError, String(err));
    assert.equal(err.path, dataFile);
    assert.ok(err.message.includes(dataFile), err.message);
    assert.match(err.message, problem);
    return true;
  });
  assert.equal(server.listening, false);
  await server.stop();
  assert.deepEqual(readFileSync(dataFile), before, "the file is unchanged");
  assert.deepEqual(readdirSync(dirname(dataFile)), [basename(dataFile)]);
}

test("FaktoryServer dataFile: after a clean stop, a new server has the same queues, scheduled jobs, retries, dead jobs, reservations, paused queues and counters", async () => {
  await withDir(async (dir) => {
    const dataFile = join(dir, "faktory.json");
    const clock = { now: TEST_START };
    const a = await FaktoryServer.start(options(dataFile, clock));
    const c = await Client.connect(a.url);
    const w = await Client.connect({ url: a.url, wid: "w-persist-01" });
    await c.push("Mail", ["a"], { queue: "mail" });
    await c.push("Later", [1], { at: new Date(TEST_START + 3_600_000) });
    const retried = await c.push("Flaky", [2], { queue: "work" });
    const dead = await c.push("Doomed", [3], { queue: "work", retry: -1 });
    const done = await c.push("Quick", [4], { queue: "work" });
    const reserved = await c.push("Slow", [5], {
      queue: "work",
      reserveFor: 600,
    });
    await c.pushBulk([
      createJob("Report", [6]),
      createJob("Report", [{ deep: [1, "two", null] }], {
        custom: { tenant: "acme" },
      }),
    ]);
    for (const jid of [retried, dead, done, reserved]) {
      assert.equal((await w.fetch(["work"]))?.jid, jid);
    }
    await w.fail(retried, new Error("boom"));
    await w.fail(dead, new TypeError("bad"));
    await w.ack(done);
    await c.pauseQueues(["mail"]);
    clock.now += 5000;
    const before = await inspect(a);
    assert.equal(before.scheduled.length, 1);
    assert.equal(before.retries.length, 1);
    assert.equal(before.dead.length, 1);
    assert.equal(before.busy.length, 1);
    assert.deepEqual(before.info.total_processed, 3);
    assert.deepEqual(before.info.total_failures, 2);
    await Promise.all([c.close(), w.close()]);
    await a.stop();

    const b = await FaktoryServer.start(options(dataFile, clock));
    try {
      assert.deepEqual(await inspect(b), before);
      const w2 = await Client.connect({ url: b.url, wid: "w-persist-01" });
      assert.equal(await w2.fetch(["mail"]), null, "mail is still paused");
      await w2.ack(reserved); // the reservation still belongs to its worker
      assert.deepEqual(b.busy(), []);
      assert.equal(
        (await inspect(b)).info.total_processed,
        before.info.total_processed + 1,
      );
      await w2.resumeQueues(["mail"]);
      assert.equal((await w2.fetch(["mail"]))?.jobtype, "Mail");
      clock.now = TEST_START + 3_600_000;
      b.runTasks();
      assert.equal((await w2.fetch(["default"]))?.jobtype, "Report");
      await w2.close();
    } finally {
      await b.stop();
    }
  });
});

test("FaktoryServer dataFile: reservations keep their expiry time across a restart", async () => {
  await withDir(async (dir) => {
    const dataFile = join(dir, "faktory.json");
    const clock = { now: TEST_START };
    const a = await FaktoryServer.start(options(dataFile, clock));
    const w = await Client.connect({ url: a.url, wid: "w-persist-02" });
    const jid = await w.push("Slow", [], { reserveFor: 120 });
    await w.fetch(["default"]);
    await w.close();
    await a.stop();
    const b = await FaktoryServer.start(options(dataFile, clock));
    try {
      assert.equal(
        b.busy()[0]?.expiresAt.getTime(),
        TEST_START + 120_000,
      );
      clock.now = TEST_START + 119_000;
      b.runTasks();
      assert.equal(b.busy().length, 1);
      clock.now = TEST_START + 120_000;
      b.runTasks();
      assert.deepEqual(b.busy(), []);
      assert.equal(b.retries()[0]?.jid, jid);
      assert.equal(
        (b.retries()[0]?.failure as { errtype: string }).errtype,
        "ReservationExpired",
      );
    } finally {
      await b.stop();
    }
  });
});

test("FaktoryServer dataFile with enterprise: batches, unique locks and tracking survive a restart, and the batch goes on where it stopped", async () => {
  await withDir(async (dir) => {
    const dataFile = join(dir, "faktory.json");
    const clock = { now: TEST_START };
    const ent = options(dataFile, clock, { enterprise: true });
    const a = await FaktoryServer.start(ent);
    const c = await Client.connect(a.url);
    const w = await Client.connect({ url: a.url, wid: "w-persist-ent" });
    const bid = await c.batchNew({
      description: "import",
      complete: createJob("Completed", [], { queue: "cb" }),
      success: createJob("Succeeded", [], { queue: "cb" }),
    });
    const child = await c.batchNew({
      parent_bid: bid,
      success: createJob("ChildDone", [], { queue: "cb" }),
    });
    const ok = await c.push("Part", [1], { queue: "parts", custom: { bid } });
    const flaky = await c.push("Part", [2], {
      queue: "parts",
      custom: { bid },
    });
    await c.push("Part", [3], { queue: "later", custom: { bid: child } });
    await c.batchCommit(bid);
    await c.batchCommit(child);
    assert.equal((await w.fetch(["parts"]))?.jid, ok);
    await w.ack(ok);
    assert.equal((await w.fetch(["parts"]))?.jid, flaky);
    await w.fail(flaky, new Error("once"));
    const unique = await c.push("Report", [7], { uniqueFor: 600 });
    const tracked = await c.push("Import", [8], { track: true });
    await c.trackSet({ jid: tracked, percent: 40, desc: "reading" });
    const before = await inspect(a);
    const track = a.track(tracked);
    assert.equal(before.batches.length, 2);
    assert.equal(track.percent, 40);
    await Promise.all([c.close(), w.close()]);
    await a.stop();

    const b = await FaktoryServer.start(ent);
    const c2 = await Client.connect(b.url);
    const w2 = await Client.connect({ url: b.url, wid: "w-persist-ent" });
    try {
      assert.deepEqual(await inspect(b), before);
      assert.deepEqual(b.track(tracked), track);
      await assert.rejects(
        c2.push("Report", [7], { uniqueFor: 600 }),
        NotUniqueError,
        "the unique lock is kept",
      );
      assert.equal(b.queue("default").map((j) => j.jid).includes(unique), true);
      // The batch's pending child holds back the complete callback; the child's job runs.
      assert.equal(b.queue("cb").length, 0);
      const part3 = await w2.fetch(["later"]);
      await w2.ack(part3!.jid);
      const childDone = await w2.fetch(["cb"]);
      assert.equal(childDone?.jobtype, "ChildDone");
      await w2.ack(childDone!.jid);
      assert.equal(b.batch(child)?.success_st, "2");
      const completed = await w2.fetch(["cb"]);
      assert.equal(completed?.jobtype, "Completed");
      await w2.ack(completed!.jid);
      assert.equal(b.batch(bid)?.complete_st, "2");
      // The failed job's retry succeeds: the batch succeeds.
      const failure = b.retries()[0]!.failure as { next_at: string };
      clock.now = Date.parse(failure.next_at);
      b.runTasks();
      assert.equal((await w2.fetch(["parts"]))?.jid, flaky);
      await w2.ack(flaky);
      assert.equal((await w2.fetch(["cb"]))?.jobtype, "Succeeded");
      assert.equal(b.batch(bid)?.success_st, "1");
    } finally {
      await Promise.all([c2.close(), w2.close()]);
      await b.stop();
    }
  });
});

test("FaktoryServer dataFile: every kind of change is written at the next stop, even alone, and reads are not", async () => {
  await withDir(async (dir) => {
    const dataFile = join(dir, "faktory.json");
    const clock = { now: TEST_START };
    const server = await FaktoryServer.start(
      options(dataFile, clock, { enterprise: true }),
    );
    const wid = "w-persist-steps";
    let last = new Uint8Array();
    /** Runs `op` on a worker connection, stops, and says whether the file changed. */
    const step = async (op: (w: Client) => unknown) => {
      const w = await Client.connect({ url: server.url, wid });
      await op(w);
      await w.close();
      await server.stop();
      const bytes = readFileSync(dataFile);
      const changed = !Buffer.from(bytes).equals(Buffer.from(last));
      last = bytes;
      await server.start();
      return changed;
    };
    const writes = async (what: string, op: (w: Client) => unknown) =>
      assert.equal(await step(op), true, `${what} is written`);
    const keeps = async (what: string, op: (w: Client) => unknown) =>
      assert.equal(await step(op), false, `${what} writes nothing`);
    const job = (w: Client) => w.fetch(["q"]).then((j) => j!.jid);
    let jid = "";
    let bid = "";
    await writes("PUSH", (w) => w.push("A", [], { queue: "q", track: true }));
    await writes("FETCH", async (w) => (jid = await job(w)));
    await writes("TRACK SET", (w) => w.trackSet({ jid, percent: 10 }));
    await writes("ACK", (w) => w.ack(jid));
    await writes(
      "PUSHB",
      (w) => w.pushBulk([createJob("B", [], { queue: "q" })]),
    );
    await writes("FETCH", async (w) => (jid = await job(w)));
    await writes("FAIL", (w) => w.fail(jid, new Error("no")));
    await writes("MUTATE", (w) => w.kill("retries", {}));
    await writes("QUEUE PAUSE", (w) => w.pauseQueues(["q"]));
    await writes("QUEUE RESUME", (w) => w.resumeQueues(["q"]));
    await keeps("INFO, BEAT, an empty FETCH", async (w) => {
      await w.info();
      await w.beat();
      assert.equal(await w.fetch(["empty"]), null);
    });
    await writes(
      "PUSH",
      (w) => w.push("C", [], { queue: "q", reserveFor: 60 }),
    );
    await writes("FETCH", async (w) => (jid = await job(w)));
    clock.now += 61_000;
    await writes(
      "runTasks expiring a reservation",
      () => server.runTasks(),
    );
    await keeps("runTasks with nothing to do", () => server.runTasks());
    await writes(
      "PUSH",
      (w) => w.push("D", [], { at: new Date(clock.now + 1000) }),
    );
    clock.now += 1000;
    await writes("runTasks promoting a job", () => server.runTasks());
    clock.now += 10 * 60_000;
    await writes("runTasks promoting a retry", () => server.runTasks());
    await writes("BATCH NEW", async (w) => {
      bid = await w.batchNew({ success: createJob("Done", []) });
    });
    clock.now += 31 * 60_000;
    await writes(
      "runTasks dropping an old batch",
      () => server.runTasks(),
    );
    assert.equal(server.batch(bid), undefined);
    await writes("FLUSH", (w) => w.flush());
    await server.stop();
  });
});

test("FaktoryServer dataFile: a server killed with SIGKILL loses nothing older than a second", async () => {
  await withDir(async (dir) => {
    const dataFile = join(dir, "faktory.json");
    const script = writeScript(
      "persist-kill",
      `import { FaktoryServer } from "@x/faktory-worker/testing";
const server = await FaktoryServer.start({ dataFile: ${
        JSON.stringify(dataFile)
      } });
console.log("listening on", server.url);
`,
    );
    const child = start(script, {});
    try {
      await until(() => /listening on tcp:/.test(child.output()), 20_000);
      const url = child.output().match(/tcp:\/\/\S+/)![0];
      const c = await Client.connect(url);
      const jids: string[] = [];
      for (let i = 0; i < 5; i++) jids.push(await c.push("Keep", [i]));
      const w = await Client.connect({ url, wid: "w-persist-kill" });
      const reserved = await w.fetch(["default"]);
      await Promise.all([c.close(), w.close()]);
      const pushed = Date.now();
      // Written within a second of the last change, without a stop.
      await until(
        () => {
          try {
            const text = readFileSync(dataFile, "utf8");
            return jids.every((jid) => text.includes(jid)) &&
              text.includes('"reservations":[{"wid":"w-persist-kill"');
          } catch {
            return false;
          }
        },
        5000,
        "the data file holds the jobs",
      );
      assert.ok(Date.now() - pushed < 3000, "written about a second later");
      process.kill(child.child.pid!, "SIGKILL");
      assert.notEqual(await exitWithin(child, 10_000), "still running");
      const server = await FaktoryServer.start({ dataFile, taskInterval: 0 });
      try {
        assert.deepEqual(
          server.queue("default").map((j) => j.jid),
          jids.filter((jid) => jid !== reserved!.jid),
        );
        assert.deepEqual(server.busy().map((b) => b.job.jid), [reserved!.jid]);
      } finally {
        await server.stop();
      }
    } finally {
      child.child.kill("SIGKILL");
      rmSync(script, { force: true });
    }
  });
});

test("FaktoryServer dataFile: a truncated file stops the start with a DataFileError and stays as it is", async () => {
  await withDir(async (dir) => {
    const dataFile = join(dir, "faktory.json");
    const whole = await someDataFile(dataFile);
    writeFileSync(dataFile, whole.subarray(0, Math.floor(whole.length / 2)));
    await refused(dataFile, /is truncated or damaged/);
    writeFileSync(dataFile, "");
    await refused(dataFile, /is empty/);
  });
});

test("decodeDataFile refuses a data file cut at every length", async () => {
  await withDir(async (dir) => {
    const whole = await someDataFile(join(dir, "faktory.json"));
    const snapshot = await decodeDataFile(whole, "f");
    assert.deepEqual(snapshot.queues.map((q) => q.name), ["mail"]);
    assert.equal(snapshot.scheduled.length, 1);
    for (let n = 0; n < whole.length - 1; n++) {
      await assert.rejects(
        decodeDataFile(whole.subarray(0, n), "f"),
        DataFileError,
        `cut at ${n}`,
      );
    }
  });
});

test("FaktoryServer dataFile: a file of a newer format version is refused and stays as it is", async () => {
  await withDir(async (dir) => {
    const dataFile = join(dir, "faktory.json");
    const text = new TextDecoder().decode(await someDataFile(dataFile));
    writeFileSync(dataFile, text.replace('"version":1,', '"version":999,'));
    await refused(
      dataFile,
      /has format version 999, newer than the version 1 this @x\/faktory-worker reads/,
    );
  });
});

test("FaktoryServer dataFile: a foreign file (other JSON, random bytes) is refused and stays as it is", async () => {
  await withDir(async (dir) => {
    const dataFile = join(dir, "faktory.json");
    writeFileSync(dataFile, '{"hello":1}');
    await refused(dataFile, /is not a faktory-worker-dev data file/);
    writeFileSync(dataFile, "[1,2,3]\n");
    await refused(dataFile, /is not a faktory-worker-dev data file/);
    const random = seededRandom(3);
    const noise = Uint8Array.from(
      { length: 4096 },
      () => Math.floor(random() * 256),
    );
    writeFileSync(dataFile, noise);
    await refused(dataFile, /is not a faktory-worker-dev data file/);
  });
});

test("FaktoryServer dataFile: a file whose data was changed or has the wrong shape is refused, naming the field", async () => {
  await withDir(async (dir) => {
    const dataFile = join(dir, "faktory.json");
    const text = new TextDecoder().decode(await someDataFile(dataFile));
    writeFileSync(dataFile, text.replace('"Mail"', '"Mall"'));
    await refused(dataFile, /does not match its sha256 checksum/);
    // A consistent checksum over data of the wrong shape.
    const file = JSON.parse(text);
    file.data.queues[0].jobs[0].job.jid = 42;
    file.data.scheduled[0].at = "soon";
    const data = JSON.stringify(file.data);
    file.sha256 = createHash("sha256").update(data).digest("hex");
    writeFileSync(dataFile, JSON.stringify(file));
    await refused(
      dataFile,
      /is damaged: data\.queues\[0\]\.jobs\[0\]\.job\.jid must be a string/,
    );
  });
});

test("FaktoryServer dataFile: Enterprise state is refused by a server without enterprise", async () => {
  await withDir(async (dir) => {
    const dataFile = join(dir, "faktory.json");
    const clock = { now: TEST_START };
    const a = await FaktoryServer.start(
      options(dataFile, clock, { enterprise: true }),
    );
    const c = await Client.connect(a.url);
    await c.push("Report", [1], { uniqueFor: 60 });
    await c.close();
    await a.stop();
    await refused(dataFile, /start the server with enterprise: true/);
  });
});

test("FaktoryServer dataFile: a missing file starts empty and is created at the first write, through a temporary file that does not stay", async () => {
  await withDir(async (dir) => {
    const dataFile = join(dir, "faktory.json");
    writeFileSync(`${dataFile}.tmp`, "left by a crash during a write");
    const clock = { now: TEST_START };
    const a = await FaktoryServer.start(options(dataFile, clock));
    assert.deepEqual(a.queues(), {});
    await a.stop();
    assert.deepEqual(readdirSync(dir), ["faktory.json.tmp"], "nothing changed");
    await a.start();
    const c = await Client.connect(a.url);
    const jid = await c.push("First", []);
    await c.close();
    await a.stop();
    assert.deepEqual(readdirSync(dir), ["faktory.json"]);
    const b = await FaktoryServer.start(options(dataFile, clock));
    assert.deepEqual(b.queue("default").map((j) => j.jid), [jid]);
    await b.stop();
    assert.deepEqual(readdirSync(dir), ["faktory.json"]);
  });
});

test("FaktoryServer dataFile: nothing is written while nothing changes, even with a worker polling and tasks running", async () => {
  await withDir(async (dir) => {
    const dataFile = join(dir, "faktory.json");
    const server = await FaktoryServer.start({ dataFile, fetchTimeout: 50 });
    const w = await Client.connect({ url: server.url, wid: "w-persist-idle" });
    try {
      const jid = await w.push("Waiting", [], { queue: "elsewhere" });
      await until(
        () => {
          try {
            return readFileSync(dataFile, "utf8").includes(jid);
          } catch {
            return false;
          }
        },
        5000,
        "the first write",
      );
      const written = statSync(dataFile).mtimeMs;
      const bytes = readFileSync(dataFile);
      const end = Date.now() + 1500;
      let fetches = 0;
      while (Date.now() < end) {
        assert.equal(await w.fetch(["default"]), null);
        await w.beat();
        fetches++;
      }
      assert.ok(fetches > 5, `the worker polled (${fetches} FETCHes)`);
      await w.close();
      await server.stop();
      assert.equal(statSync(dataFile).mtimeMs, written, "not written again");
      assert.deepEqual(readFileSync(dataFile), bytes);
      assert.deepEqual(readdirSync(dir), ["faktory.json"]);
    } finally {
      await w.close();
      await server.stop();
    }
  });
});

test(
  "FaktoryServer dataFile on Deno without --allow-read or --allow-write: a DataFileError names the flag",
  { skip: runtime !== "deno" && "Deno permissions concern Deno only" },
  async () => {
    await withDir(async (dir) => {
      const dataFile = join(dir, "faktory.json");
      const script = writeScript(
        "persist-perm",
        `import { Client } from "@x/faktory-worker";
import { FaktoryServer } from "@x/faktory-worker/testing";
const server = await FaktoryServer.start({ dataFile: ${
          JSON.stringify(dataFile)
        } });
const client = await Client.connect(server.url);
await client.push("Job", []);
await client.close();
await server.stop();
`,
      );
      try {
        const noRead = start(script, {}, ["--allow-net", "--no-prompt"]);
        assert.notEqual(await exitWithin(noRead, 20_000), 0);
        assert.match(
          noRead.output(),
          new RegExp(
            `DataFileError: Cannot read the data file ${dataFile}: Deno denied reading ${dataFile}: run with --allow-read=${dataFile}`,
          ),
        );
        const noWrite = start(script, {}, [
          "--allow-net",
          `--allow-read=${dir}`,
          "--no-prompt",
        ]);
        assert.notEqual(await exitWithin(noWrite, 20_000), 0);
        assert.match(
          noWrite.output(),
          new RegExp(
            `DataFileError: Cannot save the data file ${dataFile}: Deno denied writing ${dataFile} \\(through ${dataFile}.tmp\\): run with --allow-read=${dataFile},${dataFile}.tmp --allow-write=${dataFile},${dataFile}.tmp`,
          ),
        );
        assert.deepEqual(readdirSync(dir), []);
        const allowed = start(script, {}, [
          "--allow-net",
          `--allow-read=${dataFile},${dataFile}.tmp`,
          `--allow-write=${dataFile},${dataFile}.tmp`,
          "--no-prompt",
        ]);
        assert.equal(await exitWithin(allowed, 20_000), 0, allowed.output());
        assert.deepEqual(readdirSync(dir), ["faktory.json"]);
      } finally {
        rmSync(script, { force: true });
      }
    });
  },
);

test("FaktoryServer dataFile keeps what the dashboard's actions change (ServerAdmin)", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "admin.json");
    const clock = { now: TEST_START };
    const server = await FaktoryServer.start(options(file, clock));
    const c = await Client.connect(server.url);
    await c.push(createJob("Gone", [], { queue: "cleared" }));
    await c.push(createJob("Waits", [], { queue: "paused" }));
    await c.push(createJob("Retried", [], { queue: "work", retry: 3 }));
    const job = await c.fetch(["work"]);
    await c.fail(job!.jid, new Error("boom"));
    await c.close();
    await server.stop(); // everything above is in the file now

    const again = await FaktoryServer.start(options(file, clock));
    const admin = new ServerAdmin(again);
    admin.removeQueues(["cleared"]);
    admin.pauseQueues(["paused"]);
    assert.equal(admin.mutate("retries", "kill", "all"), 1);
    await again.stop(); // only the actions changed anything since the start

    const third = await FaktoryServer.start(options(file, clock));
    try {
      assert.ok(!("cleared" in third.queues()), "the cleared queue is gone");
      assert.equal(third.queue("paused").length, 1);
      assert.deepEqual(new ServerAdmin(third).pausedQueues(), ["paused"]);
      assert.equal(third.retries().length, 0);
      assert.equal(third.dead().length, 1);
    } finally {
      await third.stop();
    }
  });
});
