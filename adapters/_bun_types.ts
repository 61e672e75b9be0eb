/**
 * The part of Bun's socket API the adapters use, typed locally so Deno and
 * Node never resolve Bun's types (typecheck/ checks them against bun-types).
 *
 * @module
 */

/** A Bun socket. */
export interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  setNoDelay?(noDelay?: boolean): boolean;
  setKeepAlive?(enable?: boolean, initialDelay?: number): boolean;
  pause?(): void;
  resume?(): void;
}

/** The socket event handlers Bun calls. */
export interface BunSocketHandler {
  open?(socket: BunSocket): void;
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
  end?(socket: BunSocket): void;
  handshake?(socket: BunSocket, success: boolean, error: Error | null): void;
}

/** The Bun global. */
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

/** A process started by `Bun.spawn`. */
export interface BunSubprocess {
  readonly pid: number;
  readonly exited: Promise<number>;
  readonly signalCode: string | number | null;
  kill(signal?: number | string): void;
}

/** The part of the Bun global that starts processes. */
export interface BunSpawnApi {
  readonly argv: string[];
  spawn(options: {
    cmd: string[];
    env: Record<string, string | undefined>;
    stdin: "ignore";
    stdout: "inherit";
    stderr: "inherit";
    detached: boolean;
  }): BunSubprocess;
}
