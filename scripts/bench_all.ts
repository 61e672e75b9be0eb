// `npm run bench`: runs every benchmark in bench/ on Node, Deno and Bun, one after another.
// Usage: tsx scripts/bench_all.ts [node|deno|bun ...] [-- extra args for the benchmarks]
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";

const root = resolve(import.meta.dirname ?? ".", "..");
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const sep = process.argv.indexOf("--");
const wanted = process.argv.slice(2, sep === -1 ? undefined : sep);
const extra = sep === -1 ? [] : process.argv.slice(sep + 1);
const files = readdirSync(join(root, "bench")).filter((f) =>
  f.endsWith("_bench.ts")
).sort();
const runtimes: [string, string, string[]][] = [
  ["node", process.execPath, ["--import", "tsx"]],
  ["deno", bin("deno"), ["run", "-A"]],
  ["bun", bin("bun"), []],
];
let failed = false;
for (const [name, cmd, pre] of runtimes) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  for (const file of files) {
    const r = spawnSync(cmd, [...pre, join("bench", file), ...extra], {
      cwd: root,
      stdio: "inherit",
    });
    if (r.status !== 0) failed = true;
  }
}
process.exit(failed ? 1 : 0);
