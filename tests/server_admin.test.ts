import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "../mod.ts";
import { FaktoryServer, ServerAdmin } from "../testing/mod.ts";

async function withAdmin(
  fn: (
    server: FaktoryServer,
    admin: ServerAdmin,
    client: Client,
  ) => Promise<void>,
): Promise<void> {
  const server = await FaktoryServer.start({
    taskInterval: 0,
    fetchTimeout: 50,
  });
  const client = await Client.connect({
    url: server.url,
    wid: "admin-test-w1",
  });
  try {
    await fn(server, new ServerAdmin(server), client);
  } finally {
    await client.close();
    await server.stop();
  }
}

/** Pushes `n` jobs and fails each once, so they wait in the retry set. */
async function failed(client: Client, n: number): Promise<string[]> {
  const jids: string[] = [];
  for (let i = 0; i < n; i++) {
    jids.push(await client.push("Flaky", [i], { queue: "work" }));
  }
  for (let i = 0; i < n; i++) {
    const job = await client.fetch(["work"]);
    await client.fail(job!.jid, new Error(`boom ${i}`));
  }
  return jids;
}

test("ServerAdmin.info() is what INFO answers", async () => {
  await withAdmin(async (_server, admin, client) => {
    await client.push("A", [1], { queue: "q1" });
    const info = admin.info() as {
      faktory: { queues: Record<string, number>; total_enqueued: number };
      server: { faktory_version: string };
    };
    const wire = await client.info();
    assert.deepEqual(info.faktory.queues, wire.faktory.queues);
    assert.equal(info.faktory.total_enqueued, 1);
    assert.equal(info.server.faktory_version, wire.server.faktory_version);
  });
});

test("ServerAdmin pauses, resumes and removes queues as QUEUE does", async () => {
  await withAdmin(async (server, admin, client) => {
    await client.push("A", [1], { queue: "mail" });
    await client.push("B", [2], { queue: "other" });
    admin.pauseQueues(["mail"]);
    assert.deepEqual(admin.pausedQueues(), ["mail"]);
    const blocked = client.fetch(["mail"]);
    assert.equal(await blocked, null); // paused: nothing handed out
    const waiting = client.fetch(["mail"]);
    admin.resumeQueues(["mail"]);
    assert.equal((await waiting)?.jobtype, "A"); // the blocked FETCH got it
    assert.deepEqual(admin.pausedQueues(), []);
    admin.removeQueues(["other"]);
    assert.deepEqual(server.queues(), { mail: 0 });
  });
});

test("ServerAdmin.queuePage() and setPage() return one page and the total", async () => {
  await withAdmin(async (_server, admin, client) => {
    for (let i = 0; i < 5; i++) await client.push("P", [i], { queue: "pg" });
    const page = admin.queuePage("pg", 2, 2);
    assert.equal(page.total, 5);
    assert.deepEqual(page.jobs.map((j) => j.args), [[2], [3]]);
    assert.deepEqual(admin.queuePage("nosuch", 0, 10), { total: 0, jobs: [] });
    const jids = await failed(client, 3);
    const retries = admin.setPage("retries", 0, 2);
    assert.equal(retries.total, 3);
    assert.equal(retries.jobs.length, 2);
    // A copy: changing it changes nothing on the server.
    retries.jobs[0]!.args = ["changed"];
    const found = admin.findJob("retries", jids[1]!);
    assert.equal(found?.jid, jids[1]);
    assert.equal(
      (found?.failure as { message: string }).message,
      "boom 1",
    );
    assert.equal(admin.findJob("dead", jids[1]!), undefined);
    assert.notDeepEqual(
      admin.setPage("retries", 0, 3).jobs.map((j) => j.args),
      [
        ["changed"],
      ],
    );
  });
});

test("ServerAdmin.mutate() requeues, discards and kills chosen jobs, and counts them", async () => {
  await withAdmin(async (server, admin, client) => {
    const jids = await failed(client, 4);
    assert.equal(admin.mutate("retries", "requeue", [jids[0]!, "unknown"]), 1);
    assert.deepEqual(server.queue("work").map((j) => j.jid), [jids[0]]);
    assert.equal(admin.mutate("retries", "discard", [jids[1]!]), 1);
    assert.equal(admin.mutate("retries", "kill", [jids[2]!]), 1);
    assert.deepEqual(server.dead().map((j) => j.jid), [jids[2]]);
    assert.deepEqual(server.retries().map((j) => j.jid), [jids[3]]);
  });
});

test("ServerAdmin.mutate() on all: kill moves every retry to the dead set, not to a queue", async () => {
  await withAdmin(async (server, admin, client) => {
    await failed(client, 3);
    assert.equal(admin.mutate("retries", "kill", "all"), 3);
    assert.equal(server.retries().length, 0);
    assert.equal(server.dead().length, 3);
    assert.deepEqual(server.queue("work"), []);
    assert.equal(admin.mutate("dead", "requeue", "all"), 3);
    assert.equal(server.queue("work").length, 3);
    assert.equal(admin.mutate("dead", "discard", "all"), 0);
  });
});
