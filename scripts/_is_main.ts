// Whether a script's module is the program being run (not a module a test imported).
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** Whether the module at `moduleUrl` (its `import.meta.url`) is the program being run. */
export function isMain(moduleUrl: string): boolean {
  try {
    const script = process.argv[1];
    return script !== undefined &&
      realpathSync(resolve(script)) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
