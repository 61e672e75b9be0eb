// Runs against a real Faktory only when FAKTORY_URL is set: what the open-source server does with
// the Pro/Enterprise options and commands (and what the library says about it: edition(), the
// warnings, trackProgress), and producer middleware on the wire. Uses its own queue names and
// removes what it created.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import {
  Client,
  createJob,
  EnterpriseOnlyError,
  type Logger,
  Manager,
  type PushMiddleware,
} from "../mod.ts";
import { forgetWarnings } from "../client/_edition.ts";

const url = process.env.FAKTORY_URL;
const skip = url ? false : "FAKTORY_URL is not set";
const suffix = Math.random().toString(36).slice(2, 10);

test(
  "live: batches and tracking are EnterpriseOnlyError on the open-source server, and nothing is pushed",
  { skip },
  async () => {
    const queue = `live-batch-${suffix}`;
    const client = await Client.connect(url!);
    try {
      await assert.rejects(
        client.batch(
          { success: createJob("Done", [], { queue }) },
          async (b) => void await b.push("T", [], { queue }),
        ),
        (err) => err instanceof EnterpriseOnlyError && err.feature === "batch",
      );
      await assert.rejects(client.openBatch("b-none"), EnterpriseOnlyError);
      await assert.rejects(
        client.trackGet("0123456789abcdef"),
        (err) =>
          err instanceof EnterpriseOnlyError && err.feature === "tracking",
      );
      assert.equal((await client.info()).faktory.queues[queue], undefined);
    } finally {
      await client.close();
    }
  },
);

test(
  "live: the open-source server stores the unique, expiring and track options and ignores them",
  { skip },
  async () => {
    const queue = `live-unique-${suffix}`;
    const client = await Client.connect({
      url: url!,
      wid: `live-u-${suffix}`,
      logger: warnings(), // it warns of the ignored options: tested below
    });
    try {
      const options = { queue, uniqueFor: 60, expiresIn: 600, track: true };
      const a = await client.push("LiveUnique", [1], options);
      const b = await client.push("LiveUnique", [1], options); // no NOTUNIQUE here
      const first = await client.fetch([queue]);
      const second = await client.fetch([queue]);
      assert.deepEqual([first?.jid, second?.jid], [a, b]);
      assert.equal(first?.custom?.unique_for, 60);
      assert.equal(first?.custom?.track, 1);
      const expires = Date.parse(String(first?.custom?.expires_at));
      assert.ok(expires > Date.now() + 500_000, String(first?.custom));
      await client.ack(a);
      await client.ack(b);
    } finally {
      await client.removeQueues([queue]).catch(() => {});
      await client.close();
    }
  },
);

