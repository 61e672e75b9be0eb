// `npm run check`: every static check, in order; prints a summary and exits non-zero on any failure.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import process from "node:process";

const root = resolve(import.meta.dirname ?? ".", "..");
const bin = (name: string) => join(root, "node_modules", ".bin", name);

const steps: [string, string, string[]][] = [
  ["deno check", bin("deno"), [
    "check",
    "mod.ts",
    "protocol.ts",
    "tracing/",
    "dev/",
    "tests/",
    "scripts/",
    "examples/",
    "deploy/",
    "bench/",
    "typecheck/job_definitions.ts",
  ]],
  ["deno lint", bin("deno"), ["lint"]],
  ["deno fmt --check", bin("deno"), ["fmt", "--check"]],
  ["deno doc --lint (every entry point)", process.execPath, [
    "--import",
    "tsx",
    "scripts/check_doc_lint.ts",
  ]],
  ["deno check --doc (JSDoc examples)", bin("deno"), [
    "check",
    "--doc",
    "mod.ts",
    "protocol.ts",
    "core/",
    "adapters/",
    "client/",
    "worker/",
    "server/",
    "testing/",
    "tracing/",
    "dashboard/",
    "dev/",
  ]],
  ["every export has an @example", process.execPath, [
    "--import",
    "tsx",
    "scripts/check_docs.ts",
  ]],
  ["tsc (npm build)", bin("tsc"), ["-p", "tsconfig.build.json", "--noEmit"]],
  ["tsc (job definition types)", bin("tsc"), [
    "-p",
    "typecheck/tsconfig.jobs.json",
  ]],
  ["local Bun typings agree with bun-types", bin("tsc"), [
    "-p",
    "typecheck/tsconfig.json",
  ]],
  ["versions (package.json, deno.json)", process.execPath, [
    "--import",
    "tsx",
    "scripts/check_version.ts",
  ]],
  ["GitHub workflows match the schema", process.execPath, [
    "--import",
    "tsx",
    "scripts/check_workflows.ts",
  ]],
  ["layers and manifests", process.execPath, [
    "--import",
    "tsx",
    "scripts/check_layers.ts",
  ]],
  ["README code blocks", process.execPath, [
    "--import",
    "tsx",
    "scripts/check_readme.ts",
  ]],
  ["npm package on Node, Bun, tsc; Deno and JSR dry run", process.execPath, [
    "--import",
    "tsx",
    "scripts/check_package.ts",
  ]],
];

const failed: string[] = [];
for (const [name, cmd, args] of steps) {
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(cmd, args, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NO_COLOR: "1" },
  });
  if (result.status !== 0) failed.push(name);
}
console.log(
  failed.length === 0
    ? "\nall checks passed"
    : `\nfailed: ${failed.join(", ")}`,
);
process.exit(failed.length === 0 ? 0 : 1);
