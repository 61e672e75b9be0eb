/**
 * The administrative and Enterprise commands of a {@linkcode Client}: FLUSH,
 * queue pause/resume/remove, MUTATE, BATCH and TRACK.
 *
 * @module
 */

import type {
  BatchPayload,
  BatchStatus,
  Command,
  CommandResults,
  MutateFilter,
  MutateTarget,
  Mutation,
  ServerInfo,
  TrackPayload,
} from "../core/commands.ts";
import type { JobPayload } from "../core/job.ts";
import type { JobProgress } from "../core/results.ts";
import type { Connection, RequestOptions } from "./connection.ts";
import { Batch, type BatchOptions, createBatch, fillBatch } from "./batch.ts";
import type { FaktoryEdition } from "../core/job_enterprise.ts";
import { EditionCache } from "./_edition.ts";

/**
 * What every {@linkcode Client} can ask of the server besides pushing and
 * working jobs: flushing, pausing, resuming and removing queues, mutating the
 * scheduled, retry and dead sets, and Faktory Enterprise batches and
 * tracking. Use it through a `Client`; it is not made on its own.
 *
 * @example
 * ```ts ignore
 * import { Client } from "@x/faktory-worker";
 * const client = await Client.connect();
 * await client.pauseQueues(["bulk"]);
 * await client.discard("dead", { jobtype: "Obsolete" });
 * await client.close();
 * ```
 */
export abstract class ClientAdmin {
  readonly #conn: Connection;
  readonly #edition: EditionCache;

