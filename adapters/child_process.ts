/**
 * The child-process interface: what the supervisor of `processes: N` needs
 * from a runtime to run the same program again in more processes. One small
 * adapter per runtime implements it (child_process_node.ts,
 * child_process_deno.ts, child_process_bun.ts); runtime.ts picks one.
 *
 * @module
 */

import { readEnvAllowed } from "./env.ts";

/** The environment variable that tells a child its slot, 0..N-1. */
export const WORKER_INDEX_ENV = "FAKTORY_WORKER_INDEX";

/** The signals the supervisor sends its children. */
export type ChildSignal =
  | "SIGTERM"
  | "SIGINT"
  | "SIGTSTP"
  | "SIGCONT"
  | "SIGKILL";

/** How a child process ended. */
export interface ChildExit {
  /** The exit code; null when a signal ended it or it never started. */
  readonly code: number | null;
  /** The signal that ended it, or null. */
  readonly signal: string | null;
  /** Why it could not be started, if it could not. */
  readonly error?: Error;
}

/** A running child process. */
export interface ChildProcess {
  /** Its process id (undefined if it could not be started). */
  readonly pid: number | undefined;
  /** Resolves once it has exited; never rejects. */
  readonly exited: Promise<ChildExit>;
  /** Sends a signal; false when it is gone or the OS lacks the signal. */
  kill(signal: ChildSignal): boolean;
}

/** A command line: the executable and its arguments. */
export interface Command {
  readonly cmd: string;
  readonly args: readonly string[];
  /** What could not be carried over, to log once. */
  readonly notes?: readonly string[];
}

/**
 * Starting processes on one runtime.
 *
 * @example
 * ```ts ignore
 * import { defaultChildProcesses } from "./runtime.ts";
 * const children = await defaultChildProcesses();
 * const { cmd, args } = children.self();
 * const child = children.spawn(cmd, args, { FAKTORY_WORKER_INDEX: "0" });
 * console.log((await child.exited).code);
 * ```
 */
export interface ChildProcesses {
  /**
   * The command line that runs this program again: the runtime's
   * executable, its flags, the main script and its arguments.
   *
   * @param env The environment variables a child must be able to read,
   *   besides `FAKTORY_WORKER_INDEX` (on Deno, they are checked against the
   *   children's flags, or added to the rebuilt ones).
   * @throws {LocalProtocolError} When the program cannot be started again
   *   (a REPL or code from stdin), or Deno does not allow what a child needs.
   */
  self(env?: readonly string[]): Command;
  /**
   * Starts `cmd` with stdin closed, stdout and stderr shared with this
   * process, in its working directory, with its environment plus `env`, in
   * a session and process group of its own (so signals meant for this
   * process group, such as a terminal's Ctrl-C, reach only this process).
   *
   * @throws {LocalProtocolError} When the runtime does not allow it.
   */
  spawn(
    cmd: string,
    args: readonly string[],
    env: Readonly<Record<string, string>>,
  ): ChildProcess;
}

/**
 * The environment variable that tells a child where to report its health
 * (a 127.0.0.1 URL of its supervisor), set when the supervisor serves
 * `healthPort`.
 */
export const HEALTH_REPORT_ENV = "FAKTORY_HEALTH_REPORT_URL";

/**
 * A variable the supervisor set for this process. Synchronous on every
 * runtime; on Deno it reads the variable only when allowed to, and never
 * prompts.
 *
 * @param name The variable.
 * @returns Its value, or undefined when unset or not allowed.
 *
 * @example
 * ```ts ignore
 * import { HEALTH_REPORT_ENV, readChildEnv } from "./child_process.ts";
 * console.log(readChildEnv(HEALTH_REPORT_ENV) ?? "no supervisor probes");
 * ```
 */
export function readChildEnv(name: string): string | undefined {
  return readEnvAllowed(name);
}

/**
 * The slot index the supervisor gave this process (from
 * `FAKTORY_WORKER_INDEX`), or undefined outside a child. Synchronous on
 * every runtime; on Deno it reads the variable only when allowed to, and
 * never prompts.
 *
 * @returns The index, or undefined.
 *
 * @example
 * ```ts ignore
 * import { readWorkerIndex } from "./child_process.ts";
 * console.log(readWorkerIndex() ?? "not a child");
 * ```
 */
export function readWorkerIndex(): number | undefined {
  const value = readChildEnv(WORKER_INDEX_ENV);
  if (value === undefined || !/^\d{1,3}$/.test(value)) return undefined;
  return Number(value);
}
