// Runs the README's producer examples as written (only the package specifier is pointed at this
// checkout), in-process, against a replay server that checks the bytes they send.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ReplayServer, type ReplayStep } from "./_replay.ts";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const blocks = [...readme.matchAll(/```(ts|js)\n([\s\S]*?)```/g)].map((m) =>
  m[2]!
);
const producers = blocks.filter((b) =>
  b.includes("console.log(`pushed ${jid}`)")
);
const mod =
  pathToFileURL(fileURLToPath(new URL("../mod.ts", import.meta.url))).href;
const tmp = fileURLToPath(new URL("../.tmp/", import.meta.url));
const testingMod =
  pathToFileURL(fileURLToPath(new URL("../testing/mod.ts", import.meta.url)))
    .href;
const selfContained = blocks.filter((b) =>
  b.includes('"@x/faktory-worker/testing"')
);

test("README has a producer example for Deno, Bun and Node", () => {
  assert.equal(producers.length, 3);
  assert.ok(producers[0]!.includes('"jsr:@x/faktory-worker"'));
  assert.ok(producers[1]!.includes('"@x/faktory-worker"'));
});

producers.forEach((code, i) => {
  test(`README producer example ${i + 1} runs as written and pushes the job`, async () => {
    const script: ReplayStep[] = [
      { send: '+HI {"v":2}\r\n' },
      {
        expect: /^HELLO \{"hostname":".*","pid":\d+,"labels":\[\],"v":2\}\r\n$/,
      },
      { send: "+OK\r\n" },
      {
        expect:
          /^PUSH \{"jid":"[0-9a-f]{24}","jobtype":"SendEmail","args":\["alice@example\.com"\],"queue":"mail","retry":5\}\r\n$/,
      },
      { send: "+OK\r\n" },
      { expect: "END\r\n" },
    ];
    const server = await ReplayServer.start([script]);
    const saved = process.env.FAKTORY_URL;
    process.env.FAKTORY_URL = server.url;
    mkdirSync(tmp, { recursive: true });
    const file = `${tmp}readme-producer-${i}-${process.pid}.ts`;
    writeFileSync(
      file,
      code.replace(/"(jsr:)?@x\/faktory-worker"/g, JSON.stringify(mod)),
    );
    const logged: unknown[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void logged.push(args.join(" "));
    try {
      await import(pathToFileURL(file).href);
    } finally {
      console.log = log;
      if (saved === undefined) delete process.env.FAKTORY_URL;
      else process.env.FAKTORY_URL = saved;
      rmSync(file, { force: true });
    }
    await server.finished();
    assert.deepEqual(server.errors, []);
    assert.match(String(logged[0]), /^pushed [0-9a-f]{24}$/);
    await server.close();
  });
});

/** What the examples that contain a marker print, call by call. */
const PRINTS: [marker: string, calls: (unknown[] | RegExp)[]][] = [
  ['console.log("already queued")', [["already queued"]]],
  ["console.log(seen.sort())", [[["1:acme", "2:acme", "42:acme"]]]],
  ["console.log(status.total, status.pending, status.success_st)", [
    /^upload 42 imported, batch b-[\w-]{14}$/,
    [8, 0, "2"],
  ]],
];

test("README has examples that bring their own server", () => {
  assert.ok(selfContained.length >= 1);
});

selfContained.forEach((code, i) => {
  test(`README example ${i + 1} that brings its own server runs as written`, async () => {
    mkdirSync(tmp, { recursive: true });
    const file = `${tmp}readme-self-${i}-${process.pid}.ts`;
    writeFileSync(
      file,
      code.replace(/"@x\/faktory-worker\/testing"/g, JSON.stringify(testingMod))
        .replace(/"(jsr:)?@x\/faktory-worker"/g, JSON.stringify(mod)),
    );
    const logged: unknown[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void logged.push(args);
    try {
      await import(pathToFileURL(file).href);
    } finally {
      console.log = log;
      rmSync(file, { force: true });
    }
    assert.ok(logged.length > 0, `example ${i + 1} printed nothing`);
    // Where the README says what an example prints, it must print that.
    // (The Manager's own log lines go to the console too; they are not the example's.)
    const printed = (logged as unknown[][]).filter((args) =>
      !String(args[0]).startsWith("[faktory] ")
    );
    for (const [marker, expected] of PRINTS) {
      if (!code.includes(marker)) continue;
      // The comment after the call shows what it prints, as the console shows it.
      const comment = code.split(marker)[1]?.match(/^;? *\/\/ (.*)$/m)?.[1];
      const last = expected.at(-1);
      if (
        comment !== undefined && comment !== "printed" && Array.isArray(last)
      ) {
        const shown = last.map((a) =>
          typeof a === "string" ? a : JSON.stringify(a)
        ).join(" ");
        assert.equal(
          comment.replace(/,\s+/g, ","),
          shown,
          `comment of ${marker}`,
        );
      }
      assert.equal(printed.length, expected.length, JSON.stringify(printed));
      expected.forEach((want, n) => {
        if (want instanceof RegExp) assert.match(String(printed[n]?.[0]), want);
        else assert.deepEqual(printed[n], want);
      });
    }
  });
});
