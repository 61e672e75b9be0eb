/**
 * One client connection of the embedded server: greeting, HELLO, then one
 * command at a time (as Faktory does), with the replies and error strings of
 * Faktory 1.8.
 *
 * @module
 */

import type { Socket, SocketHandlers } from "../adapters/transport.ts";
import { checkQueueName } from "../core/job.ts";
import { checkJobTypes, goParse, goParseJobs } from "./_go_json.ts";
import { parseGoTime } from "./_go_time.ts";
import { mutateMatcher } from "./_glob.ts";
import type { Mutation, WorkerRecord } from "./_store.ts";
import { iso, StoredJob } from "./_stored_job.ts";
import type { Fault, ServerState } from "./_server_state.ts";

const encoder = new TextEncoder();
const OK = encoder.encode("+OK\r\n");
const NULL = encoder.encode("$-1\r\n");
const CRLF = encoder.encode("\r\n");
const MAX_LINE = 16 * 1024 * 1024;
/** Verbs whose bare form (no payload) crashes a Faktory 1.8 server. */
const NEEDS_PAYLOAD = new Set([
  "PUSH",
  "PUSHB",
  "ACK",
  "FAIL",
  "BEAT",
  "QUEUE",
  "MUTATE",
  "BATCH",
  "TRACK",
]);

type Out = Uint8Array | null;

function error(message: string): Uint8Array {
  return encoder.encode(`-ERR ${message.replace(/[\r\n]+/g, " ")}\r\n`);
}

/** The reply to a command whose handling threw: an error, never a crash. */
function failed(err: unknown): Uint8Array {
  return error(err instanceof Error ? err.message : String(err));
}

const isString = (v: unknown) =>
  v === undefined || v === null ||
  typeof v === "string";
const isStrings = (v: unknown) =>
  v === undefined || v === null ||
  (Array.isArray(v) && v.every((s) => s === null || typeof s === "string"));
const isInt = (v: unknown, min = -(2 ** 63), max = 2 ** 63) =>
  v === undefined || v === null ||
  (Number.isInteger(v) && (v as number) >= min && (v as number) < max);

/** Whether HELLO fields have the JSON types of Faktory's ClientData (Go). */
function validHello(h: Record<string, unknown>): boolean {
  return isString(h.hostname) && isString(h.wid) && isString(h.pwdhash) &&
    isString(h.username) && isStrings(h.labels) && isInt(h.pid) &&
    isInt(h.rss_kb) && isInt(h.v, 0, 256);
}

function bulk(bytes: Uint8Array): Uint8Array {
  const head = encoder.encode(`$${bytes.length}\r\n`);
  const out = new Uint8Array(head.length + bytes.length + 2);
  out.set(head);
  out.set(bytes, head.length);
  out.set(CRLF, head.length + bytes.length);
  return out;
}

/** The payload as a JSON object, or undefined when it is not one. */
function jsonObject(payload: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(payload);
    return typeof parsed === "object" && parsed !== null &&
        !Array.isArray(parsed)
      ? parsed
      : undefined;
  } catch {
    return undefined;
  }
}

function bulkText(text: string): Uint8Array {
  return bulk(encoder.encode(text));
}

function sortedObject<T>(entries: Iterable<[string, T]>): Record<string, T> {
  const out: Record<string, T> = {};
  for (
    const [k, v] of [...entries].sort((
      [a],
      [b],
    ) => (a < b ? -1 : a > b ? 1 : 0))
  ) out[k] = v;
  return out;
}

/** A client connection to the embedded server. */
export class Session {
  wid: string | undefined;
  readonly handlers: SocketHandlers;
  #state: "greeting" | "ready" | "closed" = "greeting";
  readonly #server: ServerState;
  readonly #socket: Socket;
  readonly #decoder = new TextDecoder();
  readonly #lines: string[] = [];
  #partial = "";
  #busy = false;
  #out: Uint8Array[] = [];
  #helloTimer: ReturnType<typeof setTimeout> | undefined;
  #challenge: { salt: string; iterations: number } | undefined;
  #worker: WorkerRecord | undefined;

