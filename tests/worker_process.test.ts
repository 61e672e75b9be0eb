// The README's worker, run as a real process on the runtime running this test: its log lines
// (one per event, text or JSON, FAKTORY_LOG_LEVEL), and how it exits after SIGTERM/SIGINT even
// when a handler ignores its signal and keeps a timer running.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { Client, createJob } from "../mod.ts";
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

const readmeWorker = readmeBlocks().find((b) =>
  b.includes("await mgr.run();") && b.includes("process.exit(0);")
)!;

/** The README's worker with other options and one more handler. */
function worker(name: string, options: string, extra = ""): string {
  assert.ok(readmeWorker, "README has the worker example");
  const manager = "new Manager({ concurrency: 20 })";
  assert.ok(readmeWorker.includes(manager));
  return writeScript(
    name,
    readmeWorker.replace(
      manager,
      `new Manager({ concurrency: 20, ${options} })`,
    )
      .replace(
        "mgr.processStrictPriorityQueues",
        `${extra}\nmgr.processStrictPriorityQueues`,
      ),
  );
}

// A handler that ignores ctx.signal and keeps a timer running for a minute.
const STUBBORN = `mgr.register("Stubborn", async () => {
  console.log("stubborn running");
  await new Promise((resolve) => setTimeout(resolve, 60_000));
});`;

async function withServer(
  fn: (server: FaktoryServer, client: Client) => Promise<void>,
): Promise<void> {
  const server = await FaktoryServer.start({ fetchTimeout: 300 });
  const client = await Client.connect(server.url);
  try {
    await fn(server, client);
  } finally {
    await client.close();
    await server.stop();
  }
}

test(`README worker on ${runtime}: one log line per event, key=value fields, a warn line per failed job`, async () => {
  await withServer(async (server, client) => {
    const file = worker("log-text", "shutdownTimeout: 1000");
    const ok = createJob("SomeJob", [1, "two words"]);
    const missing = createJob("Missing", []);
    await client.pushBulk([ok, missing]);
    const w = start(file, { FAKTORY_URL: server.url });
    try {
      await until(
        () => w.output().includes("Job failed"),
        20_000,
        "job failed line",
      );
      await until(() => w.output().includes(`working on ${ok.jid}`), 5000);
      process.kill(w.child.pid!, "SIGTERM");
      assert.equal(await exitWithin(w, 5000), 0, w.output());
      const out = w.output();
      assert.match(
        out,
        /^\[faktory\] INFO Worker started wid=[0-9a-f]+ concurrency=20 server=tcp:\/\/127\.0\.0\.1:\d+$/m,
      );
      assert.match(
        out,
        new RegExp(
          `^\\[faktory\\] INFO working on ${ok.jid} args=\\[1,"two words"\\]$`,
          "m",
        ),
      );
      assert.ok(
        out.split("\n").includes(
          `[faktory] WARN Job failed jobtype=Missing jid=${missing.jid} errtype=UnknownJobTypeError message="No handler is registered for job type \\"Missing\\"" retryCount=0`,
        ),
        out,
      );
      // Every line is a log line: nothing spread over several lines.
      for (const line of out.trim().split("\n")) {
        assert.match(line, /^\[faktory\] (DEBUG|INFO|WARN|ERROR) \S/, line);
      }
    } finally {
      w.child.kill("SIGKILL");
      rmSync(file, { force: true });
    }
  });
});

test(`README worker on ${runtime}: logFormat "json" prints JSON lines; FAKTORY_LOG_LEVEL sets the level`, async () => {
  await withServer(async (server, client) => {
    const file = worker("log-json", 'logFormat: "json"');
    const missing = createJob("Missing", []);
    await client.push(missing);
    const w = start(file, {
      FAKTORY_URL: server.url,
      FAKTORY_LOG_LEVEL: "warn",
    });
    try {
      await until(
        () => w.output().includes("Job failed"),
        20_000,
        "job failed line",
      );
      process.kill(w.child.pid!, "SIGTERM");
      assert.equal(await exitWithin(w, 5000), 0, w.output());
      const records = w.output().trim().split("\n").map((line) =>
        JSON.parse(line)
      );
      assert.ok(
        records.every((r) => r.level === "warn" || r.level === "error"),
      );
      const failed = records.find((r) => r.msg === "Job failed");
      assert.equal(failed.jid, missing.jid);
      assert.equal(failed.jobtype, "Missing");
      assert.equal(failed.errtype, "UnknownJobTypeError");
      assert.equal(failed.retryCount, 0);
      assert.ok(!Number.isNaN(Date.parse(failed.time)));
    } finally {
      w.child.kill("SIGKILL");
      rmSync(file, { force: true });
    }
  });
});

