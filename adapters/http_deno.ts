/**
 * HTTP on Deno (Deno.serve), which speaks web-standard Request and Response
 * already. The Deno API used is typed locally.
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

interface DenoHttpServer {
  readonly addr: { readonly hostname: string; readonly port: number };
  shutdown(): Promise<void>;
}

const Deno = (globalThis as unknown as {
  Deno: {
    serve(
      options: {
        hostname: string;
        port: number;
        onListen(): void;
        onError(error: unknown): Response;
      },
      handler: (request: Request) => Promise<Response>,
    ): DenoHttpServer;
  };
}).Deno;

/** Serves with Deno.serve. */
// deno-lint-ignore require-await -- async turns a synchronous bind failure into a rejection
export async function serveDeno(
  options: HttpServeOptions,
  handler: HttpHandler,
): Promise<HttpServer> {
  const host = options.host ?? "127.0.0.1";
  let server: DenoHttpServer;
  try {
    server = Deno.serve({
      hostname: host,
      port: options.port ?? 0,
      onListen() {}, // no "Listening on" line
      onError(error) {
        options.onError?.(error);
        return internalError();
      },
    }, (request) => answer(handler, request, options.onError));
  } catch (err) {
    if ((err as Error)?.name === "AddrInUse") {
      throw addressInUse(host, options.port ?? 0, err);
    }
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    host,
    port: server.addr.port,
    close: () => closing ??= server.shutdown(),
  };
}
