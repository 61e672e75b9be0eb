// Reads a process's CPU time and RSS from outside, through Linux's /proc, so that every
// worker (Node, Deno, Bun or Go) is measured the same way, whatever it reports itself.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpuMicrosFromStat, rssBytesFromStatus } from "./_stats.ts";

/** Whether /proc can be read here (Linux). */
export const hasProc: boolean = existsSync("/proc/self/stat");

let ticks: number | undefined;

/** Clock ticks per second, the unit of utime and stime (`getconf CLK_TCK`, else 100). */
function ticksPerSecond(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(
        execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }),
      );
    } catch {
      ticks = 100;
    }
    if (!Number.isInteger(ticks) || ticks <= 0) ticks = 100;
  }
  return ticks;
}

/** The process's user + system CPU time so far, all threads, in microseconds. */
export function cpuMicros(pid: number): number {
  return cpuMicrosFromStat(
    readFileSync(`/proc/${pid}/stat`, "utf8"),
    ticksPerSecond(),
  );
}

/** The process's resident set size, in bytes. */
export function rssBytes(pid: number): number {
  return rssBytesFromStatus(readFileSync(`/proc/${pid}/status`, "utf8"));
}
