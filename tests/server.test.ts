import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AuthenticationError,
  Client,
  type ClientOptions,
  ConnectError,
  ConnectionClosedError,
  createJob,
  RemoteProtocolError,
  ServerError,
  TimeoutError,
} from "../mod.ts";
import { FaktoryServer, type FaktoryServerOptions } from "../testing/mod.ts";
import { testCerts } from "./_certs.ts";
import { RawConn } from "./_fidelity.ts";
import { withServer as withTestServer } from "./_seeded.ts";

/** {@linkcode withTestServer}, then no connection is left open. */
async function withServer(
  options: FaktoryServerOptions,
  fn: (server: FaktoryServer, clock: { now: number }) => Promise<void>,
): Promise<void> {
  const server = await withTestServer(options, fn);
  assert.equal(server.connections, 0);
}

const worker = (
  server: FaktoryServer,
  wid: string,
  extra: Partial<ClientOptions> = {},
) => Client.connect({ url: server.url, wid, labels: ["test"], ...extra });

test("FaktoryServer.start() and stop() are idempotent, restartable on the same port, and keep data", async () => {
  const server = new FaktoryServer({ taskInterval: 10 });
  const [a, b] = await Promise.all([server.start(), server.start()]);
  assert.equal(a, b);
  assert.ok(server.listening && server.port > 0);
  assert.match(server.url, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  const client = await Client.connect(server.url);
  await client.push("Keep", [1], { queue: "kept" });
  await Promise.all([server.stop(), server.stop()]);
  assert.equal(server.listening, false);
  assert.equal(server.connections, 0);
  await assert.rejects(client.info(), ConnectionClosedError);
  await assert.rejects(Client.connect(server.url), ConnectError);
  const port = server.port;
  await server.start();
  assert.equal(server.port, port);
  const again = await Client.connect(server.url);
  assert.equal((await again.info()).faktory.queues.kept, 1);
  await again.close();
  await server.stop();
});

test("FaktoryServer queues are FIFO and FETCH takes queues in the given order", async () => {
  await withServer({}, async (server) => {
    const c = await worker(server, "w-fifo-0001");
    for (
      const [q, n] of [["low", 1], ["high", 2], ["low", 3], [
        "high",
        4,
      ]] as const
    ) await c.push("T", [n], { queue: q });
    assert.deepEqual(server.queues(), { low: 2, high: 2 });
    const order: unknown[] = [];
    for (
      let job = await c.fetch(["high", "low"]);
      job;
      job = await c.fetch(["high", "low"])
    ) {
      order.push(job.args[0]);
      await c.ack(job.jid);
    }
    assert.deepEqual(order, [2, 4, 1, 3]);
    assert.deepEqual(server.busy(), []);
    await c.close();
  });
});

test("FaktoryServer FETCH blocks up to fetchTimeout, then returns null", async () => {
  await withServer({ fetchTimeout: 150 }, async (server) => {
    const c = await worker(server, "w-block-001");
    const started = Date.now();
    assert.equal(await c.fetch(["empty"]), null);
    assert.ok(
      Date.now() - started >= 140,
      `returned after ${Date.now() - started} ms`,
    );
    await c.close();
  });
});

test("FaktoryServer wakes a blocked FETCH as soon as a job arrives", async () => {
  await withServer({ fetchTimeout: 5000 }, async (server) => {
    const w = await worker(server, "w-wake-0001");
    const p = await Client.connect(server.url);
    const started = Date.now();
    const fetching = w.fetch(["a", "b"]);
    await new Promise((r) => setTimeout(r, 50));
    await p.push("T", ["now"], { queue: "b" });
    const job = await fetching;
    assert.deepEqual(job?.args, ["now"]);
    assert.ok(Date.now() - started < 2000);
    assert.equal(server.busy()[0]?.wid, "w-wake-0001");
    await Promise.all([w.close(), p.close()]);
  });
});

test("FaktoryServer promotes scheduled jobs when due", async () => {
  await withServer({}, async (server, clock) => {
    const c = await worker(server, "w-sched-001");
    await c.push("Later", [], { at: new Date(clock.now + 60_000), queue: "s" });
    await c.push("Past", [], { at: new Date(clock.now - 60_000), queue: "s" });
    assert.equal(server.scheduled().length, 1);
    assert.equal(server.queue("s").length, 1);
    server.runTasks();
    assert.equal(server.scheduled().length, 1);
    clock.now += 60_000;
    server.runTasks();
    assert.equal(server.scheduled().length, 0);
    assert.deepEqual(server.queue("s").map((j) => j.jobtype), [
      "Past",
      "Later",
    ]);
    // Go's RFC3339Nano: no fraction when it is zero
    assert.equal(server.queue("s")[1]!.enqueued_at, "2026-11-28T12:01:00Z");
    await c.close();
  });
});

test("FaktoryServer runs its tasks on its own every taskInterval", async () => {
  const server = await FaktoryServer.start({ taskInterval: 20 });
  const c = await Client.connect(server.url);
  await c.push("Soon", [], { at: new Date(Date.now() + 50) });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(server.queue("default").length, 1);
  await c.close();
  await server.stop();
});

test("FaktoryServer FAIL retries with Faktory's backoff, then kills the job", async () => {
  await withServer({ random: () => 0.5 }, async (server, clock) => {
    const c = await worker(server, "w-retry-001");
    const job = createJob("Flaky", [], { retry: 2, queue: "r" });
    await c.push(job);
    const backoffs: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const fetched = await c.fetch(["r"]);
      assert.equal(fetched?.jid, job.jid);
      await c.fail(job.jid, new Error(`attempt ${attempt}`));
      const [retry] = server.retries();
      if (attempt < 2) {
        const failure = retry!.failure as Record<string, unknown>;
        assert.equal(failure.retry_count, attempt);
        assert.equal(failure.message, `attempt ${attempt}`);
        assert.equal(failure.errtype, "Error");
        const delay = Date.parse(failure.next_at as string) - clock.now;
        backoffs.push(delay / 1000);
        clock.now += delay;
        server.runTasks();
      }
    }
    // count^4 + 15 + rand(30) * (count + 1), with rand(30) = 15
    assert.deepEqual(backoffs, [0 + 15 + 15 * 1, 1 + 15 + 15 * 2]);
    assert.equal(server.retries().length, 0);
    const [dead] = server.dead();
    assert.equal(dead!.jid, job.jid);
    assert.equal((dead!.failure as Record<string, unknown>).retry_count, 2);
    await c.close();
  });
});

