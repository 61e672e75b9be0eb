// `processes: 2` as real processes on the runtime running this test: a worker script starts a
// supervisor, which starts two children of the same script; the embedded server runs here, in
// the test process, and sees both children.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { Client, createJob } from "../mod.ts";
import { defaultPlatform } from "../adapters/runtime.ts";
import { FaktoryServer, type FaktoryServerOptions } from "../testing/mod.ts";
import { until } from "./_manager_util.ts";
import {
  type Child,
  exitWithin,
  readmeBlocks,
  root,
  runtime,
  start,
  writeScript,
} from "./_spawn.ts";

/** A worker script: `options` go into `new Manager`, `before` runs first. */
function script(name: string, options: string, before = ""): string {
  return writeScript(
    name,
    `import process from "node:process";
import { Manager } from "@x/faktory-worker";
${before}
const mgr = new Manager({ concurrency: 2, heartbeatInterval: 1000, ${options} });
mgr.register("Work", async (ctx, ms) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  console.log(\`ran \${ctx.jid} pid=\${process.pid}\`);
});
mgr.register("HangOnce", async (ctx) => {
  if (ctx.retryCount === 0) {
    console.log(\`hang \${ctx.jid} pid=\${process.pid}\`);
    await new Promise((resolve) => setTimeout(resolve, 60_000));
  }
  console.log(\`ran \${ctx.jid} pid=\${process.pid}\`);
});
mgr.register("Stubborn", async () => {
  console.log(\`stubborn running pid=\${process.pid}\`);
  await new Promise((resolve) => setTimeout(resolve, 60_000));
});
await mgr.run();
process.exit(0);
`,
  );
}

const SUPERVISED =
  "processes: 2, shutdownTimeout: 2000, restart: { initial: 100, max: 400 }";

async function withServer(
  options: FaktoryServerOptions,
  fn: (server: FaktoryServer, client: Client) => Promise<void>,
): Promise<void> {
  const server = await FaktoryServer.start({ fetchTimeout: 300, ...options });
  const client = await Client.connect(server.url);
  try {
    await fn(server, client);
  } finally {
    await client.close();
    await server.stop();
  }
}

/** Waits for both children's HELLO; returns their pids by slot. */
async function twoWorkers(server: FaktoryServer, w: Child): Promise<number[]> {
  await until(
    () => server.workers().filter((x) => x.connections > 0).length === 2,
    30_000,
    `two workers:\n${w.output()}`,
  );
  return [0, 1].map((i) =>
    server.workers().find((x) =>
      x.connections > 0 && x.labels.includes(`process-${i}`)
    )!.pid
  );
}

/** Pid of every job that ran, by jid, from the lines the handlers print. */
function ranBy(output: string): Map<string, number> {
  return new Map(
    [...output.matchAll(/^ran (\w+) pid=(\d+)$/gm)].map((m) => [
      m[1]!,
      Number(m[2]),
    ]),
  );
}

test(`processes: 2 on ${runtime}: two children say HELLO as process-0 and process-1, and both run jobs`, async () => {
  await withServer({}, async (server, client) => {
    const file = script("procs-two", SUPERVISED);
    const w = start(file, { FAKTORY_URL: server.url });
    try {
      const pids = await twoWorkers(server, w);
      const workers = server.workers();
      assert.equal(workers.length, 2);
      assert.equal(new Set(workers.map((x) => x.wid)).size, 2);
      assert.deepEqual(
        workers.map((x) => x.labels.at(-1)).sort(),
        ["process-0", "process-1"],
      );
      assert.equal(new Set([...pids, w.child.pid]).size, 3, "own processes");
      const jobs = Array.from({ length: 8 }, () => createJob("Work", [150]));
      await client.pushBulk(jobs);
      await until(() => ranBy(w.output()).size === 8, 20_000, w.output());
      assert.deepEqual(
        new Set(ranBy(w.output()).values()),
        new Set(pids),
        "jobs ran in both children",
      );
      process.kill(w.child.pid!, "SIGTERM");
      assert.equal(await exitWithin(w, 10_000), 0, w.output());
      assert.match(w.output(), /Supervisor stopped/);
      assert.equal(server.busy().length, 0);
    } finally {
      w.child.kill("SIGKILL");
      rmSync(file, { force: true });
    }
  });
});

