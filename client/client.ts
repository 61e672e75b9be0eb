/**
 * The Client: every command a producer (or a worker) sends, as typed
 * methods over one connection.
 *
 * @module
 */

import type {
  BeatPayload,
  Command,
  CommandResults,
  FailPayload,
  WorkerState,
} from "../core/commands.ts";
import { LocalProtocolError } from "../core/errors.ts";
import { failureFor } from "../core/failure.ts";
import {
  InvalidJobError,
  type Job,
  type JobOptions,
  type JobPayload,
  type JsonValue,
  validateJob,
} from "../core/job.ts";
import {
  Connection,
  type ConnectionOptions,
  type RequestOptions,
} from "./connection.ts";
import { provideConnectionOf } from "./_connection_of.ts";
import { ClientAdmin } from "./_client_admin.ts";
import {
  bulkArguments,
  checkMiddleware,
  failFields,
  isFailFields,
  jidOf,
  pushArguments,
} from "./_client_helpers.ts";
import type { JobDefinition } from "./jobs.ts";
import type { Logger } from "./logger.ts";
import { warnIgnoredOptions, warningsTo } from "./_edition.ts";
import { checkLogger } from "./_user_logger.ts";
import { peerOf } from "./_open.ts";
import {
  pushBulkThrough,
  type PushMiddleware,
  pushThrough,
} from "./push_middleware.ts";

/**
 * Options for {@linkcode Client.connect}: the connection options, and the
 * producer middleware around every push.
 *
 * @example
 * ```ts
 * import type { ClientOptions } from "@x/faktory-worker";
 * const options: ClientOptions = {
 *   url: "tcp://localhost:7419",
 *   labels: ["producer"],
 *   middleware: [(job, next) => next({ ...job, custom: { ...job.custom, app: "shop" } })],
 * };
 * console.log(options.url);
 * ```
 */
export interface ClientOptions extends ConnectionOptions {
  /** Producer middleware around every push, outermost first. */
  readonly middleware?: readonly PushMiddleware[];
  /**
   * Where the client warns: Pro or Enterprise job options pushed to the
   * open-source server, which ignores them (once per process, server and
   * option). A pino logger is recognised, as for the Manager; a logger
   * that throws or rejects is reported once on standard error and ignored.
   *
   * @default {the console, warnings only}
   */
  readonly logger?: Logger;
}

/**
 * What a heartbeat reports.
 *
 * @example
 * ```ts
 * import type { BeatOptions } from "@x/faktory-worker";
 * const beat: BeatOptions = { state: "quiet", rssKb: 51200 };
 * console.log(beat.state);
 * ```
 */
export interface BeatOptions extends RequestOptions {
  /** The state the worker is in, echoed back to the server. */
  readonly state?: WorkerState | "";
  /** Resident memory in KiB. */
  readonly rssKb?: number;
}

/**
 * A connection to Faktory with a typed method per command. A Client is
 * promise-safe: concurrent calls are pipelined on its one socket. Use a
 * {@linkcode Pool} to spread load over several sockets.
 *
 * @example Push a job
 * ```ts ignore
 * import { Client } from "@x/faktory-worker";
 * const client = await Client.connect(); // FAKTORY_URL or tcp://localhost:7419
 * const jid = await client.push("SendEmail", ["a@example.com"], { queue: "mail" });
 * console.log("pushed", jid);
 * await client.close();
 * ```
 */
export class Client extends ClientAdmin {
  readonly #conn: Connection;
  readonly #wid: string | undefined;
  readonly #middleware: PushMiddleware[];
  readonly #logger: Logger;

