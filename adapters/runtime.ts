/**
 * Runtime detection, in one place: picks the transport and platform of the
 * runtime the code runs on. Adapters are loaded lazily, so a Deno user never
 * loads the Node adapter and vice versa.
 *
 * @module
 */

import type { HttpServe } from "./http.ts";
import type { ServerTransport } from "./listen.ts";
import type { ProcessControl } from "./process.ts";
import type { ClientTransport, Platform, Transport } from "./transport.ts";

/**
 * A JavaScript runtime this library supports.
 *
 * @example
 * ```ts
 * import { detectRuntime, type Runtime } from "@x/faktory-worker";
 * const runtime: Runtime = detectRuntime();
 * console.log(runtime);
 * ```
 */
export type Runtime = "deno" | "bun" | "node";

/**
 * Tells which runtime this is.
 *
 * @returns `deno`, `bun` or `node`.
 *
 * @example
 * ```ts
 * import { detectRuntime } from "@x/faktory-worker";
 * console.log(detectRuntime());
 * ```
 */
export function detectRuntime(): Runtime {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined) return "deno";
  if (g.Bun !== undefined) return "bun";
  return "node";
}

let client: Promise<ClientTransport> | undefined;
let server: ServerTransport | undefined;
let transport: Promise<Transport> | undefined;
let platform: Promise<Platform> | undefined;

function clientTransport(): Promise<ClientTransport> {
  return client ??= (() => {
    switch (detectRuntime()) {
      case "deno":
        return import("./deno.ts").then((m) => m.denoTransport);
      case "bun":
        return import("./bun.ts").then((m) => m.bunTransport);
      default:
        return import("./node.ts").then((m) => m.nodeTransport);
    }
  })();
}

/**
 * The listen side of the current runtime (for the embedded test server). Its
 * code loads on the first `listen`, so connections never load it.
 *
 * @returns The server transport.
 *
 * @example
 * ```ts ignore
 * import { defaultServerTransport } from "./runtime.ts";
 * const listener = await defaultServerTransport().listen({ port: 0 }, () => ({ data() {}, close() {} }));
 * await listener.close();
 * ```
 */
export function defaultServerTransport(): ServerTransport {
  const runtime = detectRuntime();
  return server ??= {
    name: runtime,
    listen: (options, accept) => {
      switch (runtime) {
        case "deno":
          return import("./listen_deno.ts").then((m) =>
            m.listenDeno(options, accept)
          );
        case "bun":
          return import("./listen_bun.ts").then((m) =>
            m.listenBun(options, accept)
          );
        default:
          return import("./listen_node.ts").then((m) =>
            m.listenNode(options, accept)
          );
      }
    },
  };
}

/**
 * The transport of the current runtime: connect, and listen (see
 * {@linkcode defaultServerTransport}).
 *
 * @returns The transport.
 *
 * @example
 * ```ts
 * import { defaultTransport } from "@x/faktory-worker/protocol";
 * console.log((await defaultTransport()).name);
 * ```
 */
export function defaultTransport(): Promise<Transport> {
  return transport ??= clientTransport().then((c) => ({
    name: c.name,
    connect: c.connect,
    listen: defaultServerTransport().listen,
  }));
}

/**
 * The platform (host name, pid, memory, environment, signals) of the current
 * runtime.
 *
 * @returns The platform.
 *
 * @example
 * ```ts
 * import { defaultPlatform } from "@x/faktory-worker/protocol";
 * console.log((await defaultPlatform()).pid);
 * ```
 */
export function defaultPlatform(): Promise<Platform> {
  return platform ??= detectRuntime() === "deno"
    ? import("./platform_deno.ts").then((m) => m.denoPlatform)
    : import("./platform_node.ts").then((m) => m.nodePlatform);
}

let http: Promise<HttpServe> | undefined;
let proc: Promise<ProcessControl> | undefined;

/**
 * The HTTP server of the current runtime (node:http, Deno.serve or
 * Bun.serve), loaded on first use.
 *
 * @returns The function that starts a server.
 *
 * @example
 * ```ts ignore
 * import { defaultHttpServe } from "./runtime.ts";
 * const serve = await defaultHttpServe();
 * const server = await serve({ port: 0 }, () => Promise.resolve(new Response("ok")));
 * await server.close();
 * ```
 */
export function defaultHttpServe(): Promise<HttpServe> {
  return http ??= (() => {
    switch (detectRuntime()) {
      case "deno":
        return import("./http_deno.ts").then((m) => m.serveDeno);
      case "bun":
        return import("./http_bun.ts").then((m) => m.serveBun);
      default:
        return import("./http_node.ts").then((m) => m.serveNode);
    }
  })();
}

/**
 * The command-line process of the current runtime: arguments, environment,
 * exit and signals.
 *
 * @returns The process.
 *
 * @example
 * ```ts ignore
 * import { defaultProcess } from "./runtime.ts";
 * console.log((await defaultProcess()).args());
 * ```
 */
export function defaultProcess(): Promise<ProcessControl> {
  return proc ??= detectRuntime() === "deno"
    ? import("./process_deno.ts").then((m) => m.denoProcess)
    : import("./process_node.ts").then((m) => m.nodeProcess);
}
