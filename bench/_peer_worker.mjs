// @ts-check
// Our worker for side-by-side benchmarks, written as a user would write it, to the contract the
// reference workers follow: settings from FAKTORY_URL, QUEUE, CONCURRENCY, SHUTDOWN_TIMEOUT_S
// and DONE_LOG (each finished job's jid appended on its own line, one write per job); job type
// `Ok` is a no-op; runs until SIGTERM or SIGINT, then shuts down gracefully. With MEM_PROBE set
// (by bench/mem_bench.ts), it also writes its own memory figures to that file every 200 ms.
// Plain JavaScript, so that Node runs it as users do: `node bench/_peer_worker.mjs` loads the
// built package (dist/) through the package's own name; Deno and Bun map that name to the
// TypeScript sources (deno.json imports, tsconfig.json paths).
import { closeSync, openSync, writeSync } from "node:fs";
import process from "node:process";
import { Manager } from "@x/faktory-worker";

const doneLog = process.env.DONE_LOG;
if (!doneLog) throw new Error("DONE_LOG is not set");
const fd = openSync(doneLog, "a");
if (process.env.MEM_PROBE) {
  (await import("./_mem_probe.mjs")).probe(process.env.MEM_PROBE);
}

// The URL comes from FAKTORY_URL, which the library reads itself.
const mgr = new Manager({
  queues: [process.env.QUEUE || "default"],
  concurrency: Number(process.env.CONCURRENCY || 20),
  shutdownTimeout: 1000 * Number(process.env.SHUTDOWN_TIMEOUT_S || 25),
});
mgr.register("Ok", (ctx) => {
  writeSync(fd, `${ctx.jid}\n`);
});

console.error(
  `peer worker: @x/faktory-worker from ${
    import.meta.resolve("@x/faktory-worker")
  }, pid ${process.pid}`,
);
await mgr.run();
closeSync(fd);
