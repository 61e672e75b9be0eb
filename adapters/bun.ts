/**
 * Bun adapter: Bun.connect (with its tls option). The platform part is the
 * Node one, which Bun implements. The Bun API used is typed locally, so
 * Deno and Node never resolve Bun's types.
 *
 * @module
 */

import {
  caList,
  type ConnectOptions,
  guardConnect,
  type Socket,
  type SocketHandlers,
  type Transport,
} from "./transport.ts";

interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  setNoDelay?(noDelay?: boolean): boolean;
  setKeepAlive?(enable?: boolean, initialDelay?: number): boolean;
}

interface BunSocketHandler {
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
  connectError?(socket: BunSocket, error: Error): void;
  end?(socket: BunSocket): void;
  handshake?(socket: BunSocket, success: boolean, error: Error | null): void;
}

interface BunApi {
  connect(options: {
    hostname: string;
    port: number;
    tls?: boolean | { ca?: string[]; serverName?: string };
    socket: BunSocketHandler;
  }): Promise<BunSocket>;
}

const Bun = (globalThis as unknown as { Bun: BunApi }).Bun;

/**
 * The Bun transport.
 *
 * @example
 * ```ts
 * import { bunTransport } from "@x/faktory-worker";
 * console.log(bunTransport.name); // "bun"
 * ```
 */
export const bunTransport: Transport = {
  name: "bun",
  connect(options: ConnectOptions, handlers: SocketHandlers): Promise<Socket> {
    let queue: Uint8Array[] = [];
    let waiters: { ok(): void; fail(e: Error): void }[] = [];
    let closed = false;
    let failure: Error | undefined;
    let cancelled = false;
    const flush = (sock: BunSocket) => {
      while (queue.length > 0) {
        const head = queue[0]!;
        const n = sock.write(head);
        if (n < 0) return;
        if (n < head.length) {
          queue[0] = head.subarray(n);
          return;
        }
        queue.shift();
      }
      const done = waiters;
      waiters = [];
      for (const w of done) w.ok();
    };
    const finish = () => {
      if (closed) return;
      closed = true;
      const err = failure ?? new Error("Socket is closed");
      for (const w of waiters) w.fail(err);
      queue = waiters = [];
      if (!cancelled) handlers.close(failure);
    };
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
    const attempt = Bun.connect({
      hostname: options.host,
      port: options.port,
      ...(tls ? { tls } : {}),
      socket: {
        data: (_s, data) => handlers.data(data),
        drain: (s) => flush(s),
        error: (_s, err) => void (failure = err),
        close: (_s, err) => {
          failure ??= err;
          handshook?.(failure ?? new Error("Closed during the TLS handshake"));
          finish();
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
        sock.setNoDelay?.(true);
        sock.setKeepAlive?.(true, 30_000);
        return {
          write(bytes) {
            if (closed) {
              return Promise.reject(failure ?? new Error("Socket is closed"));
            }
            if (queue.length === 0) {
              const n = sock.write(bytes);
              if (n === bytes.length) return Promise.resolve();
              queue.push(bytes.subarray(Math.max(n, 0)));
            } else queue.push(bytes);
            return new Promise<void>((ok, fail) => waiters.push({ ok, fail }));
          },
          close: () => sock.end(),
        };
      });
  },
};
