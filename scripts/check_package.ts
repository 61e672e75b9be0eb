// Packs the npm package and uses it as a newcomer would, with no access to this checkout's
// sources: install the tarball into a fresh project, type-check a TypeScript consumer with tsc
// (moduleResolution nodenext and bundler), run its build with plain `node` and the .ts file
// with `bun run`. Deno runs the same consumer with jsr: specifiers, on the sources.
import { execFileSync, spawnSync } from "node:child_process";
import {
  copyFileSync,
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
    /\/(tests|bench|scripts|examples)\/|\.test\.|fixtures/.test(f)
  );
  const required = [
    "package/dist/mod.js",
    "package/dist/mod.js.map",
    "package/dist/testing/mod.d.ts",
    "package/CHANGELOG.md",
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

  // No runtime dependency: peers (such as @opentelemetry/api, for the tracing example) are optional.
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
  copyFileSync(join(fixtures, "consumer.ts"), join(app, "consumer.ts"));

  // tsc type-checks the consumer both ways; the nodenext build is what plain `node` runs.
  for (const resolution of ["nodenext", "bundler"]) {
    const emit = resolution === "nodenext";
    writeFileSync(
      join(app, `tsconfig.${resolution}.json`),
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
        files: ["consumer.ts"],
      }),
    );
    step(`tsc (moduleResolution ${resolution})`, bin("tsc"), [
      "-p",
      `tsconfig.${resolution}.json`,
    ], app);
  }
  step(
    "node out/consumer.js (plain node, no loader)",
    process.execPath,
    ["out/consumer.js"],
    app,
    /package ok: 100 jobs/,
  );
  step(
    "bun run consumer.ts",
    bin("bun"),
    ["run", "consumer.ts"],
    app,
    /package ok: 100 jobs/,
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
    "deno publish --dry-run",
    bin("deno"),
    ["publish", "--dry-run", "--allow-dirty"],
    root,
    /Success/,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.log(`package checks failed: ${failures.join(", ")}`);
  process.exit(1);
}
console.log("package checks passed");
