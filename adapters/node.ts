/**
 * Node.js adapter: node:net / node:tls sockets.
 *
 * @module
 */

import * as net from "node:net";
import * as tls from "node:tls";
import {
  caList,
  type ClientTransport,
  type ConnectOptions,
  guardConnect,
  type Socket,
  type SocketHandlers,
} from "./transport.ts";
import { KEEPALIVE_DELAY_MS, SocketCore } from "./_socket.ts";

/**
 * Wires an open node socket to a {@linkcode SocketCore}, synchronously, so
 * no event can fire before the handlers are in place.
 */
export function wrapNode(
  sock: net.Socket,
  handlers?: SocketHandlers,
  reader?: Reader,
): SocketCore {
  sock.setNoDelay(true);
  const core = new SocketCore({
    write(bytes) {
      if (sock.destroyed || !sock.writable) throw new Error("Socket is closed");
      sock.write(bytes);
      return bytes.length;
    },
    full: () => sock.writableNeedDrain,
    pause: () => void sock.pause(),
    resume: () => void sock.resume(),
    end() {
      sock.end();
      const force = setTimeout(() => sock.destroy(), 1000);
      force.unref?.();
      sock.once("close", () => clearTimeout(force));
    },
  }, handlers);
  if (reader) reader.core = core;
  else sock.on("data", (b: Uint8Array) => core.data(b));
  sock.on("drain", () => core.drained());
  sock.on("error", (err) => core.failed(err));
  sock.once("close", () => core.finish());
  return core;
}

/**
 * Where a plain TCP client socket reads: one buffer of its own, reused for
 * every read (handlers copy what they keep), so no read allocates.
 */
interface Reader {
  core: SocketCore | undefined;
  readonly onread: {
    readonly buffer: Uint8Array;
    callback(n: number, buffer: Uint8Array): void;
  };
}

/** Bytes of a client socket's read buffer: most replies fit in one read. */
const READ_BUFFER_BYTES = 16 * 1024;

function reader(): Reader {
  const r: Reader = {
    core: undefined,
    onread: {
      buffer: new Uint8Array(READ_BUFFER_BYTES),
      callback: (n, buffer) => void r.core?.data(buffer.subarray(0, n)),
    },
  };
  return r;
}

/**
 * The node:net / node:tls transport.
 *
 * @example
 * ```ts
 * import { defaultTransport } from "@x/faktory-worker/protocol";
 * // On Node.js the default transport is this one.
 * console.log((await defaultTransport()).name); // "node"
 * ```
 */
export const nodeTransport: ClientTransport = {
  name: "node",
  connect(options: ConnectOptions, handlers: SocketHandlers): Promise<Socket> {
    const secure = options.tls !== undefined && options.tls !== false;
    const plain = secure ? undefined : reader();
    const sock: net.Socket = secure
      ? tls.connect({
        host: options.host,
        port: options.port,
        servername:
          (typeof options.tls === "object" && options.tls.serverName) ||
          (net.isIP(options.host) ? undefined : options.host),
        ca: caList(options.tls),
      } as tls.ConnectionOptions)
      : net.connect({
        host: options.host,
        port: options.port,
        onread: plain!.onread,
      } as net.NetConnectOpts);
    sock.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    const attempt = new Promise<Socket>((resolve, reject) => {
      sock.once(secure ? "secureConnect" : "connect", () => {
        sock.off("error", reject);
        resolve(wrapNode(sock, handlers, plain));
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
};