  static {
    provideConnectionOf((client) => client.#conn);
  }

  private constructor(conn: Connection, options: ClientOptions) {
    super(conn);
    this.#conn = conn;
    this.#wid = options.wid;
    this.#middleware = [...options.middleware ?? []];
    this.#logger = warningsTo(options.logger);
  }

  /**
   * Connects and says HELLO.
   *
   * @param options Connection options, or just the URL.
   * @returns The connected client.
   * @throws {ConnectError} When the server cannot be reached.
   * @throws {AuthenticationError} When the password is wrong.
   * @throws {TypeError} When `logger` lacks a logger's methods (before connecting).
   */
  static async connect(options: ClientOptions | string = {}): Promise<Client> {
    const opts = typeof options === "string" ? { url: options } : options;
    const { middleware, logger, ...connection } = opts;
    if (logger !== undefined) checkLogger(logger);
    for (const mw of middleware ?? []) checkMiddleware(mw);
    return new Client(await Connection.open(connection), opts);
  }

  /**
   * Adds producer middleware, inside any added before: it runs around every
   * later push, `pushBulk` and batch push of this client.
   *
   * @param middleware The middleware.
   * @returns This client, to chain calls.
   *
   * @example
   * ```ts ignore
   * import { Client } from "@x/faktory-worker";
   * const client = await Client.connect();
   * client.use((job, next) => next({ ...job, custom: { ...job.custom, tenant: "acme" } }));
   * await client.push("Invoice", [42]); // custom.tenant is "acme"
   * await client.close();
   * ```
   */
  use(middleware: PushMiddleware): this {
    this.#middleware.push(checkMiddleware(middleware));
    return this;
  }

  /** Whether the connection is closed (the client is then unusable). */
  get closed(): boolean {
    return this.#conn.closed;
  }

  #send<C extends Command>(
    command: C,
    options?: RequestOptions,
  ): Promise<CommandResults[C["type"]]> {
    return this.#conn.request(command, options);
  }

  /** Waits for a push, and warns of options the server will ignore. */
  async #pushed<T>(jobs: readonly JobPayload[], sent: Promise<T>): Promise<T> {
    const server = peerOf(this.#conn.address);
    const edition = () => this.edition();
    const warned = warnIgnoredOptions(jobs, edition, server, this.#logger);
    const result = await sent;
    await warned;
    return result;
  }

  /**
   * Pushes a job payload (see {@linkcode createJob}).
   *
   * @param job The job.
   * @param options An abort signal.
   * @returns The jid.
   * @throws {InvalidJobError} When the server would refuse the job (nothing is sent).
   * @throws {ServerError} When the server refuses it.
   */
  push(job: JobPayload, options?: RequestOptions): Promise<string>;
  /**
   * Pushes a job given its type, arguments and options; the jid is random
   * unless `options.jid` is set.
   *
   * @param jobtype The job type a worker registered.
   * @param args The arguments (JSON values).
   * @param options Job options and an abort signal.
   * @returns The jid.
   * @throws {InvalidJobError} When the server would refuse the job (nothing is sent).
   * @throws {ServerError} When the server refuses it.
   */
  push(
    jobtype: string,
    args?: readonly JsonValue[],
    options?: JobOptions & RequestOptions,
  ): Promise<string>;
  /**
   * Pushes a job of a defined type, with its arguments checked.
   *
   * @param jobtype The definition from {@linkcode defineJob}.
   * @param args The typed arguments.
   * @param options Job options (over the definition's) and an abort signal.
   * @returns The jid.
   * @throws {InvalidJobError} When the server would refuse the job (nothing is sent).
   * @throws {ServerError} When the server refuses it.
   */
  push<A extends readonly unknown[]>(
    jobtype: JobDefinition<A>,
    args: NoInfer<readonly [...A]>,
    options?: JobOptions & RequestOptions,
  ): Promise<string>;
  async push(
    job: JobPayload | string | JobDefinition<readonly unknown[]>,
    argsOrOptions?: readonly unknown[] | RequestOptions,
    options: JobOptions & RequestOptions = {},
  ): Promise<string> {
    const { payload, request } = pushArguments(job, argsOrOptions, options);
    if (this.#middleware.length > 0) {
      return pushThrough(
        this.#middleware,
        payload,
        (final) =>
          this.#pushed(
            [final],
            this.#send({ type: "PUSH", job: final }, request),
          ),
        request?.signal,
      );
    }
    const sent = this.#send({ type: "PUSH", job: payload }, request);
    await this.#pushed([payload], sent);
    return payload.jid;
  }

