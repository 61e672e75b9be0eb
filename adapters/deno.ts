/**
 * Deno adapter: Deno.connect / Deno.connectTls and the Deno platform.
 * The few Deno APIs used are typed locally, so other runtimes' type checks
 * never need Deno's types.
 *
 * @module
 */

import { LocalProtocolError } from "../core/errors.ts";
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
import { ReadBuffer } from "./_read_buffer.ts";

interface DenoConn {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
  setNoDelay?(noDelay?: boolean): void;
  setKeepAlive?(keepAlive?: boolean): void;
  handshake?(): Promise<unknown>;
}

interface DenoListener {
  accept(): Promise<DenoConn>;
  close(): void;
  readonly addr: { hostname: string; port: number };
}

interface DenoApi {
  listen(o: { hostname: string; port: number }): DenoListener;
  listenTls(
    o: { hostname: string; port: number; key: string; cert: string },
  ): DenoListener;
  connect(o: { hostname: string; port: number }): Promise<DenoConn>;
  connectTls(
    o: { hostname: string; port: number; caCerts?: string[] },
  ): Promise<DenoConn>;
  hostname(): string;
  readonly pid: number;
  memoryUsage(): { rss: number };
  env: { get(name: string): string | undefined };
  build: { os: string };
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
}

const Deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

/**
 * The Deno transport.
 *
 * @example
 * ```ts
 * import { defaultTransport } from "@x/faktory-worker";
 * // On Deno the default transport is this one.
 * console.log((await defaultTransport()).name); // "deno"
 * ```
 */
export const denoTransport: Transport = {
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
        conn.setKeepAlive?.(true);
        const { socket, attach } = wrap(conn);
        attach(handlers);
        return socket;
      });
  },
  // deno-lint-ignore require-await -- async turns a synchronous bind failure into a rejection
  async listen(options: ListenOptions, accept: Accept): Promise<Listener> {
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
        const { socket, attach } = wrap(conn);
        attach(accept(socket));
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
  },
};

/**
 * Gives a Deno connection the Socket surface; `attach` wires the handlers
 * and starts reading.
 */
function wrap(
  conn: DenoConn,
): { socket: Socket; attach(handlers: SocketHandlers): void } {
  conn.setNoDelay?.(true);
  let closed = false; // no more writes accepted
  let shut = false; // the connection itself is closed
  let failure: Error | undefined;
  let writing: Promise<void> = Promise.resolve();
  const shutdown = () => {
    if (shut) return;
    shut = closed = true;
    try {
      conn.close();
    } catch { /* already closed */ }
  };
  // Graceful: bytes already handed to write() still go out first.
  const close = () => {
    if (closed) return;
    closed = true;
    writing.then(shutdown, shutdown);
  };
  const read = async (handlers: SocketHandlers) => {
    // Small at first: an idle connection keeps only this buffer.
    const buf = new ReadBuffer();
    try {
      for (let n; (n = await conn.read(buf.bytes)) !== null;) {
        handlers.data(buf.bytes.subarray(0, n));
        buf.filled(n);
      }
    } catch (err) {
      if (!shut) failure = err as Error;
    }
    shutdown();
    handlers.close(failure);
  };
  const socket: Socket = {
    write(bytes) {
      if (closed) {
        return Promise.reject(failure ?? new Error("Socket is closed"));
      }
      writing = writing.then(async () => {
        if (shut) throw failure ?? new Error("Socket is closed");
        for (let off = 0; off < bytes.length;) {
          off += await conn.write(bytes.subarray(off));
        }
      });
      return writing;
    },
    close,
  };
  return { socket, attach: (handlers) => void read(handlers) };
}

/**
 * The Deno platform. Reading an environment variable without `--allow-env`
 * throws a {@linkcode LocalProtocolError} naming the flag; without
 * `--allow-sys` the host name falls back to `localhost`.
 *
 * @example
 * ```ts
 * import { defaultPlatform } from "@x/faktory-worker";
 * // On Deno the default platform is this one.
 * console.log((await defaultPlatform()).rssBytes() > 0);
 * ```
 */
export const denoPlatform: Platform = {
  hostname(onFallback) {
    try {
      return Deno.hostname();
    } catch (err) {
      onFallback?.(
        `Deno denied reading the host name (${
          (err as Error).name
        }); HELLO reports "localhost". Run with --allow-sys=hostname, or pass the hostname option`,
      );
      return "localhost";
    }
  },
  get pid() {
    return Deno.pid;
  },
  rssBytes: () => Deno.memoryUsage().rss,
  env(name) {
    try {
      return Deno.env.get(name);
    } catch (err) {
      throw new LocalProtocolError(
        `Deno denied reading the environment variable ${name}: run with --allow-env=${
          name === "FAKTORY_URL" || name === "FAKTORY_PROVIDER"
            ? "FAKTORY_URL,FAKTORY_PROVIDER"
            : name
        }, or pass the url option`,
        { cause: err },
      );
    }
  },
  onSignal(signal, listener) {
    if (Deno.build.os === "windows" && signal !== "SIGINT") return () => {};
    Deno.addSignalListener(signal, listener);
    return () => Deno.removeSignalListener(signal, listener);
  },
};
