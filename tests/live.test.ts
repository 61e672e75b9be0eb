// Runs against a real Faktory only when FAKTORY_URL is set. Uses its own queue names and
// removes what it created.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { Client, createJob, Manager, ServerError } from "../mod.ts";

const url = process.env.FAKTORY_URL;
const skip = url ? false : "FAKTORY_URL is not set";
const suffix = Math.random().toString(36).slice(2, 10);

test(
  "live: push, fetch, ack and info against a real server",
  { skip },
  async () => {
    const queue = `live-ack-${suffix}`;
    const producer = await Client.connect(url!);
    const worker = await Client.connect({ url: url!, wid: `live-${suffix}` });
    try {
      const jid = await producer.push("LiveJob", [1, "two", { three: 3 }], {
        queue,
        custom: { from: "live" },
      });
      const info = await producer.info();
      assert.equal(info.faktory.queues[queue], 1);
      const job = await worker.fetch([queue]);
      assert.equal(job?.jid, jid);
      assert.deepEqual(job?.args, [1, "two", { three: 3 }]);
      assert.equal(job?.custom?.from, "live");
      await worker.ack(jid);
      assert.equal(await worker.beat(), null);
      assert.equal(await worker.fetch([queue]), null);
    } finally {
      await producer.removeQueues([queue]).catch(() => {});
      await producer.close();
      await worker.close();
    }
  },
);

test(
  "live: fail sends the job to retries, and a second fail is Job not found",
  { skip },
  async () => {
    const queue = `live-fail-${suffix}`;
    const client = await Client.connect({
      url: url!,
      wid: `live-fail-${suffix}`,
    });
    try {
      const job = createJob("LiveJob", [], { queue, retry: 2 });
      await client.push(job);
      const fetched = await client.fetch([queue]);
      await client.fail(fetched!.jid, new TypeError("live failure"));
      await assert.rejects(
        client.fail(fetched!.jid, new Error("again")),
        (err) =>
          err instanceof ServerError && /Job not found/.test(err.message),
      );
      assert.ok((await client.info()).faktory.tasks.Retries.size >= 1);
      await client.discard("retries", { jids: [job.jid] });
      assert.deepEqual(
        await client.pushBulk([createJob("LiveJob", [], { queue }), {
          jid: "x",
          jobtype: "T",
          args: [],
        }]),
        {
          x: "jobs must have a reasonable jid parameter",
        },
      );
    } finally {
      await client.removeQueues([queue]).catch(() => {});
      await client.close();
    }
  },
);

test(
  "live: a Manager runs jobs, FAILs a throwing one, and shuts down cleanly",
  { skip },
  async () => {
    const queue = `live-mgr-${suffix}`;
    const client = await Client.connect(url!);
    const mgr = new Manager({
      url: url!,
      concurrency: 5,
      queues: [queue],
      handleSignals: false,
      logLevel: "warn",
    });
    let ok = 0;
    const failed: string[] = [];
    mgr.register("LiveOk", () => void ok++);
    mgr.register("LiveBoom", () => {
      throw new Error("live boom");
    });
    mgr.on("job:failure", ({ job }) => void failed.push(job.jid));
    const running = mgr.run();
    try {
      await client.pushBulk(
        Array.from({ length: 50 }, () => createJob("LiveOk", [], { queue })),
      );
      const boom = createJob("LiveBoom", [], { queue, retry: 1 });
      await client.push(boom);
      const end = Date.now() + 15_000;
      while (
        (ok < 50 || failed.length < 1) && Date.now() < end
      ) await new Promise((r) => setTimeout(r, 20));
      assert.equal(ok, 50);
      assert.deepEqual(failed, [boom.jid]);
      await mgr.stop();
      await running;
      assert.equal((await client.info()).faktory.queues[queue] ?? 0, 0);
      await client.discard("retries", { jids: [boom.jid] });
    } finally {
      await mgr.stop();
      await client.removeQueues([queue]).catch(() => {});
      await client.close();
    }
  },
);
