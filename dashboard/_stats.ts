/**
 * What the dashboard reads from INFO, the summary bar's numbers, and the
 * recent history of the processed and failed counters that the live chart
 * draws (sampled when pages poll, so no timer runs).
 *
 * @module
 */

/** The parts of INFO's JSON the dashboard shows. */
export interface Info {
  readonly faktory: {
    readonly queues: Readonly<Record<string, number>>;
    readonly tasks: {
      readonly Busy: { readonly size: number };
      readonly Dead: { readonly size: number };
      readonly Retries: { readonly size: number };
      readonly Scheduled: { readonly size: number };
      readonly Workers: { readonly size: number };
    };
    readonly total_enqueued: number;
    readonly total_failures: number;
    readonly total_processed: number;
  };
  readonly server: {
    readonly command_count: number;
    readonly connections: number;
    readonly faktory_version: string;
    readonly uptime: number;
    readonly used_memory_mb: number;
  };
  readonly server_utc_time: string;
}

/** The numbers of the summary bar on every page. */
export interface Summary {
  readonly processed: number;
  readonly failed: number;
  readonly busy: number;
  readonly enqueued: number;
  readonly retries: number;
  readonly scheduled: number;
  readonly dead: number;
}

/** The summary bar's numbers from INFO. */
export function summaryOf(info: Info): Summary {
  const f = info.faktory;
  return {
    processed: f.total_processed,
    failed: f.total_failures,
    busy: f.tasks.Busy.size,
    enqueued: f.total_enqueued,
    retries: f.tasks.Retries.size,
    scheduled: f.tasks.Scheduled.size,
    dead: f.tasks.Dead.size,
  };
}

/** One sample of the counters: time (ms), processed, failed. */
export type Sample = readonly [t: number, processed: number, failed: number];

/**
 * The counters over the last minutes, one sample per `interval` at most,
 * recorded whenever a page asks for them.
 */
export class History {
  readonly #samples: Sample[] = [];
  readonly #interval: number;
  readonly #keep: number;

  /**
   * @param interval The least time between samples, in ms.
   * @param keep How long samples are kept, in ms.
   */
  constructor(interval: number = 1000, keep: number = 10 * 60_000) {
    this.#interval = interval;
    this.#keep = keep;
  }

  /** Records the counters at `now`, unless the last sample is too recent. */
  sample(now: number, processed: number, failed: number): void {
    const last = this.#samples.at(-1);
    if (last && now - last[0] < this.#interval) return;
    this.#samples.push([now, processed, failed]);
    const old = this.#samples.findIndex((s) => s[0] >= now - this.#keep);
    if (old > 0) this.#samples.splice(0, old);
  }

  /** The samples taken after `t`. */
  since(t: number): Sample[] {
    return this.#samples.filter((s) => s[0] > t);
  }
}
