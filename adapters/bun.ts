/**
 * Bun adapter: Bun.connect (with its tls option) and Bun.listen. The
 * platform part is the Node one, which Bun implements. The Bun API used is
 * typed locally, so Deno and Node never resolve Bun's types.
 *
 * @module
 */

import {
  type Accept,
  caList,
  type ConnectOptions,
  guardConnect,
  type Listener,
  type ListenOptions,
  type Socket,
  type SocketHandlers,
  type Transport,
} from "./transport.ts";

export interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  setNoDelay?(noDelay?: boolean): boolean;
  setKeepAlive?(enable?: boolean, initialDelay?: number): boolean;
}

export interface BunSocketHandler {
  open?(socket: BunSocket): void;
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
  end?(socket: BunSocket): void;
  handshake?(socket: BunSocket, success: boolean, error: Error | null): void;
}

export interface BunApi {
  connect(options: {
    hostname: string;
    port: number;
    tls?: boolean | { ca?: string[]; serverName?: string };
    socket: BunSocketHandler;
  }): Promise<BunSocket>;
  listen(options: {
    hostname: string;
    port: number;
    tls?: { key: string; cert: string };
    socket: BunSocketHandler;
  }): { readonly port: number; stop(closeActive?: boolean): void };
}

const Bun = (globalThis as unknown as { Bun: BunApi }).Bun;

/** One Bun socket's write queue, back-pressure and close bookkeeping. */
class Conn {
  handlers: SocketHandlers | undefined;
  failure: Error | undefined;
  closed = false;
  #ending = false;
  #queue: Uint8Array[] = [];
  #waiters: { ok(): void; fail(e: Error): void }[] = [];
  readonly socket: Socket;

  constructor(readonly sock: BunSocket) {
    sock.setNoDelay?.(true);
    this.socket = {
      write: (bytes) => {
        if (this.closed || this.#ending) {
          return Promise.reject(this.failure ?? new Error("Socket is closed"));
        }
        if (this.#queue.length === 0) {
          const n = sock.write(bytes);
          if (n === bytes.length) return Promise.resolve();
          this.#queue.push(bytes.subarray(Math.max(n, 0)));
        } else this.#queue.push(bytes);
        return new Promise<void>((ok, fail) =>
          this.#waiters.push({ ok, fail })
        );
      },
      // Graceful: queued bytes still go out first.
      close: () => {
        this.#ending = true;
        if (this.#queue.length === 0) sock.end();
      },
    };
  }

  drain(): void {
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      const n = this.sock.write(head);
      if (n < 0) return;
      if (n < head.length) {
        this.#queue[0] = head.subarray(n);
        return;
      }
      this.#queue.shift();
    }
    for (const w of this.#waiters.splice(0)) w.ok();
    if (this.#ending) this.sock.end();
  }

  finish(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.failure ??= error;
    const err = this.failure ?? new Error("Socket is closed");
    for (const w of this.#waiters.splice(0)) w.fail(err);
    this.#queue = [];
    this.handlers?.close(this.failure);
  }
}

/**
 * The Bun transport.
 *
 * @example
 * ```ts
 * import { defaultTransport } from "@x/faktory-worker";
 * // On Bun the default transport is this one.
 * console.log((await defaultTransport()).name); // "bun"
 * ```
 */
export const bunTransport: Transport = {
  name: "bun",
  connect(options: ConnectOptions, handlers: SocketHandlers): Promise<Socket> {
    let conn: Conn | undefined;
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
    const get = (s: BunSocket) => conn ??= new Conn(s);
    const attempt = Bun.connect({
      hostname: options.host,
      port: options.port,
      ...(tls ? { tls } : {}),
      socket: {
        data: (s, data) => get(s).handlers?.data(data),
        drain: (s) => get(s).drain(),
        error: (s, err) => void (get(s).failure = err),
        close: (s, err) => {
          const c = get(s);
          handshook?.(
            err ?? c.failure ?? new Error("Closed during the TLS handshake"),
          );
          c.finish(err);
        },
        end: (s) => s.end(),
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
      return sock;
    });
    return guardConnect(
      options,
      attempt,
      () => cancelled = true,
      (s) => s.end(),
    )
      .then((sock) => {
        const c = get(sock);
        sock.setKeepAlive?.(true, 30_000);
        if (!cancelled) c.handlers = handlers;
        return c.socket;
      });
  },
  // deno-lint-ignore require-await -- async turns a synchronous bind failure into a rejection
  async listen(options: ListenOptions, accept: Accept): Promise<Listener> {
    const conns = new WeakMap<BunSocket, Conn>();
    const get = (s: BunSocket) => {
      let c = conns.get(s);
      if (!c) {
        c = new Conn(s);
        conns.set(s, c);
        c.handlers = accept(c.socket);
      }
      return c;
    };
    const host = options.host ?? "127.0.0.1";
    const server = Bun.listen({
      hostname: host,
      port: options.port ?? 0,
      ...(options.tls
        ? { tls: { key: options.tls.key, cert: options.tls.cert } }
        : {}),
      socket: {
        open: (s) => void get(s),
        data: (s, data) => get(s).handlers?.data(data),
        drain: (s) => get(s).drain(),
        error: (s, err) => void (get(s).failure = err),
        close: (s, err) => get(s).finish(err),
        end: (s) => s.end(),
      },
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
  },
};
