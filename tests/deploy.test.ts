// The files of deploy/ agree with each other and with the worker they run: each Dockerfile
// builds in one stage and runs as a non-root user in another, stops with SIGTERM and runs
// deploy/worker.ts (or its build) as PID 1; the systemd unit and the Kubernetes Deployment give
// the worker more time to stop than the shutdownTimeout deploy/worker.ts sets, and the pod is
// quieted before SIGTERM and probed on the port the worker serves. Nothing here runs docker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  at,
  deployFile,
  dockerStages,
  execForm,
  type Instruction,
  parseYaml,
  unitSeconds,
  unitSections,
  workerShutdownTimeout,
} from "./_deploy.ts";
import { root } from "./_spawn.ts";

const shutdownSeconds = workerShutdownTimeout() / 1000;

/** The value of the last `ENV name=value` of a stage. */
function env(stage: Instruction[], name: string): string | undefined {
  let value: string | undefined;
  for (const i of stage.filter((i) => i.op === "ENV")) {
    for (const m of i.args.matchAll(/(\w+)=(\S+)/g)) {
      if (m[1] === name) value = m[2];
    }
  }
  return value;
}

test("deploy/worker.ts sets shutdownTimeout, reads HEALTH_PORT and binds 0.0.0.0 by default", () => {
  const worker = deployFile("worker.ts");
  assert.ok(shutdownSeconds > 0);
  assert.match(worker, /from "@x\/faktory-worker"/);
  assert.match(worker, /healthPort: Number\(process\.env\.HEALTH_PORT\b/);
  assert.match(
    worker,
    /healthHost: process\.env\.HEALTH_HOST \?\? "0\.0\.0\.0"/,
  );
  assert.match(worker, /\bawait mgr\.run\(\);/);
});

for (const runtime of ["node", "deno", "bun"]) {
  test(`deploy/Dockerfile.${runtime}: two stages, a non-root user, STOPSIGNAL SIGTERM, the worker as PID 1`, () => {
    const stages = dockerStages(deployFile(`Dockerfile.${runtime}`));
    assert.ok(stages.length >= 2, "a build stage and a runtime stage");
    const final = stages.at(-1)!;
    const user = final.filter((i) => i.op === "USER").at(-1)?.args;
    assert.ok(user, "the final stage sets USER");
    assert.doesNotMatch(user, /^(root|0)(:|$)/, "USER is not root");
    assert.deepEqual(
      final.filter((i) => i.op === "STOPSIGNAL").map((i) => i.args),
      ["SIGTERM"],
    );
    const command = execForm(final);
    assert.ok(command, "an exec-form ENTRYPOINT or CMD");
    assert.equal(command[0], runtime, "the runtime itself is PID 1");
    const entry = command.at(-1)!;
    if (runtime === "node") {
      // The build stage compiles deploy/worker.ts; the final stage copies and runs its output.
      const tsc = stages.slice(0, -1).flat().find((i) =>
        i.op === "RUN" && /\btsc\b.*\bdeploy\/worker\.ts\b/.test(i.args)
      );
      assert.ok(tsc, "a build stage compiles deploy/worker.ts with tsc");
      assert.match(tsc.args, /--rootDir \.(\s|$)/);
      const outDir = /--outDir (\S+)/.exec(tsc.args)?.[1];
      assert.equal(entry, `${outDir}/deploy/worker.js`);
      assert.ok(
        final.some((i) =>
          i.op === "COPY" && i.args.startsWith("--from=") &&
          i.args.includes(` /app/${outDir} `)
        ),
        "the final stage copies the build output",
      );
    } else {
      assert.equal(entry, "deploy/worker.ts");
    }
    // The health port the worker reads is the one the image exposes.
    const port = env(final, "HEALTH_PORT");
    assert.ok(port, "ENV HEALTH_PORT");
    assert.ok(
      final.some((i) =>
        i.op === "EXPOSE" && i.args.split(/\s+/).includes(port)
      ),
      `EXPOSE ${port}`,
    );
  });
}

test("deploy/faktory-worker.service: SIGTERM to the main process, and more than shutdownTimeout + 2 s to stop", () => {
  const service = new Map(
    unitSections(deployFile("faktory-worker.service")).get("Service"),
  );
  assert.equal(service.get("KillSignal"), "SIGTERM");
  // The worker, or the supervisor of `processes`, takes SIGTERM and signals its children.
  assert.equal(service.get("KillMode"), "mixed");
  const stopSeconds = unitSeconds(service.get("TimeoutStopSec") ?? "");
  assert.ok(
    stopSeconds > shutdownSeconds + 2,
    `TimeoutStopSec ${stopSeconds} s > shutdownTimeout ${shutdownSeconds} s + 2 s`,
  );
  assert.equal(service.get("Restart"), "on-failure");
  const user = service.get("User");
  assert.ok(user && !/^(root|0)$/.test(user), "a non-root User=");
  assert.match(service.get("ExecStart") ?? "", /\bdeploy\/worker\.(ts|js)$/);
  assert.equal(service.get("ExecReload"), "/bin/kill -TSTP $MAINPID");
});

test("deploy/kubernetes.yaml: quiet in preStop, then SIGTERM within the grace period; probes on the worker's port", () => {
  const doc = parseYaml(deployFile("kubernetes.yaml"));
  assert.equal(at(doc, "kind"), "Deployment");
  assert.equal(at(doc, "spec", "strategy", "type"), "RollingUpdate");
  assert.equal(
    at(doc, "spec", "strategy", "rollingUpdate", "maxUnavailable"),
    0,
  );
  const pod = at(doc, "spec", "template", "spec");
  const container = at(pod, "containers", 0);

  const preStop = at(container, "lifecycle", "preStop", "exec", "command");
  assert.ok(Array.isArray(preStop));
  const script = preStop.join(" ");
  const quiet = /\bkill -(TSTP|SIGTSTP|s TSTP) 1\b/.exec(script);
  const sleep = /\bsleep (\d+)\b/.exec(script);
  assert.ok(quiet, `preStop sends SIGTSTP to PID 1: ${script}`);
  assert.ok(sleep, `preStop sleeps: ${script}`);
  assert.ok(quiet.index < sleep.index, "quiet first, then wait");
  const grace = at(pod, "terminationGracePeriodSeconds");
  assert.equal(typeof grace, "number");
  assert.ok(
    (grace as number) > shutdownSeconds + Number(sleep[1]) + 2,
    `terminationGracePeriodSeconds ${grace} > shutdownTimeout ${shutdownSeconds} s + preStop sleep ${
      sleep[1]
    } s + 2 s`,
  );

  // The probes' port is the one the container's env tells the worker to serve.
  const envs = at(container, "env") as Record<string, unknown>[];
  const healthPort = Number(envs.find((e) => e.name === "HEALTH_PORT")?.value);
  assert.ok(healthPort > 0, "env HEALTH_PORT");
  const ports = at(container, "ports") as Record<string, unknown>[];
  const portOf = (port: unknown): unknown =>
    typeof port === "number"
      ? port
      : ports.find((p) => p.name === port)?.containerPort;
  for (
    const [probe, path] of [["livenessProbe", "/healthz"], [
      "readinessProbe",
      "/readyz",
    ]] as const
  ) {
    assert.equal(at(container, probe, "httpGet", "path"), path);
    assert.equal(
      portOf(at(container, probe, "httpGet", "port")),
      healthPort,
      `${probe} on HEALTH_PORT`,
    );
  }
});

test("README's Deploy section quotes the deploy files as they are", () => {
  const readme = readFileSync(`${root}README.md`, "utf8");
  const section = readme.slice(
    readme.indexOf("\n## Deploy\n"),
    readme.indexOf("\n## ", readme.indexOf("\n## Deploy\n") + 1),
  );
  const quoted = [
    ...section.matchAll(/```(ts|dockerfile|ini)\n([\s\S]*?)```/g),
  ];
  assert.equal(quoted.length, 3, "worker options, Dockerfile and unit lines");
  const files = {
    ts: deployFile("worker.ts"),
    dockerfile: deployFile("Dockerfile.node"),
    ini: deployFile("faktory-worker.service"),
  };
  for (const [, lang, code] of quoted) {
    for (const line of code!.split("\n")) {
      const text = line.replace(/\s+\/\/ .*$/, "").trim();
      if (text === "" || text.startsWith("#") || text.startsWith("//")) {
        continue;
      }
      assert.ok(
        files[lang as keyof typeof files].includes(text),
        `deploy files have "${text}"`,
      );
    }
  }
  // The Node build for systemd: the unit's comment and the README give the image's tsc line.
  const tsc = /npx tsc [^`\n]*?deploy\/worker\.ts/;
  const built = dockerStages(files.dockerfile).flat().find((i) =>
    i.op === "RUN" && tsc.test(i.args)
  );
  assert.ok(built, "Dockerfile.node runs npx tsc");
  const line = tsc.exec(built.args)![0].replace(/\s+/g, " ");
  assert.equal(tsc.exec(section.replace(/\n/g, " "))?.[0], line);
  assert.equal(tsc.exec(files.ini)?.[0], line);
  const yaml = deployFile("kubernetes.yaml");
  for (
    const pattern of [
      /terminationGracePeriodSeconds: \d+/,
      /kill -TSTP 1; sleep \d+/,
    ]
  ) {
    assert.equal(pattern.exec(section)?.[0], pattern.exec(yaml)?.[0]);
  }
});
