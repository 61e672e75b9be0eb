// Type-level check, run by `npm run check` with tsc and bun-types: the local Bun typings in
// adapters/bun.ts (kept local so Deno and Node never resolve Bun's types) agree with Bun's
// own. A change on either side that makes them disagree fails this file.
/// <reference types="bun-types" />
import type { BunApi, BunSocket, BunSocketHandler } from "../adapters/bun.ts";
import type { BunHttpServer, BunServeOptions } from "../adapters/http_bun.ts";

type ConnectOptions = Parameters<BunApi["connect"]>[0];
type ListenOptions = Parameters<BunApi["listen"]>[0];

// What the adapter passes, Bun accepts; what Bun returns, the adapter can use.
export function connect(options: ConnectOptions): Promise<BunSocket> {
  return Bun.connect(options);
}
export function listen(options: ListenOptions): ReturnType<BunApi["listen"]> {
  return Bun.listen(options);
}

// Bun's socket has every member the adapter calls, with the same types.
export function socket(s: Bun.Socket<undefined>): BunSocket {
  return s;
}

// The adapter's handlers can be given to Bun as they are.
export function handlers(
  h: BunSocketHandler,
): Bun.SocketHandler<undefined> {
  return h;
}

// The HTTP adapter's Bun.serve options are accepted by Bun, and what Bun returns fits.
export function serve(options: BunServeOptions): BunHttpServer {
  return Bun.serve(options);
}
