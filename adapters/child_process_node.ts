/**
 * Child processes on Node.js (`node:child_process`, not `node:cluster`):
 * the same executable, its flags and the same script again.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { LocalProtocolError } from "../core/errors.ts";
import type { ChildExit, ChildProcesses } from "./child_process.ts";

/** Debugger flags: every child would compete for the same inspector port. */
const INSPECT = /^--inspect(-brk|-wait)?(=|$)/;

/**
 * Child processes on Node.js: `self()` is `process.execPath`, then
 * `process.execArgv` (loaders such as tsx's included, debugger flags left
 * out), then the script and its arguments.
 *
 * @example
 * ```ts ignore
 * import { nodeChildProcesses } from "./child_process_node.ts";
 * console.log(nodeChildProcesses.self().args);
 * ```
 */
export const nodeChildProcesses: ChildProcesses = {
  self() {
    if (process.argv[1] === undefined) {
      throw new LocalProtocolError(
        "processes needs a script file to start again; this program has none (a REPL, or code from --eval or stdin)",
      );
    }
    return {
      cmd: process.execPath,
      args: [
        ...process.execArgv.filter((a) => !INSPECT.test(a)),
        ...process.argv.slice(1),
      ],
    };
  },
  spawn(cmd, args, env) {
    const child = spawn(cmd, [...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit"],
      // Its own session: a terminal's Ctrl-C reaches the supervisor only,
      // which forwards it (on Windows it would open a console window).
      detached: process.platform !== "win32",
    });
    const exited = new Promise<ChildExit>((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
      child.once("error", (error) => {
        // Also emitted when a signal cannot be sent; only a failed start ends it.
        if (child.pid === undefined) {
          resolve({ code: null, signal: null, error });
        }
      });
    });
    return {
      pid: child.pid,
      exited,
      kill(signal) {
        try {
          return child.kill(signal);
        } catch {
          return false; // the OS lacks the signal (SIGTSTP on Windows)
        }
      },
    };
  },
};
