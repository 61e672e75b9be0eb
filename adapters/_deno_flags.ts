/**
 * What a list of `deno run` flags lets a program read from its environment,
 * worked out from the flags alone (pure): used to check the children's
 * flags before a supervisor starts any child.
 *
 * @module
 */

import { LocalProtocolError } from "../core/errors.ts";

/** The variable that lists the children's Deno flags, replacing the rebuilt ones. */
export const DENO_FLAGS_ENV = "FAKTORY_DENO_FLAGS";

/** A name, or a prefix ending in `*`, as `--allow-env=FAKTORY_*` lists them. */
function matches(pattern: string, name: string): boolean {
  return pattern.endsWith("*")
    ? name.startsWith(pattern.slice(0, -1))
    : pattern === name;
}

/**
 * The environment variables among `names` that a program run with `flags`
 * may not read: `-A`/`--allow-all` or `--allow-env`/`-E` allow all,
 * `--allow-env=A,B` (repeatable, `PREFIX_*` allowed) allows some, and
 * `--deny-env[=A,B]` wins over both.
 *
 * @param flags The flags, one per element (values after `=`).
 * @param names The variables the program needs.
 * @returns Those it may not read, or undefined when the flags cannot tell
 *   (a permission set from the config file: `-P`, `--permission-set`).
 *
 * @example
 * ```ts ignore
 * import { envDenied } from "./_deno_flags.ts";
 * envDenied(["--allow-env=FAKTORY_URL"], ["FAKTORY_URL", "HOME"]); // ["HOME"]
 * ```
 */
export function envDenied(
  flags: readonly string[],
  names: readonly string[],
): string[] | undefined {
  let allowAll = false;
  let denyAll = false;
  const allowed: string[] = [];
  const denied: string[] = [];
  for (const flag of flags) {
    if (/^(-P|--permission-set)(=|$)/.test(flag)) return undefined;
    if (flag === "-A" || flag === "--allow-all") allowAll = true;
    const allow = /^(?:--allow-env|-E)(?:=(.*))?$/.exec(flag);
    if (allow) {
      if (allow[1] === undefined) allowAll = true;
      else allowed.push(...allow[1].split(","));
    }
    const deny = /^--deny-env(?:=(.*))?$/.exec(flag);
    if (deny) {
      if (deny[1] === undefined) denyAll = true;
      else denied.push(...deny[1].split(","));
    }
  }
  return names.filter((name) =>
    denyAll || denied.some((p) => matches(p, name)) ||
    !(allowAll || allowed.some((p) => matches(p, name)))
  );
}

/**
 * Checks that `flags`, listed in the environment variable `source`, let a
 * child read `names` (flags that cannot tell pass).
 *
 * @throws {LocalProtocolError} Naming the variables and the flag to add.
 *
 * @example
 * ```ts ignore
 * import { checkEnvFlags } from "./_deno_flags.ts";
 * checkEnvFlags("-A", ["FAKTORY_URL"]); // ["-A"]
 * ```
 */
export function checkEnvFlags(
  listed: string,
  names: readonly string[],
): readonly string[] {
  const source = DENO_FLAGS_ENV;
  const flags = listed.split(/\s+/);
  const missing = envDenied(flags, names) ?? [];
  if (missing.length === 0) return flags;
  throw new LocalProtocolError(
    `${source} does not let the children read ${
      missing.join(", ")
    }: add --allow-env=${missing.join(",")} to ${source}`,
  );
}
