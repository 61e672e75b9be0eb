/**
 * The command-line process on Node.js (and Bun, which provides the same
 * API).
 *
 * @module
 */

import process from "node:process";
import type { ProcessControl } from "./process.ts";
import { nodePlatform } from "./platform_node.ts";

/** The command-line process on Node.js and Bun. */
export const nodeProcess: ProcessControl = {
  args: () => process.argv.slice(2),
  env: (name) => process.env[name],
  exit: (code) => process.exit(code),
  onSignal: nodePlatform.onSignal,
};