test(`processes: 2 on ${runtime}: a child killed with SIGKILL is started again in its slot, and its job comes back after the reservation`, async () => {
  let now = Date.now();
  await withServer({
    now: () => now,
    taskInterval: 0,
    heartbeatTimeout: 3_600_000,
  }, async (server, client) => {
    const file = script("procs-kill", SUPERVISED);
    const w = start(file, { FAKTORY_URL: server.url });
    try {
      await twoWorkers(server, w);
      const job = createJob("HangOnce", [], { reserveFor: 60 });
      await client.push(job);
      const hang = new RegExp(`^hang ${job.jid} pid=(\\d+)$`, "m");
      await until(() => hang.test(w.output()), 20_000, w.output());
      const victim = Number(hang.exec(w.output())![1]);
      const old = server.workers().find((x) => x.pid === victim)!;
      const slot = old.labels.at(-1)!;
      process.kill(victim, "SIGKILL");
      await until(
        () =>
          server.workers().some((x) =>
            x.labels.at(-1) === slot && x.pid !== victim && x.connections > 0
          ),
        30_000,
        `restart of ${slot}:\n${w.output()}`,
      );
      const fresh = server.workers().find((x) =>
        x.labels.at(-1) === slot && x.pid !== victim
      )!;
      assert.notEqual(fresh.wid, old.wid, "a new wid");
      assert.match(
        w.output(),
        new RegExp(
          `Process exited unexpectedly; starting it again process=${
            slot.slice(-1)
          } pid=${victim} code=null signal=SIGKILL failures=1 inMs=100`,
        ),
      );
      assert.equal(server.busy()[0]?.job.jid, job.jid, "still reserved");
      now += 61_000; // past reserve_for: FAILed as ReservationExpired
      server.runTasks();
      assert.equal(server.retries()[0]?.jid, job.jid);
      now += 60_000; // past the first retry's delay (at most 45 s)
      server.runTasks();
      await until(() => ranBy(w.output()).has(job.jid), 20_000, w.output());
      assert.notEqual(ranBy(w.output()).get(job.jid), victim);
      process.kill(w.child.pid!, "SIGTERM");
      assert.equal(await exitWithin(w, 10_000), 0, w.output());
      assert.equal(server.busy().length, 0);
    } finally {
      w.child.kill("SIGKILL");
      rmSync(file, { force: true });
    }
  });
});

test(`processes: 2 on ${runtime}: SIGTERM to the supervisor loses no ACK, and it exits 0`, async () => {
  await withServer({}, async (server, client) => {
    const file = script("procs-term", SUPERVISED);
    const w = start(file, { FAKTORY_URL: server.url });
    try {
      await twoWorkers(server, w);
      const jobs = Array.from({ length: 200 }, () => createJob("Work", [10]));
      await client.pushBulk(jobs);
      await until(() => ranBy(w.output()).size >= 20, 20_000, w.output());
      process.kill(w.child.pid!, "SIGTERM");
      assert.equal(await exitWithin(w, 10_000), 0, w.output());
      const ran = ranBy(w.output());
      const info = await client.info();
      assert.equal(server.busy().length, 0, "nothing left reserved");
      assert.equal(server.retries().length, 0, "nothing FAILed");
      assert.equal(info.faktory.total_processed, ran.size, "every run ACKed");
      assert.equal(ran.size + server.queue("default").length, jobs.length);
      assert.ok(ran.size < jobs.length, "stopped before the end");
      assert.equal(
        w.output().match(/Process exited process=\d pid=\d+ code=0/g)?.length,
        2,
        w.output(),
      );
    } finally {
      w.child.kill("SIGKILL");
      rmSync(file, { force: true });
    }
  });
});

