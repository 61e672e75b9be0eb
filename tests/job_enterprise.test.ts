import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createJob,
  defineJob,
  InvalidJobError,
  NotUniqueError,
  ServerError,
} from "../mod.ts";
import { buildJob, serverError, validateJob } from "../protocol.ts";

const NOW = Date.parse("2030-01-01T00:00:00Z");

function invalid(field: string, message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof InvalidJobError, String(err));
    assert.equal(err.field, field);
    assert.match(err.message, message);
    return true;
  };
}

test("unique, expiring and tracked options become the custom keys the server reads", () => {
  const job = buildJob(
    "Report",
    [7],
    {
      queue: "reports",
      uniqueFor: 600,
      uniqueUntil: "start",
      expiresIn: 90,
      track: true,
    },
    "0123456789abcdef",
    NOW,
  );
  assert.deepEqual(job, {
    jid: "0123456789abcdef",
    jobtype: "Report",
    args: [7],
    queue: "reports",
    custom: {
      unique_for: 600,
      unique_until: "start",
      expires_at: "2030-01-01T00:01:30.000Z",
      track: 1,
    },
  });
});

test("typed options merge over custom, and custom's other keys stay", () => {
  const job = buildJob("T", [], {
    custom: { tenant: "acme", unique_for: 5 },
    uniqueFor: 60,
    expiresAt: new Date("2030-02-01T00:00:00Z"),
  }, "0123456789abcdef");
  assert.deepEqual(job.custom, {
    tenant: "acme",
    unique_for: 60,
    expires_at: "2030-02-01T00:00:00.000Z",
  });
});

test("expiresAt accepts an RFC 3339 string as given; track: false sends nothing", () => {
  const job = buildJob("T", [], {
    expiresAt: "2030-02-01T10:00:00+02:00",
    track: false,
  }, "0123456789abcdef");
  assert.deepEqual(job.custom, { expires_at: "2030-02-01T10:00:00+02:00" });
  const plain = buildJob("T", [], { track: false }, "0123456789abcdef");
  assert.equal("custom" in plain, false);
});

test("createJob counts expiresIn from now", () => {
  const before = Date.now();
  const job = createJob("T", [], { expiresIn: 3600 });
  const at = Date.parse(String(job.custom?.expires_at));
  assert.ok(at >= before + 3_600_000 && at <= Date.now() + 3_600_000, `${at}`);
});

test("defineJob defaults carry the options to every job", () => {
  const Nightly = defineJob<[day: string]>("Nightly", { uniqueFor: 86_400 });
  assert.deepEqual(Nightly.create(["mon"]).custom, { unique_for: 86_400 });
  assert.deepEqual(
    Nightly.create(["tue"], { uniqueUntil: "start" }).custom,
    { unique_for: 86_400, unique_until: "start" },
  );
});

