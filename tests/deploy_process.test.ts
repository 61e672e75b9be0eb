// deploy/worker.ts run as a real process on the runtime running this test (on Deno with the
// permission flags of deploy/Dockerfile.deno), sent the signals the platforms send: Kubernetes'
// preStop SIGTSTP then SIGTERM, and Docker's or systemd's SIGTERM alone. On Node, also its build
// as deploy/Dockerfile.node makes it: that file's tsc line, in a project of its own that has a
// tsconfig.json, and its ENTRYPOINT run with plain node (no loader).
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, createJob } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { until } from "./_manager_util.ts";
import {
  type Child,
  exitWithin,
  root,
  runtime,
  start,
  startCommand,
} from "./_spawn.ts";
import {
  deployFile,
  dockerStages,
  execForm,
  type Instruction,
  workerShutdownTimeout,
} from "./_deploy.ts";

const FETCH_TIMEOUT = 300;

/** The flags of the Deno image's `deno run`, between "run" and the file. */
function denoFlags(): string[] {
  const command = execForm(dockerStages(deployFile("Dockerfile.deno")).at(-1)!);
  assert.ok(command && command[1] === "run", "deno run in Dockerfile.deno");
  return command.slice(2, -1);
}

/** Starts the worker with these variables set (and the probes on a free port). */
type Launch = (env: Record<string, string>) => Child;

/** deploy/worker.ts itself, on the runtime running this test. */
const fromSource: Launch = (env) => start("deploy/worker.ts", env, denoFlags());

async function withWorker(
  launch: Launch,
  fn: (server: FaktoryServer, client: Client, w: Child) => Promise<void>,
): Promise<void> {
  const server = await FaktoryServer.start({ fetchTimeout: FETCH_TIMEOUT });
  const client = await Client.connect(server.url);
  const w = launch({
    FAKTORY_URL: server.url,
    HEALTH_PORT: "0",
    HEALTH_HOST: "127.0.0.1",
  });
  try {
    await fn(server, client, w);
  } finally {
    w.child.kill("SIGKILL");
    await client.close();
    await server.stop();
  }
}

/** Kubernetes: preStop's SIGTSTP, the running job finishes, then SIGTERM. */
function quietThenTerm(launch: Launch): Promise<void> {
  return withWorker(launch, async (server, client, w) => {
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
}

/** Docker, systemd: SIGTERM while a job runs. */
function termWhileRunning(launch: Launch): Promise<void> {
  return withWorker(launch, async (server, client, w) => {
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
}

test(`deploy/worker.ts on ${runtime}: preStop's SIGTSTP stops fetching while the running job finishes; SIGTERM then exits 0`, async () => {
  await quietThenTerm(fromSource);
});

test(`deploy/worker.ts on ${runtime}: SIGTERM while a job runs lets it finish within shutdownTimeout, ACKs it and exits 0`, async () => {
  await termWhileRunning(fromSource);
});

/** The `ENV name=value` pairs of a stage. */
function stageEnv(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.filter((i) => i.op === "ENV")) {
    for (const m of i.args.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
  }
  return env;
}

/**
 * A project as Dockerfile.node expects (package.json with "type": "module", the package and
 * @types/node installed) that also has a tsconfig.json of its own, as most do; the package is
 * this checkout compiled (without type checks: tsc checks it elsewhere) to the dist/ its
 * package.json exports.
 */
function nodeProject(): string {
  const app = mkdtempSync(join(tmpdir(), "faktory-deploy-node-"));
  const pkg = join(app, "node_modules", "@x", "faktory-worker");
  mkdirSync(pkg, { recursive: true });
  copyFileSync(join(root, "package.json"), join(pkg, "package.json"));
  const build = spawnSync(join(root, "node_modules", ".bin", "tsc"), [
    ...["--ignoreConfig", "--noCheck", "--skipLibCheck", "--declaration"],
    ...["--module", "nodenext", "--target", "es2022", "--types", "node"],
    ...["--allowImportingTsExtensions", "--rewriteRelativeImportExtensions"],
    ...["--rootDir", root, "--outDir", join(pkg, "dist"), join(root, "mod.ts")],
  ], { cwd: root, encoding: "utf8" });
  assert.equal(build.status, 0, `${build.stdout}${build.stderr}`);
  symlinkSync(
    join(root, "node_modules", "@types"),
    join(app, "node_modules", "@types"),
    "dir",
  );
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({
      type: "module",
      dependencies: { "@x/faktory-worker": "*" },
    }),
  );
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true } }),
  );
  mkdirSync(join(app, "deploy"));
  copyFileSync(
    join(root, "deploy", "worker.ts"),
    join(app, "deploy", "worker.ts"),
  );
  return app;
}

test(
  "deploy/Dockerfile.node's build of deploy/worker.ts, in a project with a tsconfig.json, runs with plain node: SIGTSTP then SIGTERM, or SIGTERM alone, and it exits 0",
  { skip: runtime !== "node" && "the Node image: checked on Node" },
  async () => {
    const stages = dockerStages(deployFile("Dockerfile.node"));
    const line = stages.slice(0, -1).flat().find((i) =>
      i.op === "RUN" && /\bnpx tsc\b/.test(i.args)
    );
    assert.ok(line, "a build stage runs npx tsc");
    const args = /\bnpx tsc (.*?)\s*(&&|$)/.exec(line.args)![1]!.split(/\s+/);
    const command = execForm(stages.at(-1)!);
    assert.equal(command?.[0], "node", "plain node runs the build");
    const app = nodeProject();
    try {
      const tsc = spawnSync(join(root, "node_modules", ".bin", "tsc"), args, {
        cwd: app,
        encoding: "utf8",
      });
      assert.equal(
        tsc.status,
        0,
        `tsc ${args.join(" ")}\n${tsc.stdout}${tsc.stderr}`,
      );
      const launch: Launch = (env) =>
        startCommand(process.execPath, command!.slice(1), app, {
          ...stageEnv(stages.at(-1)!),
          NODE_OPTIONS: "", // no loader, as in the image
          ...env,
        });
      await quietThenTerm(launch);
      await termWhileRunning(launch);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  },
);