test(`processes: 2 on ${runtime}: SIGTSTP to the supervisor makes both children quiet: no FETCH after it, the running job finishes and is ACKed; SIGTERM then exits 0`, async () => {
  await withServer({}, async (server, client) => {
    const file = script("procs-quiet", SUPERVISED);
    const w = start(file, { FAKTORY_URL: server.url });
    try {
      await twoWorkers(server, w);
      const running = createJob("Work", [1500]);
      await client.push(running);
      await until(() => server.busy().length === 1, 10_000, w.output());

      process.kill(w.child.pid!, "SIGTSTP");
      await until(
        () =>
          w.output().match(/Quiet: no new jobs will be fetched/g)?.length === 2,
        10_000,
        w.output(),
      );
      // A FETCH already waiting on the server may still bring one job; the server answers it
      // within its fetch timeout (300 ms). After that, no child fetches.
      await new Promise((r) => setTimeout(r, 400));
      const fetches = server.commands("FETCH");
      const later = createJob("Work", [0]);
      await client.push(later);

      await until(() => ranBy(w.output()).has(running.jid), 10_000, w.output());
      await until(() => server.busy().length === 0, 5000, w.output());
      assert.equal((await client.info()).faktory.total_processed, 1, "ACKed");
      assert.deepEqual(server.retries(), [], "nothing FAILed");
      assert.match(w.output(), /Quiet: the processes fetch no new jobs/);

      process.kill(w.child.pid!, "SIGTERM");
      assert.equal(await exitWithin(w, 10_000), 0, w.output());
      assert.equal(server.commands("FETCH"), fetches, "no FETCH once quiet");
      assert.deepEqual(server.queue("default").map((j) => j.jid), [later.jid]);
      assert.deepEqual(server.busy(), []);
      assert.equal(
        w.output().match(/Process exited process=\d pid=\d+ code=0/g)?.length,
        2,
        w.output(),
      );
    } finally {
      w.child.kill("SIGKILL");
      rmSync(file, { force: true });
    }
  });
});

test(`processes: "auto" on ${runtime}: one child per core the runtime reports`, async () => {
  const cores = (await defaultPlatform()).cores();
  const expected = Math.max(1, Math.min(256, cores || 1));
  // Each child exits 0 at once (not started again): no server, no connection.
  const file = writeScript(
    "procs-auto",
    `import process from "node:process";
import { Manager } from "@x/faktory-worker";
if (Manager.isChild) {
  console.log(\`child \${Manager.processIndex} pid=\${process.pid}\`);
  process.exit(0);
}
const mgr = new Manager({ processes: "auto" });
await mgr.run();
process.exit(0);
`,
  );
  const w = start(file, {});
  try {
    assert.equal(await exitWithin(w, 30_000), 0, w.output());
    const out = w.output();
    assert.match(out, new RegExp(`Supervisor started processes=${expected} `));
    const children = [...out.matchAll(/^child (\d+) pid=(\d+)$/gm)];
    assert.deepEqual(
      children.map((m) => Number(m[1])).sort((a, b) => a - b),
      Array.from({ length: expected }, (_, i) => i),
      out,
    );
    assert.equal(new Set(children.map((m) => m[2])).size, expected, out);
  } finally {
    w.child.kill("SIGKILL");
    rmSync(file, { force: true });
  }
});

test(`processes: 2 on ${runtime} with handleSignals: false: terminate() in the supervisor still stops the children gracefully`, async () => {
  await withServer({}, async (server, client) => {
    const file = writeScript(
      "procs-nosignals",
      `import process from "node:process";
import { Manager } from "@x/faktory-worker";
const mgr = new Manager({ concurrency: 2, heartbeatInterval: 1000, handleSignals: false, ${SUPERVISED} });
mgr.register("Work", async (ctx, ms) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  console.log(\`ran \${ctx.jid} pid=\${process.pid}\`);
});
// The application's own signal handling, in the supervisor only.
if (mgr.isSupervisor) process.once("SIGUSR2", () => void mgr.terminate());
await mgr.run();
process.exit(0);
`,
    );
    const w = start(file, { FAKTORY_URL: server.url });
    try {
      await twoWorkers(server, w);
      await client.pushBulk(
        Array.from({ length: 100 }, () => createJob("Work", [20])),
      );
      await until(() => ranBy(w.output()).size >= 10, 20_000, w.output());
      process.kill(w.child.pid!, "SIGUSR2");
      assert.equal(await exitWithin(w, 10_000), 0, w.output());
      assert.equal(server.busy().length, 0, "nothing left reserved");
      assert.equal(
        w.output().match(/Process exited process=\d pid=\d+ code=0/g)?.length,
        2,
        w.output(),
      );
    } finally {
      w.child.kill("SIGKILL");
      rmSync(file, { force: true });
    }
  });
});