test("FaktoryServer FAIL discards retry 0, kills retry -1, and trims fields as the server does", async () => {
  await withServer({}, async (server) => {
    const c = await worker(server, "w-fail-0001");
    for (const retry of [0, -1]) {
      await c.push(createJob("Once", [], { retry, queue: "f" }));
      const job = await c.fetch(["f"]);
      await c.fail(job!.jid, {
        errtype: "  E  ",
        message: "m".repeat(2000),
        backtrace: Array(80).fill("at x"),
      });
    }
    assert.equal(server.retries().length, 0);
    const [dead] = server.dead();
    const failure = dead!.failure as {
      errtype: string;
      message: string;
      backtrace: string[];
    };
    assert.equal(failure.errtype, "E");
    assert.equal(failure.message.length, 1000);
    assert.equal(failure.backtrace.length, 50);
    await assert.rejects(
      c.fail("not-reserved-1", new Error("x")),
      (e) =>
        e instanceof ServerError &&
        e.serverMessage === "Job not found not-reserved-1",
    );
    await c.close();
  });
});

test("FaktoryServer expires reservations as ReservationExpired and accepts a late ACK", async () => {
  await withServer({}, async (server, clock) => {
    const c = await worker(server, "w-expire-01");
    await c.push(createJob("Slow", [], { reserveFor: 60, queue: "x" }));
    const job = await c.fetch(["x"]);
    assert.equal(server.busy()[0]!.expiresAt.getTime(), clock.now + 60_000);
    clock.now += 59_000;
    server.runTasks();
    assert.equal(server.busy().length, 1);
    clock.now += 2_000;
    server.runTasks();
    assert.equal(server.busy().length, 0);
    const [retry] = server.retries();
    assert.equal(
      (retry!.failure as Record<string, unknown>).errtype,
      "ReservationExpired",
    );
    assert.equal(
      (retry!.failure as Record<string, unknown>).message,
      "Faktory job reservation expired",
    );
    await c.ack(job!.jid);
    const info = await c.info();
    assert.equal(info.faktory.tasks.Busy.reaped, 1);
    await c.close();
  });
});

