// Replays every recorded transcript against the embedded server and compares each reply by
// shape. Transcripts were recorded on three servers (by port): 7419 (no password), 7421
// (password labpass123) and 7423 (a fresh instance for files 22-27, recorded in one sequence,
// so the queue and set sizes noted in them must match exactly). Every other file is replayed
// on fresh embedded servers of its own; files 22-27 share one, replayed in recording order.
// With FAKTORY_URL set, the same replay runs against that real server instead (sizes are then
// not compared), and what the replay pushed is removed at the end.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { FaktoryServer } from "../testing/mod.ts";
import { passwordHash } from "../core/_password_hash.ts";
import {
  compareReplies,
  type Event,
  parseReplies,
  RawConn,
  tolerance,
  transcriptEvents,
} from "./_fidelity.ts";
import { seededRandom } from "./_seeded.ts";
import { transcriptNames, transcriptText } from "./_transcripts.ts";
import { Client } from "../mod.ts";

const live = process.env.FAKTORY_URL
  ? new URL(process.env.FAKTORY_URL.replace(/^tcp(\+tls)?:/, "http:"))
  : undefined;

tolerance.retryDrift = live !== undefined;

/** When the recordings begin: the clock every embedded server starts at. */
const RECORDED_AT = Date.parse("2026-11-28T01:11:02Z");

interface Instance {
  server?: FaktoryServer;
  clock: number;
  cycles?: number;
  password?: string;
}

/** The servers of one replay, by recorded port, started on first use. */
class Instances {
  readonly #byPort = new Map<number, Instance>();

  async for(
    port: number,
  ): Promise<{ port: number; host: string; inst: Instance }> {
    let inst = this.#byPort.get(port);
    if (!inst) {
      inst = {
        clock: RECORDED_AT,
        ...(port === 7421 ? { password: "labpass123" } : {}),
      };
      this.#byPort.set(port, inst);
      if (!live) {
        const self = inst;
        inst.server = await FaktoryServer.start({
          ...(inst.password ? { password: inst.password } : {}),
          fetchTimeout: 50,
          helloTimeout: 1000,
          taskInterval: 0,
          now: () => self.clock,
          random: seededRandom(port),
        });
      }
    }
    if (live) {
      return { port: Number(live.port || 7419), host: live.hostname, inst };
    }
    return { port: inst.server!.port, host: "127.0.0.1", inst };
  }

  /** Stops the servers; resolves to the recorded ports that had one. */
  async stop(): Promise<number[]> {
    for (const inst of this.#byPort.values()) await inst.server?.stop();
    for (const inst of this.#byPort.values()) {
      assert.equal(inst.server?.connections ?? 0, 0);
    }
    return [...this.#byPort.keys()];
  }
}

const times = (text: string) =>
  [...text.matchAll(/"(?:now|enqueued_at)":"([^"]+)"/g)].map((m) =>
    Date.parse(m[1]!)
  );

/** Moves the instance's clock as the recording shows, running periodic tasks where the real server did. */
function advance(inst: Instance, expect: string): void {
  const latest = Math.max(inst.clock, ...times(expect));
  const cycles = /"Scheduled":\{"cycles":(\d+)/.exec(expect);
  if (cycles) {
    const n = Number(cycles[1]);
    // The scheduler polls every 5 s: when it ran since the last INFO, run it as late as 5 s ago.
    if (inst.cycles !== undefined && n > inst.cycles) {
      inst.clock = Math.max(inst.clock, latest - 5000);
      inst.server?.runTasks();
    }
    inst.cycles = n;
  }
  const enqueued = /"enqueued_at":"([^"]+)"/.exec(expect);
  const promotedAt = enqueued ? Date.parse(enqueued[1]!) : 0;
  inst.clock = latest;
  // A job enqueued after the last known time was promoted by the scheduler then.
  if (promotedAt > inst.clock - 1) inst.server?.runTasks();
}

