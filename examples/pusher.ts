// Pushes a batch of the example jobs to FAKTORY_URL (default tcp://localhost:7419).
// Runs unchanged with any runtime, from the repository root:
//   deno run --allow-net --allow-env --allow-sys examples/pusher.ts
//   bun run examples/pusher.ts
//   npx tsx examples/pusher.ts
import { Client } from "../mod.ts";
import { pushExampleJobs } from "./jobs.ts";

const client = await Client.connect();
try {
  const total = await pushExampleJobs(client, 1000);
  console.log(`pushed jobs; ${total} will run in all`);
  console.log("queue sizes:", (await client.info()).faktory.queues);
} finally {
  await client.close();
}