  constructor(server: ServerState, socket: Socket) {
    this.#server = server;
    this.#socket = socket;
    this.handlers = {
      data: (chunk) => this.#onData(chunk),
      close: () => this.#closed(),
    };
    const { password, random, helloTimeout } = server.options;
    let hi = '{"v":2}';
    if (password !== undefined) {
      const salt = Array.from(
        { length: 16 },
        () => Math.floor(random() * 16).toString(16),
      ).join("");
      const iterations = 4000 + Math.floor(random() * 4096);
      this.#challenge = { salt, iterations };
      hi = `{"v":2,"i":${iterations},"s":"${salt}"}`;
    }
    void socket.write(encoder.encode(`+HI ${hi}\r\n`)).catch(() => {});
    this.#helloTimer = setTimeout(() => this.close(), helloTimeout);
  }

  /** Closes the connection. Idempotent. */
  close(): undefined {
    if (this.#state === "closed") return;
    this.#flush();
    this.#socket.close();
    this.#closed();
  }

  #closed(): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    clearTimeout(this.#helloTimer);
    this.#helloTimer = undefined;
    if (this.#worker) this.#server.store.disconnect(this.#worker);
    this.#worker = undefined;
    this.#lines.length = 0;
    this.#server.sessionClosed(this);
  }

  #onData(chunk: Uint8Array): void {
    if (this.#state === "closed") return;
    const text = this.#partial + this.#decoder.decode(chunk, { stream: true });
    const parts = text.split("\n");
    this.#partial = parts.pop()!;
    if (this.#partial.length > MAX_LINE) return this.close();
    for (const line of parts) {
      this.#lines.push(line.endsWith("\r") ? line.slice(0, -1) : line);
    }
    this.#pump();
  }

  #pump(): void {
    while (!this.#busy && this.#lines.length > 0 && this.#state !== "closed") {
      const line = this.#lines.shift()!;
      if (this.#state === "greeting") {
        const checking = this.#hello(line);
        if (checking) {
          this.#busy = true;
          checking.then(() => {
            this.#busy = false;
            this.#pump();
          });
          return;
        }
        continue;
      }
      if (this.#server.closing) {
        // As Faktory after SIGTERM: the next command is refused and the connection closed.
        this.#out.push(error("shutdown in progress"));
        return this.close();
      }
      const space = line.indexOf(" ");
      const verb = space === -1 ? line : line.slice(0, space);
      this.#server.count(verb);
      const fault = this.#server.takeFault(verb, this.wid);
      if (fault?.action === "close") return this.close();
      if (fault?.action === "error") {
        this.#out.push(
          encoder.encode(`-ERR ${fault.message ?? "injected error"}\r\n`),
        );
        continue;
      }
      if (verb === "END") return this.close();
      let result: Out | Promise<Out>;
      try {
        result = this.#command(
          verb,
          space === -1 ? undefined : line.slice(space + 1),
        );
      } catch (err) {
        result = failed(err);
      }
      if (result instanceof Promise) {
        // Replies to the commands before this one go out now, as Faktory
        // answers each command as it runs it.
        this.#flush();
        this.#busy = true;
        result.catch(failed).then((out) => {
          this.#busy = false;
          this.#reply(out, fault);
          this.#flush();
          this.#pump();
        });
        return;
      }
      this.#reply(result, fault);
      if (this.#busy) return;
    }
    this.#flush();
  }

