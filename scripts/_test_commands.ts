// The suite's files and the command that runs them on each runtime, shared by test_all.ts
// (the whole suite) and test_times.ts (one file at a time).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

export const root: string = join(import.meta.dirname ?? ".", "..");

/** Every test file, as paths from the root. */
export const testFiles: string[] = readdirSync(join(root, "tests"))
  .filter((f) => f.endsWith(".test.ts"))
  .sort()
  .map((f) => `./tests/${f}`);

/** The runtimes the suite runs on. */
export type RuntimeName = "node" | "deno" | "bun";

/**
 * The command that runs `files` on `runtime`; `parallel`: two files at a time
 * (much of the suite waits on sockets and timers, and each Node file pays
 * tsx's start-up).
 */
export function testCommand(
  runtime: RuntimeName,
  files: readonly string[],
  parallel: boolean,
): [cmd: string, args: string[]] {
  const bin = (name: string) => join(root, "node_modules", ".bin", name);
  switch (runtime) {
    case "node":
      return [process.execPath, [
        "--import",
        "tsx",
        "--test",
        "--test-reporter=spec",
        `--test-concurrency=${parallel ? 2 : 1}`,
        ...files,
      ]];
    case "deno":
      // Type-checking is `npm run check`'s job (deno check covers tests/); not twice.
      return [bin("deno"), [
        "test",
        "-A",
        "--no-check",
        "--no-prompt",
        ...(parallel ? ["--parallel"] : []),
        ...files,
      ]];
    case "bun":
      return [bin("bun"), [
        "test",
        "--timeout",
        "60000",
        ...(parallel ? ["--parallel=2"] : []),
        ...files,
      ]];
  }
}
