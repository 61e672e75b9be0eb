/**
 * Runtime detection, in one place: picks the transport and platform of the
 * runtime the code runs on. Adapters are loaded lazily, so a Deno user never
 * loads the Node adapter and vice versa.
 *
 * @module
 */

import type { Platform, Transport } from "./transport.ts";

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

let transport: Promise<Transport> | undefined;
let platform: Promise<Platform> | undefined;

/**
 * The transport of the current runtime.
 *
 * @returns The transport.
 *
 * @example
 * ```ts
 * import { defaultTransport } from "@x/faktory-worker";
 * console.log((await defaultTransport()).name);
 * ```
 */
export function defaultTransport(): Promise<Transport> {
  return transport ??= (() => {
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
 * The platform (host name, pid, memory, environment, signals) of the current
 * runtime.
 *
 * @returns The platform.
 *
 * @example
 * ```ts
 * import { defaultPlatform } from "@x/faktory-worker";
 * console.log((await defaultPlatform()).pid);
 * ```
 */
export function defaultPlatform(): Promise<Platform> {
  return platform ??= detectRuntime() === "deno"
    ? import("./deno.ts").then((m) => m.denoPlatform)
    : import("./node.ts").then((m) => m.nodePlatform);
}
