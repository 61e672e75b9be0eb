// A job larger than maxReplyBytes: its bytes are skipped, never held; it is FAILed at once
// (not left reserved), said at error level with its size and the limit, and work goes on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client, createJob, JobTooLargeError } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { ReplayServer } from "./_replay.ts";
import { captureLogger, rig, until } from "./_manager_util.ts";
import { failTooLarge } from "../worker/_too_large.ts";
import type { Result } from "../worker/_results.ts";

const LIMIT = 64 * 1024;

test("Manager FAILs a fetched job larger than maxReplyBytes as JobTooLargeError, logs its size and the limit, and runs later jobs", async () => {
  const r = await rig({ maxReplyBytes: LIMIT, concurrency: 2 });
  const ran: unknown[] = [];
  let bigRan = false;
  r.manager.register("Small", (_ctx, n) => void ran.push(n));
  r.manager.register("Big", () => void (bigRan = true));
  const errors: unknown[] = [];
  r.manager.on("error", ({ error }) => void errors.push(error));
  try {
    const big = createJob("Big", ["x".repeat(100_000)]);
    await r.client.push(big);
    await r.client.push("Small", [1]);
    const running = r.manager.run();
    await until(
      () => r.server.retries().length === 1 && ran.length === 1,
      3000,
      "the big job failed and the small one ran",
    );
    const [retry] = r.server.retries();
    assert.equal(retry?.jid, big.jid);
    const failure = retry?.failure as Record<string, unknown>;
    assert.equal(failure.errtype, "JobTooLargeError");
    assert.match(String(failure.message), /\d{6} bytes/);
    assert.match(String(failure.message), new RegExp(`${LIMIT} bytes`));
    assert.ok(
      !r.server.busy().some((b) => b.job.jid === big.jid),
      "the big job is no longer reserved",
    );
    assert.equal(bigRan, false);
    const logged = r.logger.lines.filter((l) => l.level === "error");
    assert.equal(logged.length, 1, JSON.stringify(logged));
    assert.equal(logged[0]?.fields?.jid, big.jid);
    assert.equal(logged[0]?.fields?.limit, LIMIT);
    assert.ok(Number(logged[0]?.fields?.size) > LIMIT);
    assert.ok(errors[0] instanceof JobTooLargeError);
    // Work goes on: the next job runs.
    await r.client.push("Small", [2]);
    await until(() => ran.length === 2, 3000, "a later job ran");
    assert.deepEqual(ran, [1, 2]);
    await r.manager.stop();
    await running;
  } finally {
    await r.close();
  }
});

test("Client.fetch() rejects a job larger than maxReplyBytes with JobTooLargeError and stays usable", async () => {
  const server = await FaktoryServer.start({ fetchTimeout: 100 });
  const producer = await Client.connect(server.url);
  const big = createJob("Big", ["x".repeat(100_000)], { queue: "q" });
  await producer.push(big);
  await producer.push("Small", [], { queue: "q" });
  const client = await Client.connect({
    url: server.url,
    wid: "w-too-large",
    maxReplyBytes: LIMIT,
  });
  const error = await client.fetch(["q"]).catch((e) => e);
  assert.ok(error instanceof JobTooLargeError, String(error));
  assert.equal(error.jid, big.jid);
  assert.equal(error.limit, LIMIT);
  assert.ok(error.size > 100_000);
  assert.ok(!client.closed);
  const next = await client.fetch(["q"]);
  assert.equal(next?.jobtype, "Small");
  await client.fail(big.jid, error);
  await client.ack(next!.jid);
  assert.equal(server.retries()[0]?.jid, big.jid);
  await client.close();
  await producer.close();
  await server.stop();
});

test("Client.fetch() of a big job whose jid is not in its first bytes: JobTooLargeError without a jid, connection in step", async () => {
  const filler = "x".repeat(10_000);
  const job = `{"args":["${filler}"],"jobtype":"Big","jid":"jid-at-the-end-1"}`;
  const server = await ReplayServer.start([[
    { send: '+HI {"v":2}\r\n' },
    { expect: /^HELLO / },
    { send: "+OK\r\n" },
    { expect: "FETCH q\r\n" },
    { send: `$${job.length}\r\n${job.slice(0, 5000)}` },
    { delay: 10 },
    { send: `${job.slice(5000)}\r\n` },
    { expect: "FETCH q\r\n" },
    { send: "$-1\r\n" },
    { expect: "END\r\n" },
  ]]);
  const client = await Client.connect({ url: server.url, maxReplyBytes: 1024 });
  const error = await client.fetch(["q"]).catch((e) => e);
  assert.ok(error instanceof JobTooLargeError, String(error));
  assert.equal(error.jid, undefined);
  assert.equal(error.size, job.length);
  assert.equal(await client.fetch(["q"]), null);
  await client.close();
  await server.finished();
  assert.deepEqual(server.errors, []);
  await server.close();
});

test("a too-large job with no jid found is logged at error with its size and the limit, and nothing is FAILed", () => {
  const logger = captureLogger();
  const pushed: Result[] = [];
  const emitted: unknown[] = [];
  const results = { push: (r: Result) => void pushed.push(r) };
  const events = { emit: (_: "error", e: unknown) => void emitted.push(e) };
  failTooLarge(
    new JobTooLargeError({ size: 70_000, limit: LIMIT }),
    { logger, results, events },
  );
  assert.equal(pushed.length, 0);
  assert.equal(logger.lines.length, 1);
  const [line] = logger.lines;
  assert.equal(line?.level, "error");
  assert.match(line?.message ?? "", /reservation/);
  assert.equal(line?.fields?.size, 70_000);
  assert.equal(line?.fields?.limit, LIMIT);
  assert.equal(emitted.length, 1);
  failTooLarge(
    new JobTooLargeError({ size: 70_000, limit: LIMIT, jid: "jid-big-1" }),
    { logger, results, events },
  );
  assert.deepEqual(pushed, [{
    type: "FAIL",
    payload: {
      jid: "jid-big-1",
      errtype: "JobTooLargeError",
      message:
        "Job jid-big-1 of 70000 bytes exceeds maxReplyBytes (65536 bytes)",
    },
  }]);
});