  /**
   * Pushes many jobs in one round trip. Jobs the server would refuse, or
   * that cannot be serialized, are refused locally (with the server's
   * message where it has one), and the rest are sent.
   *
   * @param jobs The jobs.
   * @param options An abort signal.
   * @returns The refused jobs, jid to reason; empty when all were accepted.
   */
  pushBulk(
    jobs: readonly JobPayload[],
    options?: RequestOptions,
  ): Promise<Record<string, string>>;
  /**
   * Pushes one job of a defined type per argument list, in one round trip.
   *
   * @param jobtype The definition from {@linkcode defineJob}.
   * @param argsList The typed arguments of each job.
   * @param options Job options for every job (over the definition's) and an abort signal.
   * @returns The refused jobs, jid to reason; empty when all were accepted.
   */
  pushBulk<A extends readonly unknown[]>(
    jobtype: JobDefinition<A>,
    argsList: readonly NoInfer<readonly [...A]>[],
    options?: JobOptions & RequestOptions,
  ): Promise<Record<string, string>>;
  async pushBulk(
    jobsOrType: readonly JobPayload[] | JobDefinition<readonly unknown[]>,
    argsOrOptions?: readonly (readonly unknown[])[] | RequestOptions,
    typedOptions: JobOptions & RequestOptions = {},
  ): Promise<Record<string, string>> {
    const { jobs, request: options } = bulkArguments(
      jobsOrType,
      argsOrOptions,
      typedOptions,
    );
    const refused: Record<string, string> = {};
    const valid: JobPayload[] = [];
    for (const job of jobs) {
      try {
        valid.push(validateJob(job));
      } catch (err) {
        if (!(err instanceof InvalidJobError)) throw err;
        refused[jidOf(job)] = err.message;
      }
    }
    if (valid.length === 0) return refused;
    const result = this.#middleware.length > 0
      ? await pushBulkThrough(
        this.#middleware,
        valid,
        (final) =>
          this.#pushed(
            final,
            this.#send({ type: "PUSHB", jobs: final }, options),
          ),
        options?.signal,
      )
      : await this.#pushed(
        valid,
        this.#send({ type: "PUSHB", jobs: valid }, options),
      );
    return { ...result, ...refused };
  }

  /**
   * Fetches the next job from the queues, in the order given. The server
   * waits up to 2 s for one.
   *
   * @param queues Queue names, in priority order.
   * @param options An abort signal.
   * @returns The job, or null when none arrived.
   * @throws {JobTooLargeError} When the job is longer than `maxReplyBytes`:
   * it was skipped unread and stays reserved; its `jid`, when known, lets you
   * FAIL it. The client stays usable.
   */
  fetch(
    queues: readonly string[],
    options?: RequestOptions,
  ): Promise<Job | null> {
    return this.#send({ type: "FETCH", queues }, options);
  }

  /**
   * Reports a job as done. Harmless for an unknown jid.
   *
   * @param jid The job.
   * @param options An abort signal.
   */
  ack(jid: string, options?: RequestOptions): Promise<void> {
    return this.#send({ type: "ACK", jid }, options);
  }

  /**
   * Reports a job as failed, for a retry according to its `retry`.
   *
   * @param jid The job.
   * @param error What the job threw, or a ready FAIL payload's fields.
   * @param options An abort signal.
   * @throws {ServerError} `Job not found` when the job is not reserved.
   */
  fail(
    jid: string,
    error: unknown,
    options?: RequestOptions,
  ): Promise<void> {
    const payload: FailPayload = isFailFields(error)
      ? failFields(jid, error)
      : failureFor(jid, error);
    return this.#send({ type: "FAIL", payload }, options);
  }

  /**
   * Sends a heartbeat for this client's wid.
   *
   * @param options State, memory and an abort signal.
   * @returns The state the server asks for (`quiet` or `terminate`), or null.
   * @throws {LocalProtocolError} When the client was opened without a wid.
   */
  beat(options: BeatOptions = {}): Promise<WorkerState | null> {
    if (this.#wid === undefined) {
      return Promise.reject(
        new LocalProtocolError(
          "BEAT needs a worker connection: connect with a wid",
        ),
      );
    }
    const payload: { -readonly [K in keyof BeatPayload]: BeatPayload[K] } = {
      wid: this.#wid,
    };
    if (options.state !== undefined) payload.current_state = options.state;
    if (options.rssKb !== undefined) payload.rss_kb = options.rssKb;
    return this.#send({ type: "BEAT", payload }, options);
  }

  /**
   * Sends END and closes the socket without waiting for a reply.
   * Idempotent.
   */
  close(): Promise<void> {
    return this.#conn.close();
  }
}