test(
  "live: producer middleware stamps pushes, bulk pushes, and the pushes jobs make",
  { skip },
  async () => {
    const queue = `live-mw-${suffix}`;
    const followUps = `live-mw-next-${suffix}`;
    const stamp = (from: string): PushMiddleware => (job, next) =>
      next({ ...job, custom: { ...job.custom, from } });
    const client = await Client.connect({
      url: url!,
      middleware: [stamp("api")],
    });
    const mgr = new Manager({
      url: url!,
      queues: [queue],
      handleSignals: false,
      logLevel: "error",
      pushMiddleware: [stamp("worker")],
    });
    const seen: string[] = [];
    mgr.register("LiveStamped", async (ctx, n: number) => {
      seen.push(`${n}:${ctx.custom.from}`);
      await ctx.with((c) => c.push("LiveFollowUp", [n], { queue: followUps }));
    });
    const running = mgr.run();
    try {
      await client.push("LiveStamped", [1], { queue });
      assert.deepEqual(
        await client.pushBulk(
          [2, 3].map((n) => createJob("LiveStamped", [n], { queue })),
        ),
        {},
      );
      const end = Date.now() + 20_000;
      while (seen.length < 3 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(seen.sort(), ["1:api", "2:api", "3:api"]);
      await mgr.stop();
      await running;
      const reader = await Client.connect({
        url: url!,
        wid: `live-mw-${suffix}`,
      });
      try {
        const stamps: unknown[] = [];
        for (let i = 0; i < 3; i++) {
          const job = await reader.fetch([followUps]);
          stamps.push(job?.custom?.from);
          if (job) await reader.ack(job.jid);
        }
        assert.deepEqual(stamps, ["worker", "worker", "worker"]);
      } finally {
        await reader.close();
      }
    } finally {
      await mgr.stop();
      await running.catch(() => {});
      await client.removeQueues([queue, followUps]).catch(() => {});
      await client.close();
    }
  },
);

/** A logger that keeps its warn lines. */
function warnings(): Logger & { warned: { msg: string; fields: unknown }[] } {
  const warned: { msg: string; fields: unknown }[] = [];
  return {
    warned,
    debug() {},
    info() {},
    warn: (msg, fields) => void warned.push({ msg, fields }),
    error: (msg, fields) => void warned.push({ msg, fields }),
  };
}

test(
  "live: edition() follows INFO's description; a Pro/Enterprise option pushed to the open-source server warns once, naming it",
  { skip },
  async () => {
    const queue = `live-edition-${suffix}`;
    forgetWarnings(); // earlier tests in this process pushed such options too
    const logger = warnings();
    const client = await Client.connect({ url: url!, logger });
    try {
      const { description } = (await client.info()).server;
      const edition = await client.edition();
      assert.equal(
        edition,
        description === "Faktory Enterprise"
          ? "enterprise"
          : description === "Faktory"
          ? "oss"
          : "pro",
      );
      await client.push("LiveEdition", [1], { queue, uniqueFor: 60 });
      await client.push("LiveEdition", [2], { queue, uniqueFor: 60 });
      if (edition === "oss") {
        assert.equal(logger.warned.length, 1, JSON.stringify(logger.warned));
        assert.deepEqual(
          (logger.warned[0]!.fields as { options: string[] }).options,
          ["uniqueFor (custom.unique_for)"],
        );
      } else {
        assert.deepEqual(logger.warned, []);
      }
    } finally {
      await client.removeQueues([queue]).catch(() => {});
      await client.close();
    }
  },
);

test(
  "live: ctx.trackProgress never fails the job; without tracking it warns once and sends nothing more",
  { skip },
  async () => {
    const queue = `live-track-${suffix}`;
    const client = await Client.connect({ url: url!, logger: warnings() });
    const logger = warnings();
    const mgr = new Manager({
      url: url!,
      queues: [queue],
      concurrency: 1,
      handleSignals: false,
      logger,
    });
    const reported: boolean[] = [];
    mgr.register("LiveTrack", async (ctx) => {
      reported.push(await ctx.trackProgress(30, "a third"));
      reported.push(await ctx.trackProgress(60, "two thirds"));
    });
    const running = mgr.run();
    try {
      const edition = await client.edition();
      await client.pushBulk(
        [1, 2].map((n) => createJob("LiveTrack", [n], { queue, track: true })),
      );
      const end = Date.now() + 20_000;
      while (reported.length < 4 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await mgr.stop();
      await running;
      assert.equal(reported.length, 4);
      const lines = logger.warned.map((w) => w.msg);
      assert.ok(!lines.includes("Job failed"), lines.join("\n"));
      if (edition === "enterprise") {
        assert.deepEqual(reported, [true, true, true, true]);
        assert.deepEqual(lines, []);
      } else {
        assert.deepEqual(reported, [false, false, false, false]);
        assert.equal(lines.length, 1, lines.join("\n"));
        assert.match(lines[0]!, /does not track job progress/);
      }
      assert.equal((await client.info()).faktory.queues[queue] ?? 0, 0);
    } finally {
      await mgr.stop();
      await running.catch(() => {});
      await client.removeQueues([queue]).catch(() => {});
      await client.close();
    }
  },
);
