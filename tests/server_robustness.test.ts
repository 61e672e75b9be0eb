// The embedded server never crashes or stalls, whatever a client sends: a command that
// would throw gets -ERR, time arithmetic cannot overflow, glob matching is linear, memory
// stays bounded, a password storm does not starve other clients, and replies go out as
// each command runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "../mod.ts";
import type { FaktoryServer } from "../testing/mod.ts";
import { RawConn } from "./_fidelity.ts";
import { TEST_START, withServer } from "./_seeded.ts";

const START = TEST_START;

/** A raw connection that has said HELLO (as a worker when `wid` is given). */
async function raw(server: FaktoryServer, wid?: string): Promise<RawConn> {
  const conn = await RawConn.open(server.port);
  await conn.take(1);
  conn.write(`HELLO ${JSON.stringify({ v: 2, ...(wid ? { wid } : {}) })}\r\n`);
  assert.deepEqual(await conn.take(1), [{ type: "simple", value: "OK" }]);
  return conn;
}

const text = (r: unknown) => JSON.stringify(r);

test("FaktoryServer answers FAIL with a non-string errtype with -ERR invalid FAIL, as Go's unmarshal does, and keeps serving", async () => {
  await withServer({}, async (server) => {
    const conn = await raw(server, "w-bad-fail");
    conn.write(`PUSH {"jid":"0123456789ab","jobtype":"T","args":[]}\r\n`);
    conn.write("FETCH default\r\n");
    await conn.take(2);
    const payload = '{"jid":"0123456789ab","errtype":{"toString":0}}';
    conn.write(`FAIL ${payload}\r\n`);
    assert.deepEqual(await conn.take(1), [{
      type: "error",
      code: "ERR",
      message: `invalid FAIL ${payload}`,
    }]);
    assert.equal(server.busy().length, 1, "the reservation is untouched");
    conn.write('FAIL {"jid":"0123456789ab","backtrace":[1,{"a":1}]}\r\n');
    assert.equal((await conn.take(1))[0]?.type, "error");
    const other = await Client.connect(server.url);
    assert.equal((await other.info()).server.faktory_version, "1.8.0");
    await other.close();
    conn.close();
  });
});

test("FaktoryServer closes a HELLO whose fields have the wrong JSON types, as Faktory does, and keeps serving", async () => {
  await withServer({}, async (server) => {
    for (
      const hello of [
        { v: 2, wid: "w1", labels: [{ toString: 0 }] },
        { v: 2, wid: "w1", labels: "x" },
        { v: 2, wid: "w1", hostname: { toString: 0 } },
        { v: 2, wid: { toString: 0 } },
        { v: 2, pid: "12" },
        { v: 300 },
      ]
    ) {
      const conn = await RawConn.open(server.port);
      await conn.take(1);
      conn.write(`HELLO ${JSON.stringify(hello)}\r\n`);
      assert.deepEqual(await conn.take(1, 1000), [], text(hello));
      assert.ok(await conn.eof(), `closed after ${text(hello)}`);
    }
    assert.equal(server.workers().length, 0);
    const conn = await raw(server, "w1");
    conn.write("INFO\r\n");
    assert.equal((await conn.take(1))[0]?.type, "bulk");
    conn.close();
  });
});

test("FaktoryServer MUTATE with a reversed class range matches it as Redis does instead of throwing", async () => {
  await withServer({}, async (server) => {
    const c = await Client.connect(server.url);
    const at = new Date(START + 3600_000);
    await c.push("T", ["m"], { at });
    await c.push("T", ["M"], { at });
    const conn = await raw(server);
    conn.write(
      'MUTATE {"cmd":"kill","target":"scheduled","filter":{"regexp":"*[\\"][z-a][\\"]*"}}\r\n',
    );
    assert.deepEqual(await conn.take(1), [{ type: "simple", value: "OK" }]);
    assert.deepEqual(server.dead().map((j) => j.args), [["m"]]);
    assert.deepEqual(server.scheduled().map((j) => j.args), [["M"]]);
    conn.close();
    await c.close();
  });
});

