/**
 * The process platform for Node.js, which Bun also implements: host name,
 * pid, memory, environment, signals.
 *
 * @module
 */

import * as os from "node:os";
import process from "node:process";
import type { Platform } from "./transport.ts";

/**
 * The process platform for Node.js (and Bun, which provides the same APIs).
 *
 * @example
 * ```ts
 * import { defaultPlatform } from "@x/faktory-worker/protocol";
 * // On Node.js and Bun the default platform is this one.
 * console.log((await defaultPlatform()).pid > 0);
 * ```
 */
export const nodePlatform: Platform = {
  hostname: () => os.hostname(),
  pid: process.pid,
  ppid: () => process.ppid,
  rssBytes: () => process.memoryUsage.rss(),
  cores: () => os.availableParallelism(),
  env: (name) => process.env[name],
  onSignal(signal, listener) {
    if (process.platform === "win32" && signal === "SIGTSTP") return () => {};
    process.on(signal, listener);
    return () => void process.off(signal, listener);
  },
};