  #reply(out: Out, fault: Fault | undefined): void {
    if (this.#state === "closed" || out === null) return;
    switch (fault?.action) {
      case undefined:
      case "error":
        this.#out.push(out);
        return;
      case "close-after":
        return this.close();
      case "cut-reply":
        this.#out.push(out.subarray(0, Math.max(1, out.length >> 1)));
        return this.close();
      case "garbage":
        this.#out.push(encoder.encode("&this is not RESP\r\n"));
        return;
      case "delay":
        this.#busy = true;
        setTimeout(() => {
          this.#busy = false;
          if (this.#state === "closed") return;
          this.#out.push(out);
          this.#flush();
          this.#pump();
        }, fault.ms ?? 100);
        return;
    }
  }

  #flush(): void {
    if (this.#out.length === 0) return;
    let bytes: Uint8Array;
    if (this.#out.length === 1) bytes = this.#out[0]!;
    else {
      bytes = new Uint8Array(this.#out.reduce((n, b) => n + b.length, 0));
      let off = 0;
      for (const b of this.#out) bytes.set(b, off), (off += b.length);
    }
    this.#out = [];
    this.#socket.write(bytes).catch(() => this.close());
  }

  /** HELLO: a Promise while a password hash is being checked. */
  #hello(line: string): Promise<void> | undefined {
    // Anything but HELLO first, or HELLO with bad JSON: close without a reply.
    if (!line.startsWith("HELLO ")) return this.close();
    const hello = jsonObject(line.slice(6));
    if (!hello || !validHello(hello)) return this.close();
    if (!this.#challenge) return this.#welcome(hello);
    const { salt, iterations } = this.#challenge;
    const v = typeof hello.v === "number" ? hello.v : 1;
    return this.#server.hasher.hash(
      this,
      this.#server.options.password + salt,
      v < 2 ? 1 : iterations,
    ).then((expected) => {
      if (this.#state === "closed") return;
      if (hello.pwdhash !== expected) {
        this.#out.push(error("Invalid password"));
        return this.close();
      }
      this.#welcome(hello);
    });
  }

  #welcome(hello: Record<string, unknown>): undefined {
    clearTimeout(this.#helloTimer);
    this.#helloTimer = undefined;
    if (typeof hello.wid === "string" && hello.wid !== "") {
      const wid = hello.wid;
      const w = this.#server.store.hello(
        wid,
        hello,
        this.#server.options.now(),
      );
      this.wid = wid;
      this.#worker = w;
    }
    this.#state = "ready";
    this.#out.push(OK);
    this.#flush();
  }

  #command(verb: string, payload: string | undefined): Out | Promise<Out> {
    if (payload === undefined && NEEDS_PAYLOAD.has(verb)) {
      return error(
        `${verb} needs a payload (a bare ${verb} crashes Faktory 1.8 servers)`,
      );
    }
    const p = payload ?? "";
    switch (verb) {
      case "PUSH":
        return this.#push(p);
      case "PUSHB":
        return this.#pushBulk(p);
      case "FETCH":
        return payload === undefined
          ? error("must call fetch with at least one queue")
          : this.#fetch(p.split(" "));
      case "ACK":
        return this.#ack(p);
      case "FAIL":
        return this.#fail(p);
      case "BEAT":
        return this.#beat(p);
      case "INFO":
        return bulkText(JSON.stringify(this.#info()));
      case "FLUSH":
        this.#server.store.flush();
        return OK;
      case "QUEUE":
        return this.#queue(p);
      case "MUTATE":
        return this.#mutate(p);
      case "BATCH":
        return error("batch subsystem is only available in Faktory Enterprise");
      case "TRACK":
        return error(
          "tracking subsystem is only available in Faktory Enterprise",
        );
      default:
        return error(`unknown command ${verb}`);
    }
  }

  /** Validates and normalizes a job as the server does; returns it or an error message. */
  #job(raw: unknown): StoredJob | string {
    const job = (raw ?? {}) as Record<string, unknown>;
    const jid = job.jid as string | undefined;
    if (!jid || jid.length < 8) {
      return "jobs must have a reasonable jid parameter";
    }
    if (!job.jobtype) return "jobs must have a jobtype parameter";
    if (job.args === undefined || job.args === null) {
      return "jobs must have an args parameter";
    }
    if ((job.reserve_for as number | undefined ?? 0) > 86400) {
      return "jobs cannot be reserved for more than one day";
    }
    if (job.at) {
      const t = parseGoTime(job.at as string);
      if (typeof t === "string") {
        return `invalid timestamp for 'at': ${JSON.stringify(job.at)}: ${t}`;
      }
    }
    const { options } = this.#server;
    return new StoredJob({
      ...job,
      queue: job.queue || "default",
      created_at: job.created_at || iso(options.now()),
      retry: job.retry ?? options.defaultRetry,
    });
  }

  /** Schedules or enqueues a valid job; returns an error message or undefined. */
  #accept(job: StoredJob): string | undefined {
    const at = job.fields.at
      ? parseGoTime(job.fields.at as string) as number
      : 0;
    if (at > this.#server.options.now()) {
      this.#server.store.schedule(at, job);
      return undefined;
    }
    try {
      checkQueueName(job.queue);
    } catch (err) {
      return (err as Error).message; // the server's own wording
    }
    this.#server.enqueue(job);
    return undefined;
  }

  #push(payload: string): Out {
    let raw: unknown;
    try {
      const parsed = goParseJobs(payload, 1);
      raw = parsed.value;
      checkJobTypes(raw, parsed.literals[0]);
    } catch (err) {
      return error(`invalid JSON: ${(err as Error).message}`);
    }
    const job = this.#job(raw);
    if (typeof job === "string") return error(job);
    const failure = this.#accept(job);
    return failure === undefined ? OK : error(failure);
  }

  #pushBulk(payload: string): Out {
    let raw: unknown;
    try {
      const parsed = goParseJobs(payload, 2);
      raw = parsed.value;
      if (!Array.isArray(raw)) {
        throw new Error(
          `json: cannot unmarshal ${
            raw === null ? "null" : typeof raw
          } into Go value of type []client.Job`,
        );
      }
      let objects = 0;
      for (const item of raw) {
        const isObject = typeof item === "object" && item !== null &&
          !Array.isArray(item);
        checkJobTypes(item, isObject ? parsed.literals[objects++] : undefined);
      }
    } catch (err) {
      return error(`invalid JSON: ${(err as Error).message}`);
    }
    const failed: [string, string][] = [];
    for (const item of raw) {
      const job = this.#job(item);
      const message = typeof job === "string" ? job : this.#accept(job);
      if (message !== undefined) {
        failed.push([String((item as { jid?: unknown })?.jid ?? ""), message]);
      }
    }
    return bulkText(JSON.stringify(sortedObject(failed)));
  }

