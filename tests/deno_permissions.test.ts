// Deno without a permission says which flag is missing instead of doing something else: the
// README's producer and worker run as processes with too few permissions.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { readFileSync, rmSync } from "node:fs";
import { FaktoryServer } from "../testing/mod.ts";
import { until } from "./_manager_util.ts";
import {
  exitWithin,
  readmeBlocks,
  root,
  runtime,
  start,
  writeScript,
} from "./_spawn.ts";

const skip = runtime !== "deno" && "Deno permissions concern Deno only";
const blocks = readmeBlocks();
const producer = blocks.find((b) =>
  b.includes('"jsr:@x/faktory-worker"') && b.includes("pushed ${jid}")
)!;
const worker = blocks.find((b) =>
  b.includes("await mgr.run();") && b.includes("process.exit(0);")
)!;

test(
  "Deno without --allow-env: the README producer fails naming --allow-env=FAKTORY_URL,FAKTORY_PROVIDER instead of using localhost",
  {
    skip,
  },
  async () => {
    const server = await FaktoryServer.start();
    const file = writeScript("perm-env", producer);
    try {
      const p = start(file, { FAKTORY_URL: server.url }, [
        "--allow-net",
        "--no-prompt",
      ]);
      assert.notEqual(await exitWithin(p, 20_000), 0, p.output());
      assert.match(
        p.output(),
        /LocalProtocolError: Deno denied reading the environment variable FAKTORY_PROVIDER: run with --allow-env=FAKTORY_URL,FAKTORY_PROVIDER/,
      );
      assert.equal(server.queue("mail").length, 0);
    } finally {
      rmSync(file, { force: true });
      await server.stop();
    }
  },
);

