// Realistic data for the dashboard's screenshots: the last minutes of a
// small app on a clock that the test moves (jobs processed and failed
// 10 s by 10 s, so the chart has a history), queues with a backlog,
// worker processes running jobs, retries with errors and backtraces, dead
// and scheduled jobs, and two batches. Deterministic: no randomness, and
// every time is relative to the clock.
import { Client, createJob, type JobOptions } from "../mod.ts";
import { type FaktoryServer, ServerAdmin } from "../testing/mod.ts";

/** A clock `skew` ms off the real one; the server and the dashboard share it. */
export class Clock {
  skew = 0;
  readonly now = (): number => Date.now() + this.skew;
}

const MINUTE = 60_000;

const KINDS = [
  ["SendWelcomeEmail", "mailers", (i: number) => [`user${i}@example.com`]],
  ["ResizeImage", "default", (i: number) => [`uploads/${4100 + i}.jpg`, 1200]],
  ["SyncInventory", "default", (i: number) => [{ store: 12, page: i }]],
  ["GenerateReport", "reports", (i: number) => ["weekly", 2024, i % 52]],
  ["ChargeCard", "critical", (i: number) => [`cus_${9000 + i}`, 4999]],
] as const;

const ERRORS = {
  SendWelcomeEmail: {
    errtype: "TimeoutError",
    message: "SMTP server smtp.example.com did not answer within 30000 ms",
    backtrace: [
      "TimeoutError: SMTP server smtp.example.com did not answer within 30000 ms",
      "    at Socket.<anonymous> (/app/lib/mailer.ts:88:15)",
      "    at sendWelcomeEmail (/app/jobs/send_welcome_email.ts:21:9)",
      "    at async Worker.run (/app/node_modules/@x/faktory-worker/dist/worker/worker.js:212:7)",
    ],
  },
  SyncInventory: {
    errtype: "HttpError",
    message: "Inventory API answered 503 Service Unavailable",
    backtrace: [
      "HttpError: Inventory API answered 503 Service Unavailable",
      "    at fetchPage (/app/lib/inventory.ts:54:11)",
      "    at async syncInventory (/app/jobs/sync_inventory.ts:17:18)",
    ],
  },
  ChargeCard: {
    errtype: "CardDeclined",
    message: "Your card has insufficient funds",
    backtrace: [
      "CardDeclined: Your card has insufficient funds",
      "    at charge (/app/lib/payments.ts:131:13)",
    ],
  },
  ResizeImage: {
    errtype: "Error",
    message: "Input buffer contains unsupported image format",
    backtrace: [
      "Error: Input buffer contains unsupported image format",
      "    at Sharp.toBuffer (/app/node_modules/sharp/lib/output.js:163:17)",
      "    at resizeImage (/app/jobs/resize_image.ts:30:6)",
    ],
  },
  GenerateReport: {
    errtype: "RangeError",
    message: "Invalid time value",
    backtrace: [
      "RangeError: Invalid time value",
      "    at Date.toISOString (<anonymous>)",
      "    at weekRange (/app/lib/reports.ts:12:40)",
    ],
  },
} as const;

/** A failure as a job of this type would report it. */
const errorOf = (jobtype: string) => ({
  ...ERRORS[jobtype as keyof typeof ERRORS] ?? ERRORS.SyncInventory,
  backtrace: [
    ...(ERRORS[jobtype as keyof typeof ERRORS] ?? ERRORS.SyncInventory)
      .backtrace,
  ],
});

/** What populate made, for the test to find its pages. */
export interface Populated {
  readonly retry: string;
  readonly batch: string;
  readonly workers: Client[];
}

/**
 * Fills an Enterprise server with the last minutes of a small app's life.
 * `sample` is called after every step (the test reads /api/stats there, so
 * the dashboard's chart gets a history). The clock ends on real time.
 */
