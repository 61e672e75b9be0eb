// Producer middleware: a chain around every push and pushBulk.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import {
  Client,
  ConnectionClosedError,
  createJob,
  InvalidJobError,
  type JobPayload,
  LocalProtocolError,
  Manager,
  NotUniqueError,
  Pool,
  type PushMiddleware,
} from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { rig, until } from "./_manager_util.ts";
import { pushBulkThrough, pushThrough } from "../client/push_middleware.ts";

const tag = (key: string, value: string): PushMiddleware => (job, next) =>
  next({ ...job, custom: { ...job.custom, [key]: value } });

test("middleware adds custom fields to every push and pushBulk, outermost first", async () => {
  const server = await FaktoryServer.start();
  const order: string[] = [];
  const client = await Client.connect({
    url: server.url,
    middleware: [
      async (job, next) => {
        order.push(`outer ${job.jobtype}`);
        await next({ ...job, custom: { ...job.custom, tenant: "acme" } });
        order.push(`outer done ${job.jobtype}`);
      },
    ],
  });
  client.use(async (job, next) => {
    order.push(`inner ${job.jobtype} tenant=${job.custom?.tenant}`);
    await next(job);
  });
  await client.push("One", [1], { custom: { keep: true } });
  const refused = await client.pushBulk([
    createJob("Two", [2]),
    createJob("Three", [3]),
  ]);
  assert.deepEqual(refused, {});
  assert.deepEqual(
    server.queue("default").map((j) => [j.jobtype, j.custom]),
    [
      ["One", { keep: true, tenant: "acme" }],
      ["Two", { tenant: "acme" }],
      ["Three", { tenant: "acme" }],
    ],
  );
  assert.deepEqual(order, [
    "outer One",
    "inner One tenant=acme",
    "outer done One",
    "outer Two",
    "inner Two tenant=acme",
    "outer Three",
    "inner Three tenant=acme",
    "outer done Two",
    "outer done Three",
  ]);
  // One PUSHB for the bulk, not one PUSH per job.
  assert.equal(server.commands("PUSHB"), 1);
  assert.equal(server.commands("PUSH"), 1);
  await client.close();
  await server.stop();
});

test("a throwing middleware refuses the job: push rejects with its error, pushBulk lists it", async () => {
  const server = await FaktoryServer.start();
  const client = await Client.connect({
    url: server.url,
    middleware: [(job, next) => {
      if (job.args[0] === "bad") throw new Error(`no tenant for ${job.jid}`);
      return next();
    }],
  });
  const bad = createJob("T", ["bad"]);
  await assert.rejects(client.push(bad), /no tenant for/);
  const good = createJob("T", ["good"]);
  const refused = await client.pushBulk([bad, good]);
  assert.deepEqual(refused, { [bad.jid]: `no tenant for ${bad.jid}` });
  assert.deepEqual(server.queue("default").map((j) => j.jid), [good.jid]);
  await client.close();
  await server.stop();
});

test("next() is called once: not calling it refuses the job; twice rejects the second call", async () => {
  const sent: JobPayload[] = [];
  const send = (job: JobPayload) => {
    sent.push(job);
    return Promise.resolve();
  };
  const job = createJob("T", []);
  await assert.rejects(
    pushThrough([() => {}], job, send),
    (err) =>
      err instanceof LocalProtocolError &&
      /without calling next/.test(err.message),
  );
  let second: unknown;
  const jid = await pushThrough(
    [async (j, next) => {
      await next(j);
      second = await next(j).catch((e) => e);
    }],
    job,
    send,
  );
  assert.equal(jid, job.jid);
  assert.equal(sent.length, 1);
  assert.ok(second instanceof LocalProtocolError);
  assert.match(String((second as Error).message), /twice/);
  const refused = await pushBulkThrough([() => {}], [job], () => {
    throw new Error("not reached");
  });
  assert.match(refused[job.jid] ?? "", /without calling next/);
});

