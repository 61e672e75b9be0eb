// `npm run build`: emits dist/ (ESM JavaScript and .d.ts) from the same sources with tsc.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";

const root = resolve(import.meta.dirname ?? ".", "..");
rmSync(join(root, "dist"), { recursive: true, force: true });
const result = spawnSync(join(root, "node_modules", ".bin", "tsc"), [
  "-p",
  "tsconfig.build.json",
], {
  cwd: root,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
