// `npm run screenshots`: refreshes the README's images in docs/screenshots/
// by running the browser test of every dashboard page with SCREENSHOTS set.
// (Without it, the test saves its screenshots to .screenshots/, ignored by git.)
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import process from "node:process";

const root = resolve(import.meta.dirname ?? ".", "..");
const r = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "tests/dev_browser_pages.test.ts"],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, SCREENSHOTS: "docs/screenshots" },
  },
);
process.exit(r.status ?? 1);
