/**
 * The listen side of a runtime's network, used by the embedded test server
 * and kept apart from the client side that connections use.
 *
 * @module
 */

import type { Socket, SocketHandlers } from "./transport.ts";

/**
 * Where and how to listen (for the embedded test server).
 *
 * @example
 * ```ts
 * import type { ListenOptions } from "@x/faktory-worker/protocol";
 * const options: ListenOptions = { host: "127.0.0.1", port: 0 };
 * console.log(options.port);
 * ```
 */
export interface ListenOptions {
  /** Address to bind. @default {"127.0.0.1"} */
  readonly host?: string;
  /** Port to bind; 0 picks a free one. @default {0} */
  readonly port?: number;
  /** Serve TLS with this PEM key and certificate (chain). */
  readonly tls?: { readonly key: string; readonly cert: string };
}

/**
 * A listening socket. Closing it stops accepting; open connections stay
 * open until their owner closes them.
 *
 * @example
 * ```ts
 * import type { Listener } from "@x/faktory-worker/protocol";
 * async function stop(listener: Listener): Promise<void> {
 *   console.log(`closing port ${listener.port}`);
 *   await listener.close();
 * }
 * ```
 */
export interface Listener {
  /** The bound address. */
  readonly host: string;
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  /** Stops accepting connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Takes each accepted connection and returns the handlers for that socket.
 *
 * @example
 * ```ts ignore
 * import { defaultTransport } from "@x/faktory-worker/protocol";
 * const transport = await defaultTransport();
 * const listener = await transport.listen({ port: 0 }, (socket) => ({
 *   data: (chunk) => void socket.write(chunk), // echo
 *   close: () => {},
 * }));
 * await listener.close();
 * ```
 */
export type Accept = (socket: Socket) => SocketHandlers;

/**
 * Accepts connections: the server side of a runtime's network.
 *
 * @example
 * ```ts ignore
 * import { defaultServerTransport } from "./runtime.ts";
 * const server = await defaultServerTransport();
 * const listener = await server.listen({ port: 0 }, () => ({ data() {}, close() {} }));
 * await listener.close();
 * ```
 */
export interface ServerTransport {
  /** The runtime this transport uses. */
  readonly name: string;
  /**
   * Listens for connections.
   *
   * @throws {Error} When the address cannot be bound.
   */
  listen(options: ListenOptions, accept: Accept): Promise<Listener>;
}
