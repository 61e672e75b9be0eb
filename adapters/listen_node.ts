/**
 * The listen side on Node.js (node:net / node:tls servers), for the embedded
 * test server.
 *
 * @module
 */

import * as net from "node:net";
import * as tls from "node:tls";
import type { Accept, Listener, ListenOptions } from "./listen.ts";
import { wrapNode } from "./node.ts";

/** Listens with node:net, or node:tls when `options.tls` is set. */
export function listenNode(
  options: ListenOptions,
  accept: Accept,
): Promise<Listener> {
  const onSocket = (sock: net.Socket) => {
    const core = wrapNode(sock);
    core.attach(accept(core));
  };
  const server = options.tls
    ? tls.createServer(
      { key: options.tls.key, cert: options.tls.cert },
      onSocket,
    )
    : net.createServer(onSocket);
  const host = options.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      let closing: Promise<void> | undefined;
      resolve({
        host,
        port: (server.address() as net.AddressInfo).port,
        close: () =>
          closing ??= new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