test(`README worker on ${runtime}: exits within shutdownTimeout + 2 s after SIGTERM though a handler ignores its signal`, async () => {
  await withServer(async (server, client) => {
    const file = worker("exit-term", "shutdownTimeout: 1000", STUBBORN);
    const job = createJob("Stubborn", []);
    await client.push(job);
    const w = start(file, { FAKTORY_URL: server.url });
    try {
      await until(
        () => w.output().includes("stubborn running"),
        20_000,
        "job start",
      );
      const signalled = Date.now();
      process.kill(w.child.pid!, "SIGTERM");
      assert.equal(await exitWithin(w, 3000), 0, w.output());
      assert.ok(Date.now() - signalled < 3000);
      assert.match(
        w.output(),
        new RegExp(`ignored their abort signal.*jids=\\["${job.jid}"\\]`),
      );
      assert.equal(server.retries()[0]?.jid, job.jid, "FAILed for a retry");
      assert.equal(server.busy().length, 0);
    } finally {
      w.child.kill("SIGKILL");
      rmSync(file, { force: true });
    }
  });
});

test(`README worker on ${runtime}: a second SIGINT skips the rest of the shutdown timeout`, async () => {
  await withServer(async (server, client) => {
    const file = worker("exit-int", "shutdownTimeout: 30_000", STUBBORN);
    const job = createJob("Stubborn", []);
    await client.push(job);
    const w = start(file, { FAKTORY_URL: server.url });
    try {
      await until(
        () => w.output().includes("stubborn running"),
        20_000,
        "job start",
      );
      process.kill(w.child.pid!, "SIGINT");
      await until(() => w.output().includes("Shutting down"), 5000, "shutdown");
      const signalled = Date.now();
      process.kill(w.child.pid!, "SIGINT");
      assert.equal(await exitWithin(w, 2000), 0, w.output());
      assert.ok(Date.now() - signalled < 2000);
      assert.match(w.output(), /Second signal/);
      const [retry] = server.retries();
      assert.equal(retry?.jid, job.jid, "FAILed for a retry");
      assert.equal(server.busy().length, 0);
    } finally {
      w.child.kill("SIGKILL");
      rmSync(file, { force: true });
    }
  });
});

test(`README worker on ${runtime}: SIGTSTP makes it quiet (no more fetching, beats say quiet), SIGTERM then stops it`, async () => {
  await withServer(async (server, client) => {
    const file = worker(
      "quiet-tstp",
      "shutdownTimeout: 1000, heartbeatInterval: 100",
    );
    const w = start(file, { FAKTORY_URL: server.url });
    try {
      await until(
        () => w.output().includes("Worker started"),
        20_000,
        "worker start",
      );
      process.kill(w.child.pid!, "SIGTSTP");
      await until(
        () => w.output().includes("Quiet: no new jobs will be fetched"),
        5000,
        "quiet line",
      );
      assert.match(
        w.output(),
        /Quiet: no new jobs will be fetched reason=signal/,
      );
      await until(
        () => server.workers()[0]?.currentState === "quiet",
        5000,
        "quiet heartbeat",
      );
      // A FETCH already blocking on the server ends within fetchTimeout (300 ms).
      await new Promise((res) => setTimeout(res, 500));
      const job = createJob("SomeJob", [1]);
      await client.push(job);
      await new Promise((res) => setTimeout(res, 700));
      assert.equal(
        server.queue("default").length,
        1,
        "not fetched while quiet",
      );
      assert.ok(!w.output().includes(`working on ${job.jid}`));
      process.kill(w.child.pid!, "SIGTERM");
      assert.equal(await exitWithin(w, 5000), 0, w.output());
    } finally {
      w.child.kill("SIGKILL");
      rmSync(file, { force: true });
    }
  });
});

test(`README complete producer on ${runtime}: pushes the typed job from jobs.ts`, async () => {
  await withServer(async (server) => {
    const named = new Map(
      readmeBlocks().flatMap((b) => {
        const name = /^\/\/ ([\w-]+\.ts)\b/.exec(b)?.[1];
        return name ? [[name, b] as const] : [];
      }),
    );
    assert.ok(named.has("jobs.ts") && named.has("producer.ts"));
    const dir = `${root}.tmp/complete-${runtime}-${process.pid}/`;
    mkdirSync(dir, { recursive: true });
    const mod = JSON.stringify(pathToFileURL(`${root}mod.ts`).href);
    for (const [name, code] of named) {
      writeFileSync(
        `${dir}${name}`,
        code.replace(/"(jsr:)?@x\/faktory-worker"/g, mod),
      );
    }
    try {
      const p = start(`${dir}producer.ts`, { FAKTORY_URL: server.url });
      assert.equal(await exitWithin(p, 20_000), 0, p.output());
      assert.match(p.output(), /^pushed SendWelcome [0-9a-f]{24}$/m);
      const [job] = server.queue("mail");
      assert.equal(job?.jobtype, "SendWelcome");
      assert.deepEqual(job?.args, [{ to: "ada@example.com", name: "Ada" }]);
      assert.equal(job?.retry, 5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