test(`processes: 2 on ${runtime}: a second SIGTERM to the supervisor makes the children skip the rest of the shutdown timeout`, async () => {
  await withServer({}, async (server, client) => {
    const file = script(
      "procs-hurry",
      "processes: 2, shutdownTimeout: 30_000",
    );
    const w = start(file, { FAKTORY_URL: server.url });
    try {
      await twoWorkers(server, w);
      await client.pushBulk([
        createJob("Stubborn", []),
        createJob("Stubborn", []),
      ]);
      await until(
        () => w.output().match(/stubborn running/g)?.length === 2,
        20_000,
        w.output(),
      );
      process.kill(w.child.pid!, "SIGTERM");
      await until(
        () => w.output().match(/Shutting down/g)?.length === 2,
        10_000,
        w.output(),
      );
      const signalled = Date.now();
      process.kill(w.child.pid!, "SIGTERM");
      assert.equal(await exitWithin(w, 10_000), 0, w.output());
      assert.ok(Date.now() - signalled < 10_000);
      assert.equal(server.retries().length, 2, "both FAILed for a retry");
      assert.equal(server.busy().length, 0);
    } finally {
      w.child.kill("SIGKILL");
      rmSync(file, { force: true });
    }
  });
});

/** Like start(), in a process group of its own, as a terminal or a service manager runs it. */
function startGroup(file: string, env: Record<string, string>): Child {
  const pre = runtime === "node"
    ? ["--import", "tsx"]
    : runtime === "deno"
    ? ["run", "-A"]
    : [];
  const child = spawn(process.execPath, [...pre, file], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) =>
    child.once("exit", (code) => r(code))
  );
  return { child, output: () => out, exited };
}

test(
  `processes: 2 on ${runtime}: Ctrl-C (SIGINT to the process group), SIGTERM to the group, or SIGTERM to every process (systemd, Heroku) lets the children finish their jobs`,
  {
    skip: process.platform === "win32" && "no process groups",
  },
  async () => {
    const ways: [string, (w: Child, pids: number[]) => void][] = [
      ["SIGINT to the group", (w) => process.kill(-w.child.pid!, "SIGINT")],
      ["SIGTERM to the group", (w) => process.kill(-w.child.pid!, "SIGTERM")],
      ["SIGTERM to every process", (w, pids) => {
        for (const pid of [w.child.pid!, ...pids]) {
          process.kill(pid, "SIGTERM");
        }
      }],
    ];
    for (const [way, signal] of ways) {
      await withServer({}, async (server, client) => {
        const file = script(
          "procs-group",
          "processes: 2, shutdownTimeout: 20_000",
        );
        const w = startGroup(file, { FAKTORY_URL: server.url });
        const pids = await twoWorkers(server, w).catch(() => []);
        try {
          assert.equal(pids.length, 2, w.output());
          await client.pushBulk([
            createJob("Work", [800]),
            createJob("Work", [800]),
          ]);
          await until(() => server.busy().length === 2, 10_000, w.output());
          signal(w, pids);
          assert.equal(await exitWithin(w, 10_000), 0, w.output());
          assert.equal(ranBy(w.output()).size, 2, `${way}: both jobs finished`);
          assert.equal(server.retries().length, 0);
          assert.doesNotMatch(w.output(), /Second signal/);
        } finally {
          for (const pid of [-w.child.pid!, ...pids]) {
            try {
              process.kill(pid, "SIGKILL");
            } catch {
              // gone already
            }
          }
          rmSync(file, { force: true });
        }
      });
    }
  },
);

test(`processes: 2 on ${runtime}: when the supervisor is killed with SIGKILL, the children finish their jobs and stop`, async () => {
  await withServer({}, async (server, client) => {
    const file = script("procs-orphans", SUPERVISED);
    const w = start(file, { FAKTORY_URL: server.url });
    const pids = await twoWorkers(server, w).catch(() => []);
    try {
      assert.equal(pids.length, 2, w.output());
      await client.pushBulk([
        createJob("Work", [800]),
        createJob("Work", [800]),
      ]);
      await until(() => server.busy().length === 2, 10_000, w.output());
      w.child.kill("SIGKILL");
      await until(
        () =>
          w.output().match(/The supervisor is gone; shutting down/g)?.length ===
            2,
        10_000,
        w.output(),
      );
      await until(
        () => server.workers().every((x) => x.connections === 0),
        10_000,
        w.output(),
      );
      assert.equal(ranBy(w.output()).size, 2, "both jobs finished");
      assert.equal(server.busy().length, 0);
      assert.equal(server.retries().length, 0);
    } finally {
      for (const pid of [w.child.pid!, ...pids]) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone already
        }
      }
      rmSync(file, { force: true });
    }
  });
});

