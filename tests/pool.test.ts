import { test } from "node:test";
import assert from "node:assert/strict";
import { ConnectError, ConnectionClosedError, Pool } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { ReplayServer, type ReplayStep } from "./_replay.ts";

const HI = '+HI {"v":2}\r\n';

/** A connection that answers `pushes` PUSH commands with +OK, then expects END. */
function pushes(n: number, end = true): ReplayStep[] {
  const steps: ReplayStep[] = [{ send: HI }, { expect: /^HELLO / }, {
    send: "+OK\r\n",
  }];
  for (let i = 0; i < n; i++) {
    steps.push({
      expect:
        /^PUSH \{"jid":"[0-9a-f]{24}","jobtype":"Square","args":\[\d+\]\}\r\n$/,
    }, { send: "+OK\r\n" });
  }
  if (end) steps.push({ expect: "END\r\n" });
  return steps;
}

test("Pool.with() opens connections lazily, never more than size, and reuses them", async () => {
  const server = await ReplayServer.start([pushes(3), pushes(3)]);
  const pool = new Pool({ url: server.url, size: 2 });
  assert.equal(pool.size, 0);
  let active = 0;
  let peak = 0;
  const jids = await Promise.all(
    [1, 2, 3, 4, 5, 6].map((n) =>
      pool.with(async (client) => {
        peak = Math.max(peak, ++active);
        const jid = await client.push("Square", [n]);
        await new Promise((r) => setTimeout(r, 10));
        active--;
        return jid;
      })
    ),
  );
  assert.equal(new Set(jids).size, 6);
  assert.equal(peak, 2);
  assert.equal(pool.size, 2);
  await pool.close();
  await pool.close();
  await server.finished();
  assert.deepEqual(server.errors, []);
  assert.equal(server.connections, 2);
  await assert.rejects(pool.with(() => 1), ConnectionClosedError);
  await server.close();
});

test("Pool drops a client whose connection broke and connects a fresh one", async () => {
  const broken: ReplayStep[] = [
    { send: HI },
    { expect: /^HELLO / },
    { send: "+OK\r\n" },
    { expect: /^PUSH / },
    { close: true },
  ];
  const server = await ReplayServer.start([broken, pushes(1)]);
  const pool = new Pool({ url: server.url, size: 1 });
  await assert.rejects(
    pool.with((c) => c.push("Square", [1])),
    ConnectionClosedError,
  );
  assert.equal(pool.size, 0);
  await pool.with((c) => c.push("Square", [2]));
  assert.equal(pool.size, 1);
  await pool.close();
  await server.finished();
  assert.deepEqual(server.errors, []);
  await server.close();
});

test("Pool rejects waiting borrowers when closed, and closes lent clients on return", async () => {
  const server = await ReplayServer.start([pushes(1)]);
  const pool = new Pool({ url: server.url, size: 1 });
  const client = await pool.acquire();
  const waiting = pool.acquire();
  const closing = pool.close();
  await assert.rejects(waiting, ConnectionClosedError);
  await client.push("Square", [1]);
  pool.release(client);
  await closing;
  assert.ok(client.closed);
  await server.finished();
  assert.deepEqual(server.errors, []);
  await server.close();
  assert.throws(() => new Pool({ size: 0 }), RangeError);
});

test("Pool passes a connect failure to the borrower and frees the slot", async () => {
  const server = await ReplayServer.start([]);
  const url = server.url;
  await server.close();
  const pool = new Pool({ url, size: 1 });
  await assert.rejects(pool.with(() => 1), /refused/);
  await assert.rejects(pool.with(() => 1), /refused/);
  assert.equal(pool.size, 0);
  await pool.close();
});

test("Pool.with() wakes every waiter after a failed connect: each gets an error", async () => {
  const server = await ReplayServer.start([]);
  const url = server.url;
  await server.close();
  const pool = new Pool({ url, size: 1 });
  const outcomes = await Promise.race([
    Promise.allSettled([pool.with(() => 1), pool.with(() => 2)]),
    new Promise((r) => setTimeout(() => r("hung"), 3000)),
  ]);
  assert.notEqual(outcomes, "hung");
  for (const o of outcomes as PromiseSettledResult<number>[]) {
    assert.equal(o.status, "rejected");
    assert.ok(
      (o as PromiseRejectedResult).reason instanceof ConnectError,
    );
  }
  assert.equal(pool.size, 0);
  await pool.close();
});

test("Pool of size 1: a push a middleware holds ends at its abort, and the next caller is served", async () => {
  const server = await FaktoryServer.start();
  const pool = new Pool({
    url: server.url,
    size: 1,
    middleware: [
      (job, next) =>
        job.args[0] === "hold" ? new Promise<void>(() => {}) : next(job),
    ],
  });
  const controller = new AbortController();
  const held = pool.with((c) =>
    c.push("Square", ["hold"], { signal: controller.signal })
  );
  const waiting = pool.with((c) => c.push("Square", [2]));
  setTimeout(() => controller.abort(new Error("gave up")), 10);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    Promise.allSettled([held, waiting]),
    new Promise((r) => timer = setTimeout(() => r("hung"), 3000)),
  ]);
  clearTimeout(timer);
  assert.notEqual(outcome, "hung");
  const [h, w] = outcome as PromiseSettledResult<string>[];
  assert.equal(h?.status, "rejected");
  assert.match(String((h as PromiseRejectedResult).reason), /gave up/);
  assert.equal(w?.status, "fulfilled");
  assert.deepEqual(server.queue("default").map((j) => j.args), [[2]]);
  assert.equal(pool.size, 1);
  await pool.close();
  await server.stop();
});

test("new Pool() refuses a logger without a logger's shape", () => {
  assert.throws(
    () => new Pool({ logger: 42 as unknown as Console }),
    /^TypeError: logger must be an object with debug, info, warn and error methods, got 42$/,
  );
});

test("Pool: a push resolves though the logger's warn() throws", async () => {
  const server = await FaktoryServer.start();
  const quiet = () => {};
  const logger = {
    debug: quiet,
    info: quiet,
    error: quiet,
    warn(): void {
      throw new Error("warn broken");
    },
  };
  const original = console.error;
  const stderr: string[] = [];
  console.error = (...args: unknown[]) => void stderr.push(args.join(" "));
  try {
    const pool = new Pool({ url: server.url, logger });
    await pool.with((c) => c.push("X", [], { uniqueFor: 60 }));
    await pool.close();
    assert.equal(server.queue("default").length, 1);
    assert.equal(stderr.length, 1, stderr.join("\n"));
  } finally {
    console.error = original;
    await server.stop();
  }
});