  #fetch(queues: readonly string[]): Out | Promise<Out> {
    const server = this.#server;
    if (this.#worker && this.#worker.state !== "running") {
      // Quiet or terminated workers get no jobs, after the usual wait.
      return new Promise((resolve) =>
        setTimeout(() => resolve(NULL), server.options.fetchTimeout)
      );
    }
    const job = server.store.pop(queues);
    if (job) {
      server.store.reserve(job, this.wid ?? "", server.options.now());
      return bulk(job.bytes);
    }
    return server.waitForJob(this, queues).then((
      j,
    ) => (j ? bulk(j.bytes) : NULL));
  }

  #ack(payload: string): Out {
    let jid: unknown;
    try {
      const parsed = JSON.parse(payload);
      const values =
        typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
          ? Object.values(parsed)
          : [0];
      if (values.some((v) => typeof v !== "string")) {
        throw new Error("not a map of strings");
      }
      jid = parsed.jid;
    } catch {
      return error(`invalid ACK ${payload}`);
    }
    if (typeof jid !== "string") return error(`invalid ACK ${payload}`);
    this.#server.store.ack(jid, this.wid ?? "");
    return OK;
  }

  #fail(payload: string): Out {
    const f = jsonObject(payload);
    // Go unmarshals FAIL into strings and a []string.
    if (
      !f || !isString(f.jid) || !isString(f.errtype) || !isString(f.message) ||
      !isStrings(f.backtrace)
    ) return error(`invalid FAIL ${payload}`);
    const jid = typeof f.jid === "string" ? f.jid : "";
    if (jid === "") return error("missing JID");
    const errtype = String(f.errtype ?? "").trim().slice(0, 100) || "unknown";
    const message = String(f.message ?? "").trim().slice(0, 1000) || "unknown";
    const backtrace = Array.isArray(f.backtrace)
      ? f.backtrace.map((line: string | null) => line ?? "").slice(0, 50)
      : [];
    const { store, options } = this.#server;
    const found = store.fail(
      jid,
      this.wid ?? "",
      { errtype, message, backtrace },
      options.now(),
      options.random,
    );
    return found ? OK : error(`Job not found ${jid}`);
  }

  #beat(payload: string): Out {
    const beat = jsonObject(payload);
    if (!beat) return error(`invalid BEAT ${payload}`);
    const wid = typeof beat.wid === "string" ? beat.wid : "";
    const w = this.#server.store.beat(wid, this.#server.options.now(), {
      currentState: beat.current_state,
      rssKb: beat.rss_kb,
    });
    if (!w) return error(`unknown worker ${wid}`);
    return w.state === "running" ? OK : bulkText(`{"state":"${w.state}"}`);
  }

  #queue(payload: string): Out {
    const [sub, ...names] = payload.split(" ");
    const { store } = this.#server;
    switch (sub) {
      case "PAUSE":
        store.pause(names);
        break;
      case "RESUME":
        store.resume(names);
        this.#server.wakeWaiters();
        break;
      case "REMOVE":
        store.remove(names);
        break;
    }
    return OK;
  }

  #mutate(payload: string): Out {
    if (payload.includes(" ")) return error("invalid format");
    let op: Record<string, unknown>;
    try {
      const parsed = goParse(payload);
      op =
        (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<
          string,
          unknown
        >;
    } catch (err) {
      return error((err as Error).message);
    }
    const { store } = this.#server;
    if (!["clear", "kill", "discard", "requeue"].includes(op.cmd as string)) {
      return error("unknown mutate operation");
    }
    if (!store.isSet(op.target)) {
      return error("invalid target for mutation command");
    }
    const cmd = op.cmd as Mutation;
    const match = cmd === "clear" || (cmd === "discard" && op.filter == null)
      ? () => true
      : mutateMatcher(op.filter);
    const requeue = store.mutate(
      cmd === "discard" && op.filter == null ? "clear" : cmd,
      op.target,
      match,
      this.#server.options.now(),
    );
    for (const job of requeue) this.#server.enqueue(job);
    return OK;
  }

  #info(): unknown {
    const { store, options } = this.#server;
    const now = options.now();
    const stats = store.stats();
    const task = (name: "Scheduled" | "Retries" | "Dead") => {
      const t = stats.tasks[name];
      return {
        cycles: t.cycles,
        enqueued: t.enqueued,
        size: stats.sets[name],
        wall_time_sec: t.wall_time_sec,
      };
    };
    const date = new Date(now);
    return {
      faktory: {
        queues: sortedObject(stats.queues),
        tasks: {
          Busy: { reaped: stats.busyReaped, size: stats.busy },
          Dead: task("Dead"),
          Retries: task("Retries"),
          Scheduled: task("Scheduled"),
          Workers: { reaped: stats.workersReaped, size: stats.workers },
        },
        total_enqueued: stats.enqueued,
        total_failures: stats.failures,
        total_processed: stats.processed,
        total_queues: stats.queues.length,
      },
      now: date.toISOString(),
      server: {
        command_count: this.#server.commandCount,
        connections: this.#server.sessions.size,
        description: "Faktory",
        faktory_version: "1.8.0",
        uptime: Math.floor((now - this.#server.startedAt) / 1000),
        used_memory_mb: Math.max(
          1,
          Math.round(this.#server.rssBytes() / 1048576),
        ),
      },
      server_utc_time: `${date.toISOString().slice(11, 19)} UTC`,
    };
  }
}