test("FaktoryServer clamps reserve_for to at least 60 s and defaults it to 1800 s", async () => {
  await withServer({}, async (server, clock) => {
    const c = await worker(server, "w-clamp-001");
    await c.push(createJob("A", [], { reserveFor: 10, queue: "c" }));
    await c.push(createJob("B", [], { queue: "c" }));
    await c.fetch(["c"]);
    await c.fetch(["c"]);
    const deadlines = server.busy().map((b) =>
      (b.expiresAt.getTime() - clock.now) / 1000
    ).sort((a, b) => a - b);
    assert.deepEqual(deadlines, [60, 1800]);
    await c.close();
  });
});

test("FaktoryServer only lets the reserving worker ACK or FAIL a job", async () => {
  await withServer({}, async (server) => {
    const a = await worker(server, "w-owner-001");
    const b = await worker(server, "w-other-001");
    await a.push("T", [], { queue: "o" });
    const job = await a.fetch(["o"]);
    await b.ack(job!.jid);
    assert.equal(server.busy().length, 1);
    await assert.rejects(b.fail(job!.jid, new Error("no")), /Job not found/);
    await a.ack(job!.jid);
    assert.equal(server.busy().length, 0);
    await Promise.all([a.close(), b.close()]);
  });
});

test("FaktoryServer quiet() and terminate() reach the worker through BEAT, and quiet workers get no jobs", async () => {
  await withServer({ fetchTimeout: 50 }, async (server) => {
    const c = await worker(server, "w-state-001", { hostname: "box", pid: 77 });
    await c.push("T", [], { queue: "q" });
    assert.equal(await c.beat({ rssKb: 1234 }), null);
    assert.deepEqual(
      server.workers().map((
        { wid, hostname, pid, labels, rssKb, state, connections },
      ) => ({ wid, hostname, pid, labels, rssKb, state, connections })),
      [{
        wid: "w-state-001",
        hostname: "box",
        pid: 77,
        labels: ["test"],
        rssKb: 1234,
        state: "running",
        connections: 1,
      }],
    );
    server.quiet("w-state-001");
    assert.equal(await c.beat(), "quiet");
    assert.equal(await c.fetch(["q"]), null);
    assert.equal(server.queue("q").length, 1);
    server.terminate("w-state-001");
    assert.equal(await c.beat({ state: "terminate" }), "terminate");
    assert.equal(server.workers()[0]!.currentState, "terminate");
    assert.throws(() => server.quiet("nobody"), /No worker nobody/);
    await c.close();
  });
});

test("FaktoryServer forgets workers silent for heartbeatTimeout, and BEAT then says unknown worker", async () => {
  await withServer({ heartbeatTimeout: 60_000 }, async (server, clock) => {
    const c = await worker(server, "w-reaped-01");
    clock.now += 30_000;
    assert.equal(await c.beat(), null);
    clock.now += 59_000;
    server.runTasks();
    assert.equal(server.workers().length, 1);
    clock.now += 2_000;
    server.runTasks();
    assert.equal(server.workers().length, 0);
    await assert.rejects(
      c.beat(),
      (e) =>
        e instanceof ServerError &&
        e.serverMessage === "unknown worker w-reaped-01",
    );
    assert.equal((await c.info()).faktory.tasks.Workers.reaped, 1);
    await c.close();
  });
});

