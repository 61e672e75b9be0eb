import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createJob,
  InvalidJobError,
  randomJid,
  RemoteProtocolError,
} from "../mod.ts";
import {
  buildJob,
  failureFor,
  formatTime,
  parseJob,
  validateJob,
} from "../protocol.ts";

function invalid(field: string, message: string | RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof InvalidJobError, String(err));
    assert.equal(err.field, field);
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  };
}

test("buildJob sends only the fields given, in the order given, as the recorded PUSH", () => {
  const job = buildJob("LabJob", [1, "two"], {
    queue: "lab-push-6b0a2a26",
    custom: { k: "v" },
    retry: 3,
    reserveFor: 600,
  }, "jid-valid-6b0a2a26");
  assert.equal(
    JSON.stringify(job),
    '{"jid":"jid-valid-6b0a2a26","jobtype":"LabJob","args":[1,"two"],"queue":"lab-push-6b0a2a26","custom":{"k":"v"},"retry":3,"reserve_for":600}',
  );
  // No server-owned defaults: no queue, retry, reserve_for or priority.
  assert.equal(
    JSON.stringify(buildJob("LabJob", [], {}, "jid-minimal-6b0a2a26")),
    '{"jid":"jid-minimal-6b0a2a26","jobtype":"LabJob","args":[]}',
  );
});

test("buildJob formats a Date 'at' as RFC 3339 UTC and keeps a string as given", () => {
  const at = new Date(Date.UTC(2099, 0, 1));
  assert.equal(
    buildJob("T", [], { at }, "0123456789ab").at,
    "2099-01-01T00:00:00.000Z",
  );
  assert.equal(
    buildJob("T", [], { at: "2099-01-01T00:00:00Z" }, "0123456789ab").at,
    "2099-01-01T00:00:00Z",
  );
  assert.equal(
    buildJob("T", [], { at: "2026-11-28T01:32:11+02:00" }, "0123456789ab").at,
    "2026-11-28T01:32:11+02:00",
  );
  assert.throws(
    () => formatTime(new Date("nope")),
    invalid("at", /Invalid Date/),
  );
});

test("validateJob refuses what the server refuses, with the server's messages", () => {
  const base = { jid: "0123456789ab", jobtype: "T", args: [] };
  assert.throws(
    () => validateJob({ jobtype: "T", args: [] }),
    invalid("jid", "jobs must have a reasonable jid parameter"),
  );
  assert.throws(
    () => validateJob({ ...base, jid: "" }),
    invalid("jid", "jobs must have a reasonable jid parameter"),
  );
  assert.throws(
    () => validateJob({ ...base, jid: "short" }),
    invalid("jid", "jobs must have a reasonable jid parameter"),
  );
  assert.throws(
    () => validateJob({ jid: base.jid, args: [] }),
    invalid("jobtype", "jobs must have a jobtype parameter"),
  );
  assert.throws(
    () => validateJob({ jid: base.jid, jobtype: "T" }),
    invalid("args", "jobs must have an args parameter"),
  );
  assert.throws(
    () => validateJob({ ...base, args: null }),
    invalid("args", "jobs must have an args parameter"),
  );
  assert.throws(
    () => validateJob({ ...base, args: { a: 1 } }),
    invalid("args", /must be an array/),
  );
  assert.throws(
    () => validateJob({ ...base, reserve_for: 86401 }),
    invalid("reserve_for", "jobs cannot be reserved for more than one day"),
  );
  assert.throws(
    () => validateJob({ ...base, at: "tomorrow" }),
    invalid("at", /^invalid timestamp for 'at': "tomorrow"/),
  );
  assert.throws(
    () => validateJob({ ...base, queue: "has space" }),
    invalid(
      "queue",
      'cannot get "has space" queue: queue names must match \\A[a-zA-Z0-9._-]+\\z',
    ),
  );
  assert.throws(
    () => validateJob({ ...base, retry: -2 }),
    invalid("retry", /at least -1/),
  );
  assert.throws(
    () => validateJob({ ...base, retry: 1.5 }),
    invalid("retry", /integer/),
  );
  assert.throws(
    () => validateJob({ ...base, priority: 5 }),
    invalid("priority", /no longer exists/),
  );
  assert.throws(() => validateJob([1, 2, 3]), invalid("job", /plain object/));
  // Accepted by the server as recorded in transcript 25.
  assert.doesNotThrow(() => validateJob({ ...base, reserve_for: 10 }));
  assert.doesNotThrow(() => validateJob({ ...base, retry: 0 }));
  assert.doesNotThrow(() => validateJob({ ...base, retry: -1 }));
  assert.doesNotThrow(() =>
    validateJob({ ...base, at: "2020-01-01T00:00:00Z" })
  );
  assert.doesNotThrow(() => validateJob({ ...base, custom: { _bid: "x" } }));
});

