// `npm run bench`: runs every benchmark in bench/ on Node, Deno and Bun, one after another, then
// bench/cpu_bench.ts and bench/mem_bench.ts once each (they start the workers of each runtime
// themselves, Go's too if given).
// Usage: tsx scripts/bench_all.ts [node|deno|bun ...] [server|worker|cpu ...] [args] [-- args]
// Runtimes and benchmark names narrow the run; other args (numbers, --flags, anything after
// `--`) go to every benchmark: `npm run bench cpu -- --quick` works although npm eats the `--`.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";

const root = resolve(import.meta.dirname ?? ".", "..");
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const sep = process.argv.indexOf("--");
const before = process.argv.slice(2, sep === -1 ? undefined : sep);
const passed = (a: string) => a.startsWith("-") || /^\d/.test(a);
const wanted = before.filter((a) => !passed(a));
const extra = [
  ...before.filter(passed),
  ...(sep === -1 ? [] : process.argv.slice(sep + 1)),
];
const runtimes: [string, string, string[]][] = [
  ["node", process.execPath, ["--import", "tsx"]],
  ["deno", bin("deno"), ["run", "-A"]],
  ["bun", bin("bun"), []],
];
const names = readdirSync(join(root, "bench"))
  .filter((f) => f.endsWith("_bench.ts"))
  .map((f) => f.slice(0, -"_bench.ts".length))
  .sort();
const wantedRuntimes = wanted.filter((w) => runtimes.some(([r]) => r === w));
const wantedBenches = wanted.filter((w) => names.includes(w));
const unknown = wanted.filter((w) =>
  !wantedRuntimes.includes(w) && !wantedBenches.includes(w)
);
if (unknown.length > 0) {
  console.error(
    `Unknown: ${unknown.join(", ")} (runtimes: node, deno, bun; benchmarks: ${
      names.join(", ")
    })`,
  );
  process.exit(2);
}
/** Benchmarks that run once, from Node, and start each runtime's worker themselves. */
const once = ["cpu", "mem"];
const runs = (name: string) =>
  wantedBenches.length === 0 || wantedBenches.includes(name);
let failed = false;
for (const [runtime, cmd, pre] of runtimes) {
  if (wantedRuntimes.length > 0 && !wantedRuntimes.includes(runtime)) continue;
  for (const name of names) {
    if (once.includes(name) || !runs(name)) continue;
    const r = spawnSync(cmd, [
      ...pre,
      join("bench", `${name}_bench.ts`),
      ...extra,
    ], {
      cwd: root,
      stdio: "inherit",
    });
    if (r.status !== 0) failed = true;
  }
}
for (const name of once) {
  if (!runs(name)) continue;
  const r = spawnSync(process.execPath, [
    "--import",
    "tsx",
    join("bench", `${name}_bench.ts`),
    ...wantedRuntimes,
    ...extra,
  ], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
