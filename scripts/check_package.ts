// Packs the npm package and uses it as a newcomer would, with no access to this checkout's
// sources: install the tarball into a fresh project, run a worker and producer on Node with
// plain `node` and on Bun with `bun run` (a .ts file), and type-check a TypeScript consumer
// with tsc (moduleResolution nodenext and bundler). Deno runs the sources, as JSR serves them.
import { execFileSync, spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";

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
  if (
    leaked.length > 0 || !files.includes("package/dist/mod.js") ||
    !files.includes("package/dist/testing/mod.d.ts")
  ) {
    failures.push("tarball contents");
    console.log(
      `FAIL tarball contents: ${
        leaked.join(", ") || "dist/mod.js or dist/testing/mod.d.ts missing"
      }`,
    );
  } else console.log(`ok   tarball: ${files.length} files, dist only`);

  const app = join(work, "app");
  execFileSync("mkdir", ["-p", app]);
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
  for (const f of readdirSync(fixtures)) {
    if (f.startsWith("consumer.")) {
      copyFileSync(join(fixtures, f), join(app, f));
    }
  }

  step(
    "node consumer.mjs (plain node, no loader)",
    process.execPath,
    ["consumer.mjs"],
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
  for (const resolution of ["nodenext", "bundler"]) {
    const module = resolution === "nodenext" ? "nodenext" : "esnext";
    writeFileSync(
      join(app, `tsconfig.${resolution}.json`),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module,
          moduleResolution: resolution,
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          lib: ["ES2022", "DOM"],
          types: [],
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
    "deno run consumer_deno.ts (jsr: specifiers to the sources)",
    bin("deno"),
    [
      "run",
      "-A",
      "--config",
      "deno.json",
      "consumer_deno.ts",
    ],
    fixtures,
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
