/**
 * Faults injected into the embedded server's replies, and the table that
 * decides which command each one hits.
 *
 * @module
 */

/**
 * A fault to inject into the replies of matching commands.
 *
 * - `close`: close the connection when the command arrives (it is not run).
 * - `close-after`: run the command, then close without replying.
 * - `cut-reply`: run the command, write half of the reply, then close.
 * - `garbage`: run the command, then reply with bytes that are not RESP.
 * - `delay`: run the command, then wait `ms` before replying.
 * - `error`: reply `-ERR message` without running the command (as a server
 *   does on a storage error).
 *
 * @example Lose the reply to the next ACK, as a network failure would
 * ```ts
 * import { FaktoryServer } from "@x/faktory-worker/testing";
 *
 * const server = await FaktoryServer.start();
 * server.fault({ action: "close-after", verb: "ACK" });
 * // ... run a worker: its first ACK is applied, then the connection drops
 * await server.stop();
 * ```
 */
export interface Fault {
  /** What to do. */
  readonly action:
    | "close"
    | "close-after"
    | "cut-reply"
    | "garbage"
    | "delay"
    | "error";
  /** Only commands with this verb (such as `ACK` or `FETCH`). */
  readonly verb?: string;
  /** Only connections of this worker id. */
  readonly wid?: string;
  /** Let this many matching commands through first. @default {0} */
  readonly after?: number;
  /** How many matching commands to affect. @default {1} */
  readonly times?: number;
  /** The delay for `delay`, in ms. @default {100} */
  readonly ms?: number;
  /** The text after `-ERR ` for `error`. @default {"injected error"} */
  readonly message?: string;
}

/** The injected faults, in the order they were added. */
export class FaultTable {
  readonly #faults: { fault: Fault; skip: number; left: number }[] = [];

  add(fault: Fault): void {
    this.#faults.push({
      fault,
      skip: fault.after ?? 0,
      left: fault.times ?? 1,
    });
  }

  clear(): void {
    this.#faults.length = 0;
  }

  /** The fault to apply to this command, if any (and counts it used). */
  take(verb: string, wid: string | undefined): Fault | undefined {
    for (let i = 0; i < this.#faults.length; i++) {
      const f = this.#faults[i]!;
      if (f.fault.verb !== undefined && f.fault.verb !== verb) continue;
      if (f.fault.wid !== undefined && f.fault.wid !== wid) continue;
      if (f.skip > 0) {
        f.skip--;
        continue;
      }
      if (--f.left <= 0) this.#faults.splice(i, 1);
      return f.fault;
    }
    return undefined;
  }
}