test(`a child on ${runtime} does not hurry on a repeated SIGTERM (a service manager signalling the whole group), but does on SIGINT`, async () => {
  await withServer({}, async (server, client) => {
    const file = script("procs-child", "processes: 2, shutdownTimeout: 30_000");
    // Started as slot 0 directly: the supervisor's SIGTERM plus one from systemd or Heroku.
    const w = start(file, {
      FAKTORY_URL: server.url,
      FAKTORY_WORKER_INDEX: "0",
    });
    try {
      await client.push(createJob("Stubborn", []));
      await until(() => w.output().includes("stubborn running"), 20_000);
      assert.deepEqual(server.workers()[0]?.labels, [
        "typescript",
        "process-0",
      ]);
      process.kill(w.child.pid!, "SIGTERM");
      await until(() => w.output().includes("Shutting down"), 10_000);
      process.kill(w.child.pid!, "SIGTERM");
      assert.equal(await exitWithin(w, 700), "still running");
      assert.doesNotMatch(w.output(), /Second signal/);
      process.kill(w.child.pid!, "SIGINT");
      assert.equal(await exitWithin(w, 5000), 0, w.output());
      assert.match(w.output(), /Second signal/);
    } finally {
      w.child.kill("SIGKILL");
      rmSync(file, { force: true });
    }
  });
});

test(`processes: 2 on ${runtime}: a child that always crashes is given up after restart.giveUpAfter, the other is stopped, and the supervisor exits non-zero`, async () => {
  await withServer({}, async (server) => {
    const file = script(
      "procs-crash",
      "processes: 2, restart: { initial: 50, max: 100, giveUpAfter: 3 }",
      `if (Manager.processIndex === 1) {
  console.log("crashing");
  process.exit(3);
}`,
    );
    const w = start(file, { FAKTORY_URL: server.url });
    try {
      const code = await exitWithin(w, 30_000);
      assert.notEqual(code, "still running", w.output());
      assert.notEqual(code, 0, w.output());
      const out = w.output();
      assert.equal(out.match(/^crashing$/gm)?.length, 3, out);
      assert.deepEqual(
        [...out.matchAll(
          /starting it again process=1 pid=\d+ code=3 signal=null failures=(\d) inMs=(\d+)/g,
        )]
          .map((m) => [m[1], m[2]]),
        [["1", "50"], ["2", "100"]],
        out,
      );
      assert.match(
        out,
        /Giving up on process: it failed too many times in a row process=1 .*code=3/,
      );
      assert.match(
        out,
        /Process exited process=0 /,
        "the healthy child was stopped",
      );
      assert.match(
        out,
        /CrashLoopError: Gave up on process 1 after 3 failures in a row \(last: exit code 3\)/,
      );
      assert.equal(server.busy().length, 0);
    } finally {
      w.child.kill("SIGKILL");
      rmSync(file, { force: true });
    }
  });
});

test(`README "Every core" on ${runtime}: the start-up push happens once, in the supervisor; the job runs in a child`, async () => {
  const block = readmeBlocks().find((b) => b.includes('processes: "auto"'));
  assert.ok(block, "README has the Every core example");
  await withServer({}, async (server, client) => {
    const file = writeScript(
      "procs-readme",
      block.replace('processes: "auto"', "processes: 2"),
    );
    const w = start(file, { FAKTORY_URL: server.url });
    try {
      // Both children said HELLO, so their code before run() is done.
      await twoWorkers(server, w);
      await until(
        () => /resizing \/uploads\/cat\.png in process [01]/.test(w.output()),
        20_000,
        w.output(),
      );
      await until(() => server.busy().length === 0, 5000);
      const { faktory } = await client.info();
      assert.equal(faktory.total_processed, 1, "pushed once, not 3 times");
      assert.equal(server.queue("default").length, 0);
      process.kill(w.child.pid!, "SIGTERM");
      assert.equal(await exitWithin(w, 10_000), 0, w.output());
      assert.equal(w.output().match(/resizing/g)?.length, 1);
    } finally {
      w.child.kill("SIGKILL");
      rmSync(file, { force: true });
    }
  });
});

const denoOnly = runtime !== "deno" && "Deno permissions concern Deno only";
const ENV =
  "FAKTORY_URL,FAKTORY_PROVIDER,FAKTORY_LOG_LEVEL,FAKTORY_WORKER_INDEX";

