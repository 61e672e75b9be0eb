// The supervisor of `processes: N` in-process, with fake child processes and signals: which
// children it starts, what it forwards, when it starts a child again, when it gives up. The
// real processes are in supervisor_process.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import type { Platform } from "../adapters/transport.ts";
import { CrashLoopError, LocalProtocolError, Manager } from "../mod.ts";
import { Lifecycle } from "../worker/_lifecycle.ts";
import { SwitchableLogger } from "../worker/_logging.ts";
import { afterExit } from "../worker/_supervisor_policy.ts";
import { watchSupervisor } from "../worker/_supervisor_child.ts";
import {
  type ManagerOptions,
  settingsFrom,
} from "../worker/manager_options.ts";
import { Supervisor } from "../worker/supervisor.ts";
import { type FakeChild, FakeChildren } from "./_fake_children.ts";
import { captureLogger, rig, until } from "./_manager_util.ts";

function fakePlatform(cores = 2) {
  const listeners = new Map<string, () => void>();
  const platform: Platform = {
    hostname: () => "test",
    pid: 1,
    ppid: () => 0,
    rssBytes: () => 0,
    cores: () => cores,
    env: () => undefined,
    onSignal(signal, listener) {
      listeners.set(signal, listener);
      return () => void listeners.delete(signal);
    },
  };
  return {
    platform,
    listeners,
    send: (signal: string) => listeners.get(signal)?.(),
  };
}

