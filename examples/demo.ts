// `npm start`: a self-contained demo. Starts the embedded Faktory-compatible server (unless
// FAKTORY_URL points at a real one), pushes example jobs to its own queues (demo-critical,
// demo-default, demo-bulk), runs a Manager, shows progress and a summary, and exits. Ctrl-C or
// SIGTERM at any moment ends it within the shutdown timeout. Runs unchanged with deno, bun and
// node (via tsx):
//   npm start                  (node, through tsx)
//   bun run examples/demo.ts
//   deno run --allow-net=127.0.0.1 --allow-env=FAKTORY_URL --allow-sys=hostname examples/demo.ts
// (Deno: --allow-env=FAKTORY_URL to look for a real server, and with FAKTORY_URL set, its
// host:port in --allow-net.)
import { Client, Manager } from "../mod.ts";
import { defaultPlatform } from "../protocol.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { pushExampleJobs, registerJobs } from "./jobs.ts";

const prefix = "demo-";
const queues = ["critical", "default", "bulk"].map((q) => prefix + q);
const external = (await defaultPlatform()).env("FAKTORY_URL");
const server = external ? undefined : await FaktoryServer.start();
const url = external || server!.url;
console.log(
  external
    ? `Using Faktory at ${url.replace(/:[^:@/]*@/, ":***@")}`
    : `Started the embedded server at ${url}`,
);

const client = await Client.connect(url);
const mgr = registerJobs(
  new Manager({
    url,
    concurrency: 20,
    labels: ["demo"],
    // FlakyJob fails on purpose (said once below): a WARN line per failure would bury the rest.
    logLevel: "error",
    shutdownTimeout: 5000,
  }),
  prefix,
);
mgr.processStrictPriorityQueues(...queues);
let ok = 0;
let failed = 0;
mgr.on("job:success", () => void ok++);
mgr.on("job:failure", () => void failed++);
const expected = await pushExampleJobs(client, 2000, prefix);
console.log(
  `Pushed example jobs to ${queues.join(", ")} (${expected} runs expected)`,
);
console.log(
  "FlakyJob fails one time in five on purpose: those failures are counted below, " +
    "not logged, and Faktory retries them later",
);

const started = Date.now();
const running = mgr.run(); // SIGINT/SIGTERM stop it from here on
let ticking = false;
let shown = "";
const progress = setInterval(async () => {
  if (ticking) return;
  ticking = true;
  try {
    const info = await client.info().catch(() => undefined);
    const queued = info
      ? queues.reduce((n, q) => n + (info.faktory.queues[q] ?? 0), 0)
      : "?";
    const line =
      `  ${ok} succeeded, ${failed} failed, ${mgr.busy} running, ${queued} queued`;
    if (line !== shown) console.log(shown = line); // once per change
    if (queued === 0 && mgr.busy === 0 && ok + failed >= expected) {
      void mgr.stop();
    }
  } finally {
    ticking = false;
  }
}, 250);

try {
  await running;
} finally {
  clearInterval(progress);
}
const secs = (Date.now() - started) / 1000;
const retries = await client.info().then(
  (info) => String(info.faktory.tasks.Retries.size),
  () => "?",
);
if (external) {
  // Leave a real server as we found it: drop the demo's failed jobs waiting for a retry.
  await client.discard("retries", { regexp: `*"queue":"${prefix}*` }).catch(
    () => {},
  );
}
console.log(
  `Done in ${
    secs.toFixed(1)
  } s: ${ok} succeeded, ${failed} failed (now in the retry set: ${retries}), ` +
    `peak fetch connections ${mgr.peakFetchers}`,
);
await client.close();
await server?.stop();
