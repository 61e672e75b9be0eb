import { test } from "node:test";
import assert from "node:assert/strict";
import { consoleLogger, type LogFormat } from "../mod.ts";

type Method = "log" | "warn" | "error";

/** Runs `fn` with console.log/warn/error captured; returns the printed lines. */
function printed(fn: () => void): string[] {
  const lines: string[] = [];
  const saved = new Map<Method, (...a: unknown[]) => void>();
  for (const m of ["log", "warn", "error"] as const) {
    saved.set(m, console[m]);
    console[m] = (...args: unknown[]) => void lines.push(args.join(" "));
  }
  try {
    fn();
  } finally {
    for (const [m, original] of saved) console[m] = original;
  }
  return lines;
}

function awkwardFields(): Record<string, unknown> {
  const circular: Record<string, unknown> = { name: "loop" };
  circular.self = circular;
  const shared = { n: 1 };
  const error = new TypeError("bad input");
  return {
    before: "kept",
    circular,
    big: 12345678901234567890n,
    nested: { big: 2n, list: [1n, { deep: 3n }] },
    fn: function handleThing() {},
    anon: Object.assign(() => {}, { displayName: "x" }),
    error,
    shared: [shared, shared],
    when: new Date("2030-01-01T00:00:00Z"),
    nan: Number.NaN,
    sym: Symbol("s"),
    after: "kept too",
  };
}

test("consoleLogger json keeps every field when one is circular, a BigInt, a function or an Error", () => {
  const [line] = printed(() =>
    consoleLogger({ format: "json" }).warn("Awkward", awkwardFields())
  );
  const record = JSON.parse(line!);
  assert.equal(record.level, "warn");
  assert.equal(record.msg, "Awkward");
  assert.equal(record.before, "kept");
  assert.equal(record.after, "kept too");
  assert.deepEqual(record.circular, { name: "loop", self: "[Circular]" });
  assert.equal(record.big, "12345678901234567890");
  assert.deepEqual(record.nested, { big: "2", list: ["1", { deep: "3" }] });
  assert.equal(record.fn, "[Function handleThing]");
  assert.equal(record.anon, "[Function (anonymous)]");
  assert.equal(record.error.name, "TypeError");
  assert.equal(record.error.message, "bad input");
  assert.equal(typeof record.error.stack, "string");
  assert.deepEqual(record.shared, [{ n: 1 }, { n: 1 }]); // shared, not circular
  assert.equal(record.when, "2030-01-01T00:00:00.000Z");
  assert.equal(record.nan, "NaN");
  assert.equal(record.sym, "Symbol(s)");
});

test("consoleLogger text renders circular, BigInt, function and Error fields and keeps the rest", () => {
  const [line] = printed(() =>
    consoleLogger({ format: "text" }).warn("Awkward", awkwardFields())
  );
  assert.ok(line!.startsWith("[faktory] WARN Awkward before=kept "), line);
  assert.ok(line!.includes(' after="kept too"'), line);
  assert.ok(line!.includes(' circular={"name":"loop","self":"[Circular]"}'));
  assert.ok(line!.includes(" big=12345678901234567890 "), line);
  assert.ok(line!.includes(' nested={"big":"2","list":["1",{"deep":"3"}]}'));
  assert.ok(line!.includes(' fn="[Function handleThing]"'), line);
  assert.ok(line!.includes(' error="TypeError: bad input"'), line);
  assert.ok(line!.includes(" nan=NaN "), line);
  assert.ok(!line!.includes("\n"), "one line");
});

test("consoleLogger keeps the line when a field's getter or toJSON throws, or the message is not a string", () => {
  const hostile = {
    get boom(): never {
      throw new Error("getter");
    },
    ok: 1,
  };
  const badJson = {
    toJSON: () => {
      throw new Error("toJSON");
    },
  };
  for (const format of ["json", "text"] as LogFormat[]) {
    const lines = printed(() => {
      const log = consoleLogger({ format });
      log.info("Hostile", { hostile, badJson, after: "kept" });
      log.info(42n as never, { n: 1 });
      log.warn("Passed an error", new RangeError("as the fields") as never);
    });
    assert.equal(lines.length, 3, format);
    assert.ok(lines[2]!.includes("RangeError"), lines[2]);
    assert.ok(lines[2]!.includes("as the fields"), lines[2]);
    assert.ok(lines[0]!.includes("kept"), lines[0]);
    assert.ok(lines[0]!.includes("ok"), lines[0]);
    assert.ok(lines[1]!.includes("42"), lines[1]);
    if (format === "json") {
      const record = JSON.parse(lines[0]!);
      assert.equal(record.after, "kept");
      assert.equal(record.hostile.ok, 1);
      assert.match(record.hostile.boom, /Unserializable/);
      assert.match(record.badJson, /Unserializable/);
      assert.equal(JSON.parse(lines[1]!).msg, "42");
    }
  }
});

test("consoleLogger json keeps fields named like Object.prototype members or __proto__", () => {
  const fields = JSON.parse(
    '{"__proto__":{"x":1},"toString":"t","constructor":"c"}',
  );
  const [line] = printed(() =>
    consoleLogger({ format: "json" }).info("m", fields)
  );
  const record = JSON.parse(line!);
  assert.deepEqual(
    Object.getOwnPropertyDescriptor(record, "__proto__")?.value,
    {
      x: 1,
    },
  );
  assert.equal(record.toString, "t");
  assert.equal(record.constructor, "c");
});

test("consoleLogger refuses an unknown format naming it", () => {
  assert.throws(
    () => consoleLogger({ format: "xml" as LogFormat }),
    (err: unknown) =>
      err instanceof RangeError && /format/.test(err.message) &&
      /"xml"/.test(err.message),
  );
});
