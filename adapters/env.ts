/**
 * Reading an environment variable synchronously on every runtime, for checks
 * made in a constructor: on Deno only when the process may read it (never a
 * permission prompt).
 *
 * @module
 */

/** What {@linkcode readEnvSync} returns for a variable Deno does not let the process read. */
export const ENV_DENIED: unique symbol = Symbol("env denied");

/**
 * A variable of this process's environment.
 *
 * @param name The variable.
 * @returns Its value, undefined when unset, or {@linkcode ENV_DENIED} when
 *   Deno was not given `--allow-env` for it.
 *
 * @example
 * ```ts ignore
 * import { ENV_DENIED, readEnvSync } from "./env.ts";
 * const url = readEnvSync("FAKTORY_URL");
 * console.log(url === ENV_DENIED ? "not allowed" : url ?? "unset");
 * ```
 */
export function readEnvSync(
  name: string,
): string | undefined | typeof ENV_DENIED {
  const g = globalThis as unknown as {
    Deno?: {
      env: { get(name: string): string | undefined };
      permissions: {
        querySync?(d: { name: "env"; variable: string }): { state: string };
      };
    };
    process?: { env: Record<string, string | undefined> };
  };
  if (!g.Deno) return g.process?.env[name];
  try {
    const state = g.Deno.permissions.querySync?.({
      name: "env",
      variable: name,
    })
      .state;
    return state === "granted" ? g.Deno.env.get(name) : ENV_DENIED;
  } catch {
    return ENV_DENIED;
  }
}

/**
 * A variable of this process's environment, or undefined when it is unset or
 * Deno may not read it: {@linkcode readEnvSync} for callers that need not
 * tell the two apart.
 *
 * @example
 * ```ts ignore
 * import { readEnvAllowed } from "./env.ts";
 * const index = readEnvAllowed("FAKTORY_WORKER_INDEX");
 * ```
 */
export function readEnvAllowed(name: string): string | undefined {
  const value = readEnvSync(name);
  return value === ENV_DENIED ? undefined : value;
}
