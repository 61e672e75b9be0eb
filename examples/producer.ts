// Pushes a few jobs to the Faktory at FAKTORY_URL (default tcp://localhost:7419).
// Runs unchanged with any runtime, from the repository root:
//   deno run --allow-net --allow-env --allow-sys examples/producer.ts
//   bun run examples/producer.ts
//   npx tsx examples/producer.ts
import { Client, createJob } from "../mod.ts";

const client = await Client.connect();
try {
  // One at a time: the jid comes back.
  const jid = await client.push(
    "SendEmail",
    ["alice@example.com", "Welcome!"],
    { queue: "mail", retry: 5 },
  );
  console.log(`pushed SendEmail ${jid}`);

  // Scheduled: runs in one minute.
  const later = await client.push("Reminder", [42], {
    at: new Date(Date.now() + 60_000),
  });
  console.log(`scheduled Reminder ${later}`);

  // Many in one round trip: refused jobs come back with the reason.
  const jobs = Array.from(
    { length: 10 },
    (_, i) => createJob("Square", [i], { queue: "bulk" }),
  );
  const refused = await client.pushBulk(jobs);
  console.log(
    `pushed ${jobs.length - Object.keys(refused).length} Square jobs`,
    refused,
  );

  const info = await client.info();
  console.log("queue sizes:", info.faktory.queues);
} finally {
  await client.close();
}
