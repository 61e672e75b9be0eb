/**
 * Child processes on Deno (`Deno.Command` of `Deno.execPath()`). Deno does
 * not tell a program its flags: the children's come from the
 * `FAKTORY_DENO_FLAGS` environment variable, or are rebuilt from what
 * `Deno.permissions` grants. The Deno APIs used are typed locally.
 * @module
 */

import { LocalProtocolError } from "../core/errors.ts";
import { checkEnvFlags, DENO_FLAGS_ENV } from "./_deno_flags.ts";
import {
  type ChildExit,
  type ChildProcesses,
  WORKER_INDEX_ENV,
} from "./child_process.ts";

type Descriptor = { name: string; variable?: string; command?: string };
const Deno = (globalThis as unknown as {
  Deno: {
    readonly mainModule: string;
    readonly args: readonly string[];
    execPath(): string;
    cwd(): string;
    readTextFileSync(path: string): string;
    env: { get(name: string): string | undefined };
    build: { os: string };
    permissions: { querySync(d: Descriptor): { state: string } };
    Command: new (cmd: string, options: {
      args: string[];
      env: Record<string, string>;
      stdin: "null";
      stdout: "inherit";
      stderr: "inherit";
      detached: boolean;
    }) => {
      spawn(): {
        readonly pid: number;
        readonly status: Promise<{ code: number; signal: string | null }>;
        kill(signal: string): void;
      };
    };
  };
}).Deno;

export { DENO_FLAGS_ENV };
const KINDS = ["read", "write", "net", "env", "sys", "run", "ffi", "import"];
const granted = (d: Descriptor) =>
  Deno.permissions.querySync(d).state === "granted";

/** With every permission, on Linux: this process's own `deno run` flags, exactly. */
function ownFlags(): string[] | undefined {
  try {
    const argv = Deno.readTextFileSync("/proc/self/cmdline").split("\0");
    argv.pop(); // after the last NUL
    const at = argv.length - Deno.args.length - 1; // the module, as typed
    const main = new URL(argv[at]!, `file://${Deno.cwd()}/`).href;
    if (at < 2 || argv[1] !== "run" || main !== Deno.mainModule) return;
    return argv.slice(2, at);
  } catch {
    return undefined; // not Linux, or not allowed
  }
}

type Flags = { flags: readonly string[]; notes?: string[] };
/** The children's flags (FAKTORY_DENO_FLAGS, else rebuilt), and what was not carried over. */
function flags(env: readonly string[]): Flags {
  const listed = granted({ name: "env", variable: DENO_FLAGS_ENV })
    ? Deno.env.get(DENO_FLAGS_ENV)?.trim()
    : undefined;
  if (listed) return { flags: checkEnvFlags(listed, env) };
  const full = KINDS.filter((name) => granted({ name }));
  if (full.length === KINDS.length) return { flags: ownFlags() ?? ["-A"] };
  if (!full.includes("net")) {
    throw new LocalProtocolError(
      `Deno does not tell a program its scoped permission flags (such as --allow-net=host:port), and the children need them: list the flags of your deno run command in ${DENO_FLAGS_ENV} (and add --allow-env=${DENO_FLAGS_ENV}), or run with -A`,
    );
  }
  const out = full.map((name) => `--allow-${name}`);
  // Mixing --allow-env with --allow-env=X would narrow it: add X only when needed.
  if (!full.includes("env")) out.push(`--allow-env=${env.join(",")}`);
  const note = `The children run with ${
    out.join(" ")
  }: Deno does not tell a program its scoped permission flags (--allow-read=path...) or its other flags; list the children's flags in ${DENO_FLAGS_ENV} if they need more`;
  return { flags: out, notes: [note] };
}

/**
 * Child processes on Deno: `self()` is `Deno.execPath()`, `run`, the
 * permission flags (see the module doc), `Deno.mainModule` and `Deno.args`.
 *
 * @example
 * ```ts ignore
 * import { denoChildProcesses } from "./child_process_deno.ts";
 * console.log(denoChildProcesses.self().args);
 * ```
 */
export const denoChildProcesses: ChildProcesses = {
  self(env = []) {
    const main = Deno.mainModule;
    if (main.includes("$deno$")) {
      throw new LocalProtocolError(
        "processes needs a module to start again; this program has none (a REPL, deno eval, or code from stdin)",
      );
    }
    if (!granted({ name: "env", variable: WORKER_INDEX_ENV })) {
      throw new LocalProtocolError(
        `processes needs to read ${WORKER_INDEX_ENV}, which tells a child its slot: run with --allow-env=${WORKER_INDEX_ENV}`,
      );
    }
    const cmd = Deno.execPath();
    if (!granted({ name: "run", command: cmd })) {
      throw new LocalProtocolError(
        `processes needs to start ${cmd}: run with --allow-run (or --allow-run=${cmd})`,
      );
    }
    const { flags: own, notes } = flags([WORKER_INDEX_ENV, ...env]);
    return {
      cmd,
      args: ["run", ...own, main, ...Deno.args],
      ...(notes ? { notes } : {}),
    };
  },
  spawn(cmd, args, env) {
    const child = new Deno.Command(cmd, {
      args: [...args],
      env: { ...env },
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
      detached: Deno.build.os !== "windows", // see child_process_node.ts
    }).spawn();
    const exited: Promise<ChildExit> = child.status.then(({ code, signal }) =>
      signal ? { code: null, signal } : { code, signal: null }
    );
    return {
      pid: child.pid,
      exited,
      kill(signal) {
        try {
          child.kill(signal);
          return true;
        } catch {
          return false; // gone already, or the OS lacks the signal
        }
      },
    };
  },
};
