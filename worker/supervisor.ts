/**
 * The supervisor behind `processes: N`: it runs N copies of this program
 * as child processes (each a normal worker, told its slot by
 * `FAKTORY_WORKER_INDEX`), forwards signals to them, starts a child that
 * exits unexpectedly again with backoff, and gives a slot up after too many
 * failures in a row. It holds no Faktory connection and runs no jobs. Its
 * state goes through the Manager's lifecycle table.
 *
 * @module
 */

import {
  type ChildExit,
  type ChildProcess,
  type ChildProcesses,
  type ChildSignal,
  type Command,
  HEALTH_REPORT_ENV,
  WORKER_INDEX_ENV,
} from "../adapters/child_process.ts";
import { defaultChildProcesses, defaultPlatform } from "../adapters/runtime.ts";
import type { Platform } from "../adapters/transport.ts";
import type { Lifecycle } from "./_lifecycle.ts";
import { applyEnvLogLevel, type SwitchableLogger } from "./_logging.ts";
import { CrashLoopError } from "./manager_errors.ts";
import type { ManagerOptions, Settings } from "./manager_options.ts";
import { afterExit } from "./_supervisor_policy.ts";
import { childEnv, KILL_GRACE_MS } from "./_supervisor_child.ts";
import { type SlotView, SupervisorHealth } from "./_supervisor_health.ts";
import type { WorkerHealth } from "./health.ts";

export { KILL_GRACE_MS };

/** What a supervisor is made from: the Manager's pieces, and the runtime's. */
export interface SupervisorOptions {
  readonly options: ManagerOptions;
  readonly settings: Settings;
  readonly lifecycle: Lifecycle;
  readonly logger: SwitchableLogger;
  /** Starts processes. @default {the current runtime's} */
  readonly children?: ChildProcesses;
  /** Signals, cores, environment. @default {the current runtime's} */
  readonly platform?: Platform;
  /** The clock, for how long a child stayed up. @default {Date.now} */
  readonly now?: () => number;
  /** How long after `shutdownTimeout` a child is killed, in ms. @default {KILL_GRACE_MS} */
  readonly killGrace?: number;
  /** Told the probes' base URL while `healthPort` is served. */
  readonly listening?: (url: string | undefined) => void;
}

/** One slot: index i runs one child at a time, restarted in place. */
interface Slot {
  readonly index: number;
  child: ChildProcess | undefined;
  startedAt: number;
  failures: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  done: boolean;
}

/** The last exit of a slot given up. */
interface GivenUp extends Pick<ChildExit, "code" | "signal"> {
  readonly index: number;
  readonly failures: number;
  readonly error?: Error;
}

/**
 * Runs and watches N child processes of this program.
 *
 * @example
 * ```ts ignore
 * // The Manager builds one when `processes` is above 1:
 * import { Manager } from "@x/faktory-worker";
 * const mgr = new Manager({ processes: 2 });
 * console.log(mgr.isSupervisor); // true, unless this is one of the children
 * ```
 */
export class Supervisor {
  readonly #o: SupervisorOptions;
  readonly #now: () => number;
  #slots: Slot[] = [];
  #command: Command | undefined;
  #children: ChildProcesses | undefined;
  readonly #givenUp: GivenUp[] = [];
  #removeSignals: (() => void)[] = [];
  #force: ReturnType<typeof setTimeout> | undefined;
  #shutdown: Promise<void> | undefined;
  #hurried = false;
  #health: SupervisorHealth | undefined;
  /** True once run() knows which slots there are (or that there are none). */
  #settled = false;
  readonly #allDone: Promise<void>;
  #resolveAllDone!: () => void;

  constructor(options: SupervisorOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#allDone = new Promise((resolve) => this.#resolveAllDone = resolve);
  }

