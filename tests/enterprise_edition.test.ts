// Which Faktory edition a client talks to, and what happens when Pro or Enterprise features meet
// the open-source server: producers are warned once of the options it ignores, and progress
// reports never fail a job (one warning, then nothing is sent).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client, createJob, type JobContext, Manager, Pool } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { captureLogger, until } from "./_manager_util.ts";

const warnings = (logger: ReturnType<typeof captureLogger>) =>
  logger.lines.filter((l) => l.level === "warn");

test("Client.edition() says oss for open-source Faktory and enterprise for Enterprise, asking INFO once", async () => {
  for (
    const [enterprise, expected] of [[false, "oss"], [
      true,
      "enterprise",
    ]] as const
  ) {
    const server = await FaktoryServer.start({ enterprise });
    const client = await Client.connect(server.url);
    try {
      const info = await client.info();
      assert.equal(
        info.server.description,
        enterprise ? "Faktory Enterprise" : "Faktory",
      );
      const before = server.commands("INFO");
      assert.equal(await client.edition(), expected);
      assert.equal(await client.edition(), expected);
      assert.equal(server.commands("INFO") - before, 1, "asked once");
    } finally {
      await client.close();
      await server.stop();
    }
  }
});

test("A push with Enterprise options to open-source Faktory warns once per option, through the client's logger", async () => {
  const server = await FaktoryServer.start();
  const logger = captureLogger();
  const client = await Client.connect({ url: server.url, logger });
  try {
    await client.push("Digest", ["a"], { uniqueFor: 60 });
    await client.push("Digest", ["b"], { uniqueFor: 60 });
    let warned = warnings(logger);
    assert.equal(warned.length, 1, JSON.stringify(logger.lines));
    assert.match(warned[0]!.message, /open-source Faktory .* ignores them/);
    assert.deepEqual(warned[0]!.fields?.options, [
      "uniqueFor (custom.unique_for)",
    ]);
    assert.equal(warned[0]!.fields?.server, new URL(server.url).host);
    // A new option is named once too, in a bulk push as in a push.
    await client.pushBulk([
      createJob("Digest", ["c"], { track: true, uniqueFor: 60 }),
      createJob("Digest", ["d"], { expiresIn: 60 }),
    ]);
    warned = warnings(logger);
    assert.equal(warned.length, 2);
    assert.deepEqual(warned[1]!.fields?.options, [
      "track (custom.track)",
      "expiresAt/expiresIn (custom.expires_at)",
    ]);
    // Once per process: another client to the same server does not repeat it.
    const other = captureLogger();
    const second = await Client.connect({ url: server.url, logger: other });
    await second.push("Digest", ["e"], { uniqueFor: 60, track: true });
    await second.close();
    assert.equal(warnings(other).length, 0);
    // A push without such options asks nothing.
    const infos = server.commands("INFO");
    const plain = await Client.connect({ url: server.url, logger: other });
    await plain.push("Plain", []);
    await plain.close();
    assert.equal(server.commands("INFO"), infos);
  } finally {
    await client.close();
    await server.stop();
  }
});

test("Without a logger the warning goes to the console; a Pool passes its logger on", async () => {
  const server = await FaktoryServer.start();
  const printed: unknown[][] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => void printed.push(args);
  try {
    const client = await Client.connect(server.url);
    await client.push("Digest", ["a"], {
      expiresAt: new Date(Date.now() + 60_000),
    });
    await client.close();
  } finally {
    console.warn = original;
  }
  try {
    assert.equal(printed.length, 1);
    assert.match(String(printed[0]![0]), /WARN .*expiresAt\/expiresIn/);
    const logger = captureLogger();
    const pool = new Pool({ url: server.url, logger });
    await pool.with((c) => c.push("Digest", ["b"], { uniqueFor: 30 }));
    await pool.close();
    assert.deepEqual(warnings(logger)[0]?.fields?.options, [
      "uniqueFor (custom.unique_for)",
    ]);
  } finally {
    await server.stop();
  }
});

test("Enterprise options pushed to Faktory Enterprise warn of nothing", async () => {
  const server = await FaktoryServer.start({ enterprise: true });
  const logger = captureLogger();
  const client = await Client.connect({ url: server.url, logger });
  try {
    await client.push("Digest", ["a"], { uniqueFor: 60, track: true });
    assert.deepEqual(warnings(logger), []);
  } finally {
    await client.close();
    await server.stop();
  }
});

