// The embedded server as a dev server that other people's clients reach: a long pipeline is
// worked through in slices without starving other clients, input held for one connection is
// capped, a client that does not read its replies is no longer read from, and a storm of wrong
// passwords does not hold up a legitimate client.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { Client } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { LineBuffer } from "../server/_line_buffer.ts";
import { RawConn } from "./_fidelity.ts";
import { withServer } from "./_seeded.ts";
import { until } from "./_manager_util.ts";

/** A raw connection that has said HELLO (as a worker when `wid` is given). */
async function raw(server: FaktoryServer, wid?: string): Promise<RawConn> {
  const conn = await RawConn.open(server.port);
  await conn.take(1);
  conn.write(`HELLO ${JSON.stringify({ v: 2, ...(wid ? { wid } : {}) })}\r\n`);
  assert.deepEqual(await conn.take(1), [{ type: "simple", value: "OK" }]);
  return conn;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `read()` gives the same value twice `ms` apart; returns it. */
async function settled(read: () => number, ms = 300): Promise<number> {
  for (let last = read();;) {
    await sleep(ms);
    const now = read();
    if (now === last) return now;
    last = now;
  }
}

const err = (message: string) => ({ type: "error", code: "ERR", message });

/**
 * The event loop should never stall for more than 50 ms while the server
 * works through a pipeline (it runs 10 ms slices). The probe counts CPU time,
 * so other processes busy on the machine do not make it flaky.
 */
const MAX_STALL_MS = 50;

/**
 * Runs `trial` (which returns the longest stall it measured) and asserts the
 * stall is under {@linkcode MAX_STALL_MS}; once more if it is not, since on
 * a busy machine other threads of the process (a parallel test file, the
 * garbage collector) count in its CPU time. A server that really blocks its
 * loop stalls both times.
 */
async function withinStallLimit(trial: () => Promise<number>): Promise<void> {
  let stall = await trial();
  if (stall >= MAX_STALL_MS) {
    console.log(`stalled ${stall.toFixed(1)} ms: once more`);
    stall = await trial();
  }
  assert.ok(stall < MAX_STALL_MS, `the event loop stalled ${stall} ms`);
}

/**
 * Measures how long the event loop stalls: the longest gap between ticks of
 * a 5 ms interval, less the interval, counting only the time the process
 * was working (its CPU time over the gap): on a machine whose cores are
 * busy with other tests, a gap while the process waits to be scheduled is
 * not the server's stall. `stop()` clears it and returns the stall in ms
 * (wall-clock figure printed beside it).
 */
function stallProbe(): { stop(): number } {
  const every = 5;
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  let last = performance.now();
  let lastCpu = cpuMs();
  let longest = 0;
  let longestWall = 0;
  const tick = () => {
    const now = performance.now();
    const cpu = cpuMs();
    longestWall = Math.max(longestWall, now - last);
    longest = Math.max(longest, Math.min(now - last, cpu - lastCpu));
    last = now;
    lastCpu = cpu;
  };
  const timer = setInterval(tick, every);
  return {
    stop() {
      clearInterval(timer);
      tick();
      console.log(`longest wall-clock gap: ${longestWall.toFixed(1)} ms`);
      return Math.max(0, longest - every);
    },
  };
}

test("FaktoryServer keeps serving other clients while it works through 200,000 lines pipelined behind a blocking FETCH", async () => {
  await withinStallLimit(async () => {
    let stall = Infinity;
    await withServer({ fetchTimeout: 200 }, async (server) => {
      const flood = await raw(server, "w-flood");
      const other = await raw(server, "w-other");
      const lines = 200_000;
      const started = Date.now();
      flood.write(
        "FETCH empty\r\n" + 'ACK {"jid":"0123456789ab"}\r\n'.repeat(lines),
      );
      const probe = stallProbe();
      // Its FETCH times out just after the flood's; then comes its INFO.
      other.write("FETCH empty\r\nINFO\r\n");
      const [fetched, info] = await other.take(2, 120_000);
      const ms = Date.now() - started;
      assert.deepEqual(fetched, { type: "bulk", value: null });
      assert.equal(info?.type, "bulk");
      assert.ok(ms < 200 + 1500, `the other client's INFO took ${ms} ms`);
      const replies = await flood.take(lines + 1, 120_000);
      stall = probe.stop();
      console.log(`longest event-loop stall: ${stall.toFixed(1)} ms`);
      assert.equal(replies.length, lines + 1);
      assert.deepEqual(replies.at(-1), { type: "simple", value: "OK" });
      assert.equal(server.commands("ACK"), lines);
      flood.close();
      other.close();
    });
    return stall;
  });
});

test("FaktoryServer keeps serving other clients while it works through 1 MiB of bare newlines behind a blocking FETCH", async () => {
  await withinStallLimit(async () => {
    let stall = Infinity;
    await withServer({ fetchTimeout: 200 }, async (server) => {
      const flood = await raw(server, "w-flood");
      const other = await raw(server, "w-other");
      flood.write("FETCH empty\r\n" + "\n".repeat(1 << 20) + "INFO\r\n");
      const probe = stallProbe();
      const started = Date.now();
      other.write("FETCH empty\r\nINFO\r\n");
      const [fetched, info] = await other.take(2, 120_000);
      const ms = Date.now() - started;
      assert.deepEqual(fetched, { type: "bulk", value: null });
      assert.equal(info?.type, "bulk");
      assert.ok(ms < 200 + 1500, `the other client's INFO took ${ms} ms`);
      await until(
        () => {
          const last = flood.replies.at(-1);
          return (last?.type === "bulk" && last.value !== null) || flood.closed;
        },
        120_000,
        "the flood's last INFO",
      );
      stall = probe.stop();
      console.log(`longest event-loop stall: ${stall.toFixed(1)} ms`);
      assert.equal(flood.closed, false, "the flooding connection stays open");
      assert.deepEqual(flood.replies[0], { type: "bulk", value: null });
      // Each empty line is answered, as an unknown command; then the INFO.
      assert.equal(flood.replies.length, 1 + (1 << 20) + 1);
      flood.close();
      other.close();
    });
    return stall;
  });
});

test("FaktoryServer closes a connection that floods newlines behind a blocking FETCH with -ERR, and keeps serving others", async () => {
  await withServer({ fetchTimeout: 60_000 }, async (server) => {
    const flood = await raw(server, "w-flood");
    flood.write("FETCH empty\r\n");
    const mib = "\n".repeat(1 << 20);
    for (let i = 0; i < 17; i++) flood.write(mib);
    assert.ok(await flood.eof(15_000), "the flooding connection was closed");
    assert.deepEqual(flood.replies, [
      err(
        "too much pipelined input: over 16777216 bytes wait behind a blocked command",
      ),
    ]);
    const other = await raw(server);
    other.write("INFO\r\n");
    assert.equal((await other.take(1))[0]?.type, "bulk");
    other.close();
  });
});

test("FaktoryServer closes a connection that sends over 16 KiB before HELLO with -ERR line too long", async () => {
  await withServer({}, async (server) => {
    const conn = await RawConn.open(server.port);
    await conn.take(1); // the greeting
    conn.write("x".repeat(20 * 1024));
    assert.ok(await conn.eof(5000), "closed");
    assert.deepEqual(conn.replies, [
      err("line too long: over 16384 bytes without a newline"),
    ]);
    const other = await raw(server);
    other.write("INFO\r\n");
    assert.equal((await other.take(1))[0]?.type, "bulk");
    other.close();
  });
});

test("FaktoryServer closes a connection whose line outgrows maxInputBytes with -ERR, and takes lines up to it", async () => {
  await withServer({ maxInputBytes: 4096 }, async (server) => {
    const conn = await raw(server);
    const fits = `PUSH {"jid":"0123456789ab","jobtype":"T","args":["${
      "x".repeat(3900)
    }"]}\r\n`;
    assert.ok(fits.length < 4096);
    conn.write(fits);
    assert.deepEqual(await conn.take(1), [{ type: "simple", value: "OK" }]);
    conn.write(`PUSH {"jid":"0123456789ac","args":["${"y".repeat(5000)}`);
    assert.ok(await conn.eof(5000), "closed");
    assert.deepEqual(conn.replies, [
      err("line too long: over 4096 bytes without a newline"),
    ]);
    assert.equal(server.queue("default").length, 1);
  });
});

test("FaktoryServer takes a job of several MiB with the default limits", async () => {
  await withServer({}, async (server) => {
    const c = await Client.connect(server.url);
    await c.push("Big", ["z".repeat(12 << 20)]);
    assert.equal(
      (server.queue("default")[0]?.args as string[])[0]?.length,
      12 << 20,
    );
    await c.close();
  });
});

test("FaktoryServer stops taking commands from a client that does not read its replies, and goes on once it reads", async () => {
  await withServer({}, async (server) => {
    // 200 queues make each INFO reply about 15 KiB.
    const c = await Client.connect(server.url);
    for (let i = 0; i < 200; i++) {
      await c.push("T", [], { queue: `queue-with-a-long-name-${i}` });
    }
    const lazy = await raw(server);
    try {
      lazy.sock.pause(); // reads nothing from here on
      const n = 4000; // about 60 MiB of replies
      lazy.write("INFO\r\n".repeat(n));
      const answered = await settled(() => server.commands("INFO"));
      assert.ok(answered < n / 2, `${answered} of ${n} INFO answered`);
      assert.ok((await c.info()).server.faktory_version, "others are served");
      lazy.sock.resume();
      const replies = await lazy.take(n, 60_000);
      assert.equal(replies.length, n);
      assert.ok(replies.every((r) => r.type === "bulk"));
      assert.equal(server.commands("INFO"), n + 1);
    } finally {
      lazy.close();
      await c.close();
    }
  });
});

test("FaktoryServer.stop() resolves and closes a connection whose client reads nothing", async () => {
  const server = await FaktoryServer.start({ taskInterval: 0 });
  const lazy = await raw(server);
  try {
    lazy.sock.pause();
    lazy.write("INFO\r\n".repeat(20_000));
    await settled(() => server.commands("INFO"));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stopped = await Promise.race([
      server.stop().then(() => true),
      new Promise<false>((r) => timer = setTimeout(() => r(false), 5000)),
    ]);
    clearTimeout(timer);
    assert.ok(stopped, "stop() resolved");
    assert.equal(server.connections, 0);
  } finally {
    lazy.close();
    await server.stop();
  }
});

test("FaktoryServer connects a client with the right password promptly while 300 wrong-password HELLOs are checked", async () => {
  await withServer({ password: "s3cret" }, async (server) => {
    const bad = await Promise.all(
      Array.from({ length: 300 }, () => RawConn.open(server.port)),
    );
    await Promise.all(bad.map((b) => b.take(1)));
    for (const b of bad) b.write('HELLO {"v":2,"pwdhash":"nope"}\r\n');
    const started = Date.now();
    const good = await Client.connect(server.url);
    const ms = Date.now() - started;
    assert.ok(ms < 1000, `the right password took ${ms} ms to be accepted`);
    await good.info();
    for (const b of bad) {
      assert.ok(await b.eof(10_000));
      assert.deepEqual(b.replies, [err("Invalid password")]);
    }
    await good.close();
  });
});

test("FaktoryServer greets each connection with its own salt, as Faktory does, when few are waiting to say HELLO", async () => {
  await withServer({ password: "s3cret" }, async (server) => {
    const salts = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const conn = await RawConn.open(server.port);
      const [hi] = await conn.take(1);
      const value = (hi as { value: string }).value;
      salts.add(JSON.parse(value.slice(3)).s);
      conn.close();
    }
    assert.equal(salts.size, 5);
  });
});