test(
  "processes: 2 on Deno with narrow flags: the children get the flags listed in FAKTORY_DENO_FLAGS",
  {
    skip: denoOnly,
  },
  async () => {
    await withServer({}, async (server) => {
      const file = script("procs-deno-flags", SUPERVISED);
      const w = start(file, {
        FAKTORY_URL: server.url,
        FAKTORY_DENO_FLAGS:
          `--allow-net=127.0.0.1 --allow-env=${ENV} --no-prompt`,
      }, [
        "--allow-net=127.0.0.1",
        `--allow-env=${ENV},FAKTORY_DENO_FLAGS`,
        "--allow-run",
        "--no-prompt",
      ]);
      try {
        await twoWorkers(server, w);
        process.kill(w.child.pid!, "SIGTERM");
        assert.equal(await exitWithin(w, 10_000), 0, w.output());
      } finally {
        w.child.kill("SIGKILL");
        rmSync(file, { force: true });
      }
    });
  },
);

test(
  "processes: 2 on Deno without -A or FAKTORY_DENO_FLAGS: the children get each permission granted in full, and the supervisor says what it could not carry over",
  { skip: denoOnly },
  async () => {
    await withServer({}, async (server) => {
      const file = script("procs-deno-full", SUPERVISED);
      const w = start(file, { FAKTORY_URL: server.url }, [
        "--allow-net",
        "--allow-env",
        "--allow-run",
        "--allow-read=/tmp",
        "--no-prompt",
      ]);
      try {
        await twoWorkers(server, w);
        assert.match(
          w.output(),
          /WARN The children run with --allow-net --allow-env --allow-run: Deno does not tell a program its scoped permission flags/,
        );
        process.kill(w.child.pid!, "SIGTERM");
        assert.equal(await exitWithin(w, 10_000), 0, w.output());
      } finally {
        w.child.kill("SIGKILL");
        rmSync(file, { force: true });
      }
    });
  },
);

test(
  "processes: 2 on Deno with -A: the children get this process's own flags (on Linux, where /proc/self/cmdline tells them)",
  {
    skip: denoOnly ||
      (process.platform !== "linux" && "needs /proc/self/cmdline"),
  },
  async () => {
    await withServer({}, async (server) => {
      const file = script(
        "procs-deno-own",
        SUPERVISED,
        `if (Manager.isChild) {
  console.log(\`child \${Manager.processIndex} at \${globalThis.location?.href}\`);
}`,
      );
      const w = start(file, { FAKTORY_URL: server.url }, [
        "-A",
        "--location",
        "https://example.com/app/",
      ]);
      try {
        await twoWorkers(server, w);
        assert.match(w.output(), /^child 0 at https:\/\/example\.com\/app\/$/m);
        assert.match(w.output(), /^child 1 at https:\/\/example\.com\/app\/$/m);
        process.kill(w.child.pid!, "SIGTERM");
        assert.equal(await exitWithin(w, 10_000), 0, w.output());
      } finally {
        w.child.kill("SIGKILL");
        rmSync(file, { force: true });
      }
    });
  },
);

test(
  "processes: 2 on Deno: run() fails at once, naming what is missing, when the children could not get their flags or the supervisor cannot start them",
  {
    skip: denoOnly,
  },
  async () => {
    await withServer({}, async (server) => {
      const file = script("procs-deno-missing", SUPERVISED);
      const cases: [string[], RegExp][] = [
        [
          ["--allow-net=127.0.0.1", `--allow-env=${ENV}`, "--allow-run"],
          /LocalProtocolError: Deno does not tell a program its scoped permission flags .* list the flags of your deno run command in FAKTORY_DENO_FLAGS/,
        ],
        [
          ["--allow-net", "--allow-env=FAKTORY_URL", "--allow-run"],
          /LocalProtocolError: processes needs to read FAKTORY_WORKER_INDEX, which tells a child its slot: run with --allow-env=FAKTORY_WORKER_INDEX/,
        ],
        [
          ["--allow-net", "--allow-env"],
          /LocalProtocolError: processes needs to start .*deno: run with --allow-run/,
        ],
      ];
      try {
        for (const [flags, message] of cases) {
          const w = start(file, { FAKTORY_URL: server.url }, [
            ...flags,
            "--no-prompt",
          ]);
          assert.equal(await exitWithin(w, 20_000), 1, w.output());
          assert.match(w.output(), message);
          assert.doesNotMatch(w.output(), /Process started/);
        }
      } finally {
        rmSync(file, { force: true });
      }
    });
  },
);
