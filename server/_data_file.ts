/**
 * The data file's format: a header with the format's name and version, a
 * SHA-256 checksum, and the snapshot (see _snapshot.ts):
 * `{"format":"faktory-worker-dev","version":1,"sha256":"…","data":{…}}`.
 * Encoding and checked decoding, no I/O.
 *
 * @module
 */

import { FaktoryError } from "../core/errors.ts";
import type { Snapshot } from "./_snapshot.ts";
import { parseSnapshot, SnapshotShapeError } from "./_snapshot_parse.ts";

/** The name in the header of every data file. */
export const FORMAT = "faktory-worker-dev";

/** The format version this code writes and the newest it reads. */
export const VERSION = 1;

/**
 * The embedded server's data file cannot be used: it cannot be read or
 * written, or it is damaged, truncated, not a data file, or from a newer
 * version. A file that cannot be loaded is left as it is.
 *
 * @example
 * ```ts
 * import { DataFileError, FaktoryServer } from "@x/faktory-worker/testing";
 *
 * try {
 *   const server = await FaktoryServer.start({ dataFile: "faktory.json" });
 *   await server.stop();
 * } catch (err) {
 *   if (!(err instanceof DataFileError)) throw err;
 *   console.error(err.message); // names the file and what is wrong with it
 * }
 * ```
 */
export class DataFileError extends FaktoryError {
  /** The data file, as given in the `dataFile` option. */
  readonly path: string;

  /**
   * Creates the error.
   *
   * @param path The data file.
   * @param message What went wrong, naming the file.
   * @param options The standard error options; pass `cause` when wrapping.
   */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}

const encoder = new TextEncoder();

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return [...new Uint8Array(digest)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/**
 * The bytes of a data file holding a snapshot. The snapshot is serialized
 * before this returns its promise, so the state may change afterwards.
 */
export function encodeDataFile(snapshot: Snapshot): Promise<Uint8Array> {
  const data = JSON.stringify(snapshot);
  return sha256(data).then((sum) =>
    encoder.encode(
      `{"format":"${FORMAT}","version":${VERSION},"sha256":"${sum}","data":${data}}\n`,
    )
  );
}

/** A file that starts as a data file does (before any damage). */
const HEADER = new RegExp(`^\\s*\\{\\s*"format"\\s*:\\s*"${FORMAT}"`);

/**
 * The snapshot a data file holds, checked: format, version, checksum and
 * the shape of every record.
 *
 * @param bytes The file's content.
 * @param path The file, for the messages.
 * @throws {DataFileError} Saying what is wrong.
 */
export async function decodeDataFile(
  bytes: Uint8Array,
  path: string,
): Promise<Snapshot> {
  const bad = (problem: string, cause?: unknown) =>
    new DataFileError(
      path,
      `Cannot load the data file ${path}: ${problem}`,
      cause === undefined ? undefined : { cause },
    );
  const foreign = `it is not a ${FORMAT} data file`;
  if (bytes.length === 0) throw bad("it is empty");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (err) {
    throw bad(`${foreign} (it is not UTF-8 text)`, err);
  }
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (err) {
    throw HEADER.test(text)
      ? bad(
        `it is truncated or damaged (not valid JSON: ${
          (err as Error).message
        })`,
        err,
      )
      : bad(`${foreign} (it is not JSON)`, err);
  }
  const header = file as Record<string, unknown> | null;
  if (
    typeof header !== "object" || header === null || Array.isArray(header) ||
    header.format !== FORMAT
  ) throw bad(`${foreign} (no "format": "${FORMAT}" header)`);
  const { version } = header;
  if (!Number.isSafeInteger(version) || (version as number) < 1) {
    throw bad(`its format version ${JSON.stringify(version)} is not valid`);
  }
  if ((version as number) > VERSION) {
    throw bad(
      `it has format version ${version}, newer than the version ${VERSION} this @x/faktory-worker reads: upgrade @x/faktory-worker or use another file`,
    );
  }
  const extra = Object.keys(header).filter((k) =>
    !["format", "version", "sha256", "data"].includes(k)
  );
  if (extra.length > 0) throw bad(`its header has unknown fields: ${extra}`);
  if (
    typeof header.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(header.sha256)
  ) {
    throw bad("its header has no sha256 checksum");
  }
  if (header.data === undefined) throw bad("it has no data");
  if (await sha256(JSON.stringify(header.data)) !== header.sha256) {
    throw bad(
      "its data does not match its sha256 checksum: it was damaged or edited",
    );
  }
  try {
    return parseSnapshot(header.data);
  } catch (err) {
    if (!(err instanceof SnapshotShapeError)) throw err;
    throw bad(`it is damaged: ${err.message}`, err);
  }
}