export async function populate(
  server: FaktoryServer,
  clock: Clock,
  sample: () => Promise<void>,
): Promise<Populated> {
  const client = await Client.connect(server.url);
  const admin = new ServerAdmin(server);
  const worker = await Client.connect({
    url: server.url,
    wid: "9f1c2a7b3e4d",
    hostname: "worker-1",
    pid: 4127,
    labels: ["node", "emails"],
  });
  let n = 0;
  const push = (k: number, options: JobOptions = {}) => {
    const [jobtype, queue, args] = KINDS[k % KINDS.length]!;
    return client.push(jobtype, args(++n), { queue, ...options });
  };
  const queues = ["critical", "mailers", "default", "reports"];
  const failed: string[] = [];

  // Two batches, before the rest: one finished, one under way.
  clock.skew = -8 * MINUTE;
  await batchOf(client, worker, "Nightly invoices", 5, 5);
  clock.skew = -6 * MINUTE;
  const batch = await batchOf(
    client,
    worker,
    "Import customers from CSV",
    8,
    3,
  );

  // Five minutes, 10 s a step (the chart's window): a wave of work; now and
  // then a job fails and its retries fail too (4 to 8 of them, so that its
  // next retry is minutes to an hour away), or a job without retries dies.
  clock.skew = -5 * MINUTE;
  for (let step = 0; step < 30; step++) {
    const jobs = 10 + Math.round(8 * Math.sin(step / 4)) + (step % 3) * 2;
    for (let i = 0; i < jobs; i++) {
      await push(step + i, step % 11 === 5 && i === 0 ? { retry: -1 } : {});
    }
    const failing: string[] = [];
    for (let i = 0; i < jobs; i++) {
      const job = await worker.fetch(queues);
      if (!job) break;
      if (job.retry === -1 || (step * 7 + i) % 37 === 0) {
        await worker.fail(job.jid, errorOf(job.jobtype));
        if (job.retry !== -1) failing.push(job.jid);
      } else {
        await worker.ack(job.jid);
      }
    }
    for (const jid of failing) {
      for (let k = 0; k < 4 + (failed.length % 5); k++) {
        admin.mutate("retries", "requeue", [jid]);
        const job = await worker.fetch(queues);
        await worker.fail(job!.jid, errorOf(job!.jobtype));
      }
      failed.push(jid);
    }
    await sample();
    clock.skew += 10_000;
  }

  // A backlog, oldest first; scheduled jobs for later today.
  for (const [minutes, k, count] of [[-3, 1, 14], [-2, 0, 6], [-1, 3, 3]]) {
    clock.skew = minutes! * MINUTE;
    for (let i = 0; i < count!; i++) await push(k! + (i % 2) * 2);
  }
  clock.skew = 0;
  for (const [k, minutes] of [15, 45, 120, 360].entries()) {
    await push(k + 1, { at: new Date(clock.now() + minutes * MINUTE) });
  }
  admin.pauseQueues(["reports"]);

  // Three processes: two running jobs, one quiet.
  const workers = [worker];
  for (
    const [wid, hostname, labels] of [
      ["4c8e2f61a9d0", "worker-2", ["node", "reports"]],
      ["b72d5e9c1f38", "worker-3", ["bun"]],
    ] as const
  ) {
    workers.push(
      await Client.connect({ url: server.url, wid, hostname, labels, pid: 88 }),
    );
  }
  await workers[0]!.fetch(["default"]);
  await workers[0]!.fetch(["mailers"]);
  await workers[1]!.fetch(["default"]);
  for (const [i, w] of workers.entries()) {
    await w.beat({ rssKb: 61_440 + i * 9_300 });
  }
  server.quiet("b72d5e9c1f38");
  await client.close();
  return { retry: failed.at(-1)!, batch, workers };
}

/** A committed batch of `size` imports, `done` of them run. */
async function batchOf(
  client: Client,
  worker: Client,
  description: string,
  size: number,
  done: number,
): Promise<string> {
  const bid = await client.batchNew({
    description,
    success: createJob("NotifyTeam", [description], { queue: "mailers" }),
    complete: createJob("CleanUpImport", [], { queue: "default" }),
  });
  for (let i = 0; i < size; i++) {
    await client.push("ImportRow", [i + 1], {
      queue: "imports",
      custom: { bid },
    });
  }
  await client.batchCommit(bid);
  for (let i = 0; i < done; i++) {
    const job = await worker.fetch(["imports"]);
    await worker.ack(job!.jid);
  }
  return bid;
}
