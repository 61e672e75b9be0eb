/**
 * `faktory-worker dev`: starts an embedded Faktory server and its dashboard,
 * prints both addresses, logs connections and errors on one line each, and
 * stops cleanly on Ctrl-C (SIGINT) or SIGTERM. A bad flag or a taken port
 * is a one-line error and exit code 2.
 *
 * @module
 */

import type { HttpServer } from "../adapters/http.ts";
import type { ProcessControl } from "../adapters/program.ts";
import {
  defaultHttpServe,
  defaultProcess,
  defaultServerTransport,
} from "../adapters/runtime.ts";
import { DataFileError } from "../server/_data_file.ts";
import { FaktoryServer, type FaktoryServerOptions } from "../server/server.ts";
import {
  type DevOptions,
  HELP,
  parseCommandLine,
  parseDevArgs,
} from "./_args.ts";
import {
  changes,
  loggedTransport,
  logLine,
  NOTHING,
  type Snapshot,
} from "./_log.ts";
import { createDashboard } from "../dashboard/dashboard.ts";
import { isLoopback } from "../dashboard/_security.ts";

/** Where the command writes. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: Output = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/** How often the log looks at the workers, in ms. */
const LOOK_INTERVAL = 500;

/**
 * The options of FaktoryServer.start for the command line's options: the
 * one place they are built.
 *
 * @returns The options.
 */
export function serverOptions(o: DevOptions): FaktoryServerOptions {
  return {
    host: o.host,
    port: o.port,
    enterprise: o.enterprise,
    ...(o.password !== undefined ? { password: o.password } : {}),
    ...(o.data !== undefined ? { dataFile: o.data } : {}),
  };
}

/** host:port, with brackets around an IPv6 address. */
function hostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** A listen error as one line: the port in use, or the runtime's reason. */
function listenError(what: string, host: string, port: number, err: unknown) {
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : String(e?.name ?? "");
  if (code === "EADDRINUSE" || code === "AddrInUse") {
    return `${what} port ${port} on ${host} is already in use (choose another with ${
      what === "dashboard" ? "--web-port" : "--port"
    })`;
  }
  const message = String(e?.message ?? err).split("\n")[0];
  return `${what} cannot listen on ${hostPort(host, port)}: ${message}`;
}

function snapshot(server: FaktoryServer): Snapshot {
  return { workers: server.workers() };
}

/**
 * Runs the dev server with parsed options until a signal stops it.
 *
 * @returns The exit code: 0 after a clean stop, 2 when it cannot start.
 */
export async function serveDev(
  options: DevOptions,
  proc: Pick<ProcessControl, "onSignal" | "exit" | "envDenied">,
  io: Output = consoleOutput,
): Promise<number> {
  const fail = (line: string) => (io.err(`faktory-worker dev: ${line}`), 2);
  const log = (text: string) => io.out(logLine(Date.now(), text));
  const start = serverOptions(options);
  let server: FaktoryServer;
  try {
    server = await FaktoryServer.start({
      ...start,
      transport: loggedTransport(defaultServerTransport(), log),
    });
  } catch (err) {
    // A data file that cannot be loaded says so itself, naming the file.
    if (err instanceof DataFileError) return fail(err.message.split("\n")[0]!);
    return fail(listenError("Faktory", options.host, options.port, err));
  }
  const address = `tcp://${hostPort(options.host, server.port)}`;
  let web: HttpServer;
  try {
    const serve = await defaultHttpServe();
    web = await serve(
      {
        host: options.host,
        port: options.webPort,
        onError: (err) => log(`error: ${(err as Error)?.message ?? err}`),
      },
      createDashboard(server, {
        ...(options.password !== undefined
          ? { password: options.password }
          : {}),
        hosts: isLoopback(options.host) ? [] : "any",
        address,
      }),
    );
  } catch (err) {
    await server.stop();
    return fail(
      listenError("dashboard", options.host, options.webPort, err),
    );
  }
  const auth = options.password === undefined ? "" : ":***@";
  io.out(
    `Faktory ${
      options.enterprise ? "Enterprise " : ""
    }(embedded, protocol 1.8) on tcp://${auth}${
      hostPort(options.host, server.port)
    }`,
  );
  io.out(`Dashboard on http://${hostPort(options.host, web.port)}/`);
  if (options.password !== undefined) {
    io.out("Both ask for the password (the dashboard: any user name)");
  } else if (proc.envDenied?.("FAKTORY_PASSWORD")) {
    io.out(
      "No password: FAKTORY_PASSWORD was not read (Deno needs --allow-env=FAKTORY_PASSWORD)",
    );
  }
  io.out("Press Ctrl-C to stop");

  let last = NOTHING;
  const look = setInterval(() => {
    const now = snapshot(server);
    for (const line of changes(last, now)) log(line);
    last = now;
  }, LOOK_INTERVAL);

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return proc.exit(130); // a second Ctrl-C: at once
      stopping = true;
      io.out("Stopping");
      clearInterval(look);
      void Promise.all([web.close(), server.stop()]).then(() => {
        for (const off of offs) off();
        io.out("Stopped");
        resolve(0);
      }, (err) => {
        for (const off of offs) off();
        io.err(`faktory-worker dev: stop failed: ${(err as Error)?.message}`);
        resolve(1);
      });
    };
    const offs = [
      proc.onSignal("SIGINT", stop),
      proc.onSignal("SIGTERM", stop),
    ];
  });
}

/**
 * Runs `faktory-worker dev` with these arguments: parses them, then serves
 * until Ctrl-C.
 *
 * @param args The arguments (without the `dev` command).
 * @returns The exit code: 0 after help or a clean stop, 2 for a bad flag
 * or a port that cannot be used.
 *
 * @example
 * ```ts ignore
 * import { runDev } from "@x/faktory-worker/dev";
 * const code = await runDev(["--port", "7419", "--web-port", "7420"]);
 * ```
 */
export async function runDev(args: readonly string[]): Promise<number> {
  return await run(args, false);
}

/**
 * Parses a command line (with or without the `dev` command) and runs it.
 *
 * @param args The arguments.
 * @param command Whether the arguments start with the command.
 * @param io Where to write.
 * @returns The exit code.
 */
export async function run(
  args: readonly string[],
  command: boolean,
  io: Output = consoleOutput,
): Promise<number> {
  const proc = await defaultProcess();
  const env = { FAKTORY_PASSWORD: proc.env("FAKTORY_PASSWORD") };
  const parsed = command
    ? parseCommandLine(args, env)
    : parseDevArgs(args[0] === "dev" ? args.slice(1) : args, env);
  if (parsed.kind === "help") {
    io.out(HELP.trimEnd());
    return 0;
  }
  if (parsed.kind === "error") {
    io.err(`faktory-worker dev: ${parsed.message} (see --help)`);
    return 2;
  }
  return await serveDev(parsed.options, proc, io);
}

/**
 * Runs the command line of this process and exits with its code: what the
 * `faktory-worker` program and `deno run jsr:@x/faktory-worker/dev` do.
 *
 * @param command Whether the arguments start with the command (`dev`).
 */
export async function main(command: boolean): Promise<never> {
  const proc = await defaultProcess();
  let code: number;
  try {
    code = await run(proc.args(), command);
  } catch (err) {
    console.error(`faktory-worker dev: ${(err as Error)?.message ?? err}`);
    code = 1;
  }
  return proc.exit(code);
}
