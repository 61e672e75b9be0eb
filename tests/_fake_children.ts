// Fake child processes for the supervisor's in-process tests: each records the signals it is
// sent and exits when the test says (or, by the `onKill` rule, on a signal).
import type {
  ChildExit,
  ChildProcess,
  ChildProcesses,
} from "../adapters/child_process.ts";

export class FakeChild implements ChildProcess {
  readonly index: string | undefined;
  readonly signals: string[] = [];
  readonly exited: Promise<ChildExit>;
  #exit!: (e: ChildExit) => void;
  #done = false;

  constructor(
    readonly pid: number,
    readonly env: Readonly<Record<string, string>>,
    readonly onKill: (child: FakeChild, signal: string) => void,
  ) {
    this.index = env.FAKTORY_WORKER_INDEX;
    this.exited = new Promise((resolve) => this.#exit = resolve);
  }

  get running(): boolean {
    return !this.#done;
  }

  exit(code: number | null, signal: string | null = null): void {
    if (this.#done) return;
    this.#done = true;
    this.#exit({ code, signal });
  }

  kill(signal: string): boolean {
    if (this.#done) return false;
    this.signals.push(signal);
    this.onKill(this, signal);
    return true;
  }
}

/** By default a child dies of SIGKILL only; it exits on other signals when the test says. */
const diesOfSigkill = (child: FakeChild, signal: string) => {
  if (signal === "SIGKILL") child.exit(null, "SIGKILL");
};

export class FakeChildren implements ChildProcesses {
  readonly started: FakeChild[] = [];
  /** Thrown by the next spawn, if set. */
  refuse: Error | undefined;
  /** The env variables the supervisor said the children need. */
  needs: readonly string[] | undefined;
  #pid = 100;

  constructor(
    readonly onKill: (child: FakeChild, signal: string) => void = diesOfSigkill,
  ) {}

  self(env?: readonly string[]) {
    this.needs = env;
    return { cmd: "runtime", args: ["main.ts"] };
  }

  spawn(_cmd: string, _args: readonly string[], env: Record<string, string>) {
    if (this.refuse) throw this.refuse;
    const child = new FakeChild(++this.#pid, env, this.onKill);
    this.started.push(child);
    return child;
  }

  /** The children running now, by slot index. */
  running(): Map<string | undefined, FakeChild> {
    return new Map(
      this.started.filter((c) => c.running).map((c) => [c.index, c]),
    );
  }

  /** The child running now in slot `index`. */
  slot(index: number): FakeChild {
    return this.running().get(String(index))!;
  }
}
