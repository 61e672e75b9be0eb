/**
 * Testing helpers: an embedded Faktory-compatible server, so producers and
 * workers can be tested on Deno, Bun and Node without installing Faktory.
 * It answers as open-source Faktory 1.8; with `enterprise: true` it also
 * emulates Faktory Pro/Enterprise unique and expiring jobs, batches and job
 * tracking (see {@linkcode FaktoryServerOptions} for what it chooses where
 * Enterprise's behaviour is not documented). The server itself lives in
 * `server/`; this entry point re-exports it with {@linkcode runInline}, which
 * runs one job through a Manager without any server.
 *
 * @example
 * ```ts ignore
 * import { Client } from "@x/faktory-worker";
 * import { FaktoryServer } from "@x/faktory-worker/testing";
 *
 * const server = await FaktoryServer.start();
 * const client = await Client.connect(server.url);
 * await client.push("Hello", ["world"]);
 * console.log(server.queues()); // { default: 1 }
 * await client.close();
 * await server.stop();
 * ```
 *
 * @module
 */

export {
  type BusyJob,
  FaktoryServer,
  type FaktoryServerOptions,
  type Fault,
  type WorkerInfo,
} from "../server/server.ts";
export { type InlineOptions, runInline } from "./inline.ts";
export { DataFileError } from "../server/_data_file.ts";
export { type JobPage, type JobSet, ServerAdmin } from "../server/admin.ts";