test("a job a middleware makes invalid is refused locally with InvalidJobError", async () => {
  const job = createJob("T", []);
  const breakIt: PushMiddleware = (j, next) => next({ ...j, jid: "short" });
  await assert.rejects(
    pushThrough([breakIt], job, () => Promise.resolve()),
    InvalidJobError,
  );
  const refused = await pushBulkThrough([breakIt], [job], () => {
    throw new Error("not reached");
  });
  assert.equal(refused[job.jid], "jobs must have a reasonable jid parameter");
});

test("in a bulk, next() settles with each job's own answer: refusals become typed errors", async () => {
  const a = createJob("T", [1]);
  const b = createJob("T", [2]);
  const seen: Record<string, unknown> = {};
  const refused = await pushBulkThrough(
    [async (job, next) => {
      try {
        await next();
        seen[job.jid] = "ok";
      } catch (err) {
        seen[job.jid] = err;
        throw err;
      }
    }],
    [a, b],
    (jobs) => {
      assert.equal(jobs.length, 2);
      return Promise.resolve({ [b.jid]: "NOTUNIQUE Job not unique" });
    },
  );
  assert.equal(seen[a.jid], "ok");
  assert.ok(seen[b.jid] instanceof NotUniqueError);
  assert.deepEqual(refused, { [b.jid]: "NOTUNIQUE Job not unique" });
});

test("a bulk whose send fails rejects with that error, and every next() saw it", async () => {
  const seen: unknown[] = [];
  const lost = new ConnectionClosedError("Connection closed by the server");
  await assert.rejects(
    pushBulkThrough(
      [(_job, next) =>
        next().catch((e) => {
          seen.push(e);
          throw e;
        })],
      [createJob("T", [1]), createJob("T", [2])],
      () => Promise.reject(lost),
    ),
    (err) => err === lost,
  );
  assert.deepEqual(seen, [lost, lost]);
});

test("a middleware that does not await next() still has push wait for the server", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  let settled = false;
  const pushed = pushThrough(
    [(job, next) => {
      void next(job);
    }],
    createJob("T", []),
    () => gate,
  ).then(() => settled = true);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(settled, false);
  release();
  await pushed;
  assert.equal(settled, true);
});

test("a Pool's clients run the pool's middleware", async () => {
  const server = await FaktoryServer.start();
  const pool = new Pool({ url: server.url, middleware: [tag("via", "pool")] });
  await pool.with((c) => c.push("T", []));
  assert.deepEqual(server.queue("default")[0]?.custom, { via: "pool" });
  await pool.close();
  await server.stop();
});

test("middleware must be a function", async () => {
  const server = await FaktoryServer.start();
  await assert.rejects(
    Client.connect({
      url: server.url,
      middleware: ["nope" as unknown as PushMiddleware],
    }),
    TypeError,
  );
  const client = await Client.connect(server.url);
  assert.throws(() => client.use(42 as unknown as PushMiddleware), TypeError);
  await client.close();
  await server.stop();
});

test("a Manager's pushMiddleware runs around the pushes jobs make through ctx.with", async () => {
  const r = await rig({ pushMiddleware: [tag("from", "worker")] });
  let pushed = 0;
  r.manager.register("Parent", async (ctx) => {
    await ctx.with((c) => c.push("Child", [ctx.jid], { queue: "children" }));
    pushed++;
  });
  try {
    const running = r.manager.run();
    await r.client.push("Parent", []);
    await until(() => pushed === 1, 5000, "child pushed");
    assert.deepEqual(r.server.queue("children")[0]?.custom, { from: "worker" });
    await r.manager.stop();
    await running;
  } finally {
    await r.close();
  }
});

test("a Manager's pushMiddleware must hold functions", () => {
  assert.throws(
    () => new Manager({ pushMiddleware: [{} as unknown as PushMiddleware] }),
    TypeError,
  );
});