test(
  "Deno with exactly the README's producer flags (its host:port narrowed to the test server's) runs the README producer",
  {
    skip,
  },
  async () => {
    const readme = readFileSync(`${root}README.md`, "utf8");
    const command = /`deno run (--allow-net=localhost:7419 [^`]*) producer\.ts`/
      .exec(readme);
    assert.ok(command, "the README gives the producer's deno run command");
    const server = await FaktoryServer.start();
    const file = writeScript("perm-producer", producer);
    try {
      const flags = command[1]!.split(" ").map((flag) =>
        flag.startsWith("--allow-net=")
          ? `--allow-net=127.0.0.1:${server.port}`
          : flag
      );
      const p = start(file, { FAKTORY_URL: server.url }, [
        ...flags,
        "--no-prompt",
      ]);
      assert.equal(await exitWithin(p, 20_000), 0, p.output());
      assert.match(p.output(), /^pushed [0-9a-f]{24}$/m);
      assert.doesNotMatch(p.output(), /WARN|ERROR/);
      assert.equal(server.queue("mail").length, 1);
    } finally {
      rmSync(file, { force: true });
      await server.stop();
    }
  },
);

test(
  "Deno without --allow-net: the README worker's run() fails at once, naming the flag",
  {
    skip,
  },
  async () => {
    const server = await FaktoryServer.start();
    const file = writeScript("perm-net", worker);
    try {
      const w = start(file, { FAKTORY_URL: server.url }, [
        "--allow-env",
        "--allow-sys",
        "--no-prompt",
      ]);
      assert.notEqual(await exitWithin(w, 20_000), 0, w.output());
      assert.match(w.output(), /ConnectError.*--allow-net/);
      assert.doesNotMatch(w.output(), /reconnecting/);
    } finally {
      rmSync(file, { force: true });
      await server.stop();
    }
  },
);

test(
  "Deno without --allow-sys: the README worker says once that it reports the host name localhost",
  {
    skip,
  },
  async () => {
    const server = await FaktoryServer.start({ fetchTimeout: 200 });
    const file = writeScript("perm-sys", worker);
    try {
      const w = start(file, { FAKTORY_URL: server.url }, [
        "--allow-net=127.0.0.1",
        "--allow-env=FAKTORY_URL,FAKTORY_PROVIDER,FAKTORY_LOG_LEVEL",
        "--no-prompt",
      ]);
      await until(
        () => w.output().includes("Worker started"),
        20_000,
        w.output(),
      );
      await new Promise((r) => setTimeout(r, 300));
      process.kill(w.child.pid!, "SIGTERM");
      assert.equal(await exitWithin(w, 5000), 0, w.output());
      const notes = w.output().split("\n").filter((l) =>
        l.includes("--allow-sys=hostname")
      );
      assert.equal(notes.length, 1, w.output());
      assert.match(notes[0]!, /^\[faktory\] WARN .*"localhost"/);
      assert.equal(server.workers()[0]?.hostname ?? "localhost", "localhost");
    } finally {
      rmSync(file, { force: true });
      await server.stop();
    }
  },
);

test(
  "Deno with the README's narrowest flags runs the worker without a warning",
  {
    skip,
  },
  async () => {
    const server = await FaktoryServer.start({ fetchTimeout: 200 });
    const file = writeScript("perm-narrow", worker);
    try {
      const w = start(file, { FAKTORY_URL: server.url }, [
        "--allow-net=127.0.0.1",
        "--allow-env=FAKTORY_URL,FAKTORY_PROVIDER,FAKTORY_LOG_LEVEL",
        "--allow-sys=hostname",
        "--no-prompt",
      ]);
      await until(
        () => w.output().includes("Worker started"),
        20_000,
        w.output(),
      );
      process.kill(w.child.pid!, "SIGTERM");
      assert.equal(await exitWithin(w, 5000), 0, w.output());
      assert.doesNotMatch(w.output(), /WARN|ERROR/);
    } finally {
      rmSync(file, { force: true });
      await server.stop();
    }
  },
);

test(
  "Deno without --allow-env=FAKTORY_LOG_LEVEL: the README worker says once that it logs at info",
  {
    skip,
  },
  async () => {
    const server = await FaktoryServer.start({ fetchTimeout: 200 });
    const file = writeScript("perm-loglevel", worker);
    try {
      const w = start(file, {
        FAKTORY_URL: server.url,
        FAKTORY_LOG_LEVEL: "debug",
      }, [
        "--allow-net=127.0.0.1",
        "--allow-env=FAKTORY_URL,FAKTORY_PROVIDER",
        "--allow-sys=hostname",
        "--no-prompt",
      ]);
      await until(
        () => w.output().includes("Worker started"),
        20_000,
        w.output(),
      );
      process.kill(w.child.pid!, "SIGTERM");
      assert.equal(await exitWithin(w, 5000), 0, w.output());
      const notes = w.output().split("\n").filter((l) =>
        l.includes("FAKTORY_LOG_LEVEL")
      );
      assert.equal(notes.length, 1, w.output());
      assert.match(
        notes[0]!,
        /^\[faktory\] WARN .*--allow-env=FAKTORY_LOG_LEVEL.*logging at info/,
      );
      assert.doesNotMatch(w.output(), /DEBUG/);
    } finally {
      rmSync(file, { force: true });
      await server.stop();
    }
  },
);

test(
  "Deno without --allow-env: new Manager() and new Pool() leave FAKTORY_URL for run() to report; with it they refuse tcp://",
  {
    skip,
  },
  async () => {
    const file = writeScript(
      "perm-construct",
      [
        'import { Manager, Pool } from "@x/faktory-worker";',
        "new Pool();",
        "new Manager({ handleSignals: false });",
        'console.log("constructed");',
      ].join("\n"),
    );
    try {
      // A permission flag is needed: a bare `deno run` spawned from Deno gets them all.
      const denied = start(file, { FAKTORY_URL: "tcp://" }, [
        "--allow-net=127.0.0.1",
        "--no-prompt",
      ]);
      assert.equal(await exitWithin(denied, 20_000), 0, denied.output());
      assert.match(denied.output(), /constructed/);
      const allowed = start(file, { FAKTORY_URL: "tcp://" }, [
        "--allow-env=FAKTORY_URL,FAKTORY_PROVIDER",
        "--no-prompt",
      ]);
      assert.notEqual(await exitWithin(allowed, 20_000), 0, allowed.output());
      assert.match(
        allowed.output(),
        /LocalProtocolError: FAKTORY_URL must name a host, as in tcp:\/\/localhost:7419, got "tcp:\/\/"/,
      );
    } finally {
      rmSync(file, { force: true });
    }
  },
);