function supervisor(options: ManagerOptions, cores = 2) {
  const children = new FakeChildren();
  const signals = fakePlatform(cores);
  const logger = captureLogger();
  const lifecycle = new Lifecycle();
  lifecycle.fire("run");
  let now = 0;
  const sup = new Supervisor({
    options: { logger },
    settings: settingsFrom({
      shutdownTimeout: 20,
      restart: { initial: 5, max: 20, resetAfter: 1000, giveUpAfter: 4 },
      ...options,
    }),
    lifecycle,
    logger: new SwitchableLogger(logger),
    children,
    platform: signals.platform,
    now: () => now,
    killGrace: 10,
  });
  return {
    sup,
    children,
    signals,
    logger,
    lifecycle,
    advance: (ms: number) => void (now += ms),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

test("Supervisor.run() starts one child per slot with FAKTORY_WORKER_INDEX 0..N-1; SIGHUP (a closed terminal) stops them as SIGTERM does", async () => {
  const s = supervisor({ processes: 3 });
  const running = s.sup.run();
  await until(() => s.children.started.length === 3);
  assert.deepEqual(s.children.started.map((c) => c.index), ["0", "1", "2"]);
  assert.equal(s.lifecycle.state, "running");
  s.signals.send("SIGHUP");
  for (const c of s.children.started) {
    assert.deepEqual(c.signals, ["SIGTERM", "SIGCONT"]);
  }
  for (const c of s.children.started) c.exit(0);
  await running;
  assert.equal(s.lifecycle.state, "stopped");
});

test('Supervisor.run() with processes: "auto" starts one child per core of the platform', async () => {
  const s = supervisor({ processes: "auto" }, 3);
  const running = s.sup.run();
  await until(() => s.children.started.length === 3);
  await tick();
  assert.equal(s.children.started.length, 3);
  void s.sup.terminate("api");
  for (const c of s.children.started) c.exit(0);
  await running;
});

test("Supervisor forwards SIGTERM (then SIGCONT) to every child, and SIGINT on a second signal; run() resolves once all exited, listeners removed", async () => {
  const s = supervisor({ processes: 2 });
  const running = s.sup.run();
  await until(() => s.children.started.length === 2);
  s.signals.send("SIGINT");
  assert.equal(s.lifecycle.state, "stopping");
  for (const c of s.children.started) {
    assert.deepEqual(c.signals, ["SIGTERM", "SIGCONT"]);
  }
  s.signals.send("SIGTERM");
  s.signals.send("SIGTERM");
  for (const c of s.children.started) {
    assert.deepEqual(c.signals, ["SIGTERM", "SIGCONT", "SIGINT"]);
  }
  s.children.started[0]!.exit(0);
  await tick();
  assert.equal(s.lifecycle.state, "stopping", "one child is still running");
  s.children.started[1]!.exit(0);
  await running;
  assert.equal(s.lifecycle.state, "stopped");
  assert.equal(s.signals.listeners.size, 0);
  assert.equal(s.children.started.length, 2, "nothing started again");
});

test("Supervisor forwards SIGTSTP (quiet) and starts no child again while quiet", async () => {
  const s = supervisor({ processes: 2 });
  const running = s.sup.run();
  await until(() => s.children.started.length === 2);
  s.signals.send("SIGTSTP");
  assert.equal(s.lifecycle.state, "quiet");
  for (const c of s.children.started) assert.deepEqual(c.signals, ["SIGTSTP"]);
  s.children.started[0]!.exit(1);
  await new Promise((r) => setTimeout(r, 30)); // past restart.initial
  assert.equal(s.children.started.length, 2);
  s.signals.send("SIGTERM");
  assert.deepEqual(s.children.started[1]!.signals, [
    "SIGTSTP",
    "SIGTERM",
    "SIGCONT",
  ]);
  s.children.started[1]!.exit(0);
  await running;
});

test("Supervisor starts a child that exited unexpectedly again in its slot, with doubling delays, logging its exit code or signal", async () => {
  const s = supervisor({ processes: 2 });
  const running = s.sup.run();
  await until(() => s.children.started.length === 2);
  s.children.running().get("1")!.exit(3);
  await until(() => s.children.started.length === 3);
  assert.equal(s.children.started[2]!.index, "1", "same slot");
  s.children.running().get("1")!.exit(null, "SIGKILL");
  await until(() => s.children.started.length === 4);
  assert.equal(s.children.started[3]!.index, "1");
  const restarts = s.logger.lines.filter((l) =>
    l.message === "Process exited unexpectedly; starting it again"
  ).map((l) => l.fields);
  assert.deepEqual(
    restarts.map((f) => [f?.process, f?.code, f?.signal, f?.inMs]),
    [[1, 3, null, 5], [1, null, "SIGKILL", 10]],
  );
  assert.equal(s.children.running().get("0"), s.children.started[0]);
  void s.sup.terminate("api");
  for (const c of s.children.running().values()) c.exit(0);
  await running;
});

test("Supervisor resets a slot's delay and failures once its child stayed up restart.resetAfter", () => {
  const policy = {
    initial: 1000,
    max: 60_000,
    resetAfter: 60_000,
    giveUpAfter: 5,
  };
  assert.deepEqual(afterExit(policy, 0, 10), {
    type: "restart",
    failures: 1,
    delay: 1000,
  });
  assert.deepEqual(afterExit(policy, 3, 59_999), {
    type: "restart",
    failures: 4,
    delay: 8000,
  });
  assert.deepEqual(afterExit(policy, 4, 60_000), {
    type: "restart",
    failures: 1,
    delay: 1000,
  });
  assert.deepEqual(afterExit(policy, 4, 10), { type: "give up", failures: 5 });
  assert.equal(
    (afterExit({ ...policy, giveUpAfter: Infinity }, 40, 0) as {
      delay: number;
    })
      .delay,
    60_000,
    "capped",
  );
});

test("Supervisor counts a long-lived child's crash as a first failure (the injected clock)", async () => {
  const s = supervisor({
    processes: 1,
    restart: { initial: 5, max: 20, resetAfter: 1000, giveUpAfter: 2 },
  });
  const running = s.sup.run();
  await until(() => s.children.started.length === 1);
  s.advance(1000);
  s.children.started[0]!.exit(1); // up for resetAfter: failure 1 of 2
  await until(() => s.children.started.length === 2);
  s.advance(1000);
  s.children.started[1]!.exit(1); // again: still failure 1
  await until(() => s.children.started.length === 3);
  s.children.started[2]!.exit(1); // at once: failure 2 of 2, given up
  await assert.rejects(running, CrashLoopError);
});

test("Supervisor gives a slot up after restart.giveUpAfter failures in a row, stops the other children, and run() rejects with CrashLoopError", async () => {
  const s = supervisor({ processes: 2 });
  const running = s.sup.run();
  await until(() => s.children.started.length === 2);
  const healthy = s.children.started[1]!;
  for (let i = 0; i < 4; i++) {
    await until(() => s.children.running().has("0"));
    s.children.running().get("0")!.exit(7);
  }
  await until(() => healthy.signals.includes("SIGTERM"));
  assert.equal(s.lifecycle.state, "stopping");
  assert.equal(
    s.children.started.filter((c) => c.index === "0").length,
    4,
    "started 4 times, then given up",
  );
  healthy.exit(0);
  const err = await running.then(
    () => assert.fail("run() should reject"),
    (e) => e,
  );
  assert.ok(err instanceof CrashLoopError);
  assert.deepEqual(err.processes, [
    { index: 0, failures: 4, code: 7, signal: null },
  ]);
  assert.match(
    err.message,
    /^Gave up on process 0 after 4 failures in a row \(last: exit code 7\)$/,
  );
  assert.ok(
    s.logger.lines.some((l) =>
      l.level === "error" &&
      l.message === "Giving up on process: it failed too many times in a row"
    ),
  );
});

test("Supervisor SIGKILLs a child still running shutdownTimeout + the grace after SIGTERM", async () => {
  const s = supervisor({ processes: 2, shutdownTimeout: 20 });
  const running = s.sup.run();
  await until(() => s.children.started.length === 2);
  const [polite, stubborn] = s.children.started as [FakeChild, FakeChild];
  s.signals.send("SIGTERM");
  polite.exit(0);
  await running;
  assert.deepEqual(stubborn.signals, ["SIGTERM", "SIGCONT", "SIGKILL"]);
  assert.deepEqual(polite.signals, ["SIGTERM", "SIGCONT"]);
  const killed = s.logger.lines.find((l) =>
    l.message === "Process did not stop in time; killing it"
  );
  assert.equal(killed?.fields?.process, 1);
  assert.equal(killed?.fields?.afterMs, 30);
});

test("Supervisor.run() rejects when the runtime refuses the first start, and stops the children already started", async () => {
  const s = supervisor({ processes: 1 });
  s.children.refuse = new LocalProtocolError("not allowed to run");
  await assert.rejects(s.sup.run(), /not allowed to run/);
  assert.equal(s.lifecycle.state, "stopped");
  assert.equal(s.signals.listeners.size, 0);
});

test("Manager.stop() right after run() with processes: 2: no child is started, run() resolves", async () => {
  const logger = captureLogger();
  const mgr = new Manager({ processes: 2, logger });
  const running = mgr.run();
  assert.equal(mgr.state, "running");
  await mgr.stop();
  await running;
  assert.equal(mgr.state, "stopped");
  assert.ok(!logger.lines.some((l) => l.message === "Process started"));
});

test('new Manager() checks processes (1..256 or "auto") and restart, naming the option', () => {
  for (const processes of [0, 257, 1.5, -1, NaN, "two", "Auto"]) {
    assert.throws(
      () => new Manager({ processes: processes as number }),
      (err: Error) =>
        err instanceof RangeError &&
        err.message.startsWith(
          'processes must be an integer from 1 to 256 or "auto", got',
        ),
      String(processes),
    );
  }
  for (const processes of [1, 256, "auto" as const]) {
    new Manager({ processes });
  }
  assert.throws(
    () => new Manager({ processes: 2, restart: { initial: -1 } }),
    /^RangeError: restart\.initial must be a number from 0 to 2147483647 ms, got -1$/,
  );
  assert.throws(
    () => new Manager({ processes: 2, restart: { giveUpAfter: 0 } }),
    /^RangeError: restart\.giveUpAfter must be an integer from 1 to \d+, got 0$/,
  );
  const bad: [unknown, RegExp][] = [
    [{ initial: "10" }, /^TypeError: restart\.initial must be a number/],
    [{ giveUpAfter: true }, /^TypeError: restart\.giveUpAfter must be/],
    [5, /^TypeError: restart must be an object/],
    [{ initia: 5 }, /^TypeError: restart has no option "initia"/],
    [
      { initial: 2 ** 40 },
      /^RangeError: restart\.initial must be a number from 0 to 2147483647 ms/,
    ],
  ];
  for (const [restart, message] of bad) {
    assert.throws(
      () => new Manager({ processes: 2, restart } as ManagerOptions),
      message,
      JSON.stringify(restart),
    );
  }
  assert.equal(new Manager().isSupervisor, false);
  assert.equal(new Manager({ processes: 2 }).isSupervisor, true);
  assert.equal(Manager.isChild, false);
  assert.equal(Manager.processIndex, undefined);
});

test("Manager in a child (FAKTORY_WORKER_INDEX set, processes above 1) runs as a worker labelled process-N; processes: 1 ignores the variable", async () => {
  const r = await rig({ processes: 4, labels: ["app"], wid: "w1" });
  process.env.FAKTORY_WORKER_INDEX = "3";
  try {
    assert.equal(Manager.isChild, true);
    assert.equal(Manager.processIndex, 3);
    const child = new Manager({
      url: r.server.url,
      processes: 4,
      labels: ["app"],
      wid: "w1",
      handleSignals: false,
      logger: r.logger,
    });
    assert.equal(child.isSupervisor, false);
    assert.equal(child.wid, "w1-3");
    const single = new Manager({ wid: "w1" });
    assert.equal(single.wid, "w1", "processes: 1 reads no variable");
    const running = child.run();
    await until(() => r.server.workers().length === 1);
    assert.deepEqual(r.server.workers()[0]!.labels, ["app", "process-3"]);
    assert.equal(r.server.workers()[0]!.wid, "w1-3");
    // HELLO comes before "Worker started": wait for the line, or a stop in
    // between would rightly skip it.
    await until(() =>
      r.logger.lines.some((l) =>
        l.message === "Worker started" && l.fields?.process === 3
      )
    );
    await child.stop();
    await running;
  } finally {
    delete process.env.FAKTORY_WORKER_INDEX;
    await r.close();
  }
});

test("watchSupervisor() calls back once when the parent process changes, and stops when told", async () => {
  let ppid = 42;
  let calls = 0;
  const stop = watchSupervisor({ ppid: () => ppid }, () => calls++, 2);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(calls, 0, "same parent");
  ppid = 1; // adopted by init: the supervisor is gone
  await until(() => calls === 1);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(calls, 1, "once");
  stop();
  let later = 0;
  const stopped = watchSupervisor({ ppid: () => ppid }, () => later++, 2);
  stopped();
  ppid = 7;
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(later, 0, "stopped before the change");
});

test("Supervisor does not start again a child that stopped by itself with exit code 0 (the Web UI's Stop), and run() resolves when the last one ends", async () => {
  const s = supervisor({ processes: 2 });
  const running = s.sup.run();
  await until(() => s.children.started.length === 2);
  s.children.running().get("0")!.exit(0); // told to stop by the server
  await tick();
  await new Promise((r) => setTimeout(r, 30)); // longer than restart.initial
  assert.equal(s.children.started.length, 2, "no new child");
  assert.ok(
    s.logger.lines.some((l) =>
      l.message === "Process stopped by itself; not starting it again" &&
      l.fields?.process === 0
    ),
  );
  s.children.running().get("1")!.exit(0);
  await running; // resolves, no CrashLoopError
});
