// Whatever a handler or middleware throws, the job becomes a FAIL: the worker never crashes and
// never leaks a slot, and runInline()/execute() report ok:false instead of rejecting.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createJob, Manager } from "../mod.ts";
import { failureFor } from "../protocol.ts";
import { runInline } from "../testing/mod.ts";
import { rig, until } from "./_manager_util.ts";

const throwingGetter = () => {
  throw new Error("getter");
};

/** Values that break naive String(error) / error.name handling. */
function hostile(): [string, () => unknown][] {
  return [
    ["Object.create(null)", () => Object.create(null)],
    [
      "name getter throws",
      () => Object.defineProperty({}, "name", { get: throwingGetter }),
    ],
    [
      "message getter throws",
      () =>
        Object.defineProperty(new Error("x"), "message", {
          get: throwingGetter,
        }),
    ],
    [
      "non-string name, message and stack",
      () => Object.assign(new Error("x"), { name: 42, message: {}, stack: 7 }),
    ],
    ["a Proxy that throws on every trap", () =>
      new Proxy({}, {
        get: throwingGetter,
        getPrototypeOf: throwingGetter,
        has: throwingGetter,
        ownKeys: throwingGetter,
        getOwnPropertyDescriptor: throwingGetter,
      })],
    [
      "an Error Proxy",
      () => new Proxy(new Error("p"), { get: throwingGetter }),
    ],
    ["a symbol", () => Symbol("s")],
    ["undefined", () => undefined],
  ];
}

test("failureFor() describes any thrown value and never throws", () => {
  for (const [what, make] of hostile()) {
    const f = failureFor("0123456789ab", make());
    assert.equal(f.jid, "0123456789ab", what);
    assert.equal(typeof f.errtype, "string", what);
    assert.ok(f.errtype.length > 0, what);
    assert.equal(typeof f.message, "string", what);
  }
  assert.equal(
    failureFor("0123456789ab", Object.create(null)).errtype,
    "Object",
  );
});

test("runInline() and execute() report ok:false for hostile thrown values", async () => {
  for (const [what, make] of hostile()) {
    const mgr = new Manager({ handleSignals: false });
    mgr.register("Bad", () => {
      throw make();
    });
    const out = await runInline(mgr, "Bad");
    assert.equal(out.ok, false, what);
    const viaMiddleware = new Manager({ handleSignals: false })
      .use(() => {
        throw make(); // synchronously, from middleware
      })
      .register("Bad", () => {});
    const out2 = await viaMiddleware.execute(createJob("Bad", []));
    assert.equal(out2.ok, false, what);
  }
});

test("Hostile thrown values become FAILs on a running worker: no crash, no leaked slot", async () => {
  const r = await rig({ concurrency: 2 });
  const makers = hostile();
  let failures = 0;
  r.manager.on("job:failure", () => {
    failures++;
    throw Object.create(null); // a throwing listener must not change anything
  });
  r.manager.register("Bad", (_ctx, i: number) => {
    throw makers[i]![1]();
  });
  r.manager.use((ctx, next) => {
    if (ctx.args[0] === -1) throw makers[0]![1](); // synchronous throw in middleware
    return next();
  });
  void r.manager.run();
  const jobs = [
    ...makers.map((_, i) => createJob("Bad", [i], { retry: 0 })),
    createJob("Bad", [-1], { retry: 0 }),
  ];
  // Twice as many hostile jobs as slots: a leaked slot would stop fetching.
  await r.client.pushBulk(jobs);
  await until(
    () =>
      r.server.commands("FAIL") === jobs.length && r.server.busy().length === 0,
    10_000,
    "every hostile job FAILed",
  );
  assert.equal(failures, jobs.length);
  assert.equal(r.manager.busy, 0);
  await r.close();
});
