/**
 * Bun adapter: Bun.connect (with its tls option). The platform part is the
 * Node one, which Bun implements. The Bun API used is typed locally
 * (_bun_types.ts), so Deno and Node never resolve Bun's types.
 *
 * @module
 */

import {
  caList,
  type ClientTransport,
  type ConnectOptions,
  guardConnect,
  type Socket,
  type SocketHandlers,
} from "./transport.ts";
import { KEEPALIVE_DELAY_MS, SocketCore } from "./_socket.ts";

import type { BunApi, BunSocket, BunSocketHandler } from "./_bun_types.ts";

export type { BunApi, BunSocket, BunSocketHandler } from "./_bun_types.ts";

/** The Bun global, as far as the adapters use it. */
export const bun: BunApi = (globalThis as unknown as { Bun: BunApi }).Bun;

/** Gives a Bun socket a {@linkcode SocketCore}. */
export function wrapBun(
  sock: BunSocket,
  handlers?: SocketHandlers,
): SocketCore {
  sock.setNoDelay?.(true);
  return new SocketCore(
    {
      write: (bytes) => sock.write(bytes),
      end: () => sock.end(),
      pause: () => void sock.pause?.(),
      resume: () => void sock.resume?.(),
    },
    handlers,
  );
}

/**
 * Bun's socket events, forwarded to the {@linkcode SocketCore} of each
 * socket. They are given to Bun when the socket is created, so no event can
 * arrive before they are in place.
 */
export function forward(
  core: (s: BunSocket) => SocketCore,
): BunSocketHandler {
  return {
    open: (s) => void core(s),
    data: (s, data) => core(s).data(data),
    drain: (s) => core(s).drained(),
    error: (s, err) => core(s).failed(err),
    close: (s, err) => core(s).finish(err),
    end: (s) => s.end(),
  };
}

/**
 * The Bun transport.
 *
 * @example
 * ```ts
 * import { defaultTransport } from "@x/faktory-worker/protocol";
 * // On Bun the default transport is this one.
 * console.log((await defaultTransport()).name); // "bun"
 * ```
 */
export const bunTransport: ClientTransport = {
  name: "bun",
  connect(options: ConnectOptions, handlers: SocketHandlers): Promise<Socket> {
    let core: SocketCore | undefined;
    let cancelled = false;
    const ca = caList(options.tls);
    const serverName = typeof options.tls === "object"
      ? options.tls.serverName
      : undefined;
    // An empty tls object would not turn TLS on: pass `true` then.
    const tls = !options.tls
      ? undefined
      : ca || serverName
      ? { ...(ca ? { ca } : {}), ...(serverName ? { serverName } : {}) }
      : true;
    let handshook: ((error?: Error) => void) | undefined;
    const handshake = new Promise<void>((ok, fail) =>
      handshook = (error) => error ? fail(error) : ok()
    );
    // The handlers are in place from the socket's first event; a connection
    // given up on (timeout, abort) reports nothing to them.
    const get = (s: BunSocket) =>
      core ??= wrapBun(s, {
        data: (chunk) => cancelled || handlers.data(chunk),
        close: (error) => cancelled || handlers.close(error),
      });
    const events = forward(get);
    const attempt = bun.connect({
      hostname: options.host,
      port: options.port,
      ...(tls ? { tls } : {}),
      socket: {
        ...events,
        close: (s, err) => {
          handshook?.(
            err ?? core?.failure ??
              new Error("Closed during the TLS handshake"),
          );
          events.close(s, err);
        },
        handshake: (_s, success, error) =>
          handshook?.(
            success && !error
              ? undefined
              : error ?? new Error("TLS handshake failed"),
          ),
      },
    }).then(async (sock) => {
      // Finish the TLS handshake now, so a bad certificate fails the connect.
      if (tls) {
        await handshake.catch((err) => (sock.end(), Promise.reject(err)));
      }
      handshook = undefined;
      sock.setKeepAlive?.(true, KEEPALIVE_DELAY_MS);
      return get(sock);
    });
    return guardConnect(
      options,
      attempt,
      () => cancelled = true,
      (s) => s.close(),
    );
  },
};