async function worker(
  enterprise: boolean,
  handler: (ctx: JobContext) => Promise<void>,
  concurrency = 2,
) {
  const server = await FaktoryServer.start({
    enterprise,
    fetchTimeout: 100,
    taskInterval: 0,
  });
  const logger = captureLogger();
  const manager = new Manager({
    url: server.url,
    handleSignals: false,
    concurrency,
    heartbeatInterval: 50,
    logger,
  });
  manager.register("Report", handler);
  const client = await Client.connect({
    url: server.url,
    logger: captureLogger(),
  });
  return {
    server,
    logger,
    manager,
    client,
    async close() {
      await manager.stop();
      await client.close();
      await server.stop();
    },
  };
}

test("ctx.trackProgress on open-source Faktory never fails the job: one warning, then nothing is sent", async () => {
  const reported: boolean[] = [];
  const w = await worker(false, async (ctx) => {
    reported.push(await ctx.trackProgress(10, "start"));
    reported.push(
      await ctx.trackProgress(90, "end", {
        reserveUntil: new Date(Date.now() + 3_600_000),
      }),
    );
  }, 1); // one job at a time: the second job knows the answer to the first
  try {
    const running = w.manager.run();
    const jobs = [createJob("Report", []), createJob("Report", [])];
    await w.client.pushBulk(jobs);
    await until(() => reported.length === 4, 5000, "four reports");
    await until(() => w.server.busy().length === 0, 5000, "both ACKed");
    assert.deepEqual(reported, [false, false, false, false]);
    assert.deepEqual(w.server.retries(), [], "no job failed");
    assert.equal(w.server.commands("TRACK"), 1, "asked once, then never");
    const warned = warnings(w.logger);
    assert.equal(warned.length, 1, JSON.stringify(w.logger.lines));
    assert.match(warned[0]!.message, /does not track job progress/);
    await w.manager.stop();
    await running;
  } finally {
    await w.close();
  }
});

test("ctx.trackProgress on Faktory Enterprise reports, with no warning", async () => {
  const reported: boolean[] = [];
  const w = await worker(true, async (ctx) => {
    reported.push(await ctx.trackProgress(50, "half"));
  });
  try {
    const running = w.manager.run();
    const jid = await w.client.push("Report", [], { track: true });
    await until(() => reported.length === 1, 5000, "reported");
    assert.deepEqual(reported, [true]);
    await until(() => w.server.busy().length === 0, 5000, "ACKed");
    assert.equal((await w.client.trackGet(jid)).percent, 50);
    assert.deepEqual(warnings(w.logger), []);
    await w.manager.stop();
    await running;
  } finally {
    await w.close();
  }
});

test("A progress report lost to a network error is logged at warn; the job carries on and its deadline stays", async () => {
  const seen: { reported: boolean; deadlineMoved: boolean }[] = [];
  const w = await worker(true, async (ctx) => {
    const before = ctx.deadline.getTime();
    const reported = await ctx.trackProgress(50, "half", {
      reserveUntil: new Date(Date.now() + 3_600_000),
    });
    seen.push({ reported, deadlineMoved: ctx.deadline.getTime() !== before });
  });
  try {
    w.server.fault({ action: "close", verb: "TRACK" });
    const running = w.manager.run();
    await w.client.push("Report", [], { track: true });
    await until(() => seen.length === 1, 5000, "reported");
    assert.deepEqual(seen, [{ reported: false, deadlineMoved: false }]);
    await until(() => w.server.busy().length === 0, 5000, "ACKed");
    assert.deepEqual(w.server.retries(), []);
    const warned = warnings(w.logger);
    assert.equal(warned.length, 1, JSON.stringify(w.logger.lines));
    assert.match(
      warned[0]!.message,
      /progress not reported; the job carries on/,
    );
    await w.manager.stop();
    await running;
  } finally {
    await w.close();
  }
});

test("ctx.with's client warns through the Manager's logger of Enterprise options open-source Faktory ignores", async () => {
  let pushed = false;
  const w = await worker(false, async (ctx) => {
    await ctx.with((c) =>
      c.push("FollowUp", [], { uniqueFor: 120, queue: "elsewhere" })
    );
    pushed = true;
  });
  try {
    const running = w.manager.run();
    await w.client.push("Report", []);
    await until(() => pushed, 5000, "follow-up pushed");
    const warned = warnings(w.logger);
    assert.equal(warned.length, 1, JSON.stringify(w.logger.lines));
    assert.deepEqual(warned[0]!.fields?.options, [
      "uniqueFor (custom.unique_for)",
    ]);
    await w.manager.stop();
    await running;
  } finally {
    await w.close();
  }
});
