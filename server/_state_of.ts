/**
 * The state under a {@linkcode FaktoryServer}, for the package's own admin
 * code ({@linkcode ServerAdmin}). Not part of the public API.
 *
 * @module
 */

import type { FaktoryServer } from "./server.ts";
import type { ServerState } from "./_server_state.ts";

let read: ((server: FaktoryServer) => ServerState) | undefined;

/** The state a server works on. */
export function stateOf(server: FaktoryServer): ServerState {
  return read!(server);
}

/** Lets the FaktoryServer class hand out its state (called once, by it). */
export function provideStateOf(
  reader: (server: FaktoryServer) => ServerState,
): void {
  read = reader;
}
