// Starts the embedded server in a process of its own and prints its URL; stops on stdin EOF.
// Shared by the benchmarks, so the server and the measured clients do not share a thread.
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { detectRuntime } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";

/** Spawns this file with the current runtime and resolves with the server URL and a stop function. */
export async function serveInChild(): Promise<
  { url: string; stop(): Promise<void> }
> {
  const self = fileURLToPath(import.meta.url);
  const runtime = detectRuntime();
  const args = runtime === "node"
    ? ["--import", "tsx", self]
    : runtime === "deno"
    ? ["run", "-A", self]
    : [self];
  const child = spawn(process.execPath, args, {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, FAKTORY_BENCH_SERVE: "1" },
  });
  const url = await new Promise<string>((resolve) =>
    child.stdout!.once("data", (d) => resolve(String(d).trim()))
  );
  return {
    url,
    stop: () => {
      child.stdin!.end();
      return new Promise((r) => child.once("exit", () => r()));
    },
  };
}

if (process.env.FAKTORY_BENCH_SERVE === "1") {
  const server = await FaktoryServer.start({ taskInterval: 0 });
  console.log(server.url);
  process.stdin.on("data", () => {});
  process.stdin.on("end", () => void server.stop().then(() => process.exit(0)));
}
