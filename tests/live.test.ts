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

const restartCommand = process.env.FAKTORY_RESTART;

/** Runs the shell command that restarts the live server, and waits for it. */
async function restartServer(): Promise<void> {
  const { spawn } = await import("node:child_process");
  await new Promise<void>((resolve, reject) => {
    const child = spawn("sh", ["-c", restartCommand!], { stdio: "ignore" });
    child.on("error", reject);
    child.on(
      "exit",
      (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`FAKTORY_RESTART exited with ${code}`)),
    );
  });
}

test(
  "live: a server restart mid-run loses no job and strands no reservation (FAKTORY_RESTART)",
  {
    skip: !url
      ? "FAKTORY_URL is not set"
      : !restartCommand
      ? "FAKTORY_RESTART is not set"
      : false,
  },
  async () => {
    const total = 3000;
    const queue = `live-restart-${suffix}`;
    const runs = new Map<string, number>();
    const mgr = new Manager({
      url: url!,
      concurrency: 20,
      queues: [queue],
      handleSignals: false,
      logLevel: "error",
    });
    mgr.register("LiveShort", async (ctx) => {
      runs.set(ctx.jid, (runs.get(ctx.jid) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5));
    });
    const producer = await Client.connect(url!);
    const jids = new Set<string>();
    for (let i = 0; i < total; i += 1000) {
      const jobs = Array.from(
        { length: 1000 },
        () => createJob("LiveShort", [], { queue }),
      );
      for (const j of jobs) jids.add(j.jid);
      assert.deepEqual(await producer.pushBulk(jobs), {});
    }
    await producer.close();
    const running = mgr.run();
    const wait = async (cond: () => boolean, ms: number, what: string) => {
      const end = Date.now() + ms;
      while (!cond()) {
        if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await wait(() => runs.size >= total / 3, 60_000, "a third of the jobs");
      await restartServer();
      await wait(() => runs.size === total, 120_000, "every job ran");
      // Every ACK lands: no reservation is left (a lost one would stay 30 minutes).
      let busy = -1;
      let queued = -1;
      const client = await Client.connect(url!);
      try {
        const end = Date.now() + 20_000;
        do {
          await new Promise((r) => setTimeout(r, 200));
          const info = await client.info();
          busy = info.faktory.tasks.Busy.size;
          queued = info.faktory.queues[queue] ?? 0;
        } while ((busy > 0 || queued > 0) && Date.now() < end);
      } finally {
        await client.removeQueues([queue]).catch(() => {});
        await client.close();
      }
      const twice = [...runs.values()].filter((n) => n > 1).length;
      console.log(
        `live restart: ${runs.size} jobs, ${twice} ran twice, ${busy} reservations left`,
      );
      assert.deepEqual([...jids].filter((j) => !runs.has(j)), []);
      assert.equal(twice, 0, "no job ran twice");
      assert.equal(busy, 0, "no reservation left");
      assert.equal(queued, 0);
    } finally {
      await mgr.stop();
      await running.catch(() => {});
    }
  },
);
