/**
 * The Deno platform: host name, pid, memory, environment, signals. The few
 * Deno APIs used are typed locally.
 *
 * @module
 */

import { LocalProtocolError } from "../core/errors.ts";
import type { Platform } from "./transport.ts";

const Deno = (globalThis as unknown as {
  Deno: {
    hostname(): string;
    readonly pid: number;
    readonly ppid: number;
    memoryUsage(): { rss: number };
    env: { get(name: string): string | undefined };
    build: { os: string };
    addSignalListener(signal: string, handler: () => void): void;
    removeSignalListener(signal: string, handler: () => void): void;
  };
}).Deno;

/**
 * The Deno platform. Reading an environment variable without `--allow-env`
 * throws a {@linkcode LocalProtocolError} naming the flag; without
 * `--allow-sys` the host name falls back to `localhost`.
 *
 * @example
 * ```ts
 * import { defaultPlatform } from "@x/faktory-worker/protocol";
 * // On Deno the default platform is this one.
 * console.log((await defaultPlatform()).rssBytes() > 0);
 * ```
 */
export const denoPlatform: Platform = {
  hostname(onFallback) {
    try {
      return Deno.hostname();
    } catch (err) {
      onFallback?.(
        `Deno denied reading the host name (${
          (err as Error).name
        }); HELLO reports "localhost". Run with --allow-sys=hostname, or pass the hostname option`,
      );
      return "localhost";
    }
  },
  get pid() {
    return Deno.pid;
  },
  ppid: () => Deno.ppid,
  rssBytes: () => Deno.memoryUsage().rss,
  cores: () => navigator.hardwareConcurrency,
  env(name) {
    try {
      return Deno.env.get(name);
    } catch (err) {
      throw new LocalProtocolError(
        `Deno denied reading the environment variable ${name}: run with --allow-env=${
          name === "FAKTORY_URL" || name === "FAKTORY_PROVIDER"
            ? "FAKTORY_URL,FAKTORY_PROVIDER"
            : name
        }, or pass the url option`,
        { cause: err },
      );
    }
  },
  onSignal(signal, listener) {
    if (Deno.build.os === "windows" && signal !== "SIGINT") return () => {};
    Deno.addSignalListener(signal, listener);
    return () => Deno.removeSignalListener(signal, listener);
  },
};