  /**
   * Starts the children and resolves once every one has exited and none
   * will be started again.
   *
   * @throws {LocalProtocolError} When this program cannot be started again.
   * @throws {CrashLoopError} When a slot was given up.
   */
  async run(): Promise<void> {
    const { lifecycle, logger, settings } = this.#o;
    const platform = this.#o.platform ?? await defaultPlatform();
    const children = this.#o.children ?? await defaultChildProcesses();
    applyEnvLogLevel(
      this.#o.options,
      this.#o.logger,
      (name) => platform.env(name),
    );
    if (lifecycle.state === "running") {
      const count = settings.processes === "auto"
        ? Math.max(1, Math.min(256, platform.cores() || 1))
        : settings.processes;
      try {
        this.#command = children.self(childEnv(this.#o, platform));
        if (settings.healthPort !== undefined) await this.#serveHealth();
      } catch (err) {
        lifecycle.fire("fail");
        this.#settle();
        throw err;
      }
      this.#children = children;
      if (settings.handleSignals) this.#installSignals(platform);
      logger.info("Supervisor started", {
        processes: count,
        pid: platform.pid,
      });
      logger.debug("Children run", {
        cmd: this.#command.cmd,
        args: this.#command.args,
      });
      for (const note of this.#command.notes ?? []) logger.warn(note);
      this.#slots = Array.from({ length: count }, (_, index) => ({
        index,
        child: undefined,
        startedAt: 0,
        failures: 0,
        timer: undefined,
        done: false,
      }));
      try {
        for (const slot of this.#slots) this.#start(slot, true);
      } catch (err) {
        // The runtime refused the first start: stop what did start, and fail.
        for (const slot of this.#slots) if (!slot.child) slot.done = true;
        void this.terminate("error");
        this.#settle();
        await this.#allDone;
        await this.#finish();
        throw err;
      }
    }
    this.#settle();
    await this.#allDone;
    await this.#finish();
    if (this.#givenUp.length > 0) {
      const [first] = this.#givenUp;
      throw new CrashLoopError(
        this.#givenUp,
        first?.error ? { cause: first.error } : undefined,
      );
    }
  }

  /** With `healthPort`: the supervisor's health, from its children's reports. */
  health(): WorkerHealth | undefined {
    return this.#health?.health();
  }

  /** Forwards SIGTSTP: the children stop fetching. No child is started again. */
  quiet(reason: "signal" | "api"): void {
    const { lifecycle, logger } = this.#o;
    if (lifecycle.fire("quiet") === undefined) return;
    logger.info("Quiet: the processes fetch no new jobs", { reason });
    this.#cancelRestarts();
    this.#signalAll("SIGTSTP");
  }

  /**
   * Forwards SIGTERM to every child (which then shuts down gracefully),
   * and SIGKILLs those still running `shutdownTimeout` + 2 s later.
   *
   * @returns Resolves once every child has exited; the same promise on every call.
   */
  terminate(reason: "signal" | "api" | "gave up" | "error"): Promise<void> {
    if (this.#shutdown) return this.#shutdown;
    const { lifecycle, logger, settings } = this.#o;
    lifecycle.fire("stop");
    const live = this.#slots.filter((s) => s.child).length;
    if (live > 0) {
      logger.info("Stopping processes", {
        reason,
        processes: live,
        timeoutMs: settings.shutdownTimeout,
      });
    }
    this.#cancelRestarts();
    this.#signalAll("SIGTERM");
    this.#signalAll("SIGCONT"); // a child stopped by an early SIGTSTP resumes and sees it
    const after = settings.shutdownTimeout +
      (this.#o.killGrace ?? KILL_GRACE_MS);
    this.#force = setTimeout(() => {
      for (const slot of this.#slots) {
        if (!slot.child) continue;
        logger.error("Process did not stop in time; killing it", {
          process: slot.index,
          pid: slot.child.pid,
          afterMs: after,
        });
        slot.child.kill("SIGKILL");
      }
    }, after);
    return this.#shutdown = this.#allDone;
  }