test("FaktoryServer pauses and resumes queues, waking blocked FETCHes on resume", async () => {
  await withServer({ fetchTimeout: 3000 }, async (server) => {
    const w = await worker(server, "w-pause-001");
    const p = await Client.connect(server.url);
    await p.push("T", [], { queue: "pq" });
    await p.pauseQueues(["pq"]);
    const fetching = w.fetch(["pq"]);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.queue("pq").length, 1);
    await p.resumeQueues("*");
    assert.ok(await fetching);
    await p.push("T", [], { queue: "gone" });
    await p.removeQueues(["gone"]);
    assert.equal(server.queues().gone, undefined);
    await Promise.all([w.close(), p.close()]);
  });
});

test("FaktoryServer MUTATE filters by jobtype, jids and glob, and kill/requeue/discard/clear move jobs", async () => {
  await withServer({}, async (server, clock) => {
    const c = await Client.connect(server.url);
    const at = new Date(clock.now + 3_600_000);
    const jobs = ["Alpha", "Alpha", "Beta", "Gamma"].map((t, i) =>
      createJob(t, [`arg-${i}`], { at, queue: "m" })
    );
    for (const j of jobs) await c.push(j);
    await c.kill("scheduled", { jobtype: "Alpha" });
    assert.deepEqual(server.dead().map((j) => j.jobtype), ["Alpha", "Alpha"]);
    await c.requeue("scheduled", { jids: [jobs[2]!.jid] });
    assert.deepEqual(server.queue("m").map((j) => j.jid), [jobs[2]!.jid]);
    await c.discard("scheduled", { regexp: "*arg-3*" });
    assert.equal(server.scheduled().length, 0);
    await c.requeue("dead", { regexp: "*arg-1*", jobtype: "Alpha" });
    assert.equal(server.dead().length, 1);
    await c.clear("dead");
    assert.equal(server.dead().length, 0);
    await c.close();
  });
});

test("FaktoryServer PUSHB enqueues the valid jobs and maps refused ones to reasons", async () => {
  await withServer({}, async (server) => {
    const c = await Client.connect(server.url);
    const good = createJob("T", [1], { queue: "b" });
    const raw = await RawConn.open(server.port);
    await raw.take(1);
    raw.write('HELLO {"v":2}\r\n');
    await raw.take(1);
    raw.write(
      `PUSHB [${
        JSON.stringify(good)
      },{"jid":"0123456789","args":[]},{"jid":"0123456789b","jobtype":"T","args":[],"queue":"bad queue"}]\r\n`,
    );
    const [reply] = await raw.take(1);
    assert.deepEqual(JSON.parse((reply as { value: string }).value), {
      "0123456789": "jobs must have a jobtype parameter",
      "0123456789b":
        'cannot get "bad queue" queue: queue names must match \\A[a-zA-Z0-9._-]+\\z',
    });
    assert.equal(server.queue("b").length, 1);
    raw.close();
    await c.close();
  });
});

test("FaktoryServer with a password accepts the right hash and refuses a wrong one, and draws salt and iterations from random", async () => {
  await withServer(
    { password: "s3cr3t pass", random: () => 0.5 },
    async (server) => {
      assert.match(server.url, /^tcp:\/\/:s3cr3t%20pass@/);
      const ok = await Client.connect(server.url);
      await ok.info();
      await ok.close();
      await assert.rejects(
        Client.connect(server.url.replace("s3cr3t%20pass", "nope")),
        AuthenticationError,
      );
      const raw = await RawConn.open(server.port);
      const [hi] = await raw.take(1);
      const greeting = JSON.parse((hi as { value: string }).value.slice(3));
      // 16 hex digits of floor(0.5 * 16), then 4000 + floor(0.5 * 4096) iterations.
      assert.deepEqual(greeting, { v: 2, i: 6048, s: "8".repeat(16) });
      raw.close();
    },
  );
});

test("FaktoryServer closes a connection that sends nothing within helloTimeout, or a command first", async () => {
  await withServer({ helloTimeout: 100 }, async (server) => {
    const silent = await RawConn.open(server.port);
    assert.ok(await silent.eof(2000));
    const rude = await RawConn.open(server.port);
    await rude.take(1);
    rude.write("INFO\r\n");
    assert.ok(await rude.eof(2000));
    assert.equal(rude.replies.length, 0);
  });
});

