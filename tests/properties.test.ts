// Property-based tests of the wire format: the RESP reply parser against any byte split
// and any garbage, and the command encoder and result decoder against arbitrary values.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  FaktoryError,
  LocalProtocolError,
  RemoteProtocolError,
} from "../mod.ts";
import {
  type Command,
  decodeResult,
  encodeCommand,
  encodeReply,
  type ParsedReply,
  type Reply,
  ReplyParser,
  type Verb,
} from "../protocol.ts";

const RUNS = { numRuns: 300 };
const line = fc.string({ unit: "grapheme", maxLength: 20 }).filter((s) =>
  !/[\r\n]/.test(s)
);
const word = line.filter((s) => !s.includes(" "));

const reply: fc.Arbitrary<Reply> = fc.letrec<{ reply: Reply }>((tie) => ({
  reply: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    line.map((value): Reply => ({ type: "simple", value })),
    fc.record({ code: word, message: line }).map((e): Reply => ({
      type: "error",
      ...e,
    })),
    fc.option(fc.string({ unit: "grapheme", maxLength: 40 }), { nil: null })
      .map((value): Reply => ({ type: "bulk", value })),
    fc.integer({ min: -(2 ** 50), max: 2 ** 50 }).map((value): Reply => ({
      type: "integer",
      value,
    })),
    fc.option(fc.array(tie("reply"), { maxLength: 4 }), { nil: null }).map((
      value,
    ): Reply => ({ type: "array", value })),
  ),
})).reply;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) out.set(p, off), (off += p.length);
  return out;
}

/** Feeds `bytes` cut at `cuts`, collecting replies; throws what the parser throws. */
function parseSplit(bytes: Uint8Array, cuts: number[]): ParsedReply[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((
    a,
    b,
  ) => a - b);
  const parser = new ReplyParser({ maxDepth: 16 });
  const out: ParsedReply[] = [];
  let from = 0;
  for (const to of [...points, bytes.length]) {
    parser.feed(bytes.subarray(from, to));
    from = to;
    for (let r = parser.next(); r !== undefined; r = parser.next()) out.push(r);
  }
  return out;
}

test("ReplyParser: any byte split of any valid reply stream gives the same replies", () => {
  fc.assert(
    fc.property(
      fc.array(reply, { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (replies, cuts) => {
        const bytes = concat(replies.map(encodeReply));
        assert.deepEqual(parseSplit(bytes, cuts), replies);
      },
    ),
    RUNS,
  );
});

test("ReplyParser: arbitrary bytes give replies or a RemoteProtocolError, never another error", () => {
  const fragment = fc.oneof(
    fc.uint8Array({ maxLength: 24 }),
    fc.constantFrom(
      "\r\n",
      "\r",
      "\n",
      "+OK",
      "-ERR x",
      "$3",
      "$-1",
      "*2",
      "*-1",
      ":12",
      "$99999999999",
      "*9999999999999999",
      "abc",
    ).map((s) => new TextEncoder().encode(s)),
  );
  fc.assert(
    fc.property(
      fc.array(fragment, { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (fragments, cuts) => {
        try {
          parseSplit(concat(fragments), cuts);
        } catch (err) {
          assert.ok(err instanceof RemoteProtocolError, String(err));
        }
      },
    ),
    RUNS,
  );
});

const jid = fc.stringMatching(/^[!-~]{8,30}$/);
const queue = fc.stringMatching(/^[a-zA-Z0-9._-]{1,12}$/);
const json: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 });

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.constantFrom<Command>({ type: "INFO" }, { type: "FLUSH" }, {
    type: "END",
  }),
  fc.record({ jid }).map((r): Command => ({ type: "ACK", jid: r.jid })),
  fc.array(queue, { minLength: 1, maxLength: 4 }).map((queues): Command => ({
    type: "FETCH",
    queues,
  })),
  fc.record({
    jid,
    jobtype: fc.string({ minLength: 1, maxLength: 20 }),
    args: fc.array(json, { maxLength: 3 }),
    retry: fc.option(fc.integer({ min: -1, max: 1e9 }), { nil: undefined }),
  }).map((job): Command => ({
    type: "PUSH",
    job: JSON.parse(JSON.stringify(job)),
  })),
  fc.record({
    jid,
    errtype: fc.string({ maxLength: 20 }),
    message: fc.string({ maxLength: 40 }),
    backtrace: fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
  }).map((payload): Command => ({ type: "FAIL", payload: { ...payload } })),
);

test("encodeCommand: every valid command is one CRLF-terminated line whose JSON payload decodes to the input", () => {
  fc.assert(
    fc.property(command, (cmd) => {
      const encoded = encodeCommand(cmd);
      assert.ok(encoded.endsWith("\r\n"));
      const body = encoded.slice(0, -2);
      assert.ok(!/[\r\n]/.test(body), JSON.stringify(encoded));
      assert.ok(body.startsWith(cmd.type));
      const payload = body.slice(cmd.type.length + 1);
      switch (cmd.type) {
        case "ACK":
          assert.deepEqual(JSON.parse(payload), { jid: cmd.jid });
          break;
        case "PUSH":
          assert.deepEqual(JSON.parse(payload), cmd.job);
          break;
        case "FAIL":
          assert.deepEqual(JSON.parse(payload), cmd.payload);
          break;
        case "FETCH":
          assert.deepEqual(payload.split(" "), cmd.queues);
          break;
        default:
          assert.equal(payload, "");
      }
    }),
    RUNS,
  );
});

test("encodeCommand: arbitrary values throw a LocalProtocolError, or encode to one line", () => {
  const verbs = [
    "HELLO",
    "PUSH",
    "PUSHB",
    "FETCH",
    "ACK",
    "FAIL",
    "BEAT",
    "QUEUE PAUSE",
    "MUTATE",
    "BATCH NEW",
    "BATCH STATUS",
    "TRACK SET",
    "TRACK GET",
    "NOPE",
  ];
  const anything = fc.anything({ maxDepth: 2 });
  fc.assert(
    fc.property(
      fc.constantFrom(...verbs),
      fc.dictionary(
        fc.constantFrom(
          "job",
          "jobs",
          "queues",
          "jid",
          "payload",
          "mutation",
          "batch",
          "bid",
        ),
        anything,
      ),
      (type, fields) => {
        let encoded: string;
        try {
          encoded = encodeCommand({ ...fields, type } as unknown as Command);
        } catch (err) {
          assert.ok(err instanceof LocalProtocolError, String(err));
          return;
        }
        assert.ok(encoded.endsWith("\r\n"));
        assert.ok(!/[\r\n]/.test(encoded.slice(0, -2)), encoded);
      },
    ),
    RUNS,
  );
});

test("decodeResult: any reply to any verb gives a result or a FaktoryError, never another error", () => {
  const verbs: Verb[] = [
    "FETCH",
    "BEAT",
    "PUSH",
    "PUSHB",
    "INFO",
    "ACK",
    "FAIL",
    "BATCH NEW",
    "BATCH STATUS",
    "TRACK GET",
    "END",
  ];
  const bulkJson = fc.jsonValue({ maxDepth: 2 }).map((v): Reply => ({
    type: "bulk",
    value: JSON.stringify(v),
  }));
  fc.assert(
    fc.property(
      fc.constantFrom(...verbs),
      fc.oneof(reply, bulkJson),
      (verb, r) => {
        try {
          decodeResult(verb, r);
        } catch (err) {
          assert.ok(err instanceof FaktoryError, String(err));
        }
      },
    ),
    RUNS,
  );
});