test("LineBuffer gives the same lines and held bytes wherever the input is split", () => {
  const text = "HELLO {}\r\nPUSH é\n\r\n\nINFO\r\nPART";
  const bytes = new TextEncoder().encode(text);
  for (let a = 0; a <= bytes.length; a++) {
    for (let b = a; b <= bytes.length; b++) {
      const input = new LineBuffer();
      const lines: string[] = [];
      for (
        const part of [
          bytes.subarray(0, a),
          bytes.subarray(a, b),
          bytes.subarray(b),
        ]
      ) {
        input.push(part.slice());
        for (let l = input.next(); l !== undefined; l = input.next()) {
          lines.push(l);
        }
      }
      assert.deepEqual(
        lines,
        ["HELLO {}", "PUSH é", "", "", "INFO"],
        `${a}/${b}`,
      );
      assert.equal(input.size, 4);
      assert.equal(input.hasLine(), false);
    }
  }
  // Lines taken while more arrive: every one comes out once, in order.
  const input = new LineBuffer();
  const encoder = new TextEncoder();
  const taken: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    input.push(encoder.encode(`ACK ${i}\r\n`));
    if (i % 3 === 0) {
      for (let l = input.next(); l !== undefined; l = input.next()) {
        taken.push(l);
      }
    }
  }
  for (let l = input.next(); l !== undefined; l = input.next()) taken.push(l);
  assert.equal(taken.length, 10_000);
  assert.ok(taken.every((l, i) => l === `ACK ${i}`));
  assert.equal(input.size, 0);
});
