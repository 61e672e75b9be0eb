// @ts-check
// Loaded by _peer_worker.mjs only when MEM_PROBE names a file: every 200 ms it writes the
// process's own view of its memory there (process.memoryUsage(), and the V8 young generation
// where node:v8 can say), for bench/mem_bench.ts to read beside the RSS it reads from /proc.
// A timer, not a per-job hook: the worker does no extra work per job.
import { writeFileSync } from "node:fs";
import process from "node:process";

/** @type {(() => { space_name: string, space_size: number }[]) | undefined} */
let spaces;
try {
  const v8 = await import("node:v8");
  spaces = v8.getHeapSpaceStatistics;
  spaces(); // Bun answers with zeros for some spaces; a runtime without it throws here
} catch {
  spaces = undefined;
}

/**
 * Starts writing the probe to `path`.
 * @param {string} path
 */
export function probe(path) {
  const write = () => {
    const m = process.memoryUsage();
    const young = spaces?.().find((s) => s.space_name === "new_space");
    writeFileSync(
      path,
      JSON.stringify({
        rss: m.rss,
        heapTotal: m.heapTotal,
        heapUsed: m.heapUsed,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        newSpace: young?.space_size ?? null,
      }),
    );
  };
  write();
  const timer = setInterval(write, 200);
  // @ts-ignore: Node and Bun timers have unref; Deno's setInterval returns a number
  timer.unref?.();
}