test("a next() not awaited whose inner middleware throws: push rejects with that error, no unhandled rejection", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    const job = createJob("T", []);
    const fireAndForget: PushMiddleware = (j, next) => {
      void next(j);
    };
    const refuse: PushMiddleware = () => {
      throw new Error("refused by policy");
    };
    await assert.rejects(
      pushThrough([fireAndForget, refuse], job, () => Promise.resolve()),
      /refused by policy/,
    );
    const refused = await pushBulkThrough(
      [fireAndForget, refuse],
      [job],
      () => Promise.resolve({}),
    );
    assert.deepEqual(refused, { [job.jid]: "refused by policy" });
    // A server refusal reaching a next() nobody awaits is no crash either.
    await assert.rejects(
      pushThrough(
        [fireAndForget],
        job,
        () => Promise.reject(new NotUniqueError("NOTUNIQUE", "Job not unique")),
      ),
      NotUniqueError,
    );
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});

test("a next() called after the push ended pushes nothing and rejects", async () => {
  const job = createJob("T", []);
  let late: Promise<void> | undefined;
  const later: PushMiddleware = (j, next) => {
    setTimeout(() => late = next(j), 5);
  };
  const sent: JobPayload[] = [];
  await assert.rejects(
    pushThrough([later], job, (j) => {
      sent.push(j);
      return Promise.resolve();
    }),
    /without calling next/,
  );
  const bulkSent: JobPayload[][] = [];
  const refused = await pushBulkThrough([later], [job], (jobs) => {
    bulkSent.push([...jobs]);
    return Promise.resolve({});
  });
  assert.match(refused[job.jid] ?? "", /without calling next/);
  await until(() => late !== undefined, 1000, "late next()");
  await assert.rejects(late!, /after the push ended/);
  assert.deepEqual(sent, []);
  assert.deepEqual(bulkSent, []);
});

test("in a bulk, a middleware error after the server took the job does not list it as refused", async () => {
  const a = createJob("T", [1]);
  const refused = await pushBulkThrough(
    [async (job, next) => {
      await next(job);
      throw new Error("metrics backend down");
    }],
    [a],
    () => Promise.resolve({}),
  );
  assert.deepEqual(refused, {});
});

test("pushBulk's abort signal ends a bulk whose middleware holds a job back, and nothing is sent", async () => {
  const sends: unknown[] = [];
  const controller = new AbortController();
  const held = pushBulkThrough(
    [(job, next) =>
      job.args[0] === 2 ? new Promise<void>(() => {}) : next(job)],
    [createJob("T", [1]), createJob("T", [2])],
    (jobs) => {
      sends.push(jobs);
      return Promise.resolve({});
    },
    controller.signal,
  );
  setTimeout(() => controller.abort(new Error("gave up")), 10);
  await assert.rejects(held, /gave up/);
  assert.deepEqual(sends, []);
});

