/**
 * The command-line process on Deno. The Deno API used is typed locally.
 *
 * @module
 */

import type { ProcessControl } from "./program.ts";
import { denoPlatform } from "./platform_deno.ts";
import { ENV_DENIED, readEnvAllowed, readEnvSync } from "./env.ts";

const Deno = (globalThis as unknown as {
  Deno: {
    readonly args: readonly string[];
    exit(code: number): never;
  };
}).Deno;

/** The command-line process on Deno. */
export const denoProcess: ProcessControl = {
  args: () => [...Deno.args],
  env: readEnvAllowed,
  envDenied: (name) => readEnvSync(name) === ENV_DENIED,
  exit: (code) => Deno.exit(code),
  onSignal: denoPlatform.onSignal,
};
