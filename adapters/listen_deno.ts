/**
 * The listen side on Deno (Deno.listen / Deno.listenTls), for the embedded
 * test server.
 *
 * @module
 */

import type { Accept, Listener, ListenOptions } from "./listen.ts";
import { type DenoConn, wrapDeno } from "./deno.ts";

interface DenoListener {
  accept(): Promise<DenoConn>;
  close(): void;
  readonly addr: { hostname: string; port: number };
}

const Deno = (globalThis as unknown as {
  Deno: {
    listen(o: { hostname: string; port: number }): DenoListener;
    listenTls(
      o: { hostname: string; port: number; key: string; cert: string },
    ): DenoListener;
  };
}).Deno;

/** Listens with Deno.listen, or Deno.listenTls when `options.tls` is set. */
// deno-lint-ignore require-await -- async turns a synchronous bind failure into a rejection
export async function listenDeno(
  options: ListenOptions,
  accept: Accept,
): Promise<Listener> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  const listener = options.tls
    ? Deno.listenTls({ hostname: host, port, ...options.tls })
    : Deno.listen({ hostname: host, port });
  let closed = false;
  const accepting = (async () => {
    for (;;) {
      let conn: DenoConn;
      try {
        conn = await listener.accept();
      } catch {
        return; // the listener was closed
      }
      const core = wrapDeno(conn);
      core.attach(accept(core));
    }
  })();
  return {
    host,
    port: listener.addr.port,
    close() {
      if (!closed) {
        closed = true;
        listener.close();
      }
      // Resolves once the pending accept has failed: the port is free then.
      return accepting;
    },
  };
}
