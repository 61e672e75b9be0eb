/**
 * The file system as the embedded server's data file uses it: read a whole
 * file, and replace one atomically. One small implementation per runtime.
 *
 * @module
 */

/**
 * Reads and atomically replaces whole files.
 *
 * @example
 * ```ts ignore
 * import { defaultFileSystem } from "./runtime.ts";
 * const files = await defaultFileSystem();
 * await files.replace("data.json", new TextEncoder().encode("{}"));
 * console.log(await files.read("data.json")); // Uint8Array of "{}"
 * ```
 */
export interface FileSystem {
  /**
   * The bytes of a file.
   *
   * @returns The bytes, or undefined when the file does not exist.
   * @throws {Error} When it exists but cannot be read; on Deno without
   * `--allow-read`, a LocalProtocolError naming the flag.
   */
  read(path: string): Promise<Uint8Array | undefined>;
  /**
   * Replaces a file so that a crash leaves either the old or the new bytes:
   * writes `<path>.tmp` in the same directory, flushes it to the disk
   * (fsync), renames it over `path`, then flushes the directory where the
   * runtime allows. A failed write removes the temporary file.
   *
   * @throws {Error} When the file cannot be written; on Deno without
   * `--allow-read` or `--allow-write`, a LocalProtocolError naming the flags.
   */
  replace(path: string, data: Uint8Array): Promise<void>;
}

/** The temporary file {@linkcode FileSystem.replace} writes first. */
export function temporaryPath(path: string): string {
  return `${path}.tmp`;
}

/** The directory of a path, `.` for a bare file name. */
export function directoryOf(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i === -1 ? "." : i === 0 ? path.slice(0, 1) : path.slice(0, i);
}
