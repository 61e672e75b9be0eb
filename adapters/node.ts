/**
 * Node.js adapter: node:net / node:tls sockets and the process platform.
 * Bun also uses the platform part.
 *
 * @module
 */

import * as net from "node:net";
import * as os from "node:os";
import * as tls from "node:tls";
import process from "node:process";
import {
  type Accept,
  caList,
  type ConnectOptions,
  guardConnect,
  type Listener,
  type ListenOptions,
  type Platform,
  type Socket,
  type SocketHandlers,
  type Transport,
} from "./transport.ts";

/**
 * Gives an open node socket the Socket surface; `attach` wires the handlers
 * (synchronously, before any data event can fire).
 */
function wrap(
  sock: net.Socket,
): { socket: Socket; attach(handlers: SocketHandlers): void } {
  sock.setNoDelay(true);
  let failure: Error | undefined;
  const socket: Socket = {
    write: (bytes) =>
      new Promise<void>((ok, fail) => {
        if (sock.destroyed || !sock.writable) {
          return fail(failure ?? new Error("Socket is closed"));
        }
        if (sock.write(bytes)) return ok();
        const done = () => {
          sock.off("drain", done).off("close", done);
          sock.destroyed ? fail(failure ?? new Error("Socket closed")) : ok();
        };
        sock.on("drain", done).on("close", done);
      }),
    close: () => {
      if (sock.destroyed) return;
      sock.end();
      const force = setTimeout(() => sock.destroy(), 1000);
      force.unref?.();
      sock.once("close", () => clearTimeout(force));
    },
  };
  sock.on("error", (err) => failure = err);
  return {
    socket,
    attach(h) {
      sock.on("data", (b: Uint8Array) => h.data(b));
      sock.once("close", () => h.close(failure));
    },
  };
}

/**
 * The node:net / node:tls transport.
 *
 * @example
 * ```ts
 * import { defaultTransport } from "@x/faktory-worker";
 * // On Node.js the default transport is this one.
 * console.log((await defaultTransport()).name); // "node"
 * ```
 */
export const nodeTransport: Transport = {
  name: "node",
  connect(options: ConnectOptions, handlers: SocketHandlers): Promise<Socket> {
    const secure = options.tls !== undefined && options.tls !== false;
    const sock: net.Socket = secure
      ? tls.connect({
        host: options.host,
        port: options.port,
        servername:
          (typeof options.tls === "object" && options.tls.serverName) ||
          (net.isIP(options.host) ? undefined : options.host),
        ca: caList(options.tls),
      } as tls.ConnectionOptions)
      : net.connect({ host: options.host, port: options.port });
    sock.setKeepAlive(true, 30_000);
    const attempt = new Promise<Socket>((resolve, reject) => {
      sock.once(secure ? "secureConnect" : "connect", () => {
        sock.off("error", reject);
        const { socket, attach } = wrap(sock);
        attach(handlers);
        resolve(socket);
      });
      sock.once("error", reject);
    });
    return guardConnect(
      options,
      attempt,
      () => sock.destroy(),
      (s) => s.close(),
    );
  },
  listen(options: ListenOptions, accept: Accept): Promise<Listener> {
    const onSocket = (sock: net.Socket) => {
      const { socket, attach } = wrap(sock);
      attach(accept(socket));
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
  },
};

/**
 * The process platform for Node.js (and Bun, which provides the same APIs).
 *
 * @example
 * ```ts
 * import { defaultPlatform } from "@x/faktory-worker";
 * // On Node.js and Bun the default platform is this one.
 * console.log((await defaultPlatform()).pid > 0);
 * ```
 */
export const nodePlatform: Platform = {
  hostname: () => os.hostname(),
  pid: process.pid,
  rssBytes: () => process.memoryUsage.rss(),
  env: (name) => process.env[name],
  onSignal(signal, listener) {
    if (process.platform === "win32" && signal === "SIGTSTP") return () => {};
    process.on(signal, listener);
    return () => void process.off(signal, listener);
  },
};
