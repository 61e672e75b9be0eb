// A user's logger that throws (or rejects) never changes what happens to a
// job or to the Manager's lifecycle: its failures are reported once on
// standard error and otherwise ignored.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import type { Logger } from "../mod.ts";
import { rig, until } from "./_manager_util.ts";

type Level = keyof Logger;

/** A logger whose `throwing` methods throw (the rest record the message). */
function throwingLogger(
  throwing: readonly Level[],
): Logger & { calls: string[] } {
  const calls: string[] = [];
  const method = (level: Level) => (message: string) => {
    calls.push(`${level} ${message}`);
    if (throwing.includes(level)) throw new Error(`${level} is broken`);
  };
  return {
    calls,
    debug: method("debug"),
    info: method("info"),
    warn: method("warn"),
    error: method("error"),
  };
}

/**
 * Runs `fn` while recording unhandled rejections and what is printed on
 * standard error; asserts no rejection went unhandled.
 */
async function contained(
  fn: (stderr: string[]) => Promise<void>,
): Promise<void> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  const stderr: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void stderr.push(args.join(" "));
  try {
    await fn(stderr);
    await new Promise((r) => setTimeout(r, 20)); // let stray rejections surface
  } finally {
    console.error = original;
    process.off("unhandledRejection", onUnhandled);
  }
  assert.deepEqual(unhandled, [], "no unhandled rejection");
}

test("Manager with a logger whose warn() throws FAILs the failing job and keeps running", async () => {
  await contained(async (stderr) => {
    const logger = throwingLogger(["warn"]);
    const r = await rig({ logger });
    try {
      r.manager.register("Boom", () => {
        throw new Error("job failed");
      });
      r.manager.register("Fine", () => {});
      const running = r.manager.run();
      await r.client.push("Boom", []);
      await r.client.push("Boom", []);
      await until(() => r.server.commands("FAIL") >= 2, 3000, "two FAILs");
      await r.client.push("Fine", []);
      await until(() => r.server.commands("ACK") === 1, 3000, "the ACK");
      assert.equal(r.manager.state, "running");
      assert.equal(r.manager.busy, 0);
      assert.ok(logger.calls.includes("warn Job failed"));
      assert.equal(stderr.length, 1, stderr.join("\n"));
      assert.match(stderr[0]!, /logger/);
      assert.match(stderr[0]!, /warn is broken/);
      await r.manager.stop();
      await running;
    } finally {
      await r.close();
    }
  });
});

test("Manager with a logger whose info() throws at start runs, and stops cleanly", async () => {
  await contained(async () => {
    const r = await rig({ logger: throwingLogger(["info"]) });
    try {
      r.manager.register("Fine", () => {});
      let settled = false;
      const running = r.manager.run().finally(() => settled = true);
      await r.client.push("Fine", []);
      await until(() => r.server.commands("ACK") === 1, 3000, "the ACK");
      assert.equal(settled, false, "run() is still running");
      assert.equal(r.manager.state, "running");
      await r.manager.stop();
      await running;
      assert.equal(r.manager.state, "stopped");
      assert.equal(r.manager.sockets, 0);
    } finally {
      await r.close();
    }
  });
});

test("Manager.stop() resolves with a logger that always throws; logging never decides a job's outcome", async () => {
  await contained(async (stderr) => {
    const logger = throwingLogger(["debug", "info", "warn", "error"]);
    const r = await rig({ logger });
    try {
      r.manager.register("Logs", (ctx) => {
        ctx.logger.info("from the job");
        ctx.logger.error("and again");
      });
      r.manager.register("Boom", () => {
        throw new Error("job failed");
      });
      const running = r.manager.run();
      await r.client.push("Logs", []);
      await r.client.push("Boom", []);
      await until(() => r.server.commands("ACK") === 1, 3000, "the ACK");
      await until(() => r.server.commands("FAIL") === 1, 3000, "the FAIL");
      await r.manager.stop();
      await running;
      assert.equal(r.manager.state, "stopped");
      assert.ok(logger.calls.includes("info from the job"));
      assert.ok(logger.calls.includes("info Worker stopped"));
      assert.equal(stderr.length, 1, "reported once");
    } finally {
      await r.close();
    }
  });
});

test("Manager with a logger whose methods return rejected promises leaves no unhandled rejection", async () => {
  await contained(async (stderr) => {
    const reject = () => Promise.reject(new Error("async logger failed"));
    const r = await rig({
      logger: { debug: reject, info: reject, warn: reject, error: reject },
    });
    try {
      r.manager.register("Boom", () => {
        throw new Error("job failed");
      });
      const running = r.manager.run();
      await r.client.push("Boom", []);
      await until(() => r.server.commands("FAIL") === 1, 3000, "the FAIL");
      await r.manager.stop();
      await running;
      assert.equal(stderr.length, 1, "reported once");
      assert.match(stderr[0]!, /async logger failed/);
    } finally {
      await r.close();
    }
  });
});
