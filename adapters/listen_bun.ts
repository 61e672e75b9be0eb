/**
 * The listen side on Bun (Bun.listen), for the embedded test server.
 *
 * @module
 */

import type { Accept, Listener, ListenOptions } from "./listen.ts";
import { bun, type BunSocket, forward, wrapBun } from "./bun.ts";
import type { SocketCore } from "./_socket.ts";

/** Listens with Bun.listen (with its tls option when `options.tls` is set). */
// deno-lint-ignore require-await -- async turns a synchronous bind failure into a rejection
export async function listenBun(
  options: ListenOptions,
  accept: Accept,
): Promise<Listener> {
  const cores = new WeakMap<BunSocket, SocketCore>();
  const core = (s: BunSocket) => {
    let c = cores.get(s);
    if (!c) {
      c = wrapBun(s);
      cores.set(s, c);
      c.attach(accept(c));
    }
    return c;
  };
  const host = options.host ?? "127.0.0.1";
  const server = bun.listen({
    hostname: host,
    port: options.port ?? 0,
    ...(options.tls
      ? { tls: { key: options.tls.key, cert: options.tls.cert } }
      : {}),
    socket: forward(core),
  });
  let closed = false;
  return {
    host,
    port: server.port,
    close() {
      if (!closed) server.stop(false);
      closed = true;
      return Promise.resolve();
    },
  };
}