async function replay(
  name: string,
  instances: Instances,
): Promise<string[]> {
  const mismatches: string[] = [];
  const conns = new Map<
    number,
    { raw: RawConn; inst: Instance; greeting?: { i?: number; s?: string } }
  >();
  const crashFile = name.startsWith("21-");
  for (const ev of transcriptEvents(name)) {
    const where = (n: number) => `${name} conn ${n}`;
    if (ev.kind === "control") {
      for (const { inst } of conns.values()) {
        if (inst.server?.workers().some((w) => w.wid === ev.wid)) {
          inst.server[ev.action](ev.wid);
        }
      }
      continue;
    }
    if (ev.kind === "connect") {
      const { port, host, inst } = await instances.for(ev.port);
      conns.set(ev.conn, { raw: await RawConn.open(port, host), inst });
      continue;
    }
    const c = conns.get(ev.conn)!;
    if (ev.kind === "greeting") {
      const expected = parseReplies(ev.expect);
      const got = await c.raw.take(expected.length);
      compareReplies(expected, got, `${where(ev.conn)} greeting`, mismatches);
      const hi = got[0]?.type === "simple"
        ? JSON.parse(got[0].value.slice(3))
        : {};
      c.greeting = hi;
      if (ev.eof && !(await c.raw.eof())) {
        mismatches.push(
          `${where(ev.conn)}: expected the server to close after the greeting`,
        );
      }
      continue;
    }
    let text = ev.text;
    // A recorded password hash only fits the recorded salt: recompute it for ours.
    if (
      text.startsWith("HELLO ") && text.includes('"pwdhash"') &&
      ev.expect === "+OK\r\n" && c.greeting?.s
    ) {
      const hello = JSON.parse(text.slice(6));
      hello.pwdhash = passwordHash(
        c.inst.password!,
        c.greeting.s,
        hello.v < 2 ? 1 : c.greeting.i!,
      );
      text = `HELLO ${JSON.stringify(hello)}\r\n`;
    }
    advance(c.inst, ev.expect);
    c.raw.write(text);
    if (crashFile && ev.eof && !text.startsWith("END")) {
      // Faktory 1.8 crashes here; the embedded server answers with an error instead.
      const [reply] = await c.raw.take(1);
      if (reply?.type !== "error" || !/needs a payload/.test(reply.message)) {
        mismatches.push(
          `${where(ev.conn)}: ${
            JSON.stringify(text)
          } should get a clean -ERR, got ${JSON.stringify(reply)}`,
        );
      }
      c.raw.close();
      continue;
    }
    const expected = parseReplies(ev.expect);
    const got = await c.raw.take(expected.length);
    compareReplies(
      expected,
      got,
      `${where(ev.conn)} ${JSON.stringify(text.slice(0, 60))}`,
      mismatches,
    );
    if (ev.sizes && !live) {
      const info = got[0]?.type === "bulk" && got[0].value
        ? JSON.parse(got[0].value)
        : undefined;
      for (const [key, size] of Object.entries(ev.sizes)) {
        const actual = key.startsWith("queue:")
          ? info?.faktory.queues[key.slice(6)] ?? null
          : info?.faktory.tasks[key]?.size;
        if (actual !== size) {
          mismatches.push(
            `${where(ev.conn)} INFO: ${key} is ${actual}, recorded ${size}`,
          );
        }
      }
    }
    if (ev.eof && !(await c.raw.eof())) {
      mismatches.push(
        `${where(ev.conn)}: expected EOF after ${JSON.stringify(text)}`,
      );
    }
    if (!ev.eof && c.raw.closed) {
      mismatches.push(
        `${where(ev.conn)}: closed unexpectedly after ${JSON.stringify(text)}`,
      );
    }
  }
  for (const { raw } of conns.values()) raw.close();
  return mismatches;
}

