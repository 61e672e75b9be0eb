// Runs the whole test suite on Node (via tsx), Deno and Bun, then prints one line:
// "N passed, N failed, N skipped", summed over the three runtimes. Exits non-zero if any runtime fails,
// exits abnormally, or runs no test. Usage: tsx scripts/test_all.ts [node|deno|bun ...]
import { spawn } from "node:child_process";
import process from "node:process";
import {
  root,
  type RuntimeName,
  testCommand,
  testFiles as files,
} from "./_test_commands.ts";

// Live tests share one real server, and one of them restarts it: against a real Faktory
// (FAKTORY_URL), files run one at a time.
const live = Boolean(process.env.FAKTORY_URL);

interface Runtime {
  name: RuntimeName;
  parse(
    out: string,
  ): { passed: number; failed: number; skipped: number } | undefined;
}

const ESC = String.fromCharCode(27);
const last = (out: string, re: RegExp) => [...out.matchAll(re)].pop();

const runtimes: Runtime[] = [
  {
    name: "node",
    parse(out) {
      const pass = last(out, /^ℹ pass (\d+)$/gm);
      const fail = last(out, /^ℹ fail (\d+)$/gm);
      const cancelled = last(out, /^ℹ cancelled (\d+)$/gm);
      const skipped = last(out, /^ℹ skipped (\d+)$/gm);
      if (!pass || !fail) return undefined;
      // A cancelled test (it hung or its file crashed) counts as a failure.
      return {
        passed: Number(pass[1]),
        failed: Number(fail[1]) + Number(cancelled?.[1] ?? 0),
        skipped: Number(skipped?.[1] ?? 0),
      };
    },
  },
  {
    name: "deno",
    parse(out) {
      const m = last(
        out,
        /^(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \| (\d+) ignored)?/gm,
      );
      return m
        ? {
          passed: Number(m[1]),
          failed: Number(m[2]),
          skipped: Number(m[3] ?? 0),
        }
        : undefined;
    },
  },
  {
    name: "bun",
    parse(out) {
      const pass = last(out, /^\s*(\d+) pass$/gm);
      const fail = last(out, /^\s*(\d+) fail$/gm);
      const skipped = last(out, /^\s*(\d+) skip$/gm);
      return pass && fail
        ? {
          passed: Number(pass[1]),
          failed: Number(fail[1]),
          skipped: Number(skipped?.[1] ?? 0),
        }
        : undefined;
    },
  },
];

function run(rt: Runtime): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const [cmd, args] = testCommand(rt.name, files, !live);
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const collect = (chunk: Buffer) => void (out += chunk.toString());
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("close", (code) => resolve({ code, out }));
  });
}

const wanted = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
let ok = true;
const lines: string[] = [];

/** Runs one runtime's suite, then prints its output in one block and counts it. */
async function suite(rt: Runtime): Promise<void> {
  const started = Date.now();
  const { code, out } = await run(rt);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `\n=== ${rt.name}: ${files.length} test files ===\n${out}`,
  );
  const counts = rt.parse(out.replaceAll(ESC, "").replace(/\[[0-9;]*m/g, ""));
  if (!counts) {
    // A runtime that could not run the suite (say, a type error) counts as one failure,
    // so the summary line never reads "0 failed" when something broke.
    ok = false;
    failed += 1;
    lines.push(
      `${rt.name}: no test summary found, counted as 1 failed (exit ${code}, ${secs}s)`,
    );
    return;
  }
  passed += counts.passed;
  failed += counts.failed;
  skipped += counts.skipped;
  if (code !== 0 || counts.failed > 0 || counts.passed === 0) ok = false;
  lines.push(
    `${rt.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (exit ${code}, ${secs}s)`,
  );
}

const chosen = runtimes.filter((r) =>
  wanted.length === 0 || wanted.includes(r.name)
);
if (live) {
  for (const rt of chosen) await suite(rt);
} else {
  // Two lanes: Node (the longest) beside Deno then Bun. Much of the suite
  // waits on sockets, timers and child processes, so two cores stay busy.
  const node = chosen.filter((r) => r.name === "node");
  const rest = chosen.filter((r) => r.name !== "node");
  await Promise.all([node, rest].map(async (lane) => {
    for (const rt of lane) await suite(rt);
  }));
}
console.log("\n" + lines.join("\n"));
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok && failed === 0 && passed > 0 ? 0 : 1);
