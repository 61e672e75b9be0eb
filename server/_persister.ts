/**
 * The embedded server's data file at work: loads it once at the first
 * start, writes the state at most once a second while it changes (nothing
 * when idle), and once more at a clean stop. Every write replaces the file
 * atomically through the runtime's file system adapter.
 *
 * @module
 */

import type { FileSystem } from "../adapters/files.ts";
import { defaultFileSystem } from "../adapters/runtime.ts";
import { DataFileError, decodeDataFile, encodeDataFile } from "./_data_file.ts";
import type { ServerState } from "./_server_state.ts";
import { applySnapshot, captureSnapshot } from "./_snapshot.ts";

/** How often a changed state is written, in ms. */
export const SAVE_INTERVAL = 1000;

const messageOf = (err: unknown) =>
  err instanceof Error ? err.message : String(err);

/** Keeps a server's state in a data file. */
export class Persister {
  readonly #path: string;
  readonly #state: ServerState;
  readonly #files: () => Promise<FileSystem>;
  #loaded = false;
  /** The state's change count the file holds. */
  #saved = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #saving: Promise<void> | undefined;
  #reported: string | undefined;

  constructor(
    path: string,
    state: ServerState,
    files: () => Promise<FileSystem> = defaultFileSystem,
  ) {
    this.#path = path;
    this.#state = state;
    this.#files = files;
  }

  /**
   * Loads the file into the state, the first time only; a missing file
   * leaves the state empty. A file that fails is never written afterwards.
   *
   * @throws {DataFileError} When the file cannot be read or used.
   */
  async load(): Promise<void> {
    if (this.#loaded) return;
    const path = this.#path;
    let bytes: Uint8Array | undefined;
    try {
      bytes = await (await this.#files()).read(path);
    } catch (err) {
      throw new DataFileError(
        path,
        `Cannot read the data file ${path}: ${messageOf(err)}`,
        { cause: err },
      );
    }
    if (bytes !== undefined) {
      const snapshot = await decodeDataFile(bytes, path);
      try {
        applySnapshot(this.#state, snapshot);
      } catch (err) {
        throw new DataFileError(
          path,
          `Cannot load the data file ${path}: ${messageOf(err)}`,
          { cause: err },
        );
      }
    }
    this.#saved = this.#state.changes;
    this.#loaded = true;
  }

  /** Writes every {@linkcode SAVE_INTERVAL} what changed, once loaded. */
  startSaving(): void {
    if (!this.#loaded || this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#tick(), SAVE_INTERVAL);
  }

  /**
   * Stops the periodic writes and writes what changed since the last one.
   *
   * @throws {DataFileError} When that write fails.
   */
  async stopSaving(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#saving;
    if (this.#loaded && this.#state.changes !== this.#saved) {
      await this.#save();
    }
  }

  #tick(): void {
    if (this.#saving !== undefined || this.#state.changes === this.#saved) {
      return;
    }
    this.#saving = this.#save().then(
      () => void (this.#reported = undefined),
      (err: unknown) => {
        // Reported once until it changes; the next tick tries again.
        if (messageOf(err) === this.#reported) return;
        this.#reported = messageOf(err);
        console.error(`FaktoryServer: ${this.#reported}`);
      },
    ).finally(() => (this.#saving = undefined));
  }

  async #save(): Promise<void> {
    const changes = this.#state.changes;
    // Serialized now, before anything can change the state.
    const encoding = encodeDataFile(captureSnapshot(this.#state));
    try {
      await (await this.#files()).replace(this.#path, await encoding);
    } catch (err) {
      throw new DataFileError(
        this.#path,
        `Cannot save the data file ${this.#path}: ${messageOf(err)}`,
        { cause: err },
      );
    }
    this.#saved = changes;
  }
}

/** A persister for the `dataFile` option, or undefined without one. */
export function persisterFor(
  path: string | undefined,
  state: ServerState,
): Persister | undefined {
  return path === undefined ? undefined : new Persister(path, state);
}
