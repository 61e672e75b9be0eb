/**
 * Progress reports (`ctx.trackProgress`) never fail a job. On a server
 * without tracking (the open-source Faktory answers TRACK with an
 * `EnterpriseOnlyError`) the first refusal is logged once, at `warn`, and
 * later reports are not sent at all. Any other failure (a lost connection,
 * a timeout, a refusal) is logged at `warn` once per streak of failures and
 * the job carries on; its reservation is then not extended.
 *
 * @module
 */

import { EnterpriseOnlyError } from "../core/errors.ts";
import { describeThrown } from "../core/failure.ts";
import type { Logger } from "../client/logger.ts";

/** One worker's progress reports: whether the server tracks them, and whether they fail. */
export class Progress {
  readonly #logger: Logger;
  #unsupported = false;
  #failing = false;

  /** @param logger Where to say that reports are not sent. */
  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /**
   * Sends one report through `send`, unless the server does not track.
   *
   * @param jid The job reporting.
   * @param send Sends the TRACK SET.
   * @returns Whether the server took the report. Never rejects.
   */
  async report(jid: string, send: () => Promise<void>): Promise<boolean> {
    if (this.#unsupported) return false;
    try {
      await send();
      this.#failing = false;
      return true;
    } catch (error) {
      if (error instanceof EnterpriseOnlyError) {
        if (!this.#unsupported) {
          this.#unsupported = true;
          this.#logger.warn(
            "This Faktory does not track job progress (it needs Faktory Enterprise): ctx.trackProgress does nothing from now on",
            { jid, error: describeThrown(error) },
          );
        }
        return false;
      }
      const fields = { jid, error: describeThrown(error) };
      if (this.#failing) {
        this.#logger.debug("Job progress not reported", fields);
      } else {
        this.#failing = true;
        this.#logger.warn(
          "Job progress not reported; the job carries on (its reservation is not extended)",
          fields,
        );
      }
      return false;
    }
  }
}