test("FaktoryServer FAIL and reservation expiry of a job with a huge retry_count keep the job and never throw", async () => {
  await withServer({}, async (server, clock) => {
    const c = await Client.connect({ url: server.url, wid: "w-huge" });
    for (const jid of ["huge-fail-0001", "huge-expire-01"]) {
      const conn = await raw(server);
      conn.write(
        `PUSH ${
          JSON.stringify({
            jid,
            jobtype: "T",
            args: [],
            retry: 100000,
            failure: { retry_count: 2000, remaining: 98000 },
          })
        }\r\n`,
      );
      assert.deepEqual(await conn.take(1), [{ type: "simple", value: "OK" }]);
      conn.close();
    }
    const first = await c.fetch(["default"]);
    await c.fail(first!.jid, new Error("boom"));
    assert.deepEqual(server.retries().map((j) => j.jid), ["huge-fail-0001"]);
    await c.fetch(["default"]);
    clock.now += 1801_000;
    server.runTasks();
    assert.equal(server.busy().length, 0);
    const retries = server.retries();
    assert.deepEqual(retries.map((j) => j.jid).sort(), [
      "huge-expire-01",
      "huge-fail-0001",
    ]);
    for (const job of retries) {
      const failure = job.failure as Record<string, unknown>;
      assert.equal(failure.retry_count, 2001);
      assert.match(String(failure.next_at), /^\d{4}-\d\d-\d\dT/);
    }
    await c.close();
  });
});

test("FaktoryServer MUTATE glob matching stays fast on adversarial patterns", async () => {
  await withServer({}, async (server) => {
    const c = await Client.connect(server.url);
    await c.push("T", ["a".repeat(300)], {
      at: new Date(START + 3600_000),
    });
    const conn = await raw(server);
    const started = Date.now();
    for (const glob of ["*a*a*a*b", "*a*a*a*a*b", "*a*a*a*a*a*a*a*a*b"]) {
      conn.write(
        `MUTATE ${
          JSON.stringify({
            cmd: "kill",
            target: "scheduled",
            filter: { regexp: glob },
          })
        }\r\n`,
      );
      assert.deepEqual(await conn.take(1, 60_000), [{
        type: "simple",
        value: "OK",
      }]);
    }
    const ms = Date.now() - started;
    assert.ok(ms < 1000, `three globs took ${ms} ms`);
    assert.equal(server.scheduled().length, 1, "nothing matched");
    conn.close();
    await c.close();
  });
});

test("FaktoryServer counts unknown verbs under one key, so garbage verbs use no memory", async () => {
  await withServer({}, async (server) => {
    const conn = await raw(server);
    const lines: string[] = [];
    for (let i = 0; i < 500; i++) lines.push(`GARBAGE-${i} x\r\n`);
    conn.write(lines.join(""));
    const replies = await conn.take(500);
    assert.equal(replies.length, 500);
    assert.equal(server.commands("GARBAGE-7"), 0);
    assert.equal(server.commands("UNKNOWN"), 500);
    assert.equal(server.commands(), 500);
    conn.write("INFO\r\n");
    await conn.take(1);
    assert.equal(server.commands("INFO"), 1);
    conn.close();
  });
});

test("FaktoryServer answers each pipelined command as it runs it: ACK's +OK does not wait for a blocking FETCH", async () => {
  await withServer({ fetchTimeout: 1500 }, async (server) => {
    const conn = await raw(server, "w-pipe");
    const started = Date.now();
    conn.write('ACK {"jid":"0123456789ab"}\r\nFETCH empty\r\n');
    assert.deepEqual(await conn.take(1), [{ type: "simple", value: "OK" }]);
    const ms = Date.now() - started;
    assert.ok(ms < 750, `+OK arrived after ${ms} ms`);
    assert.deepEqual(await conn.take(1), [{ type: "bulk", value: null }]);
    conn.close();
  });
});

