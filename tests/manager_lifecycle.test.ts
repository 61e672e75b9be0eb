// The Manager tells what happens (failed jobs, outages, its logger) and can be stopped at any
// moment, and gives up at once on errors that retrying cannot fix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConnectError, createJob, fieldsFirst, Manager } from "../mod.ts";
import { defaultTransport } from "../protocol.ts";
import { FaktoryServer, runInline } from "../testing/mod.ts";
import { captureLogger, rig, until } from "./_manager_util.ts";

test("Manager logs one warn line per failed job: type, jid, error type and message, retry count", async () => {
  const r = await rig();
  r.manager.register("Boom", () => {
    throw new RangeError("out of range");
  });
  void r.manager.run();
  const job = createJob("Boom", []);
  await r.client.push(job);
  const retried = {
    ...createJob("Boom", []),
    failure: { retry_count: 2, error_type: "RangeError", message: "x" },
  };
  await r.client.push(createJob("Nobody", []));
  await until(() => r.server.commands("FAIL") === 2);
  await r.client.push(retried as never);
  await until(() => r.server.commands("FAIL") === 3);
  const failed = r.logger.lines.filter((l) => l.message === "Job failed");
  assert.equal(failed.length, 3);
  assert.ok(failed.every((l) => l.level === "warn"));
  const mine = failed.find((l) => l.fields?.jid === job.jid)!;
  assert.deepEqual(mine.fields, {
    jobtype: "Boom",
    jid: job.jid,
    errtype: "RangeError",
    message: "out of range",
    retryCount: 0,
  });
  assert.ok(
    failed.some((l) =>
      l.fields?.jobtype === "Nobody" &&
      l.fields?.errtype === "UnknownJobTypeError"
    ),
  );
  await r.close();
});

test("Manager passes every field to a pino-style (fields, message) logger", async () => {
  const seen: [unknown, unknown][] = [];
  const log = (a: unknown, b: unknown) => void seen.push([a, b]);
  // The shape of a pino logger: methods take (fields, message); bindings, child, levels.
  const pinoLike = {
    debug: log,
    info: log,
    warn: log,
    error: log,
    levels: { values: { info: 30 } },
    bindings: () => ({}),
    child: () => pinoLike,
  };
  const mgr = new Manager({ logger: pinoLike, handleSignals: false });
  mgr.register("Log", (ctx) => ctx.logger.info("hello", { n: 1 }));
  assert.equal((await runInline(mgr, "Log")).ok, true);
  assert.deepEqual(seen, [[{ n: 1 }, "hello"]]);
  const wrapped: [unknown, unknown][] = [];
  const w = (a: unknown, b: unknown) => void wrapped.push([a, b]);
  fieldsFirst({ debug: w, info: w, warn: w, error: w }).warn("m", { k: "v" });
  assert.deepEqual(wrapped, [[{ k: "v" }, "m"]]);
});

test("Manager.stop() right after run() stops it: run() resolves and no connection stays open", async () => {
  const server = await FaktoryServer.start({ fetchTimeout: 100 });
  for (const delay of [-1, 0, 1, 5, 20]) {
    const mgr = new Manager({
      url: server.url,
      handleSignals: false,
      logger: captureLogger(),
    });
    mgr.register("X", () => {});
    const running = mgr.run();
    if (delay >= 0) await new Promise((r) => setTimeout(r, delay));
    await mgr.stop();
    await running;
    assert.equal(mgr.state, "stopped", `delay ${delay}`);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(mgr.sockets, 0, `delay ${delay}`);
    await until(() => server.connections === 0, 2000, `closed (${delay})`);
  }
  await server.stop();
});

test("Manager.run() after stop() resolves at once without connecting", async () => {
  const mgr = new Manager({ url: "tcp://127.0.0.1:1", handleSignals: false });
  await mgr.stop();
  await mgr.run();
  assert.equal(mgr.state, "stopped");
});

test("Manager.run() resolves promptly after terminate() while a connect to a silent server is pending", async () => {
  const transport = await defaultTransport();
  const sockets: { close(): void }[] = [];
  const silent = await transport.listen({ port: 0 }, (socket) => {
    sockets.push(socket);
    return { data: () => {}, close: () => {} };
  });
  const mgr = new Manager({
    url: `tcp://127.0.0.1:${silent.port}`,
    handleSignals: false,
    logger: captureLogger(),
  });
  const running = mgr.run();
  await until(() => sockets.length > 0, 5000, "connect attempt");
  const started = Date.now();
  await mgr.terminate();
  await running;
  assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
  for (const s of sockets) s.close();
  await silent.close();
});

test("Manager.run() rejects at the first connect on errors retrying cannot fix", async () => {
  const server = await FaktoryServer.start();
  const cases: [string, (e: unknown) => boolean][] = [
    [
      "tcp://no-such-host.invalid:7419",
      (e) => e instanceof ConnectError && /no-such-host/.test(e.message),
    ],
    [
      server.url.replace("tcp://", "tcp+tls://"),
      (e) => e instanceof ConnectError,
    ],
    // A bad URL, given or from the environment, is refused by the constructor.
  ];
  try {
    for (const [url, expected] of cases) {
      const logger = captureLogger();
      const mgr = new Manager({ url, handleSignals: false, logger });
      mgr.register("X", () => {});
      const started = Date.now();
      await assert.rejects(mgr.run(), expected, url);
      assert.ok(Date.now() - started < 5000, url);
      assert.equal(mgr.state, "stopped");
    }
  } finally {
    await server.stop();
  }
});

test("Manager logs a continuing outage now and then, not per attempt", async () => {
  const r = await rig({
    reconnect: { initial: 5, max: 20, reportEvery: 150 },
  });
  r.manager.register("X", () => {});
  void r.manager.run();
  await until(() => r.manager.sockets >= 2);
  await r.server.stop();
  await new Promise((res) => setTimeout(res, 500));
  const lines = r.logger.lines.filter((l) => /unreachable/.test(l.message));
  assert.equal(lines[0]?.message, "Faktory is unreachable; reconnecting");
  const again = lines.filter((l) =>
    /still unreachable after \d+ s/.test(l.message)
  );
  assert.ok(again.length >= 1 && again.length <= 4, JSON.stringify(lines));
  await r.server.start();
  await r.close();
});
