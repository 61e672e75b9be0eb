// deploy/worker.ts run as a real process on the runtime running this test (on Deno with the
// permission flags of deploy/Dockerfile.deno), sent the signals the platforms send: Kubernetes'
// preStop SIGTSTP then SIGTERM, and Docker's or systemd's SIGTERM alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { Client, createJob } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { until } from "./_manager_util.ts";
import { exitWithin, runtime, start } from "./_spawn.ts";
import {
  deployFile,
  dockerStages,
  execForm,
  workerShutdownTimeout,
} from "./_deploy.ts";

const FETCH_TIMEOUT = 300;

/** The flags of the Deno image's `deno run`, between "run" and the file. */
function denoFlags(): string[] {
  const command = execForm(dockerStages(deployFile("Dockerfile.deno")).at(-1)!);
  assert.ok(command && command[1] === "run", "deno run in Dockerfile.deno");
  return command.slice(2, -1);
}

async function withWorker(
  fn: (
    server: FaktoryServer,
    client: Client,
    w: ReturnType<typeof start>,
  ) => Promise<void>,
): Promise<void> {
  const server = await FaktoryServer.start({ fetchTimeout: FETCH_TIMEOUT });
  const client = await Client.connect(server.url);
  const w = start(
    "deploy/worker.ts",
    { FAKTORY_URL: server.url, HEALTH_PORT: "0", HEALTH_HOST: "127.0.0.1" },
    denoFlags(),
  );
  try {
    await fn(server, client, w);
  } finally {
    w.child.kill("SIGKILL");
    await client.close();
    await server.stop();
  }
}

test(`deploy/worker.ts on ${runtime}: preStop's SIGTSTP stops fetching while the running job finishes; SIGTERM then exits 0`, async () => {
  await withWorker(async (server, client, w) => {
    const running = createJob("Sleep", [1500]);
    await client.push(running);
    await until(
      () => server.busy().length === 1 && w.output().includes("Worker started"),
      20_000,
      "the job running",
    );

    process.kill(w.child.pid!, "SIGTSTP");
    await until(
      () => w.output().includes("Quiet: no new jobs will be fetched"),
      5000,
      "quiet",
    );
    // A FETCH already waiting on the server may still bring one job; the server answers it
    // within its fetch timeout. After that, nothing fetches.
    await new Promise((r) => setTimeout(r, FETCH_TIMEOUT + 100));
    const fetches = server.commands("FETCH");
    const later = createJob("Sleep", [0]);
    await client.push(later);

    await until(() => server.busy().length === 0, 10_000, "the job finished");
    const out = w.output();
    assert.match(out, new RegExp(`slept 1500 ms jid=${running.jid}`), out);
    assert.ok(out.indexOf("Quiet:") < out.indexOf("slept 1500 ms"), out);
    assert.ok(server.commands("ACK") >= 1, out);
    assert.deepEqual(server.retries(), [], out);

    process.kill(w.child.pid!, "SIGTERM");
    assert.equal(await exitWithin(w, 10_000), 0, w.output());
    assert.deepEqual(server.busy(), [], "nothing left reserved");
    assert.deepEqual(server.queue("default").map((j) => j.jid), [later.jid]);
    assert.equal(server.commands("FETCH"), fetches, "no FETCH once quiet");
    assert.deepEqual(server.retries(), []);
  });
});

test(`deploy/worker.ts on ${runtime}: SIGTERM while a job runs lets it finish within shutdownTimeout, ACKs it and exits 0`, async () => {
  await withWorker(async (server, client, w) => {
    const job = createJob("Sleep", [500]);
    await client.push(job);
    await until(
      () => server.busy().length === 1 && w.output().includes("Worker started"),
      20_000,
      "the job running",
    );
    const signalled = Date.now();
    process.kill(w.child.pid!, "SIGTERM");
    assert.equal(await exitWithin(w, 10_000), 0, w.output());
    const out = w.output();
    assert.ok(Date.now() - signalled < workerShutdownTimeout(), out);
    assert.match(out, new RegExp(`slept 500 ms jid=${job.jid}`), out);
    assert.ok(out.indexOf("Shutting down") < out.indexOf("slept 500 ms"), out);
    assert.deepEqual(server.busy(), [], out);
    assert.deepEqual(server.retries(), [], "ACKed, not FAILed");
    assert.ok(server.commands("ACK") >= 1, out);
    assert.deepEqual(server.queue("default"), []);
  });
});
