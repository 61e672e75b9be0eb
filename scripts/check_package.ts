// Packs the npm package and uses it as a newcomer would, with no access to this checkout's
// sources: install the tarball into a fresh project, type-check a TypeScript consumer with tsc
// (moduleResolution nodenext and bundler), run its build with plain `node` and the .ts file
// with `bun run`; then install @opentelemetry/api next to it and do the same with a consumer
// of the tracing subpath. Deno runs the first consumer with jsr: specifiers, on the sources.
// The `faktory-worker dev` program of the installed package starts and stops on Ctrl-C, run
// as `npx @x/faktory-worker dev`, from node_modules/.bin, and with `bunx --bun`.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";

const root = resolve(import.meta.dirname ?? ".", "..");
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const fixtures = join(root, "tests", "package");
const work = mkdtempSync(join(tmpdir(), "faktory-package-"));
const failures: string[] = [];

function step(
  name: string,
  cmd: string,
  args: string[],
  cwd: string,
  expect?: RegExp,
): void {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 120_000,
  });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  const ok = r.status === 0 && (!expect || expect.test(out));
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok ? "" : `\n${out}`}`);
  if (!ok) failures.push(name);
}

/**
 * Type-checks a consumer from tests/package/ with tsc both ways (moduleResolution nodenext and
 * bundler), runs the nodenext build with plain `node` and the .ts file with `bun run`.
 */
function consume(app: string, name: string, expect: RegExp): void {
  copyFileSync(join(fixtures, `${name}.ts`), join(app, `${name}.ts`));
  for (const resolution of ["nodenext", "bundler"]) {
    const emit = resolution === "nodenext";
    const config = `tsconfig.${name}.${resolution}.json`;
    writeFileSync(
      join(app, config),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: emit ? "nodenext" : "esnext",
          moduleResolution: resolution,
          strict: true,
          skipLibCheck: false,
          lib: ["ES2022", "DOM"],
          types: [],
          ...(emit ? { outDir: "out" } : { noEmit: true }),
        },
        files: [`${name}.ts`],
      }),
    );
    step(`tsc ${name}.ts (moduleResolution ${resolution})`, bin("tsc"), [
      "-p",
      config,
    ], app);
  }
  step(
    `node out/${name}.js (plain node, no loader)`,
    process.execPath,
    [`out/${name}.js`],
    app,
    expect,
  );
  step(`bun run ${name}.ts`, bin("bun"), ["run", `${name}.ts`], app, expect);
}

/**
 * Starts the dev server, waits for its dashboard address, loads the dashboard, then sends
 * SIGINT: to the whole process group when `group` (what a terminal's Ctrl-C does: npx
 * runs the program under a shell), else to the program itself, whose exit code must be 0.
 */
async function devServer(
  name: string,
  cmd: string,
  args: string[],
  cwd: string,
  group: boolean,
): Promise<void> {
  const child = spawn(cmd, args, {
    cwd,
    detached: group,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) =>
    child.once("exit", (code) => r(code))
  );
  const within = <T>(p: Promise<T>, ms: number) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      p,
      new Promise<"timeout">((
        r,
      ) => (timer = setTimeout(() => r("timeout"), ms))),
    ]).finally(() => clearTimeout(timer));
  };
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(group ? -child.pid! : child.pid!, sig);
    } catch { /* gone */ }
  };
  let problem = "";
  try {
    let url: string | undefined;
    for (let i = 0; i < 300 && !url && child.exitCode === null; i++) {
      url = /Dashboard on (http:\/\/\S+)/.exec(out)?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 100));
    }
    if (!url) throw new Error("no dashboard address");
    const page = await (await fetch(`${url}queues`)).text();
    if (!page.includes("Enqueued")) {
      throw new Error("the dashboard did not load");
    }
    signal("SIGINT");
    const code = await within(exited, 10_000);
    if (code === "timeout") throw new Error("still running 10 s after SIGINT");
    if (!/Stopped\n/.test(out)) throw new Error("no clean stop");
    if (!group && code !== 0) throw new Error(`exit code ${code}`);
  } catch (err) {
    problem = (err as Error).message;
    signal("SIGKILL");
  }
  console.log(
    `${problem ? "FAIL" : "ok  "} ${name}${
      problem ? `: ${problem}\n${out}` : ""
    }`,
  );
  if (problem) failures.push(name);
}

try {
  const packed = execFileSync("npm", [
    "pack",
    "--silent",
    "--pack-destination",
    work,
  ], { cwd: root, encoding: "utf8" })
    .trim().split("\n").pop()!;
  const tarball = join(work, packed);
  const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
    .split("\n").filter(Boolean);
  const leaked = files.filter((f) =>
    /\/(tests|bench|scripts|examples|deploy|docs)\/|\.test\.|fixtures|\.png$/
      .test(f)
  );
  const required = [
    "package/dist/mod.js",
    "package/dist/mod.js.map",
    "package/dist/testing/mod.d.ts",
    "package/dist/server/server.js",
    "package/dist/tracing/mod.js",
    "package/dist/tracing/mod.d.ts",
    "package/CHANGELOG.md",
    "package/dist/dashboard/dashboard.js",
    "package/dist/dev/bin.js",
  ];
  const missing = required.filter((f) => !files.includes(f));
  if (leaked.length > 0 || missing.length > 0) {
    failures.push("tarball contents");
    console.log(
      `FAIL tarball contents: ${
        leaked.join(", ") || `${missing.join(", ")} missing`
      }`,
    );
  } else {
    console.log(
      `ok   tarball: ${files.length} files, dist (with source maps) and CHANGELOG`,
    );
  }

  // No runtime dependency: peers (@opentelemetry/api, for the tracing subpath) are optional.
  const manifest = JSON.parse(
    execFileSync("tar", ["-xzOf", tarball, "package/package.json"], {
      encoding: "utf8",
    }),
  );
  const optional = manifest.peerDependenciesMeta ?? {};
  const runtimeDeps = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}).filter((name) =>
      optional[name]?.optional !== true
    ),
  ];
  if (runtimeDeps.length > 0) {
    failures.push("no runtime dependencies");
    console.log(`FAIL no runtime dependencies: ${runtimeDeps.join(", ")}`);
  } else {
    console.log("ok   no runtime dependencies (peers all optional)");
  }

  const app = join(work, "app");
  mkdirSync(app);
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  step("npm install <tarball>", "npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--offline",
    tarball,
  ], app);
  // Without @opentelemetry/api installed: the main and testing entries must not need it.
  if (existsSync(join(app, "node_modules", "@opentelemetry", "api"))) {
    failures.push("optional peer not installed");
    console.log("FAIL npm installed @opentelemetry/api, an optional peer");
  }
  consume(app, "consumer", /package ok: 100 jobs/);

  // The tracing subpath, with @opentelemetry/api installed next to the package as a user does;
  // offline: packed from the copy `npm ci` installed in this checkout.
  const api = execFileSync("npm", [
    "pack",
    "--silent",
    "--pack-destination",
    work,
    join(root, "node_modules", "@opentelemetry", "api"),
  ], { cwd: root, encoding: "utf8" }).trim().split("\n").pop()!;
  step("npm install @opentelemetry/api", "npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--offline",
    join(work, api),
  ], app);
  consume(
    app,
    "tracing_consumer",
    /tracing ok: 4 spans, jobs continue their push's trace/,
  );

  await devServer(
    "npx @x/faktory-worker dev (Ctrl-C to its process group)",
    "npx",
    ["--offline", "@x/faktory-worker", "dev", "--port", "0", "--web-port", "0"],
    app,
    true,
  );
  await devServer(
    "node_modules/.bin/faktory-worker dev (SIGINT, exit code 0)",
    join(app, "node_modules", ".bin", "faktory-worker"),
    ["dev", "--port", "0", "--web-port", "0"],
    app,
    false,
  );

  await devServer(
    "bunx --bun @x/faktory-worker dev (SIGINT, exit code 0)",
    bin("bun"),
    [
      "x",
      "--bun",
      "@x/faktory-worker",
      "dev",
      "--port",
      "0",
      "--web-port",
      "0",
    ],
    app,
    false,
  );

  // Deno: the same consumer with jsr: specifiers, mapped to this checkout's sources as JSR serves them.
  const deno = join(work, "deno");
  mkdirSync(deno);
  writeFileSync(
    join(deno, "consumer.ts"),
    readFileSync(join(fixtures, "consumer.ts"), "utf8").replace(
      /"@x\/faktory-worker/g,
      '"jsr:@x/faktory-worker',
    ),
  );
  writeFileSync(
    join(deno, "deno.json"),
    JSON.stringify({
      imports: {
        "jsr:@x/faktory-worker": pathToFileURL(join(root, "mod.ts")).href,
        "jsr:@x/faktory-worker/testing":
          pathToFileURL(join(root, "testing", "mod.ts")).href,
      },
    }),
  );
  step(
    "deno run consumer.ts (jsr: specifiers to the sources)",
    bin("deno"),
    [
      "run",
      "-A",
      "--config",
      "deno.json",
      "consumer.ts",
    ],
    deno,
    /package ok: 100 jobs/,
  );
  step(
    "deno publish --dry-run (no docs/ images in the JSR package)",
    bin("deno"),
    ["publish", "--dry-run", "--allow-dirty"],
    root,
    /^(?![\s\S]*docs\/)[\s\S]*Success/,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.log(`package checks failed: ${failures.join(", ")}`);
  process.exit(1);
}
console.log("package checks passed");
