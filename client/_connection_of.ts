/**
 * The connection under a {@linkcode Client}, for the worker's own code (the
 * Manager watches its control connection close and reads its address). Not
 * part of the public API: a Client does not expose its wiring.
 *
 * @module
 */

import type { Client } from "./client.ts";
import type { Connection } from "./connection.ts";

let read: ((client: Client) => Connection) | undefined;

/** The connection a client sends on. */
export function connectionOf(client: Client): Connection {
  return read!(client);
}

/** Lets the Client class hand out its connection (called once, by Client). */
export function provideConnectionOf(
  reader: (client: Client) => Connection,
): void {
  read = reader;
}
