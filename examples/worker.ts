// A worker process: runs the example job types from FAKTORY_URL (default tcp://localhost:7419)
// until SIGTERM or SIGINT (graceful shutdown) - SIGTSTP makes it quiet. Runs unchanged with:
//   deno run --allow-net --allow-env --allow-sys examples/worker.ts
//   bun run examples/worker.ts
//   npx tsx examples/worker.ts
import { Manager } from "../mod.ts";
import { registerJobs } from "./jobs.ts";

const mgr = new Manager({ concurrency: 20, labels: ["example"] });
registerJobs(mgr);
mgr.processStrictPriorityQueues("critical", "default", "bulk");
await mgr.run();
process.exit(0); // ends handlers that ignored ctx.signal (they were FAILed and will be retried)