test("validateJob accepts any jid of 8 bytes or more, as the server counts them", () => {
  const job = { jobtype: "T", args: [] };
  for (const jid of ["has space", "tab\tctl\u0001", "éééé", "😀😀"]) {
    assert.doesNotThrow(() => validateJob({ ...job, jid }), jid);
  }
  for (const jid of ["", "1234567", "ééé", "😀"]) {
    assert.throws(
      () => validateJob({ ...job, jid }),
      invalid("jid", "jobs must have a reasonable jid parameter"),
    );
  }
});

test("validateJob refuses args and custom values JSON cannot carry", () => {
  const base = { jid: "0123456789ab", jobtype: "T" };
  assert.throws(
    () => validateJob({ ...base, args: [undefined] }),
    invalid("args", "Job args[0] is a undefined, not a JSON value"),
  );
  assert.throws(
    () => validateJob({ ...base, args: [NaN] }),
    invalid("args", "Job args[0] is NaN, which JSON cannot carry"),
  );
  assert.throws(
    () => validateJob({ ...base, args: [{ when: new Date(0) }] }),
    invalid("args", /args\[0\]\.when is a Date/),
  );
  assert.throws(
    () => validateJob({ ...base, args: [10n] }),
    invalid("args", /bigint/),
  );
  assert.throws(
    () => validateJob({ ...base, args: [() => 1] }),
    invalid("args", /function/),
  );
  const loop: Record<string, unknown> = {};
  loop.self = loop;
  assert.throws(
    () => validateJob({ ...base, args: [loop] }),
    invalid("args", /circular/),
  );
  assert.throws(
    () => validateJob({ ...base, args: [], custom: { m: new Map() } }),
    invalid("custom", /Map/),
  );
  const shared = { a: 1 };
  assert.doesNotThrow(() => validateJob({ ...base, args: [shared, shared] }));
});

test("validateJob refuses args it cannot read or that nest deeper than the server accepts", () => {
  const base = { jid: "0123456789ab", jobtype: "T" };
  const nested = (levels: number) => {
    let value: unknown = [];
    for (let i = 1; i < levels; i++) value = [value];
    return value;
  };
  // The job is level 1 and args level 2: 1,000 levels in all are accepted.
  const deepest = { ...base, args: nested(999) };
  assert.doesNotThrow(() => JSON.stringify(validateJob(deepest)));
  assert.throws(
    () => validateJob({ ...base, args: nested(1_000) }),
    invalid("args", /nests deeper than the 1000 levels/),
  );
  assert.throws(
    () => validateJob({ ...base, args: nested(200_000) }),
    invalid("args", /nests deeper/),
  );
  const getter = {
    get boom(): never {
      throw new Error("getter failed");
    },
  };
  assert.throws(
    () => validateJob({ ...base, args: [getter] }),
    invalid("args", "Job args[0] cannot be read: getter failed"),
  );
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  assert.throws(
    () => validateJob({ ...base, args: [1, proxy] }),
    invalid("args", /^Job args\[1\] cannot be read/),
  );
  assert.throws(
    () => validateJob({ ...base, args: [], custom: { p: proxy } }),
    invalid("custom", /^Job custom\.p cannot be read/),
  );
  assert.throws(
    () => validateJob({ ...base, args: [], colour: 1n }),
    invalid("colour", /bigint/),
  );
  assert.throws(
    () =>
      validateJob(
        new Proxy({ ...base, args: [] }, {
          get() {
            throw new Error("trap failed");
          },
        }),
      ),
    invalid("job", "Job cannot be read: trap failed"),
  );
  // A well-behaved Proxy over plain data is plain data.
  assert.doesNotThrow(() =>
    validateJob({ ...base, args: [new Proxy({ a: [1] }, {})] })
  );
});

