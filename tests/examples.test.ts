// Runs the examples as separate processes on the runtime running this test: the worker shuts
// down gracefully on SIGTERM (and goes quiet on SIGTSTP), the pusher pushes, the demo finishes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import process from "node:process";
import { FaktoryServer } from "../testing/mod.ts";
import { until } from "./_manager_util.ts";
import { exitWithin, root, runtime, start } from "./_spawn.ts";

test(`examples/worker.ts on ${runtime}: runs jobs, goes quiet on SIGTSTP, stops cleanly on SIGTERM`, async () => {
  const server = await FaktoryServer.start({ fetchTimeout: 300 });
  const w = start("examples/worker.ts", { FAKTORY_URL: server.url });
  try {
    await until(
      () => w.output().includes("Worker started"),
      20_000,
      "worker start",
    );
    const pusher = start("examples/pusher.ts", { FAKTORY_URL: server.url });
    assert.equal(await pusher.exited, 0, pusher.output());
    assert.match(pusher.output(), /pushed jobs/);
    await until(
      () =>
        Object.values(server.queues()).every((n) => n === 0) &&
        server.busy().length === 0,
      20_000,
      "jobs done",
    );
    const [worker] = server.workers();
    assert.deepEqual(worker!.labels, ["example"]);
    process.kill(w.child.pid!, "SIGTSTP"); // (Deno's child.kill() ignores a second signal)
    await until(() => w.output().includes("Quiet"), 5000, "quiet");
    process.kill(w.child.pid!, "SIGTERM");
    assert.equal(await w.exited, 0, w.output());
    assert.match(w.output(), /Worker stopped/);
    assert.equal(server.busy().length, 0);
    await until(() => server.connections === 0, 3000, "connections closed");
  } finally {
    w.child.kill("SIGKILL");
    await server.stop();
  }
});

test(`examples/demo.ts (npm start) on ${runtime}: runs to completion and exits by itself`, async () => {
  const demo = start("examples/demo.ts", { FAKTORY_URL: "" });
  assert.equal(await demo.exited, 0, demo.output());
  const out = demo.output();
  assert.match(out, /Done in [\d.]+ s: \d+ succeeded/);
  assert.doesNotMatch(out, /\bWARN\b/, "the demo warns of nothing");
  // A progress line is printed only when it changes.
  const progress = out.split("\n").filter((l) =>
    /^ +\d+ succeeded, \d+ failed, \d+ running, \d+ queued$/.test(l)
  );
  assert.ok(progress.length >= 1, out);
  progress.forEach((line, i) =>
    assert.notEqual(line, progress[i - 1], `repeated progress line\n${out}`)
  );
});

test(`examples/demo.ts (npm start) on ${runtime}: SIGINT mid-run ends it within the shutdown timeout`, async () => {
  const demo = start("examples/demo.ts", { FAKTORY_URL: "" });
  try {
    await until(
      () => demo.output().includes("succeeded, "),
      20_000,
      "first progress line",
    );
    const signalled = Date.now();
    process.kill(demo.child.pid!, "SIGINT");
    assert.equal(await exitWithin(demo, 9000), 0, demo.output());
    assert.ok(Date.now() - signalled < 9000);
    assert.match(demo.output(), /Done in [\d.]+ s: \d+ succeeded/);
  } finally {
    demo.child.kill("SIGKILL");
  }
});

test(`examples/tracing_demo.ts on ${runtime} (Deno: with the permissions it states): prints one trace from the request through both jobs`, async () => {
  // On Deno, with the permissions its header comment states (the README gives the same
  // command), and no more.
  const command = /deno run (.*) examples\/tracing_demo\.ts/.exec(
    readFileSync(`${root}examples/tracing_demo.ts`, "utf8"),
  );
  assert.ok(command, "the demo's header gives its deno run command");
  assert.ok(readFileSync(`${root}README.md`, "utf8").includes(command[0]));
  const flags = command[1]!.split(" ").map((f) => f.replace(/^"(.*)"$/, "$1"));
  const demo = start("examples/tracing_demo.ts", {}, ["--no-prompt", ...flags]);
  try {
    assert.equal(await exitWithin(demo, 30_000), 0, demo.output());
    const lines = demo.output().trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^trace [0-9a-f]{32}$/);
    assert.deepEqual(lines.slice(1), [
      "  POST /signup",
      "    send default (producer) SignUp",
      "      process default (consumer) SignUp",
      "        send mail (producer) SendWelcome",
      "          process mail (consumer) SendWelcome",
    ]);
  } finally {
    demo.child.kill("SIGKILL");
  }
});
