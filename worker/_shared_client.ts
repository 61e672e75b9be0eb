/**
 * The one client a worker's jobs share for `ctx.with`: a Client is
 * promise-safe, so jobs use it at once instead of queueing for it (and a job
 * that borrows it twice, say inside `ctx.batch`, cannot wait on itself). It
 * connects when first needed and again after its connection broke.
 *
 * @module
 */

import { ConnectionClosedError } from "../core/errors.ts";
import { Client, type ClientOptions } from "../client/client.ts";

/** A lazily connected client, replaced when its connection breaks. */
export class SharedClient {
  readonly #options: () => ClientOptions;
  #client: Client | undefined;
  #connecting: Promise<Client> | undefined;
  #closed = false;

  /** @param options The options of each connection it opens. */
  constructor(options: () => ClientOptions) {
    this.#options = options;
  }

  /** Whether its connection is open. */
  get open(): boolean {
    return this.#client !== undefined && !this.#client.closed;
  }

  /**
   * The client, connecting first if there is none or its connection broke.
   *
   * @throws {ConnectionClosedError} After {@linkcode SharedClient.close}.
   */
  get(): Promise<Client> {
    if (this.#closed) {
      return Promise.reject(
        new ConnectionClosedError("The worker has stopped"),
      );
    }
    if (this.#client && !this.#client.closed) {
      return Promise.resolve(this.#client);
    }
    return this.#connecting ??= Client.connect(this.#options()).then(
      (client) => {
        this.#connecting = undefined;
        if (this.#closed) {
          void client.close();
          throw new ConnectionClosedError("The worker has stopped");
        }
        return this.#client = client;
      },
      (err) => {
        this.#connecting = undefined;
        throw err;
      },
    );
  }

  /** Closes the connection; later calls to `get` reject. */
  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    await client?.close();
  }
}
