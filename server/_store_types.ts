/**
 * The shapes the embedded server's store works with: reservations, failures,
 * task counters, INFO's snapshot and what a data file keeps.
 *
 * @module
 */

import type {
  MutateTarget,
  Mutation as MutationCommand,
} from "../core/commands.ts";
import type { SetEntry } from "./_collections.ts";
import type { StoredJob } from "./_stored_job.ts";

/** A job a worker fetched and has not yet acknowledged. */
export interface Reservation {
  readonly job: StoredJob;
  readonly wid: string;
  readonly reservedAt: number;
  readonly expiresAt: number;
}

/** A failed job, whether it went to the dead set, and whether it is done running. */
export interface Failed {
  readonly job: StoredJob;
  readonly dead: boolean;
  /** No retry follows: it is dead, or was discarded (retry 0). */
  readonly final: boolean;
}

/** Counters of one periodic task, as INFO shows them. */
export interface TaskStats {
  cycles: number;
  enqueued: number;
  wall_time_sec: number;
}

/** The sets MUTATE works on. */
export type SetName = MutateTarget;

/** A MUTATE operation on a set. */
export type Mutation = MutationCommand["cmd"];

/** A snapshot of the sizes and counters INFO reports. */
export interface StoreStats {
  readonly queues: [name: string, size: number][];
  readonly enqueued: number;
  readonly busy: number;
  readonly busyReaped: number;
  readonly sets: Readonly<Record<"Scheduled" | "Retries" | "Dead", number>>;
  readonly tasks: Readonly<
    Record<"Scheduled" | "Retries" | "Dead", Readonly<TaskStats>>
  >;
  readonly processed: number;
  readonly failures: number;
}

/** What a data file keeps of the store, the jobs as stored (see _snapshot.ts). */
export interface StoreData {
  readonly queues: readonly (readonly [name: string, jobs: StoredJob[]])[];
  readonly paused: readonly string[];
  readonly sets: Readonly<
    Record<SetName, { readonly entries: readonly SetEntry[] }>
  >;
  readonly reservations: readonly Reservation[];
  readonly processed: number;
  readonly failures: number;
}
