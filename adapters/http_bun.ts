/**
 * HTTP on Bun (Bun.serve), which speaks web-standard Request and Response
 * already. The Bun API used is typed locally (checked against bun-types in
 * typecheck/), so Deno and Node never resolve Bun's types.
 *
 * @module
 */

import {
  addressInUse,
  answer,
  type HttpHandler,
  type HttpServeOptions,
  type HttpServer,
  internalError,
} from "./http.ts";

/** The options of Bun.serve the adapter passes. */
export interface BunServeOptions {
  hostname: string;
  port: number;
  fetch(request: Request): Promise<Response>;
  error(error: Error): Response;
}

/** The server Bun.serve returns, as far as the adapter uses it. */
export interface BunHttpServer {
  readonly port: number | undefined;
  stop(closeActiveConnections?: boolean): Promise<void>;
}

/** The part of the Bun global the HTTP adapter uses. */
export interface BunServeApi {
  serve(options: BunServeOptions): BunHttpServer;
}

const bun = (globalThis as unknown as { Bun: BunServeApi }).Bun;

/** Serves with Bun.serve. */
// deno-lint-ignore require-await -- async turns a synchronous bind failure into a rejection
export async function serveBun(
  options: HttpServeOptions,
  handler: HttpHandler,
): Promise<HttpServer> {
  const host = options.host ?? "127.0.0.1";
  let server: BunHttpServer;
  try {
    server = bun.serve({
      hostname: host,
      port: options.port ?? 0,
      fetch: (request) => answer(handler, request, options.onError),
      error(error) {
        options.onError?.(error);
        return internalError();
      },
    });
  } catch (err) {
    if ((err as { code?: unknown })?.code === "EADDRINUSE") {
      throw addressInUse(host, options.port ?? 0, err);
    }
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    host,
    port: server.port ?? 0,
    // true: keep-alive connections are closed too, so the port is free.
    close: () => closing ??= server.stop(true).then(() => {}),
  };
}