test("bad values are refused before anything is sent, naming the option", () => {
  const build = (options: Record<string, unknown>) => () =>
    buildJob("T", [], options, "0123456789abcdef", NOW);
  for (const uniqueFor of [0, -1, "60", Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(build({ uniqueFor }), invalid("uniqueFor", /seconds > 0/));
  }
  // Faktory reads unique_for as a float: half a second is a valid lock.
  assert.deepEqual(build({ uniqueFor: 0.5 })().custom, { unique_for: 0.5 });
  assert.throws(
    build({ uniqueFor: 5, uniqueUntil: "forever" }),
    invalid("uniqueUntil", /"success" or "start"/),
  );
  assert.throws(
    build({ uniqueUntil: "start" }),
    invalid("uniqueUntil", /without uniqueFor/),
  );
  for (const expiresIn of [0, -5, Number.POSITIVE_INFINITY, "1h"]) {
    assert.throws(build({ expiresIn }), invalid("expiresIn", /seconds > 0/));
  }
  assert.throws(
    build({ expiresIn: 5, expiresAt: new Date(NOW) }),
    invalid("expiresIn", /not both/),
  );
  for (const expiresAt of [new Date(Number.NaN), "tomorrow", 12]) {
    assert.throws(build({ expiresAt }), invalid("expiresAt", /RFC 3339/));
  }
  assert.throws(build({ track: "yes" }), invalid("track", /true or false/));
  assert.throws(
    () => buildJob("T", [], { expiresIn: 5 }, "0123456789abcdef"),
    invalid("expiresIn", /current time/),
  );
  // A custom that is not a plain object is still refused when options add keys.
  assert.throws(
    build({ custom: [1], uniqueFor: 5 }),
    invalid("custom", /plain object/),
  );
});

// Times Go's time.Parse(time.RFC3339, s) refuses, and some it accepts.
const GO_REFUSES = [
  "2024-02-30T00:00:00Z", // day out of range for the month
  "2023-02-29T00:00:00Z", // not a leap year
  "1900-02-29T00:00:00Z", // divisible by 100, not by 400
  "2024-04-31T00:00:00Z",
  "2024-01-00T00:00:00Z",
  "2024-00-10T00:00:00Z",
  "2024-13-01T00:00:00Z",
  "2024-01-01T24:00:00Z",
  "2024-01-01T00:60:00Z",
  "2024-01-01T00:00:60Z",
  "2024-01-01t00:00:00Z",
  "2024-01-01T00:00:00z",
  "2024-01-01T00:00:00+24:00",
  "2024-01-01T00:00:00+01:60",
  "2024-01-01T00:00:00",
  "24-01-01T00:00:00Z",
];
const GO_ACCEPTS = [
  "2024-02-29T00:00:00Z",
  "2000-02-29T23:59:59.999999999Z",
  "2030-12-31T00:00:00-23:59",
  "0000-01-01T00:00:00Z",
];

test("expiresAt refuses what Go's time.Parse(RFC3339) refuses, naming the option and the value", () => {
  for (const expiresAt of GO_REFUSES) {
    assert.throws(
      () => buildJob("T", [], { expiresAt }, "0123456789abcdef", NOW),
      (err: unknown) =>
        invalid("expiresAt", /RFC 3339/)(err) &&
        (err as Error).message.includes(JSON.stringify(expiresAt)),
      expiresAt,
    );
  }
  for (const expiresAt of GO_ACCEPTS) {
    const job = buildJob("T", [], { expiresAt }, "0123456789abcdef", NOW);
    assert.equal(job.custom?.expires_at, expiresAt);
  }
  // A Date Go cannot read back: before year 0 (toISOString writes -000001).
  assert.throws(
    () =>
      buildJob(
        "T",
        [],
        { expiresAt: new Date(Date.UTC(-1, 0)) },
        "0123456789abcdef",
        NOW,
      ),
    invalid("expiresAt", /RFC 3339/),
  );
});

test("validateJob refuses an 'at' Go's time.Parse(RFC3339) refuses", () => {
  for (const at of GO_REFUSES) {
    assert.throws(
      () =>
        validateJob({ jid: "0123456789abcdef", jobtype: "T", args: [], at }),
      invalid("at", /invalid timestamp for 'at'/),
      at,
    );
  }
  for (const at of GO_ACCEPTS) {
    validateJob({ jid: "0123456789abcdef", jobtype: "T", args: [], at });
  }
});

test("a NOTUNIQUE reply is a NotUniqueError, still a ServerError", () => {
  const err = serverError("NOTUNIQUE", "Job not unique", "PUSH");
  assert.ok(err instanceof NotUniqueError);
  assert.ok(err instanceof ServerError);
  assert.equal(err.code, "NOTUNIQUE");
  assert.equal(err.serverMessage, "Job not unique");
});

test("options given one way override defaults or custom given another", () => {
  const Report = defineJob("Report", {
    expiresAt: new Date("2030-06-01T00:00:00Z"),
  });
  const now = Date.now();
  const fresh = Report.create([], { expiresIn: 60 });
  const at = Date.parse(String(fresh.custom?.expires_at));
  assert.ok(at >= now + 60_000 && at <= Date.now() + 60_000);
  const Short = defineJob("Short", { expiresIn: 60 });
  assert.deepEqual(
    Short.create([], { expiresAt: "2030-06-02T00:00:00Z" }).custom,
    { expires_at: "2030-06-02T00:00:00Z" },
  );
  // uniqueUntil may go with a hand-set custom.unique_for.
  assert.deepEqual(
    buildJob("T", [], {
      custom: { unique_for: 30 },
      uniqueUntil: "start",
    }, "0123456789abcdef").custom,
    { unique_for: 30, unique_until: "start" },
  );
  // track: false removes a track the custom or the defaults asked for.
  assert.deepEqual(
    buildJob("T", [], {
      custom: { track: 1, tenant: "acme" },
      track: false,
    }, "0123456789abcdef").custom,
    { tenant: "acme" },
  );
});

test("an expiry past year 9999 is an InvalidJobError, not a RangeError", () => {
  assert.throws(
    () => buildJob("T", [], { expiresIn: 1e15 }, "0123456789abcdef", NOW),
    invalid("expiresIn", /before year 10000/),
  );
  assert.throws(
    () =>
      buildJob(
        "T",
        [],
        { expiresIn: Number.MAX_VALUE },
        "0123456789abcdef",
        NOW,
      ),
    invalid("expiresIn", /before year 10000/),
  );
  assert.throws(
    () =>
      buildJob("T", [], {
        expiresAt: new Date(Date.UTC(12000, 0)),
      }, "0123456789abcdef"),
    invalid("expiresAt", /RFC 3339/),
  );
});
