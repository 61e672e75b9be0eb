/**
 * Deno adapter: Deno.connect / Deno.connectTls.
 * The few Deno APIs used are typed locally, so other runtimes' type checks
 * never need Deno's types.
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
import { SocketCore } from "./_socket.ts";
import { ReadBuffer } from "./_read_buffer.ts";

/** The part of a Deno connection the adapter uses. */
export interface DenoConn {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
  setNoDelay?(noDelay?: boolean): void;
  setKeepAlive?(keepAlive?: boolean): void;
  handshake?(): Promise<unknown>;
}

interface DenoApi {
  connect(o: { hostname: string; port: number }): Promise<DenoConn>;
  connectTls(
    o: { hostname: string; port: number; caCerts?: string[] },
  ): Promise<DenoConn>;
}

const Deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

/**
 * The Deno transport.
 *
 * @example
 * ```ts
 * import { defaultTransport } from "@x/faktory-worker/protocol";
 * // On Deno the default transport is this one.
 * console.log((await defaultTransport()).name); // "deno"
 * ```
 */
export const denoTransport: ClientTransport = {
  name: "deno",
  connect(options: ConnectOptions, handlers: SocketHandlers): Promise<Socket> {
    const attempt = options.tls
      ? Deno.connectTls({
        hostname: options.host,
        port: options.port,
        ...(caList(options.tls) ? { caCerts: caList(options.tls)! } : {}),
      }).then(async (conn) => {
        // Finish the handshake now, so a bad certificate fails the connect.
        try {
          await conn.handshake?.();
        } catch (err) {
          conn.close();
          throw err;
        }
        return conn;
      })
      : Deno.connect({ hostname: options.host, port: options.port });
    return guardConnect(options, attempt, () => {}, (c) => c.close())
      .then((conn) => {
        // Deno takes no keepalive delay: the system's applies.
        conn.setKeepAlive?.(true);
        return wrapDeno(conn, handlers);
      });
  },
};

/**
 * Wires a Deno connection to a {@linkcode SocketCore} and starts reading
 * into the handlers (given here, or attached before the first turn).
 */
export function wrapDeno(
  conn: DenoConn,
  handlers?: SocketHandlers,
): SocketCore {
  conn.setNoDelay?.(true);
  let writing = false;
  let shut = false;
  // While paused, the read loop waits here before its next read.
  let paused: { promise: Promise<void>; resume(): void } | undefined;
  const resume = () => {
    paused?.resume();
    paused = undefined;
  };
  const shutdown = () => {
    if (shut) return;
    shut = true;
    resume();
    try {
      conn.close();
    } catch { /* already closed */ }
  };
  const core = new SocketCore({
    write(bytes) {
      if (shut) throw new Error("Socket is closed");
      writing = true;
      writeAll(conn, bytes).then(() => {
        writing = false;
        core.drained();
      }, (err) => {
        core.finish(err);
        shutdown();
      });
      return bytes.length;
    },
    full: () => writing,
    end: shutdown,
    pause() {
      if (shut || paused) return;
      let go = () => {};
      const promise = new Promise<void>((r) => go = r);
      paused = { promise, resume: go };
    },
    resume,
  }, handlers);
  void (async () => {
    await undefined; // a listener attaches its handlers first
    // Small at first: an idle connection keeps only this buffer.
    const buf = new ReadBuffer();
    try {
      for (let n; (n = await conn.read(buf.bytes)) !== null;) {
        core.data(buf.bytes.subarray(0, n));
        buf.filled(n);
        if (paused) await paused.promise;
      }
    } catch (err) {
      if (!shut) core.failed(err as Error);
    }
    shutdown();
    core.finish();
  })();
  return core;
}

async function writeAll(conn: DenoConn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) {
    off += await conn.write(bytes.subarray(off));
  }
}
