/**
 * Child processes on Bun (`Bun.spawn`): the same executable, its flags and
 * the same script again. The Bun API used is typed locally
 * (_bun_types.ts).
 *
 * @module
 */

import process from "node:process";
import { LocalProtocolError } from "../core/errors.ts";
import type { BunSpawnApi } from "./_bun_types.ts";
import type { ChildExit, ChildProcesses } from "./child_process.ts";

const bun = (globalThis as unknown as { Bun: BunSpawnApi }).Bun;

/**
 * Child processes on Bun: `self()` is `process.execPath`, then
 * `process.execArgv`, then `Bun.argv` from the script on.
 *
 * @example
 * ```ts ignore
 * import { bunChildProcesses } from "./child_process_bun.ts";
 * console.log(bunChildProcesses.self().args);
 * ```
 */
export const bunChildProcesses: ChildProcesses = {
  self() {
    if (bun.argv[1] === undefined) {
      throw new LocalProtocolError(
        "processes needs a script file to start again; this program has none",
      );
    }
    return {
      cmd: process.execPath,
      args: [...process.execArgv, ...bun.argv.slice(1)],
    };
  },
  spawn(cmd, args, env) {
    const child = bun.spawn({
      cmd: [cmd, ...args],
      env: { ...process.env, ...env },
      stdin: "ignore",
      stdout: "inherit",
      stderr: "inherit",
      detached: process.platform !== "win32", // see child_process_node.ts
    });
    let done = false;
    const exited = child.exited.then((code): ChildExit => {
      done = true;
      const signal = child.signalCode;
      return signal === null
        ? { code, signal: null }
        : { code: null, signal: String(signal) };
    });
    return {
      pid: child.pid,
      exited,
      kill(signal) {
        if (done) return false;
        try {
          child.kill(signal);
          return true;
        } catch {
          return false;
        }
      },
    };
  },
};
