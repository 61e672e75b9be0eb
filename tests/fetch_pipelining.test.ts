// A fetcher sends the results of finished jobs and its next FETCH in one write (one system
// call per job, not two), and every way the results' replies can go wrong still loses nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createJob, type JobContext } from "../mod.ts";
import {
  type ClientTransport,
  defaultTransport,
  type Socket,
} from "../protocol.ts";
import { rig, until } from "./_manager_util.ts";

/** The default transport, recording the commands of each write. */
async function recordingTransport(): Promise<
  { transport: ClientTransport; writes: string[][] }
> {
  const inner = await defaultTransport();
  const writes: string[][] = [];
  const decoder = new TextDecoder();
  return {
    writes,
    transport: {
      name: "recording",
      async connect(options, handlers): Promise<Socket> {
        const socket = await inner.connect(options, handlers);
        return {
          write(bytes) {
            writes.push(
              decoder.decode(bytes).split("\r\n").filter(Boolean).map((l) =>
                l.split(" ")[0]!
              ),
            );
            return socket.write(bytes);
          },
          close: () => socket.close(),
        };
      },
    },
  };
}

test("A fetcher sends a finished job's ACK and its next FETCH in one write", async () => {
  const { transport, writes } = await recordingTransport();
  const r = await rig({ concurrency: 1, transport });
  let runs = 0;
  r.manager.register("N", () => void runs++);
  await r.client.pushBulk(Array.from({ length: 30 }, () => createJob("N", [])));
  void r.manager.run();
  await until(() => runs === 30 && r.server.busy().length === 0);
  const together = writes.filter((w) =>
    w.includes("ACK") && w.includes("FETCH")
  );
  const ackAlone = writes.filter((w) =>
    w.includes("ACK") && !w.includes("FETCH")
  );
  // Every ACK but the last (no job left to fetch... it still rides a FETCH) goes with a FETCH.
  assert.ok(together.length >= 29, `ACK+FETCH writes: ${together.length}`);
  assert.ok(ackAlone.length <= 1, `ACK-only writes: ${ackAlone.length}`);
  for (const w of together) {
    assert.equal(w.at(-1), "FETCH", `the FETCH goes last: ${w.join(" ")}`);
  }
  await r.close();
});

test("An -ERR reply to an ACK sent with a FETCH: the job fetched behind it runs, the ACK is sent again", async () => {
  const r = await rig({ concurrency: 1 });
  const seen: string[] = [];
  r.manager.register("N", (ctx: JobContext) => void seen.push(ctx.jid));
  r.server.fault({ action: "error", verb: "ACK", times: 3 });
  const jobs = Array.from({ length: 5 }, () => createJob("N", []));
  await r.client.pushBulk(jobs);
  void r.manager.run();
  await until(
    () => seen.length === 5 && r.server.busy().length === 0,
    5000,
    `every job ran and was acknowledged (ran ${seen.length}, reserved ${r.server.busy().length})`,
  );
  assert.deepEqual(seen, jobs.map((j) => j.jid), "each ran once, in order");
  assert.ok(r.server.commands("ACK") >= 8, "the refused ACKs were sent again");
  await r.close();
});

for (const action of ["close-after", "cut-reply", "close"] as const) {
  test(`A connection that drops at an ACK sent with a FETCH (${action}) strands nothing: each job runs once, no reservation is left`, async () => {
    const r = await rig({ concurrency: 2 });
    const runs = new Map<string, number>();
    r.manager.register(
      "N",
      (ctx: JobContext) => void runs.set(ctx.jid, (runs.get(ctx.jid) ?? 0) + 1),
    );
    r.server.fault({ action, verb: "ACK", after: 3, times: 4 });
    await r.client.pushBulk(
      Array.from({ length: 40 }, () => createJob("N", [])),
    );
    void r.manager.run();
    await until(
      () => runs.size === 40 && r.server.busy().length === 0,
      10_000,
      `all 40 ran and were acknowledged (ran ${runs.size}, reserved ${r.server.busy().length})`,
    );
    assert.deepEqual([...new Set(runs.values())], [1], "no job ran twice");
    await r.close();
  });
}

test("A garbage reply to an ACK sent with a FETCH: the job the server reserved for that FETCH comes back when its reservation ends, and nothing else is held", async () => {
  let skew = 0; // the server's clock runs ahead by this much
  const r = await rig({ concurrency: 1 }, { now: () => Date.now() + skew });
  const runs = new Map<string, number>();
  r.manager.register(
    "N",
    (ctx: JobContext) => void runs.set(ctx.jid, (runs.get(ctx.jid) ?? 0) + 1),
  );
  r.server.fault({ action: "garbage", verb: "ACK", after: 1 });
  await r.client.pushBulk(Array.from({ length: 6 }, () => createJob("N", [])));
  void r.manager.run();
  await until(
    () => runs.size === 5,
    5000,
    "every job but the stranded one ran",
  );
  // The fifth job's ACK may still be on its way: wait for it, not for a tick.
  await until(
    () => r.server.busy().length === 1,
    5000,
    `the FETCH behind the garbage reserved one job (reserved ${r.server.busy().length})`,
  );
  skew += 31 * 60_000; // past the default reservation (30 minutes): a retry
  r.server.runTasks();
  assert.equal(r.server.busy().length, 0);
  skew += 60 * 60_000; // past the retry's delay
  r.server.runTasks();
  await until(
    () => runs.size === 6 && r.server.busy().length === 0,
    5000,
    `all 6 ran and were acknowledged (ran ${runs.size}, reserved ${r.server.busy().length})`,
  );
  assert.deepEqual([...new Set(runs.values())], [1], "no job ran twice");
  await r.close();
});
