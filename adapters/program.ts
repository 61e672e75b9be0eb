/**
 * What a command-line program needs from its process, beyond the
 * {@linkcode Platform}'s signals: its arguments, an environment read that
 * never prompts or throws, and its exit. One small file per runtime
 * (program_node.ts for Node and Bun, program_deno.ts).
 *
 * @module
 */

import type { Platform } from "./transport.ts";

/**
 * The process of a command-line program.
 *
 * @example
 * ```ts ignore
 * const proc = await defaultProcess();
 * if (proc.args().includes("--help")) proc.exit(0);
 * ```
 */
export interface ProcessControl {
  /** The arguments after the program (and script) name. */
  args(): string[];
  /**
   * An environment variable, or undefined when unset or when the runtime
   * does not allow reading it (Deno without `--allow-env`): never prompts,
   * never throws.
   */
  env(name: string): string | undefined;
  /**
   * Whether the runtime refuses to read this variable (Deno without
   * `--allow-env` for it); absent where every variable can be read.
   */
  envDenied?(name: string): boolean;
  /** Ends the process with this code. */
  exit(code: number): never;
  /** Signal listeners, as {@linkcode Platform.onSignal}. */
  readonly onSignal: Platform["onSignal"];
}