  /**
   * Uses `conn` for every command.
   *
   * @param conn The client's connection.
   */
  protected constructor(conn: Connection) {
    this.#conn = conn;
    this.#edition = new EditionCache((signal) =>
      this.#send({ type: "INFO" }, signal ? { signal } : {})
    );
  }

  /**
   * Reads the server's state: queue sizes, task counters, server details.
   *
   * @param options An abort signal.
   * @returns The INFO document.
   */
  info(options?: RequestOptions): Promise<ServerInfo> {
    return this.#conn.request({ type: "INFO" }, options);
  }

  /**
   * Which edition of Faktory this client talks to, from the `description`
   * INFO reports ("Faktory", "Faktory Pro", "Faktory Enterprise"). Asked
   * once per connection; a failed INFO is asked again next time.
   *
   * @param options An abort signal.
   * @returns `"oss"` (open source), `"pro"` or `"enterprise"`.
   *
   * @example
   * ```ts ignore
   * import { Client } from "@x/faktory-worker";
   * const client = await Client.connect();
   * if (await client.edition() !== "enterprise") console.log("no batches here");
   * await client.close();
   * ```
   */
  edition(options?: RequestOptions): Promise<FaktoryEdition> {
    return this.#edition.get(options?.signal);
  }

  #send<C extends Command>(
    command: C,
    options?: RequestOptions,
  ): Promise<CommandResults[C["type"]]> {
    return this.#conn.request(command, options);
  }

  /**
   * Pushes a job payload.
   *
   * @param job The job.
   * @param options An abort signal.
   * @returns The jid.
   */
  abstract push(job: JobPayload, options?: RequestOptions): Promise<string>;

  /**
   * Pushes many jobs in one round trip.
   *
   * @param jobs The jobs.
   * @param options An abort signal.
   * @returns The refused jobs, jid to reason.
   */
  abstract pushBulk(
    jobs: readonly JobPayload[],
    options?: RequestOptions,
  ): Promise<Record<string, string>>;

  /**
   * Deletes every job and queue on the server. For tests.
   *
   * @param options An abort signal.
   */
  flush(options?: RequestOptions): Promise<void> {
    return this.#send({ type: "FLUSH" }, options);
  }

  /**
   * Pauses queues: FETCH skips them until resumed.
   *
   * @param queues Queue names, or `"*"` for all.
   * @param options An abort signal.
   */
  pauseQueues(
    queues: readonly string[] | "*",
    options?: RequestOptions,
  ): Promise<void> {
    return this.#send({ type: "QUEUE PAUSE", queues }, options);
  }

  /**
   * Resumes paused queues.
   *
   * @param queues Queue names, or `"*"` for all.
   * @param options An abort signal.
   */
  resumeQueues(
    queues: readonly string[] | "*",
    options?: RequestOptions,
  ): Promise<void> {
    return this.#send({ type: "QUEUE RESUME", queues }, options);
  }

  /**
   * Deletes queues and their jobs.
   *
   * @param queues Queue names, or `"*"` for all.
   * @param options An abort signal.
   */
  removeQueues(
    queues: readonly string[] | "*",
    options?: RequestOptions,
  ): Promise<void> {
    return this.#send({ type: "QUEUE REMOVE", queues }, options);
  }

  /**
   * Changes jobs in the scheduled, retries or dead set.
   *
   * @param mutation The operation, the set and an optional filter.
   * @param options An abort signal.
   */
  mutate(mutation: Mutation, options?: RequestOptions): Promise<void> {
    return this.#send({ type: "MUTATE", mutation }, options);
  }

  /**
   * Moves matching jobs of a set to the dead set.
   *
   * @param target The set.
   * @param filter Which jobs; all when absent.
   * @param options An abort signal.
   */
  kill(
    target: MutateTarget,
    filter?: MutateFilter,
    options?: RequestOptions,
  ): Promise<void> {
    return this.mutate(mutation("kill", target, filter), options);
  }

  /**
   * Enqueues matching jobs of a set now.
   *
   * @param target The set.
   * @param filter Which jobs; all when absent.
   * @param options An abort signal.
   */
  requeue(
    target: MutateTarget,
    filter?: MutateFilter,
    options?: RequestOptions,
  ): Promise<void> {
    return this.mutate(mutation("requeue", target, filter), options);
  }

  /**
   * Deletes matching jobs of a set.
   *
   * @param target The set.
   * @param filter Which jobs; all when absent.
   * @param options An abort signal.
   */
  discard(
    target: MutateTarget,
    filter?: MutateFilter,
    options?: RequestOptions,
  ): Promise<void> {
    return this.mutate(mutation("discard", target, filter), options);
  }

  /**
   * Empties a set.
   *
   * @param target The set.
   * @param options An abort signal.
   */
  clear(target: MutateTarget, options?: RequestOptions): Promise<void> {
    return this.mutate({ cmd: "clear", target }, options);
  }

  /**
   * Creates a batch (Faktory Enterprise), runs `fn` to push its jobs, and
   * commits it. When `fn` throws, the batch is not committed (the server
   * drops it after 30 minutes; jobs already pushed still run) and the error
   * is rethrown.
   *
   * @param options The description and the success and/or complete callback.
   * @param fn Pushes the batch's jobs (and child batches).
   * @returns The batch id.
   * @throws {EnterpriseOnlyError} On the open-source server.
   *
   * @example
   * ```ts ignore
   * import { Client, createJob } from "@x/faktory-worker";
   * const client = await Client.connect();
   * const bid = await client.batch(
   *   { description: "Resize album 7", success: createJob("AlbumReady", [7]) },
   *   async (batch) => {
   *     for (const photo of [71, 72, 73]) await batch.push("Resize", [photo]);
   *   },
   * );
   * console.log(bid, await client.batchStatus(bid));
   * await client.close();
   * ```
   */
  async batch(
    options: BatchOptions,
    fn: (batch: Batch) => Promise<void> | void,
  ): Promise<string> {
    const batch = await this.newBatch(options);
    await fillBatch(batch, fn);
    return batch.bid;
  }

  /**
   * Creates a batch (Faktory Enterprise) and returns it open: push its jobs
   * through it, then commit it.
   *
   * @param options The description and the success and/or complete callback.
   * @param request An abort signal.
   * @returns The open batch.
   * @throws {LocalProtocolError} When neither callback is given.
   * @throws {EnterpriseOnlyError} On the open-source server.
   */
  newBatch(options: BatchOptions, request?: RequestOptions): Promise<Batch> {
    return createBatch(this, options, undefined, request);
  }

  /**
   * Reopens a batch (Faktory Enterprise) to add jobs or child batches; then
   * commit it again. Jobs of a batch reopen it with `ctx.batch`.
   *
   * @param bid The batch id.
   * @param options An abort signal.
   * @returns The open batch.
   * @throws {ServerError} When the server does not know the batch.
   * @throws {EnterpriseOnlyError} On the open-source server.
   */
  async openBatch(bid: string, options?: RequestOptions): Promise<Batch> {
    await this.batchOpen(bid, options);
    return new Batch(this, bid);
  }

  /**
   * Creates a batch (Faktory Enterprise): the raw BATCH NEW. Most code uses
   * {@linkcode ClientAdmin.batch} or {@linkcode ClientAdmin.newBatch}.
   *
   * @param batch Description and callback jobs.
   * @param options An abort signal.
   * @returns The batch id.
   * @throws {EnterpriseOnlyError} On the open-source server.
   */
  batchNew(batch: BatchPayload, options?: RequestOptions): Promise<string> {
    return this.#send({ type: "BATCH NEW", batch }, options);
  }

  /**
   * Reopens a batch to add jobs (Faktory Enterprise): the raw BATCH OPEN.
   * Most code uses {@linkcode ClientAdmin.openBatch}.
   *
   * @param bid The batch id.
   * @param options An abort signal.
   * @throws {EnterpriseOnlyError} On the open-source server.
   */
  async batchOpen(bid: string, options?: RequestOptions): Promise<void> {
    await this.#send({ type: "BATCH OPEN", bid }, options);
  }

  /**
   * Commits a batch (Faktory Enterprise): the raw BATCH COMMIT. Most code
   * uses `batch.commit()`.
   *
   * @param bid The batch id.
   * @param options An abort signal.
   * @throws {EnterpriseOnlyError} On the open-source server.
   */
  batchCommit(bid: string, options?: RequestOptions): Promise<void> {
    return this.#send({ type: "BATCH COMMIT", bid }, options);
  }

  /**
   * Reads a batch's status (Faktory Enterprise).
   *
   * @param bid The batch id.
   * @param options An abort signal.
   * @throws {EnterpriseOnlyError} On the open-source server.
   */
  batchStatus(bid: string, options?: RequestOptions): Promise<BatchStatus> {
    return this.#send({ type: "BATCH STATUS", bid }, options);
  }

  /**
   * Sets a job's progress (Faktory Enterprise).
   *
   * @param progress The jid, percent and description.
   * @param options An abort signal.
   * @throws {EnterpriseOnlyError} On the open-source server.
   */
  trackSet(progress: TrackPayload, options?: RequestOptions): Promise<void> {
    return this.#send({ type: "TRACK SET", payload: progress }, options);
  }

  /**
   * Reads a job's progress (Faktory Enterprise).
   *
   * @param jid The job.
   * @param options An abort signal.
   * @returns The tracking document.
   * @throws {EnterpriseOnlyError} On the open-source server.
   */
  trackGet(jid: string, options?: RequestOptions): Promise<JobProgress> {
    return this.#send({ type: "TRACK GET", jid }, options);
  }
}

function mutation(
  cmd: Mutation["cmd"],
  target: MutateTarget,
  filter: MutateFilter | undefined,
): Mutation {
  return filter === undefined ? { cmd, target } : { cmd, target, filter };
}
