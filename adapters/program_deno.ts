/**
 * The command-line process on Deno. The Deno API used is typed locally.
 *
 * @module
 */

import type { ProcessControl } from "./program.ts";
import { denoPlatform } from "./platform_deno.ts";

const Deno = (globalThis as unknown as {
  Deno: {
    readonly args: readonly string[];
    env: { get(name: string): string | undefined };
    exit(code: number): never;
    permissions: {
      querySync(
        descriptor: { name: "env"; variable: string },
      ): { state: string };
    };
  };
}).Deno;

/** The command-line process on Deno. */
export const denoProcess: ProcessControl = {
  args: () => [...Deno.args],
  env(name) {
    // Asking first: reading without the permission would prompt or throw.
    const allowed = Deno.permissions.querySync({ name: "env", variable: name });
    return allowed.state === "granted" ? Deno.env.get(name) : undefined;
  },
  envDenied: (name) =>
    Deno.permissions.querySync({ name: "env", variable: name }).state !==
      "granted",
  exit: (code) => Deno.exit(code),
  onSignal: denoPlatform.onSignal,
};
