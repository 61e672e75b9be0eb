// `npm start`: a self-contained demo. Starts the embedded Faktory-compatible server (unless
// FAKTORY_URL points at a real one), pushes example jobs, runs a Manager, shows progress and a
// summary, and exits cleanly. Runs unchanged with deno, bun and node (via tsx).
import { Client, defaultPlatform, Manager } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { pushExampleJobs, registerJobs } from "./jobs.ts";

const external = (await defaultPlatform()).env("FAKTORY_URL");
const server = external ? undefined : await FaktoryServer.start();
const url = external || server!.url;
console.log(
  external
    ? `Using Faktory at ${url.replace(/:[^:@/]*@/, ":***@")}`
    : `Started the embedded server at ${url}`,
);

const client = await Client.connect(url);
const expected = await pushExampleJobs(client, 2000);
console.log(
  `Pushed example jobs (${expected} runs expected, some FlakyJobs will be retried later)`,
);

const mgr = registerJobs(
  new Manager({ url, concurrency: 20, labels: ["demo"], logLevel: "warn" }),
);
mgr.processStrictPriorityQueues("critical", "default", "bulk");
let ok = 0;
let failed = 0;
mgr.on("job:success", () => void ok++);
mgr.on("job:failure", () => void failed++);
const started = Date.now();
const running = mgr.run();

const progress = setInterval(async () => {
  const info = await client.info().catch(() => undefined);
  const queued = info
    ? Object.values(info.faktory.queues).reduce((a, b) => a + b, 0)
    : "?";
  console.log(
    `  ${ok} succeeded, ${failed} failed, ${mgr.busy} running, ${queued} queued`,
  );
  if (queued === 0 && mgr.busy === 0 && ok + failed >= expected) {
    clearInterval(progress);
    await mgr.stop();
  }
}, 250);

await running;
const secs = (Date.now() - started) / 1000;
const info = await client.info();
console.log(
  `Done in ${
    secs.toFixed(1)
  } s: ${ok} succeeded, ${failed} failed (now in the retry set: ${info.faktory.tasks.Retries.size}), ` +
    `peak fetch connections ${mgr.peakFetchers}`,
);
await client.close();
await server?.stop();
