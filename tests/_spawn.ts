// Runs a TypeScript file as a separate process on the runtime running the tests.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { detectRuntime } from "../mod.ts";

export const root: string = fileURLToPath(new URL("../", import.meta.url));
export const runtime: "node" | "deno" | "bun" = detectRuntime();

export interface Child {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `file`; `denoFlags` replace `-A` on Deno. */
export function start(
  file: string,
  env: Record<string, string>,
  denoFlags: string[] = ["-A"],
): Child {
  const pre = runtime === "node"
    ? ["--import", "tsx"]
    : runtime === "deno"
    ? ["run", ...denoFlags]
    : [];
  return startCommand(process.execPath, [...pre, file], root, env);
}

/** Starts `cmd` in `cwd`, with this environment plus `env`, collecting its output. */
export function startCommand(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Child {
  const child = spawn(cmd, args, {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) =>
    child.once("exit", (code) => r(code))
  );
  return { child, output: () => out, exited };
}

/** Writes `code` to .tmp/ with the package specifiers pointed at this checkout. */
export function writeScript(name: string, code: string): string {
  const dir = `${root}.tmp/`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${name}-${runtime}-${process.pid}.ts`;
  const mod = pathToFileURL(`${root}mod.ts`).href;
  const testing = pathToFileURL(`${root}testing/mod.ts`).href;
  writeFileSync(
    file,
    code.replace(/"@x\/faktory-worker\/testing"/g, JSON.stringify(testing))
      .replace(/"(jsr:)?@x\/faktory-worker"/g, JSON.stringify(mod)),
  );
  return file;
}

/** The README's code blocks. */
export function readmeBlocks(): string[] {
  const readme = readFileSync(`${root}README.md`, "utf8");
  return [...readme.matchAll(/```(ts|js)\n([\s\S]*?)```/g)].map((m) => m[2]!);
}

/** Resolves with the exit code, or "still running" after `ms`. */
export function exitWithin(
  c: Child,
  ms: number,
): Promise<number | null | "still running"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    c.exited,
    new Promise<"still running">((r) => {
      timer = setTimeout(() => r("still running"), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