test("createJob generates distinct 24-character hex jids", () => {
  const jids = new Set(Array.from({ length: 1000 }, () => createJob("T").jid));
  assert.equal(jids.size, 1000);
  for (const jid of jids) assert.match(jid, /^[0-9a-f]{24}$/);
  assert.match(randomJid(), /^[0-9a-f]{24}$/);
  assert.equal(createJob("T", [], { jid: "my-own-jid-1" }).jid, "my-own-jid-1");
});

test("parseJob reads a fetched job and refuses JSON that is not a job", () => {
  const job = parseJob(
    '{"jid":"jid-f1-6b0a2a26","queue":"q","jobtype":"LabJob","args":[{"a":1}],"created_at":"2026-11-28T01:11:04.396597387Z","retry":3,"custom":{"trace":"x"}}',
  );
  assert.equal(job.custom?.trace, "x");
  assert.throws(() => parseJob("{"), RemoteProtocolError);
  assert.throws(
    () => parseJob('{"jid":"x","jobtype":"T"}'),
    RemoteProtocolError,
  );
  assert.throws(() => parseJob("[]"), RemoteProtocolError);
});

test("failureFor describes Errors, non-Error throws and caps fields as the server does", () => {
  const err = new TypeError("x is undefined");
  const f = failureFor("0123456789ab", err);
  assert.equal(f.errtype, "TypeError");
  assert.equal(f.message, "x is undefined");
  assert.ok(
    f.backtrace && f.backtrace.length > 0 &&
      !f.backtrace[0]!.includes("x is undefined"),
  );
  class QuotaExceeded extends Error {
    override name = "QuotaExceeded";
  }
  assert.equal(
    failureFor("j", new QuotaExceeded("over")).errtype,
    "QuotaExceeded",
  );
  assert.deepEqual(failureFor("j", "plain string"), {
    jid: "j",
    errtype: "string",
    message: "plain string",
  });
  assert.deepEqual(failureFor("j", 42), {
    jid: "j",
    errtype: "number",
    message: "42",
  });
  assert.deepEqual(failureFor("j", null), {
    jid: "j",
    errtype: "null",
    message: "null",
  });
  assert.deepEqual(failureFor("j", undefined), {
    jid: "j",
    errtype: "undefined",
    message: "undefined",
  });
  assert.deepEqual(failureFor("j", { code: 7 }), {
    jid: "j",
    errtype: "Object",
    message: '{"code":7}',
  });
  assert.equal(failureFor("j", new Error("")).message, "(no message)");
  const big = new Error("m".repeat(5000));
  big.name = "E".repeat(500);
  big.stack = "E: m\n" +
    Array.from({ length: 200 }, (_, i) => `    at f${i} (file.ts:${i}:1)`).join(
      "\n",
    );
  const capped = failureFor("j", big);
  assert.equal(capped.errtype.length, 100);
  assert.equal(capped.message.length, 1000);
  assert.equal(capped.backtrace?.length, 50);
  assert.equal(capped.backtrace?.[0], "at f0 (file.ts:0:1)");
});

test("validateJob refuses int fields the server cannot unmarshal into a Go int, with the server's message", () => {
  const base = { jid: "0123456789ab", jobtype: "T", args: [] };
  for (
    const [field, value] of [
      ["retry", 1e300],
      ["retry", 2 ** 63],
      ["retry", -(2 ** 64)],
      ["backtrace", 1e21],
      ["reserve_for", 1e300],
    ] as const
  ) {
    assert.throws(
      () => validateJob({ ...base, [field]: value }),
      invalid(
        field,
        `invalid JSON: json: cannot unmarshal number ${
          JSON.stringify(value)
        } into Go struct field Job.${field} of type int`,
      ),
    );
  }
  assert.doesNotThrow(() => validateJob({ ...base, retry: 2 ** 62 }));
  assert.doesNotThrow(() => validateJob({ ...base, retry: 100000 }));
});
