// Starts `faktory-worker dev` as users run it, in a process of its own on the current runtime:
// Node runs the npm program as built (dist/dev/bin.js, under plain node; build it first), Deno
// the JSR module (dev/mod.ts, --allow-net only), Bun the program's TypeScript (dev/bin.ts).
// Free ports (--port 0 --web-port 0); the addresses are read from what the program prints.
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import process from "node:process";
import { detectRuntime } from "../mod.ts";

/** A running dev program. */
export interface DevChild {
  /** Its Faktory address, `tcp://127.0.0.1:<port>`. */
  readonly url: string;
  /** Its dashboard's address, `http://127.0.0.1:<port>` (no trailing slash). */
  readonly web: string;
  /** Its process id. */
  readonly pid: number;
  /** The command line it was started with, for the report. */
  readonly command: string;
  /** Stops it with SIGTERM (SIGKILL after 10 s) and resolves when it has exited. */
  stop(): Promise<void>;
}

const root = resolve(import.meta.dirname ?? ".", "..");

/** The dev program's command for this runtime (relative to the repository root). */
function commandFor(runtime: string): string[] {
  const ports = ["--port", "0", "--web-port", "0"];
  if (runtime === "deno") return ["run", "--allow-net", "dev/mod.ts", ...ports];
  if (runtime === "bun") return ["dev/bin.ts", "dev", ...ports];
  return [join("dist", "dev", "bin.js"), "dev", ...ports];
}

/** Starts the dev program; rejects when it exits or prints no addresses within 30 s. */
export function startDev(): Promise<DevChild> {
  const args = commandFor(detectRuntime());
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: "1",
  };
  delete env.FAKTORY_PASSWORD;
  const child = spawn(process.execPath, args, {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return new Promise((resolvePromise, reject) => {
    let out = "";
    let started = false;
    const timer = setTimeout(() => fail("no addresses within 30 s"), 30_000);
    function fail(why: string) {
      if (started) return;
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`The dev program failed to start: ${why}: ${out}`));
    }
    child.once("exit", (code) => fail(`exited with ${code}`));
    child.stdout!.on("data", (d) => {
      // Keep reading after start-up (it logs every connection), but keep only the start.
      if (out.length > 10_000) return;
      out += d;
      const tcp = /on (tcp:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      const web = /Dashboard on (http:\/\/127\.0\.0\.1:\d+)\/\n/.exec(out);
      if (started || !tcp || !web) return;
      started = true;
      clearTimeout(timer);
      resolvePromise({
        url: tcp[1]!,
        web: web[1]!,
        pid: child.pid!,
        command: [detectRuntime(), ...args].join(" "),
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          // process.kill: Deno's child_process loses the exit of a child it signalled itself.
          process.kill(child.pid!, "SIGTERM");
          const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
          await exited;
          clearTimeout(killer);
        },
      });
    });
  });
}