test("FaktoryServer refuses int fields out of Go's int64 range or written as non-integers, with Go's message", async () => {
  await withServer({}, async (server) => {
    const conn = await raw(server);
    for (
      const [field, literal] of [
        ["retry", "1e300"],
        ["retry", "1e2"],
        ["retry", "1.0"],
        ["retry", "9223372036854775808"],
        ["reserve_for", "-9223372036854775809"],
        ["backtrace", "1E3"],
      ]
    ) {
      conn.write(
        `PUSH {"jid":"0123456789ab","jobtype":"T","args":[],"${field}":${literal}}\r\n`,
      );
      assert.deepEqual(await conn.take(1), [{
        type: "error",
        code: "ERR",
        message:
          `invalid JSON: json: cannot unmarshal number ${literal} into Go struct field Job.${field} of type int`,
      }], `${field} ${literal}`);
    }
    conn.write(
      'PUSHB [{"jid":"0123456789ab","jobtype":"T","args":[],"retry":1e300}]\r\n',
    );
    assert.deepEqual(await conn.take(1), [{
      type: "error",
      code: "ERR",
      message:
        "invalid JSON: json: cannot unmarshal number 1e300 into Go struct field Job.retry of type int",
    }]);
    conn.write(
      'PUSH {"jid":"0123456789ab","jobtype":"T","args":[],"retry":9223372036854775807}\r\n',
    );
    assert.deepEqual(await conn.take(1), [{ type: "simple", value: "OK" }]);
    assert.equal(server.queue("default").length, 1);
    conn.close();
  });
});

test("FaktoryServer keeps serving other clients while many wrong-password HELLOs are checked", async () => {
  await withServer(
    { password: "s3cret", helloTimeout: 60_000 },
    async (server) => {
      const good = await Client.connect(server.url);
      await good.info();
      const bad = await Promise.all(
        Array.from({ length: 60 }, () => RawConn.open(server.port)),
      );
      await Promise.all(bad.map((b) => b.take(1)));
      const latencies: number[] = [];
      let stormOver = false;
      const probing = (async () => {
        while (!stormOver) {
          const t = Date.now();
          await good.info();
          latencies.push(Date.now() - t);
        }
      })();
      const started = Date.now();
      for (const b of bad) b.write('HELLO {"v":2,"pwdhash":"nope"}\r\n');
      const answers = await Promise.all(bad.map((b) => b.take(1, 60_000)));
      await Promise.all(bad.map((b) => b.eof(60_000)));
      const storm = Date.now() - started;
      stormOver = true;
      await probing;
      for (const a of answers) {
        assert.deepEqual(a, [{
          type: "error",
          code: "ERR",
          message: "Invalid password",
        }]);
      }
      // The wrong HELLOs share few challenges (their hashes are sliced too),
      // so the storm is short and no INFO waits for it.
      const worst = Math.max(...latencies);
      assert.ok(
        worst < 500,
        `an INFO took ${worst} ms while the ${storm} ms storm went on`,
      );
      await good.close();
    },
  );
});

test("FaktoryServer checks PUSH as Faktory does: a jid's length in UTF-8 bytes, reserve_for only above a day", async () => {
  await withServer({}, async (server) => {
    const conn = await raw(server);
    const push = async (fields: string) => {
      conn.write(`PUSH {"jobtype":"T","args":[],${fields}}\r\n`);
      return (await conn.take(1))[0];
    };
    const ok = { type: "simple", value: "OK" };
    const refused = (message: string) => ({
      type: "error",
      code: "ERR",
      message,
    });
    // 5 characters, 10 bytes: long enough for Go's len().
    assert.deepEqual(await push('"jid":"ééééé"'), ok);
    assert.deepEqual(
      await push('"jid":"éé"'),
      refused("jobs must have a reasonable jid parameter"),
    );
    // Below 1 the default applies; the bound is checked for any int64.
    assert.deepEqual(await push('"jid":"0123456789a0","reserve_for":0'), ok);
    assert.deepEqual(await push('"jid":"0123456789a1","reserve_for":-5'), ok);
    assert.deepEqual(
      await push('"jid":"0123456789a2","reserve_for":86400'),
      ok,
    );
    for (const big of ["86401", "9223372036854775807"]) {
      assert.deepEqual(
        await push(`"jid":"0123456789a3","reserve_for":${big}`),
        refused("jobs cannot be reserved for more than one day"),
      );
    }
    assert.deepEqual(
      server.queue("default").map((j) => j.jid),
      ["ééééé", "0123456789a0", "0123456789a1", "0123456789a2"],
    );
    conn.close();
  });
});
