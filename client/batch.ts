/**
 * Faktory Enterprise batches: a set of jobs with callback jobs that run when
 * all of them have run (`complete`) or all of them have succeeded
 * (`success`). Batches nest, and a job of a batch can reopen it to add jobs.
 *
 * @module
 */

import type { BatchPayload } from "../core/commands.ts";
import { LocalProtocolError } from "../core/errors.ts";
import type { JobOptions, JobPayload, JsonValue } from "../core/job.ts";
import { isPlainObject } from "../core/job_validation.ts";
import type { BatchStatus } from "../core/results.ts";
import type { RequestOptions } from "./connection_options.ts";
import {
  bulkArguments,
  pushArguments,
  type PushTarget,
} from "./_client_helpers.ts";
import type { JobDefinition } from "./jobs.ts";
import {
  type BatchCallback,
  type BatchOptions,
  batchPayload,
} from "./batch_options.ts";

export type { BatchCallback, BatchOptions };

/**
 * What a {@linkcode Batch} needs from the client that made it: a `Client`
 * is one. A test can pass a stand-in that records what a batch sends.
 *
 * @example A Batch over a Client
 * ```ts ignore
 * import { Batch, type BatchClient, Client } from "@x/faktory-worker";
 * const client: BatchClient = await Client.connect();
 * const batch = new Batch(client, "b-W5uwOl0DNxfZyg"); // an open batch's id
 * await batch.push("ImportRow", [42, 4]);
 * ```
 */
export interface BatchClient {
  /**
   * Pushes a job (with the batch's id in `custom.bid`).
   *
   * @param job The job.
   * @param options An abort signal.
   * @returns The jid.
   */
  push(job: JobPayload, options?: RequestOptions): Promise<string>;
  /**
   * Pushes jobs in one round trip.
   *
   * @param jobs The jobs.
   * @param options An abort signal.
   * @returns The refused jobs, jid to reason.
   */
  pushBulk(
    jobs: readonly JobPayload[],
    options?: RequestOptions,
  ): Promise<Record<string, string>>;
  /**
   * Sends BATCH NEW.
   *
   * @param batch The batch.
   * @param options An abort signal.
   * @returns The new batch's id.
   */
  batchNew(batch: BatchPayload, options?: RequestOptions): Promise<string>;
  /**
   * Sends BATCH COMMIT.
   *
   * @param bid The batch id.
   * @param options An abort signal.
   */
  batchCommit(bid: string, options?: RequestOptions): Promise<void>;
  /**
   * Sends BATCH STATUS.
   *
   * @param bid The batch id.
   * @param options An abort signal.
   * @returns The status.
   */
  batchStatus(bid: string, options?: RequestOptions): Promise<BatchStatus>;
}

/**
 * An open batch (Faktory Enterprise): jobs pushed through it carry its id
 * (`custom.bid`), and its callbacks can fire only after {@linkcode Batch.commit}.
 * Get one from `client.newBatch`, `client.openBatch`, `client.batch` or, in
 * a job of the batch, `ctx.batch`. It uses the client it came from, so use
 * it while that client is open (inside `ctx.batch`, only in its callback).
 *
 * @example Create a batch, push its jobs, commit it
 * ```ts ignore
 * import { Client, createJob } from "@x/faktory-worker";
 * const client = await Client.connect();
 * const batch = await client.newBatch({
 *   description: "Import of upload 42",
 *   success: createJob("ImportDone", [42]),
 * });
 * for (const row of [1, 2, 3]) await batch.push("ImportRow", [42, row]);
 * await batch.commit(); // ImportDone runs once all three rows succeeded
 * console.log(await client.batchStatus(batch.bid));
 * await client.close();
 * ```
 */
export class Batch {
  /** The batch id. */
  readonly bid: string;
  /**
   * The batch this one is a child of, when this batch was created as a
   * child here (a reopened batch does not know its parent: see its status).
   */
  readonly parentBid: string | undefined;
  readonly #client: BatchClient;
  #committed = false;

  /**
   * Wraps a batch the server knows; most code gets one from a client.
   *
   * @param client The client to push and commit with.
   * @param bid The batch id.
   * @param parentBid The parent batch's id, for a child batch.
   */
  constructor(client: BatchClient, bid: string, parentBid?: string) {
    this.#client = client;
    this.bid = bid;
    this.parentBid = parentBid;
  }

  /** Whether {@linkcode Batch.commit} was called (reopen to add more). */
  get committed(): boolean {
    return this.#committed;
  }