test("FaktoryServer serves TLS (tcp+tls://) with the given certificate", async () => {
  const certs = testCerts();
  await withServer(
    { tls: { key: certs.key, cert: certs.cert } },
    async (server) => {
      assert.match(server.url, /^tcp\+tls:\/\//);
      const c = await Client.connect({
        url: server.url,
        tls: { ca: certs.ca },
      });
      await c.push("Secure", []);
      assert.equal(server.queue("default").length, 1);
      await c.close();
    },
  );
});

test("FaktoryServer faults: close, close-after, cut-reply, garbage and delay", async () => {
  await withServer({}, async (server) => {
    server.fault({ action: "close", verb: "PUSH" });
    let c = await Client.connect(server.url);
    await assert.rejects(c.push("Lost", []), ConnectionClosedError);
    assert.equal(
      server.queue("default").length,
      0,
      "a command closed on arrival is not run",
    );

    server.fault({ action: "close-after", verb: "PUSH" });
    c = await Client.connect(server.url);
    await assert.rejects(c.push("Kept", []), ConnectionClosedError);
    assert.equal(
      server.queue("default").length,
      1,
      "the command ran, only the reply was lost",
    );

    server.fault({ action: "cut-reply", verb: "INFO" });
    c = await Client.connect(server.url);
    await assert.rejects(c.info(), ConnectionClosedError);

    server.fault({ action: "garbage", verb: "INFO", after: 1 });
    c = await Client.connect(server.url);
    await c.info();
    await assert.rejects(c.info(), RemoteProtocolError);

    server.fault({ action: "delay", verb: "INFO", ms: 2500 });
    c = await Client.connect({ url: server.url, timeout: 2100 });
    await assert.rejects(c.info(), TimeoutError);

    server.fault({ action: "close", wid: "only-this-wid", times: 5 });
    c = await Client.connect(server.url);
    await c.info();
    server.clearFaults();
    const w = await worker(server, "only-this-wid");
    await w.info();
    await Promise.all([c.close(), w.close()]);
    // cut-reply 1, garbage 2, delay 1, the wid-only fault's connection 1, the worker 1
    assert.equal(server.commands("INFO"), 6);
  });
});

test("FaktoryServer.restart() refuses commands, closes connections and forgets workers, keeping jobs and reservations", async () => {
  await withServer({}, async (server) => {
    const c = await worker(server, "w-restart-1");
    await c.push("A", [], { queue: "r" });
    await c.push("B", [], { queue: "r" });
    const job = await c.fetch(["r"]);
    const restarting = server.restart();
    await assert.rejects(c.info(), /shutdown in progress/);
    await restarting;
    await assert.rejects(c.info(), ConnectionClosedError);
    assert.equal(server.workers().length, 0);
    assert.equal(server.busy().length, 1);
    assert.equal(server.queue("r").length, 1);
    const again = await worker(server, "w-restart-1");
    await again.ack(job!.jid);
    assert.equal(server.busy().length, 0);
    await again.close();
  });
});

test("FaktoryServer INFO has the shape of Faktory 1.8's", async () => {
  await withServer({}, async (server) => {
    const c = await Client.connect(server.url);
    await c.push("T", [], { queue: "zeta" });
    await c.push("T", [], { queue: "alpha" });
    const info = await c.info();
    assert.deepEqual(Object.keys(info), [
      "faktory",
      "now",
      "server",
      "server_utc_time",
    ]);
    assert.deepEqual(Object.keys(info.faktory.queues), ["alpha", "zeta"]);
    assert.deepEqual(Object.keys(info.faktory.tasks), [
      "Busy",
      "Dead",
      "Retries",
      "Scheduled",
      "Workers",
    ]);
    assert.equal(info.faktory.total_enqueued, 2);
    assert.equal(info.faktory.total_queues, 2);
    assert.equal(info.server.faktory_version, "1.8.0");
    assert.equal(info.server.connections, 1);
    assert.match(info.server_utc_time, /^\d\d:\d\d:\d\d UTC$/);
    await c.flush();
    assert.deepEqual(server.queues(), { alpha: 0, zeta: 0 });
    await c.close();
  });
});
