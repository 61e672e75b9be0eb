/**
 * The HTTP side of a runtime, used by the dashboard: serve web-standard
 * `Request`s with a handler that returns web-standard `Response`s. One small
 * file per runtime implements it (http_node.ts, http_deno.ts, http_bun.ts);
 * runtime.ts picks the one of the current runtime.
 *
 * @module
 */

/**
 * Answers one request. A handler should not throw; if it does, the adapter
 * answers 500 and reports the error to `onError`.
 *
 * @example
 * ```ts ignore
 * const hello: HttpHandler = (request) =>
 *   Promise.resolve(new Response(`hello ${new URL(request.url).pathname}`));
 * ```
 */
export type HttpHandler = (request: Request) => Promise<Response>;

/**
 * Where to serve.
 *
 * @example
 * ```ts ignore
 * const options: HttpServeOptions = { host: "127.0.0.1", port: 0 };
 * ```
 */
export interface HttpServeOptions {
  /** Address to bind. @default {"127.0.0.1"} */
  readonly host?: string;
  /** Port to bind; 0 picks a free one. @default {0} */
  readonly port?: number;
  /** Told about a handler that threw (the client got a 500). */
  readonly onError?: (error: unknown) => void;
}

/**
 * A listening HTTP server.
 *
 * @example
 * ```ts ignore
 * const server = await serve({ port: 0 }, handler);
 * console.log(`http://127.0.0.1:${server.port}/`);
 * await server.close();
 * ```
 */
export interface HttpServer {
  /** The bound address. */
  readonly host: string;
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  /**
   * Stops accepting, closes open connections (keep-alive ones included) and
   * resolves when the port is free. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server. Rejects with an error whose `code` is
 * `EADDRINUSE` when the port is taken, on every runtime.
 *
 * @example
 * ```ts ignore
 * const serve: HttpServe = await defaultHttpServe();
 * const server = await serve({ port: 0 }, () => Promise.resolve(new Response("ok")));
 * await server.close();
 * ```
 */
export type HttpServe = (
  options: HttpServeOptions,
  handler: HttpHandler,
) => Promise<HttpServer>;

/** The answer to a handler that threw. */
export function internalError(): Response {
  return new Response("Internal Server Error\n", {
    status: 500,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

/** Runs a handler, turning a throw into a 500 reported to `onError`. */
export async function answer(
  handler: HttpHandler,
  request: Request,
  onError: ((error: unknown) => void) | undefined,
): Promise<Response> {
  try {
    return await handler(request);
  } catch (err) {
    onError?.(err);
    return internalError();
  }
}

/** An error for a taken port, with the code every runtime reports. */
export function addressInUse(
  host: string,
  port: number,
  cause: unknown,
): Error {
  const error = new Error(`Address ${host}:${port} is already in use`, {
    cause,
  });
  (error as Error & { code: string }).code = "EADDRINUSE";
  return error;
}
