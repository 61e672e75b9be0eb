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
