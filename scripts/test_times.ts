// `npm run test:times`: where the suite's time goes. Runs each test file alone on each runtime
// (the same commands as scripts/test_all.ts) and prints the slowest files and each runtime's
// total. A file's time includes its runtime's start-up, which a whole-suite run pays once
// (Deno, Bun) or once per file (Node). Usage: tsx scripts/test_times.ts [node|deno|bun ...]
import { spawnSync } from "node:child_process";
import process from "node:process";
import {
  root,
  type RuntimeName,
  testCommand,
  testFiles as files,
} from "./_test_commands.ts";

const all: RuntimeName[] = ["node", "deno", "bun"];
const wanted = process.argv.slice(2);
const runtimes = all.filter((r) => wanted.length === 0 || wanted.includes(r));
const rows: { runtime: string; file: string; secs: number; ok: boolean }[] = [];
for (const file of files) {
  for (const runtime of runtimes) {
    const [cmd, args] = testCommand(runtime, [file], false);
    const started = performance.now();
    const result = spawnSync(cmd, args, {
      cwd: root,
      stdio: "ignore",
      env: { ...process.env, NO_COLOR: "1" },
    });
    const secs = (performance.now() - started) / 1000;
    rows.push({ runtime, file, secs, ok: result.status === 0 });
    process.stdout.write(".");
  }
}
console.log("\n\nslowest files:");
for (const r of [...rows].sort((a, b) => b.secs - a.secs).slice(0, 25)) {
  console.log(
    `${r.secs.toFixed(1).padStart(6)} s  ${r.runtime.padEnd(5)} ${r.file}${
      r.ok ? "" : "  (failed)"
    }`,
  );
}
console.log("\ntotal per runtime (files run one by one):");
for (const runtime of runtimes) {
  const total = rows.filter((r) => r.runtime === runtime)
    .reduce((n, r) => n + r.secs, 0);
  console.log(`${runtime.padEnd(5)} ${total.toFixed(1)} s`);
}