  /** A second SIGTERM/SIGINT: the children skip what is left of their shutdown timeout. */
  #hurry(): void {
    if (this.#hurried) return;
    this.#hurried = true;
    this.#o.logger.warn(
      "Second signal: the processes skip the rest of the shutdown timeout",
    );
    this.#signalAll("SIGINT");
  }

  #start(slot: Slot, first = false): void {
    const { cmd, args } = this.#command!;
    slot.startedAt = this.#now();
    let child: ChildProcess;
    try {
      child = this.#children!.spawn(cmd, args, {
        [WORKER_INDEX_ENV]: String(slot.index),
        ...this.#health ? { [HEALTH_REPORT_ENV]: this.#health.reportUrl } : {},
      });
    } catch (err) {
      if (first) throw err;
      const error = err instanceof Error ? err : new Error(String(err));
      this.#exited(slot, undefined, { code: null, signal: null, error });
      return;
    }
    slot.child = child;
    this.#o.logger.info("Process started", {
      process: slot.index,
      pid: child.pid,
    });
    void child.exited.then((exit) => this.#exited(slot, child, exit));
  }

  #exited(slot: Slot, child: ChildProcess | undefined, exit: ChildExit): void {
    const { lifecycle, logger, settings } = this.#o;
    slot.child = undefined;
    const fields = {
      process: slot.index,
      pid: child?.pid,
      code: exit.code,
      signal: exit.signal,
      ...(exit.error ? { error: exit.error.message } : {}),
    };
    if (lifecycle.state !== "running") {
      // After a signal it forwarded (or quiet): the end the supervisor asked for.
      if (exit.code === 0) logger.info("Process exited", fields);
      else logger.warn("Process exited", fields);
      return this.#done(slot);
    }
    if (exit.code === 0) {
      // It stopped by itself and cleanly: the Web UI's Stop button, or its own
      // code. Started again, it would keep its wid and be told to stop again.
      logger.info("Process stopped by itself; not starting it again", fields);
      return this.#done(slot);
    }
    const decision = afterExit(
      settings.restart,
      slot.failures,
      this.#now() - slot.startedAt,
    );
    slot.failures = decision.failures;
    if (decision.type === "give up") {
      logger.error(
        "Giving up on process: it failed too many times in a row",
        { ...fields, failures: decision.failures },
      );
      this.#givenUp.push({
        index: slot.index,
        failures: decision.failures,
        code: exit.code,
        signal: exit.signal,
        ...(exit.error ? { error: exit.error } : {}),
      });
      this.#done(slot);
      void this.terminate("gave up");
      return;
    }
    logger.warn("Process exited unexpectedly; starting it again", {
      ...fields,
      failures: decision.failures,
      inMs: decision.delay,
    });
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      this.#start(slot);
    }, decision.delay);
  }

  #cancelRestarts(): void {
    for (const slot of this.#slots) {
      if (slot.timer === undefined) continue;
      clearTimeout(slot.timer);
      slot.timer = undefined;
      this.#done(slot);
    }
  }

  #signalAll(signal: ChildSignal): void {
    for (const slot of this.#slots) slot.child?.kill(signal);
  }

  #done(slot: Slot): void {
    slot.done = true;
    if (this.#settled && this.#slots.every((s) => s.done)) {
      this.#resolveAllDone();
    }
  }

  #settle(): void {
    this.#settled = true;
    if (this.#slots.every((s) => s.done)) this.#resolveAllDone();
  }

  async #finish(): Promise<void> {
    const { lifecycle, logger } = this.#o;
    clearTimeout(this.#force);
    for (const remove of this.#removeSignals.splice(0)) remove();
    await this.#health?.close();
    lifecycle.fire("stop"); // from running or quiet, when every child ended by itself
    if (lifecycle.fire("finish") !== undefined) {
      logger.info("Supervisor stopped");
    }
  }

  /** Serves the probes, answered from the children's reports. */
  async #serveHealth(): Promise<void> {
    const { lifecycle, logger, settings } = this.#o;
    this.#health = new SupervisorHealth({
      settings,
      logger,
      state: () => lifecycle.state,
      slots: () => this.#slots.map((s) => this.#view(s)),
      now: this.#now,
      ...this.#o.listening ? { listening: this.#o.listening } : {},
    });
    await this.#health.start();
  }

  #view(slot: Slot): SlotView {
    const pid = slot.child?.pid;
    const state = slot.child
      ? "running"
      : this.#givenUp.some((g) => g.index === slot.index)
      ? "given up"
      : slot.done
      ? "exited"
      : "restarting";
    return { index: slot.index, pid, state };
  }

  #installSignals(platform: Platform): void {
    const stop = () =>
      this.#shutdown ? this.#hurry() : void this.terminate("signal");
    this.#removeSignals = [
      platform.onSignal("SIGTERM", stop),
      platform.onSignal("SIGINT", stop),
      // The children have a session of their own: a closing terminal hangs up only here.
      platform.onSignal("SIGHUP", stop),
      platform.onSignal("SIGTSTP", () => this.quiet("signal")),
    ];
  }
}
