/**
 * The command line of `faktory-worker dev`, parsed without touching the
 * process: arguments and environment in, options or a one-line error out.
 *
 * @module
 */

import { isLoopback } from "../dashboard/_security.ts";

/** What `faktory-worker dev` runs with. */
export interface DevOptions {
  /** Address both servers bind. */
  readonly host: string;
  /** The Faktory protocol port. */
  readonly port: number;
  /** The dashboard's port. */
  readonly webPort: number;
  /** The password of both, if any. */
  readonly password: string | undefined;
  /** Emulate Faktory Pro and Enterprise. */
  readonly enterprise: boolean;
  /** The file to keep the data in, if any. */
  readonly data: string | undefined;
}

/** The outcome of parsing a command line. */
export type ParsedArgs =
  | { readonly kind: "run"; readonly options: DevOptions }
  | { readonly kind: "help" }
  | { readonly kind: "error"; readonly message: string };

/** The defaults, Faktory's. */
export const DEFAULTS: DevOptions = {
  host: "127.0.0.1",
  port: 7419,
  webPort: 7420,
  password: undefined,
  enterprise: false,
  data: undefined,
};

/** The text `--help` prints. */
export const HELP = `Usage: faktory-worker dev [options]

A local Faktory server (protocol 1.8, in memory) and its dashboard, for any
language's workers and producers. Stop it with Ctrl-C.

Options:
  --port N          Faktory protocol port (default 7419; 0 picks a free one)
  --web-port N      dashboard port (default 7420; 0 picks a free one)
  --bind ADDRESS    address to listen on (default 127.0.0.1); any other than
                    a loopback address needs a password
  --password PASS   require this password on both ports (default: the
                    FAKTORY_PASSWORD environment variable; none)
  --enterprise      emulate Faktory Pro and Enterprise (unique jobs, batches,
                    tracking, expiring jobs)
  --data FILE       keep the data in FILE across restarts
  -h, --help        show this help

Deno: deno run --allow-net jsr:@x/faktory-worker/dev [options]
      (add --allow-env=FAKTORY_PASSWORD to read the password from there)
`;

const FLAGS_WITH_VALUE = new Set([
  "--port",
  "--web-port",
  "--bind",
  "--password",
  "--data",
]);

/** A value from the command line, quoted on one line whatever it holds. */
const quote = (value: string) => JSON.stringify(value);

function port(flag: string, value: string): number | string {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    return `${flag} must be a port number from 0 to 65535, not ${quote(value)}`;
  }
  return Number(value);
}

function address(value: string): string | { error: string } {
  const bare = value.startsWith("[") && value.endsWith("]")
    ? value.slice(1, -1)
    : value;
  if (!/^[A-Za-z0-9.:-]+$/.test(bare) || bare.startsWith("-")) {
    return {
      error: `--bind must be an address or host name, not ${quote(value)}`,
    };
  }
  return bare;
}

/**
 * Parses the arguments of `faktory-worker dev` (without the `dev`).
 *
 * @param args The arguments.
 * @param env The environment variables it reads (`FAKTORY_PASSWORD`).
 * @returns The options, a request for help, or a one-line error.
 */
export function parseDevArgs(
  args: readonly string[],
  env: { readonly FAKTORY_PASSWORD?: string | undefined } = {},
): ParsedArgs {
  const options = { ...DEFAULTS } as {
    -readonly [K in keyof DevOptions]: DevOptions[K];
  };
  const error = (message: string): ParsedArgs => ({ kind: "error", message });
  let password: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-h" || arg === "--help") return { kind: "help" };
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (flag === "--enterprise") {
      if (eq !== -1) return error("--enterprise takes no value");
      options.enterprise = true;
      continue;
    }
    if (!FLAGS_WITH_VALUE.has(flag)) {
      return error(
        arg.startsWith("-")
          ? `unknown option ${quote(flag)}`
          : `unexpected argument ${quote(arg)}`,
      );
    }
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq === -1 && value.startsWith("--"))) {
      return error(`${flag} needs a value`);
    }
    switch (flag) {
      case "--port":
      case "--web-port": {
        const n = port(flag, value);
        if (typeof n === "string") return error(n);
        if (flag === "--port") options.port = n;
        else options.webPort = n;
        break;
      }
      case "--bind": {
        const host = address(value);
        if (typeof host !== "string") return error(host.error);
        options.host = host;
        break;
      }
      case "--password":
        if (value === "") return error("--password must not be empty");
        password = value;
        break;
      case "--data":
        if (value === "") return error("--data needs a file name");
        options.data = value;
        break;
    }
  }
  options.password = password ??
    (env.FAKTORY_PASSWORD ? env.FAKTORY_PASSWORD : undefined);
  if (options.port !== 0 && options.port === options.webPort) {
    return error(`--port and --web-port are both ${options.port}`);
  }
  if (!isLoopback(options.host) && options.password === undefined) {
    return error(
      `--bind ${options.host} opens the server to the network: set a password (--password or FAKTORY_PASSWORD)`,
    );
  }
  return { kind: "run", options };
}

/**
 * Parses the arguments of the `faktory-worker` program: the `dev` command
 * and its options.
 *
 * @param args The arguments after the program name.
 * @param env The environment variables the options read.
 * @returns What to do.
 */
export function parseCommandLine(
  args: readonly string[],
  env: { readonly FAKTORY_PASSWORD?: string | undefined } = {},
): ParsedArgs {
  const [command, ...rest] = args;
  if (command === undefined || command === "-h" || command === "--help") {
    return { kind: "help" };
  }
  if (command !== "dev") {
    return {
      kind: "error",
      message: `unknown command ${quote(command)} (the command is dev)`,
    };
  }
  return parseDevArgs(rest, env);
}