  /**
   * Pushes a job payload into the batch.
   *
   * @param job The job.
   * @param options An abort signal.
   * @returns The jid.
   * @throws {LocalProtocolError} When the batch is already committed.
   */
  push(job: JobPayload, options?: RequestOptions): Promise<string>;
  /**
   * Pushes a job into the batch, given its type, arguments and options.
   *
   * @param jobtype The job type a worker registered.
   * @param args The arguments (JSON values).
   * @param options Job options and an abort signal.
   * @returns The jid.
   * @throws {LocalProtocolError} When the batch is already committed.
   */
  push(
    jobtype: string,
    args?: readonly JsonValue[],
    options?: JobOptions & RequestOptions,
  ): Promise<string>;
  /**
   * Pushes a job of a defined type into the batch, its arguments checked.
   *
   * @param jobtype The definition from `defineJob`.
   * @param args The typed arguments.
   * @param options Job options (over the definition's) and an abort signal.
   * @returns The jid.
   * @throws {LocalProtocolError} When the batch is already committed.
   */
  push<A extends readonly unknown[]>(
    jobtype: JobDefinition<A>,
    args: NoInfer<readonly [...A]>,
    options?: JobOptions & RequestOptions,
  ): Promise<string>;
  push(
    job: PushTarget,
    argsOrOptions?: readonly unknown[] | RequestOptions,
    options: JobOptions & RequestOptions = {},
  ): Promise<string> {
    try {
      this.#checkOpen("push into");
      const { payload, request } = pushArguments(job, argsOrOptions, options);
      return this.#client.push(this.#member(payload), request);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Pushes many jobs into the batch in one round trip.
   *
   * @param jobs The jobs.
   * @param options An abort signal.
   * @returns The refused jobs, jid to reason; empty when all were accepted.
   * @throws {LocalProtocolError} When the batch is already committed.
   */
  pushBulk(
    jobs: readonly JobPayload[],
    options?: RequestOptions,
  ): Promise<Record<string, string>>;
  /**
   * Pushes one job of a defined type per argument list into the batch.
   *
   * @param jobtype The definition from `defineJob`.
   * @param argsList The typed arguments of each job.
   * @param options Job options for every job and an abort signal.
   * @returns The refused jobs, jid to reason; empty when all were accepted.
   * @throws {LocalProtocolError} When the batch is already committed.
   */
  pushBulk<A extends readonly unknown[]>(
    jobtype: JobDefinition<A>,
    argsList: readonly NoInfer<readonly [...A]>[],
    options?: JobOptions & RequestOptions,
  ): Promise<Record<string, string>>;
  pushBulk(
    jobsOrType: readonly JobPayload[] | JobDefinition<readonly unknown[]>,
    argsOrOptions?: readonly (readonly unknown[])[] | RequestOptions,
    options: JobOptions & RequestOptions = {},
  ): Promise<Record<string, string>> {
    try {
      this.#checkOpen("push into");
      const { jobs, request } = bulkArguments(
        jobsOrType,
        argsOrOptions,
        options,
      );
      return this.#client.pushBulk(jobs.map((j) => this.#member(j)), request);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Creates a child batch. The parent's callbacks wait for the child's.
   * Commit the child before this batch.
   *
   * @param options The child's description and callbacks.
   * @param request An abort signal.
   * @returns The open child batch.
   * @throws {LocalProtocolError} When this batch is already committed.
   */
  async newBatch(
    options: BatchOptions,
    request?: RequestOptions,
  ): Promise<Batch> {
    this.#checkOpen("add a child batch to");
    return await createBatch(this.#client, options, this.bid, request);
  }

  /**
   * Creates a child batch, runs `fn` to push its jobs, and commits it.
   * When `fn` throws, the child is not committed and the error is rethrown.
   *
   * @param options The child's description and callbacks.
   * @param fn Pushes the child's jobs.
   * @returns The child's id.
   */
  async batch(
    options: BatchOptions,
    fn: (batch: Batch) => Promise<void> | void,
  ): Promise<string> {
    const child = await this.newBatch(options);
    await fillBatch(child, fn);
    return child.bid;
  }

  /**
   * Commits the batch: its callbacks may fire once its jobs have run. An
   * uncommitted batch expires on the server after 30 minutes, without
   * callbacks.
   *
   * @param options An abort signal.
   * @throws {LocalProtocolError} When the batch is already committed.
   */
  async commit(options?: RequestOptions): Promise<void> {
    this.#checkOpen("commit");
    this.#committed = true; // a second commit() meanwhile is refused
    try {
      await this.#client.batchCommit(this.bid, options);
    } catch (err) {
      this.#committed = false;
      throw err;
    }
  }

  /**
   * Reads the batch's status.
   *
   * @param options An abort signal.
   * @returns Counts and callback states.
   */
  status(options?: RequestOptions): Promise<BatchStatus> {
    return this.#client.batchStatus(this.bid, options);
  }

  #checkOpen(action: string): void {
    if (this.#committed) {
      throw new LocalProtocolError(
        `Cannot ${action} batch ${this.bid}: it is committed (reopen it with openBatch)`,
      );
    }
  }

  /**
   * The job as a member of this batch: `custom.bid` set. A job that is not
   * an object, or whose custom is not a plain object, is passed on as it is
   * for the client to refuse (one at a time in `pushBulk`).
   */
  #member(job: JobPayload): JobPayload {
    if (typeof job !== "object" || job === null) return job;
    const custom: unknown = job.custom;
    if (custom !== undefined && !isPlainObject(custom)) return job;
    return { ...job, custom: { ...job.custom, bid: this.bid } };
  }
}

/**
 * Runs `fn` with an open batch, then commits the batch unless `fn` did; when
 * `fn` throws, the batch stays open and the error is rethrown.
 *
 * @returns What `fn` returned.
 */
export async function fillBatch<T>(
  batch: Batch,
  fn: (batch: Batch) => Promise<T> | T,
): Promise<T> {
  const result = await fn(batch);
  if (!batch.committed) await batch.commit();
  return result;
}

/**
 * Sends BATCH NEW and returns the open batch.
 *
 * @throws {LocalProtocolError} When no callback is given.
 * @throws {InvalidJobError} When a callback job is invalid.
 */
export async function createBatch(
  client: BatchClient,
  options: BatchOptions,
  parentBid: string | undefined,
  request?: RequestOptions,
): Promise<Batch> {
  const payload = batchPayload(options, parentBid);
  const bid = await client.batchNew(payload, request);
  return new Batch(client, bid, parentBid);
}