// Files 22-27, in the order they were recorded on one fresh instance: each carries state to
// the next, so they share one server and run in this order.
const SEQUENCE = ["22", "24", "25", "26", "27", "23"];
const names = transcriptNames();
const inSequence = (name: string) => SEQUENCE.includes(name.slice(0, 2));
const sequence = SEQUENCE.map((n) => names.find((name) => name.startsWith(n)))
  .filter((name): name is string => name !== undefined);
const shared = new Instances();

const needs = (name: string) =>
  /^(02|16|19|21)-/.test(name)
    ? "needs a crashing, password-protected or Web-UI-controlled server"
    : /^25-/.test(name)
    ? "depends on the recording's clock (a job scheduled seconds ahead)"
    : undefined;
const skip = (name: string) => (live && needs(name)) || false;

let queuesBefore: Record<string, number> | undefined;
if (live) {
  test("FaktoryServer fidelity replay: note the live server's queues", async () => {
    queuesBefore = await liveQueues();
  });
}

for (const name of names.filter((n) => !inSequence(n))) {
  test(
    `FaktoryServer replies like Faktory 1.8 in ${name}`,
    { skip: skip(name) },
    async () => {
      const own = new Instances();
      try {
        assert.deepEqual(await replay(name, own), []);
      } finally {
        await own.stop();
      }
    },
  );
}

for (const name of sequence) {
  test(
    `FaktoryServer replies like Faktory 1.8 in ${name} (after the files before it)`,
    { skip: skip(name) },
    async () => {
      assert.deepEqual(await replay(name, shared), []);
    },
  );
}

test("FaktoryServer fidelity replay: files 22-27 ran on one server", async () => {
  assert.equal(sequence.length, SEQUENCE.length);
  assert.deepEqual(await shared.stop(), [7423]);
  if (live) await removeReplayedJobs(queuesBefore ?? {});
});

/**
 * Leaves a live server as the replay found it: every job the recordings pushed is
 * acknowledged (ending its reservation), discarded from the retry, scheduled and dead sets,
 * and taken out of its queue; the recordings' own queues are removed.
 */
async function removeReplayedJobs(
  before: Record<string, number>,
): Promise<void> {
  const commands = transcriptNames().flatMap((name) =>
    transcriptText(name).split("\n").filter((l) => l.startsWith("C: "))
  ).join("\n");
  const jids = new Set(
    [...commands.matchAll(/"jid":"([^"]+)"/g)].map((m) => m[1]!),
  );
  const queues = new Set(
    [...commands.matchAll(/"queue":"(lab-[^"]+)"/g)].map((m) => m[1]!),
  );
  const client = await Client.connect({
    url: process.env.FAKTORY_URL!,
    wid: `fidelity-cleanup-${Date.now()}`,
  });
  try {
    for (const jid of jids) await client.ack(jid);
    for (const target of ["retries", "scheduled", "dead"] as const) {
      await client.discard(target, { jids: [...jids] });
    }
    await client.removeQueues([...queues]);
    // Jobs the recordings pushed to "default": take ours out, put anyone else's back.
    const others = [];
    let left = (await client.info()).faktory.queues["default"] ?? 0;
    while (left-- > 0) {
      const job = await client.fetch(["default"]);
      if (!job) break;
      if (jids.has(job.jid)) await client.ack(job.jid);
      else others.push(job);
    }
    for (const job of others) {
      await client.ack(job.jid);
      await client.push(job);
    }
    // The replay made "default" exist; if it did not before and is still empty, remove it.
    const after = (await client.info()).faktory.queues;
    if (!("default" in before) && after["default"] === 0) {
      await client.removeQueues(["default"]);
    }
  } finally {
    await client.close();
  }
}

/** The live server's queues and their sizes. */
async function liveQueues(): Promise<Record<string, number>> {
  const client = await Client.connect({ url: process.env.FAKTORY_URL! });
  try {
    return { ...(await client.info()).faktory.queues };
  } finally {
    await client.close();
  }
}

export type { Event };
