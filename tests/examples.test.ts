// Runs the examples as separate processes on the runtime running this test: the worker shuts
// down gracefully on SIGTERM (and goes quiet on SIGTSTP), the pusher pushes, the demo finishes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { detectRuntime } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { until } from "./_manager_util.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const runtime = detectRuntime();

function start(
  file: string,
  env: Record<string, string>,
): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const pre = runtime === "node"
    ? ["--import", "tsx"]
    : runtime === "deno"
    ? ["run", "-A"]
    : [];
  const child = spawn(process.execPath, [...pre, file], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) =>
    child.once("exit", (code) => r(code))
  );
  return { child, output: () => out, exited };
}

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
  assert.match(demo.output(), /Done in [\d.]+ s: \d+ succeeded/);
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
    const code = await Promise.race([
      demo.exited,
      new Promise<string>((r) => setTimeout(() => r("still running"), 9000)),
    ]);
    assert.equal(code, 0, demo.output());
    assert.ok(Date.now() - signalled < 9000);
    assert.match(demo.output(), /Done in [\d.]+ s: \d+ succeeded/);
  } finally {
    demo.child.kill("SIGKILL");
  }
});
