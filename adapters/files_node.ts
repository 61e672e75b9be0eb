/**
 * The file system on Node.js, which Bun also implements (node:fs).
 *
 * @module
 */

import { open, readFile, rename, rm } from "node:fs/promises";
import { directoryOf, type FileSystem, temporaryPath } from "./files.ts";

/** Whether an error is Node's "no such file or directory". */
function isMissing(err: unknown): boolean {
  return (err as { code?: unknown })?.code === "ENOENT";
}

/** Flushes a directory's entries to the disk; not every platform can. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows cannot open a directory: the rename is all it offers.
  }
}

/**
 * The file system of Node.js and Bun.
 *
 * @example
 * ```ts ignore
 * import { nodeFileSystem } from "./files_node.ts";
 * await nodeFileSystem.replace("data.json", new TextEncoder().encode("{}"));
 * ```
 */
export const nodeFileSystem: FileSystem = {
  async read(path) {
    try {
      return new Uint8Array(await readFile(path));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  },
  async replace(path, data) {
    const tmp = temporaryPath(path);
    try {
      const handle = await open(tmp, "w");
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {});
      throw err;
    }
    await syncDirectory(directoryOf(path));
  },
};
