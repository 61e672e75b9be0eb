/**
 * A local Faktory for any language, with no install: an embedded
 * Faktory-compatible server and its dashboard (Faktory's Web UI pages, live),
 * on Node, Deno and Bun.
 *
 * Run it as a program:
 *
 * ```sh
 * npx @x/faktory-worker dev
 * bunx @x/faktory-worker dev
 * deno run --allow-net jsr:@x/faktory-worker/dev
 * ```
 *
 * or serve the dashboard of your own {@linkcode FaktoryServer} with
 * {@linkcode createDashboard}.
 *
 * @example
 * ```ts ignore
 * import { runDev } from "@x/faktory-worker/dev";
 * await runDev(["--port", "0", "--web-port", "0"]); // until Ctrl-C
 * ```
 *
 * @module
 */

import type { FaktoryServer } from "../server/server.ts";
import { main } from "./cli.ts";

export { runDev } from "./cli.ts";
export {
  createDashboard,
  type DashboardOptions,
} from "../dashboard/dashboard.ts";
export type { FaktoryServer };

// `deno run jsr:@x/faktory-worker/dev` (and Bun, and Node 24+, running this
// file): run the command line.
if ((import.meta as { main?: boolean }).main) await main(false);
