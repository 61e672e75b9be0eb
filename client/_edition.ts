/**
 * Which edition of Faktory a client talks to, asked once per connection
 * (INFO's `server.description`), and the warning a producer hears when it
 * sends Pro or Enterprise job options to the open-source server, which
 * stores them and ignores them: once per process, server and option.
 *
 * @module
 */

import type { ServerInfo } from "../core/commands.ts";
import type { JobPayload } from "../core/job.ts";
import {
  editionOf,
  enterpriseOptionsIn,
  type FaktoryEdition,
} from "../core/job_enterprise.ts";
import type { Logger } from "./logger.ts";
import { asLogger, SwitchableLogger } from "./_user_logger.ts";
import { consoleLogger } from "./logger.ts";

/** The options already named, per server (`host:port`), in this process. */
const named = new Map<string, Set<string>>();

/** Forgets which options were named (for tests that must hear the warning again). */
export function forgetWarnings(): void {
  named.clear();
}

/** The edition of one connection's server, asked at most once while it answers. */
export class EditionCache {
  readonly #info: (signal?: AbortSignal) => Promise<ServerInfo>;
  #edition: Promise<FaktoryEdition> | undefined;

  /** @param info Sends INFO on the connection. */
  constructor(info: (signal?: AbortSignal) => Promise<ServerInfo>) {
    this.#info = info;
  }

  /** The edition; a failed INFO is not remembered, so the next call asks again. */
  get(signal?: AbortSignal): Promise<FaktoryEdition> {
    return this.#edition ??= this.#info(signal).then(
      (info) => editionOf(info?.server?.description),
      (err) => {
        this.#edition = undefined;
        throw err;
      },
    );
  }
}

/**
 * Where a client's warnings go: its logger (pino adapted), else the console;
 * a logger that throws or rejects is reported once on standard error and
 * ignored, so logging never changes what a push returns.
 */
export function warningsTo(logger: Logger | undefined): Logger {
  if (logger instanceof SwitchableLogger) return logger; // a Pool's, already wrapped
  return new SwitchableLogger(
    logger ? asLogger(logger) : consoleLogger("warn"),
  );
}

/**
 * Warns when jobs sent to an open-source server carry Pro or Enterprise
 * options it will ignore, naming each option once per process and server.
 * Asks the edition only when there is something new to say. Never rejects.
 *
 * @param jobs The jobs as sent.
 * @param edition The server's edition.
 * @param server The server, as `host:port`.
 * @param logger Where to warn.
 */
export async function warnIgnoredOptions(
  jobs: readonly JobPayload[],
  edition: () => Promise<FaktoryEdition>,
  server: string,
  logger: Logger,
): Promise<void> {
  const fresh = (): string[] => {
    const seen = named.get(server);
    return [...new Set(jobs.flatMap(enterpriseOptionsIn))].filter((o) =>
      !seen?.has(o)
    );
  };
  if (fresh().length === 0) return;
  let which: FaktoryEdition;
  try {
    which = await edition();
  } catch {
    return; // no answer now; a later push asks again
  }
  if (which !== "oss") return;
  const options = fresh(); // another push may have named some meanwhile
  if (options.length === 0) return;
  const seen = named.get(server) ?? new Set();
  named.set(server, seen);
  for (const option of options) seen.add(option);
  logger.warn(
    `The open-source Faktory at ${server} stores these job options and ignores them: they need Faktory Pro or Enterprise`,
    { server, options },
  );
}
