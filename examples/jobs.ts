// The job types of the examples, registered on a Manager.
import {
  type Client,
  createJob,
  type JobContext,
  type Manager,
} from "../mod.ts";

/** Registers the example job types and a timing middleware. */
export function registerJobs(mgr: Manager, queuePrefix = ""): Manager {
  mgr.use(async (ctx, next) => {
    const started = Date.now();
    try {
      await next();
    } finally {
      ctx.logger.debug(
        `${ctx.jobType} ${ctx.jid} took ${Date.now() - started} ms`,
      );
    }
  });

  // A plain job.
  mgr.register("SomeJob", (ctx: JobContext, ...args: unknown[]) => {
    ctx.logger.debug(`Working on job ${ctx.jid}`, { args });
  });

  // Fails one time in five: Faktory retries it later with backoff.
  mgr.register("FlakyJob", (_ctx: JobContext, n: number) => {
    if (Math.random() < 0.2) {
      throw new Error(`flaky job ${n} failed, it will be retried`);
    }
  });

  // Pushes more jobs from inside a job, through a pooled client.
  mgr.register("FanOut", async (ctx: JobContext, count: number) => {
    await ctx.with(async (client) => {
      for (let i = 0; i < count; i++) {
        await client.push("SomeJob", [`from ${ctx.jid}`, i], {
          queue: `${queuePrefix}default`,
        });
      }
    });
  });

  // Takes a while, and stops early when the worker shuts down.
  mgr.register("SlowJob", async (ctx: JobContext, ms: number) => {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      ctx.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(ctx.signal.reason);
      }, { once: true });
    });
  });
  return mgr;
}

/**
 * Pushes `count` SomeJobs, a tenth as many FlakyJobs, a few FanOuts and SlowJobs, to the
 * queues critical, default and bulk (each name after `queuePrefix`).
 */
export async function pushExampleJobs(
  client: Client,
  count: number,
  queuePrefix = "",
): Promise<number> {
  const q = (name: string) => ({ queue: `${queuePrefix}${name}` });
  const jobs = [
    ...Array.from(
      { length: count },
      (_, i) =>
        createJob("SomeJob", [i, "hello"], q(i % 10 ? "default" : "bulk")),
    ),
    ...Array.from(
      { length: Math.ceil(count / 10) },
      (_, i) => createJob("FlakyJob", [i], { ...q("default"), retry: 3 }),
    ),
    ...Array.from(
      { length: 5 },
      () => createJob("FanOut", [10], q("critical")),
    ),
    ...Array.from(
      { length: 5 },
      () => createJob("SlowJob", [200], q("default")),
    ),
  ];
  for (let i = 0; i < jobs.length; i += 1000) {
    const refused = await client.pushBulk(jobs.slice(i, i + 1000));
    if (Object.keys(refused).length > 0) console.error("refused:", refused);
  }
  return jobs.length + 5 * 10; // FanOut pushes 10 more each
}
