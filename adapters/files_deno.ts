/**
 * The file system on Deno (Deno.readFile, Deno.open, Deno.rename). The few
 * Deno APIs used are typed locally.
 *
 * @module
 */

import { LocalProtocolError } from "../core/errors.ts";
import { directoryOf, type FileSystem, temporaryPath } from "./files.ts";

interface DenoFile {
  write(data: Uint8Array): Promise<number>;
  sync(): Promise<void>;
  close(): void;
}

const Deno = (globalThis as unknown as {
  Deno: {
    readFile(path: string): Promise<Uint8Array>;
    open(
      path: string,
      options: {
        read?: boolean;
        write?: boolean;
        create?: boolean;
        truncate?: boolean;
      },
    ): Promise<DenoFile>;
    rename(from: string, to: string): Promise<void>;
    remove(path: string): Promise<void>;
  };
}).Deno;

/** Whether Deno refused for want of a permission. */
function isDenied(err: unknown): boolean {
  const name = (err as { name?: unknown })?.name;
  return name === "NotCapable" || name === "PermissionDenied";
}

async function writeAll(path: string, data: Uint8Array): Promise<void> {
  const file = await Deno.open(path, {
    write: true,
    create: true,
    truncate: true,
  });
  try {
    for (let done = 0; done < data.length;) {
      done += await file.write(data.subarray(done));
    }
    await file.sync();
  } finally {
    file.close();
  }
}

/** Flushes a directory's entries to the disk; not every platform can. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const file = await Deno.open(dir, { read: true });
    try {
      await file.sync();
    } finally {
      file.close();
    }
  } catch {
    // Windows, or no --allow-read for the directory: the rename is all we get.
  }
}

/**
 * The file system of Deno. Without `--allow-read` or `--allow-write` for
 * the file (and its temporary file) it throws a
 * {@linkcode LocalProtocolError} naming the flags to add.
 *
 * @example
 * ```ts ignore
 * import { denoFileSystem } from "./files_deno.ts";
 * await denoFileSystem.replace("data.json", new TextEncoder().encode("{}"));
 * ```
 */
export const denoFileSystem: FileSystem = {
  async read(path) {
    try {
      return await Deno.readFile(path);
    } catch (err) {
      if ((err as { name?: unknown })?.name === "NotFound") return undefined;
      if (!isDenied(err)) throw err;
      throw new LocalProtocolError(
        `Deno denied reading ${path}: run with --allow-read=${path}`,
        { cause: err },
      );
    }
  },
  async replace(path, data) {
    const tmp = temporaryPath(path);
    try {
      await writeAll(tmp, data);
      await Deno.rename(tmp, path);
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      if (!isDenied(err)) throw err;
      const both = `${path},${tmp}`;
      throw new LocalProtocolError(
        `Deno denied writing ${path} (through ${tmp}): run with --allow-read=${both} --allow-write=${both}`,
        { cause: err },
      );
    }
    await syncDirectory(directoryOf(path));
  },
};
