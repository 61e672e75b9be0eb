/**
 * The options of a connection and of one request.
 *
 * @module
 */

import type { ClientTransport, TlsOptions } from "../adapters/transport.ts";

export type {
  ClientTransport,
  ServerTransport,
} from "../adapters/transport.ts";

/**
 * How to reach the server and who to say we are.
 *
 * @example
 * ```ts
 * import type { ConnectionOptions } from "@x/faktory-worker";
 * const options: ConnectionOptions = {
 *   url: "tcp+tls://:secret@faktory.internal:7419",
 *   tls: { ca: "-----BEGIN CERTIFICATE-----\n..." },
 *   labels: ["api"],
 * };
 * console.log(options.labels);
 * ```
 */
export interface ConnectionOptions {
  /**
   * The server URL, `tcp://[:password@]host[:port]` or `tcp+tls://...`.
   *
   * @default {the variable named by FAKTORY_PROVIDER, else FAKTORY_URL, else tcp://localhost:7419}
   */
  readonly url?: string;
  /** The password; overrides the one in the URL. */
  readonly password?: string;
  /** TLS settings (a CA to trust); `true` or an object also turns TLS on. */
  readonly tls?: boolean | TlsOptions;
  /** Host name sent in HELLO. @default {the machine's host name} */
  readonly hostname?: string;
  /** Process id sent in HELLO. @default {the process id} */
  readonly pid?: number;
  /** Labels sent in HELLO. @default {[]} */
  readonly labels?: readonly string[];
  /** Worker id; set for worker connections, absent for producers. */
  readonly wid?: string;
  /**
   * Milliseconds to wait for a reply before the connection is declared dead.
   * It must exceed the server's 2 s FETCH block. When it runs out, input
   * that already arrived (say, while a job blocked the event loop) is still
   * read before the connection is given up.
   *
   * @default {10000}
   */
  readonly timeout?: number;
  /**
   * Milliseconds to wait for the connection to be ready: the socket, the
   * server's greeting, the password hash and the HELLO reply together.
   *
   * @default {10000}
   */
  readonly connectTimeout?: number;
  /**
   * The largest reply read, in bytes. A longer reply is skipped as it
   * arrives, never held in memory: a fetched job that long is refused with a
   * `JobTooLargeError` (the Manager FAILs it at once), and the connection
   * stays usable. The default is the most Faktory stores in one job (its
   * Redis caps a value at 512 MB), so no job Faktory accepted is refused;
   * set it lower to bound the memory a connection may use.
   *
   * @default {512 MiB}
   */
  readonly maxReplyBytes?: number;
  /** The transport to use. @default {the current runtime's} */
  readonly transport?: ClientTransport;
  /** Cancels connecting (until the HELLO reply). */
  readonly signal?: AbortSignal;
}

/**
 * Options for one request.
 *
 * @example
 * ```ts
 * import type { RequestOptions } from "@x/faktory-worker";
 * const options: RequestOptions = { signal: AbortSignal.timeout(1000) };
 * console.log(options.signal?.aborted);
 * ```
 */
export interface RequestOptions {
  /**
   * Abandons the request. Before it is written, nothing is sent; after, its
   * reply is discarded when it arrives (an abandoned FETCH leaves its job
   * reserved until the job's reserve_for runs out).
   */
  readonly signal?: AbortSignal;
}