/** `promise`, or a rejection once `ms` passed (the timer is cleared either way). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`still pending after ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

test("push's abort signal ends a push whose middleware never calls next(): it rejects with the reason and nothing is sent", async () => {
  const server = await FaktoryServer.start();
  const client = await Client.connect({
    url: server.url,
    middleware: [
      (job, next) =>
        job.args[0] === "hold" ? new Promise<void>(() => {}) : next(job),
    ],
  });
  const controller = new AbortController();
  const reason = new Error("gave up");
  const held = client.push("T", ["hold"], { signal: controller.signal });
  setTimeout(() => controller.abort(reason), 10);
  await assert.rejects(within(held, 2000), (err) => err === reason);
  assert.equal(server.commands("PUSH"), 0);
  // The connection is untouched and serves the next push.
  const jid = await within(client.push("T", ["next"]), 2000);
  assert.deepEqual(server.queue("default").map((j) => j.jid), [jid]);
  await client.close();
  await server.stop();
});

test("push's abort signal ends a push whose middleware called next() and never returns; the PUSH reply is still consumed", async () => {
  const server = await FaktoryServer.start();
  const client = await Client.connect({
    url: server.url,
    middleware: [async (job, next) => {
      await next(job);
      if (job.args[0] === "hang") await new Promise<void>(() => {});
    }],
  });
  // The held PUSH's reply comes late: the abort lands while it is due.
  server.fault({ action: "delay", verb: "PUSH", ms: 50 });
  const controller = new AbortController();
  const reason = new Error("deadline");
  const held = client.push("T", ["hang"], { signal: controller.signal });
  setTimeout(() => controller.abort(reason), 10);
  await assert.rejects(within(held, 2000), (err) => err === reason);
  // The connection stays in step: the next push gets its own reply.
  const jid = await within(client.push("T", ["after"]), 2000);
  assert.ok(!client.closed);
  assert.equal(server.commands("PUSH"), 2);
  assert.ok(server.queue("default").some((j) => j.jid === jid));
  assert.equal(server.queue("default").length, 2);
  // Once next() resolved, an abort still ends the push the middleware holds.
  const late = new AbortController();
  const hung = client.push("T", ["hang"], { signal: late.signal });
  await until(() => server.queue("default").length === 3, 2000, "third job");
  await new Promise((r) => setTimeout(r, 10));
  late.abort(reason);
  await assert.rejects(within(hung, 2000), (err) => err === reason);
  await client.close();
  await server.stop();
});

test("a middleware that throws undefined or null refuses the job with an Error that says so", async () => {
  const job = createJob("T", []);
  for (const thrown of [undefined, null]) {
    const bad: PushMiddleware = () => {
      throw thrown;
    };
    const badAsync: PushMiddleware = () => Promise.reject(thrown);
    for (const mw of [bad, badAsync]) {
      await assert.rejects(
        pushThrough([mw], job, () => Promise.resolve()),
        (err) =>
          err instanceof Error &&
          err.message === `Push middleware #1 threw ${thrown}`,
      );
      // Deeper in the chain, through a next() the outer middleware awaits.
      await assert.rejects(
        pushThrough([(j, next) => next(j), mw], job, () => Promise.resolve()),
        (err) =>
          err instanceof Error &&
          err.message === `Push middleware #2 threw ${thrown}`,
      );
      const refused = await pushBulkThrough(
        [mw],
        [job],
        () => Promise.resolve({}),
      );
      assert.deepEqual(refused, {
        [job.jid]: `Push middleware #1 threw ${thrown}`,
      });
    }
  }
});

test("many concurrent pushes sharing one abort signal add one abort listener to it", async () => {
  const server = await FaktoryServer.start();
  const client = await Client.connect(server.url);
  const mwClient = await Client.connect({
    url: server.url,
    middleware: [(job, next) => next(job)],
  });
  // Count the abort listeners live on the signal at once (a Node AbortSignal
  // warns of a leak past 10 of them).
  const controller = new AbortController();
  const signal = controller.signal;
  const live = new Set<unknown>();
  let peak = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener =
    ((type: string, listener: unknown, opts?: unknown) => {
      if (type === "abort") peak = Math.max(peak, live.add(listener).size);
      add(type, listener as EventListener, opts as AddEventListenerOptions);
    }) as typeof signal.addEventListener;
  signal.removeEventListener =
    ((type: string, listener: unknown, opts?: unknown) => {
      if (type === "abort") live.delete(listener);
      remove(type, listener as EventListener, opts as EventListenerOptions);
    }) as typeof signal.removeEventListener;
  const pushes = (c: Client) =>
    Array.from({ length: 100 }, (_, i) => c.push("T", [i], { signal }));
  await Promise.all([...pushes(client), ...pushes(mwClient)]);
  assert.equal(server.queue("default").length, 200);
  assert.equal(peak, 1, `${peak} abort listeners at once`);
  assert.equal(live.size, 0, "every listener removed once its push settled");
  await client.close();
  await mwClient.close();
  await server.stop();
});

test("pushBulk's abort signal ends a bulk whose middleware called next() and never returns", async () => {
  const sends: unknown[] = [];
  const controller = new AbortController();
  const reason = new Error("gave up");
  const held = pushBulkThrough(
    [async (job, next) => {
      await next(job);
      if (job.args[0] === 2) await new Promise<void>(() => {});
    }],
    [createJob("T", [1]), createJob("T", [2])],
    (jobs) => {
      sends.push(jobs);
      return Promise.resolve({});
    },
    controller.signal,
  );
  setTimeout(() => controller.abort(reason), 10);
  await assert.rejects(within(held, 2000), (err) => err === reason);
  assert.equal(sends.length, 1);
});
