import { test } from "node:test";
import assert from "node:assert/strict";
import { RemoteProtocolError } from "../mod.ts";
import {
  encodeReply,
  OVERSIZED_HEAD_BYTES,
  type ParsedReply,
  type Reply,
  ReplyParser,
} from "../protocol.ts";
import {
  loadTranscript,
  serverBytes,
  transcriptNames,
} from "./_transcripts.ts";

const enc = new TextEncoder();

function parseAll(parser: ReplyParser, chunks: Uint8Array[]): ParsedReply[] {
  const out: ParsedReply[] = [];
  for (const chunk of chunks) {
    parser.feed(chunk);
    for (let r = parser.next(); r !== undefined; r = parser.next()) out.push(r);
  }
  return out;
}

test("ReplyParser reads every transcript reply identically at every split index", () => {
  let checked = 0;
  for (const name of transcriptNames()) {
    for (const conv of loadTranscript(name)) {
      const bytes = enc.encode(serverBytes(conv));
      if (bytes.length === 0) continue;
      const whole = parseAll(new ReplyParser(), [bytes]);
      assert.ok(whole.length > 0, `${name}: no replies`);
      for (let i = 0; i <= bytes.length; i++) {
        const split = parseAll(new ReplyParser(), [
          bytes.subarray(0, i),
          bytes.subarray(i),
        ]);
        assert.deepEqual(split, whole, `${name} split at ${i}`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 40, `only ${checked} conversations checked`);
});

test("ReplyParser reads the transcripts fed one byte at a time", () => {
  for (const name of transcriptNames()) {
    for (const conv of loadTranscript(name)) {
      const bytes = enc.encode(serverBytes(conv));
      const whole = parseAll(new ReplyParser(), [bytes]);
      const single = parseAll(
        new ReplyParser(),
        [...bytes].map((b) => Uint8Array.of(b)),
      );
      assert.deepEqual(single, whole, name);
    }
  }
});

test("ReplyParser decodes each reply type", () => {
  const replies = parseAll(new ReplyParser(), [
    enc.encode(
      "+OK\r\n-ERR Job not found x\r\n-NOTUNIQUE Job not unique\r\n$-1\r\n$2\r\n{}\r\n:42\r\n:-7\r\n*2\r\n+a\r\n$1\r\nb\r\n*-1\r\n$0\r\n\r\n",
    ),
  ]);
  assert.deepEqual(replies, [
    { type: "simple", value: "OK" },
    { type: "error", code: "ERR", message: "Job not found x" },
    { type: "error", code: "NOTUNIQUE", message: "Job not unique" },
    { type: "bulk", value: null },
    { type: "bulk", value: "{}" },
    { type: "integer", value: 42 },
    { type: "integer", value: -7 },
    {
      type: "array",
      value: [{ type: "simple", value: "a" }, { type: "bulk", value: "b" }],
    },
    { type: "array", value: null },
    { type: "bulk", value: "" },
  ]);
});

test("ReplyParser counts bulk lengths in bytes, not characters", () => {
  const text = '{"name":"Zoë 🚀"}';
  const wire = encodeReply({ type: "bulk", value: text });
  assert.equal(
    new TextDecoder().decode(wire),
    `$${enc.encode(text).length}\r\n${text}\r\n`,
  );
  // Split inside the multi-byte emoji.
  const at = wire.length - 5;
  assert.deepEqual(
    parseAll(new ReplyParser(), [wire.subarray(0, at), wire.subarray(at)]),
    [
      { type: "bulk", value: text },
    ],
  );
});

test("encodeReply output parses back to the same replies", () => {
  const replies: Reply[] = [
    { type: "simple", value: 'HI {"v":2}' },
    { type: "error", code: "ERR", message: "unknown worker " },
    { type: "bulk", value: null },
    { type: "bulk", value: "x\r\ny" },
    { type: "integer", value: 3 },
    { type: "array", value: [{ type: "bulk", value: "q" }] },
  ];
  const bytes = replies.map(encodeReply);
  assert.deepEqual(parseAll(new ReplyParser(), bytes), replies);
});

const malformed: [string, string, RegExp][] = [
  ["a bad type byte", "?what\r\n", /Invalid reply type byte 0x3f/],
  ["a non-numeric bulk length", "$abc\r\nxyz\r\n", /Invalid bulk length "abc"/],
  [
    "a negative bulk length other than -1",
    "$-5\r\n",
    /Invalid bulk length "-5"/,
  ],
  ["a bulk length with a sign", "$+5\r\nhello\r\n", /Invalid bulk length/],
  ["a bulk not followed by CRLF", "$2\r\nabcd\r\n", /not followed by CRLF/],
  ["a CR without LF", "+OK\rX", /CR without LF/],
  ["a bare LF line ending", "+OK\n", /LF without CR/],
  ["a bad integer", ":12a\r\n", /Invalid integer reply/],
  ["a bad array length", "*x\r\n", /Invalid array length/],
];

for (const [what, input, message] of malformed) {
  test(`ReplyParser raises RemoteProtocolError on ${what}`, () => {
    const parser = new ReplyParser();
    parser.feed(enc.encode(input));
    assert.throws(() => parser.next(), (err: unknown) => {
      assert.ok(err instanceof RemoteProtocolError);
      assert.match(err.message, message);
      return true;
    });
    // The parser stays failed: it never hands out a reply after garbage.
    parser.feed(enc.encode("+OK\r\n"));
    assert.throws(() => parser.next(), RemoteProtocolError);
  });
}

test("ReplyParser skips a bulk longer than maxBulkBytes at every split, keeping its size and first bytes", () => {
  const body = `{"jid":"big-job-1","args":["${
    "x".repeat(OVERSIZED_HEAD_BYTES)
  }"]}`;
  const wire = enc.encode(`$${enc.encode(body).length}\r\n${body}\r\n+OK\r\n`);
  const expected = [
    {
      type: "oversized",
      size: enc.encode(body).length,
      limit: 10,
      head: body.slice(0, OVERSIZED_HEAD_BYTES),
    },
    { type: "simple", value: "OK" },
  ];
  for (let at = 0; at <= wire.length; at++) {
    const parser = new ReplyParser({ maxBulkBytes: 10 });
    const replies: unknown[] = [];
    for (const chunk of [wire.subarray(0, at), wire.subarray(at)]) {
      parser.feed(chunk);
      for (let r = parser.next(); r !== undefined; r = parser.next()) {
        replies.push(r);
      }
    }
    assert.deepEqual(replies, expected, `split at ${at}`);
  }
});

test("ReplyParser holds no more than a chunk of a skipped bulk, whatever its size", () => {
  const parser = new ReplyParser({ maxBulkBytes: 1024 });
  const size = 64 * 1024 * 1024;
  parser.feed(enc.encode(`$${size}\r\n`));
  assert.equal(parser.next(), undefined);
  const chunk = new Uint8Array(1024 * 1024).fill(0x61);
  let peak = 0;
  for (let sent = 0; sent < size; sent += chunk.length) {
    parser.feed(chunk); // fed without next(): a caller may batch chunks
    peak = Math.max(peak, parser.buffered);
  }
  assert.ok(peak <= 1024, `${peak} bytes buffered`);
  parser.feed(enc.encode("\r\n$-1\r\n"));
  const skipped = parser.next();
  assert.equal(skipped?.type, "oversized");
  assert.equal(skipped.type === "oversized" && skipped.size, size);
  assert.deepEqual(parser.next(), { type: "bulk", value: null });
});

test("ReplyParser refuses a skipped bulk not followed by CRLF, and one inside an array", () => {
  const parser = new ReplyParser({ maxBulkBytes: 2 });
  parser.feed(enc.encode("$3\r\nabcXY"));
  assert.throws(() => parser.next(), /not followed by CRLF/);
  const inArray = new ReplyParser({ maxBulkBytes: 2 });
  inArray.feed(enc.encode("*1\r\n$3\r\nabc\r\n"));
  assert.throws(() => inArray.next(), /3 bytes exceeds the limit of 2/);
});

test("ReplyParser refuses a header line longer than maxLineBytes without waiting for CRLF", () => {
  const parser = new ReplyParser({ maxLineBytes: 16 });
  parser.feed(enc.encode("+" + "x".repeat(40)));
  assert.throws(() => parser.next(), /longer than 16 bytes/);
});

test("ReplyParser refuses arrays nested deeper than maxDepth", () => {
  const parser = new ReplyParser({ maxDepth: 2 });
  parser.feed(enc.encode("*1\r\n*1\r\n*1\r\n+x\r\n"));
  assert.throws(() => parser.next(), /nested deeper than 2/);
});

test("ReplyParser waits for the rest of a partial reply", () => {
  const parser = new ReplyParser();
  parser.feed(enc.encode("$5\r\nhel"));
  assert.equal(parser.next(), undefined);
  assert.equal(parser.buffered, 7);
  parser.feed(enc.encode("lo\r"));
  assert.equal(parser.next(), undefined);
  parser.feed(enc.encode("\n"));
  assert.deepEqual(parser.next(), { type: "bulk", value: "hello" });
  assert.equal(parser.buffered, 0);
});

test("ReplyParser drains its buffer completely over many chunked replies", () => {
  const parser = new ReplyParser();
  const chunk = enc.encode("+OK\r\n".repeat(1000));
  for (let i = 0; i < 200; i++) {
    parser.feed(chunk);
    while (parser.next() !== undefined);
  }
  assert.equal(parser.buffered, 0);
});

test("ReplyParser parses a long line arriving in small chunks in linear time", () => {
  const line = enc.encode("+" + "x".repeat(1_000_000) + "\r\n");
  const parser = new ReplyParser();
  const started = Date.now();
  let reply: ParsedReply | undefined;
  for (let i = 0; i < line.length; i += 100) {
    parser.feed(line.subarray(i, i + 100));
    reply ??= parser.next();
  }
  const ms = Date.now() - started;
  assert.equal(reply?.type, "simple");
  assert.equal((reply as { value: string }).value.length, 1_000_000);
  assert.ok(ms < 1000, `took ${ms} ms`);
});

test("ReplyParser parses a large array arriving in small chunks in linear time", () => {
  const items = 50_000;
  const bytes = enc.encode(
    `*${items}\r\n` + "$3\r\nabc\r\n:42\r\n".repeat(items / 2),
  );
  const parser = new ReplyParser();
  const started = Date.now();
  let reply: ParsedReply | undefined;
  for (let i = 0; i < bytes.length; i += 200) {
    parser.feed(bytes.subarray(i, i + 200));
    reply ??= parser.next();
  }
  const ms = Date.now() - started;
  assert.equal(reply?.type, "array");
  assert.equal((reply as { value: readonly Reply[] }).value.length, items);
  assert.deepEqual((reply as { value: readonly Reply[] }).value[1], {
    type: "integer",
    value: 42,
  });
  assert.equal(parser.buffered, 0);
  assert.ok(ms < 1000, `took ${ms} ms`);
});

test("ReplyParser counts the bytes of a partial array as buffered", () => {
  const parser = new ReplyParser();
  parser.feed(enc.encode("*2\r\n+a\r\n+b"));
  assert.equal(parser.next(), undefined);
  assert.equal(parser.buffered, 10);
  parser.feed(enc.encode("\r\n"));
  assert.deepEqual(parser.next(), {
    type: "array",
    value: [{ type: "simple", value: "a" }, { type: "simple", value: "b" }],
  });
  assert.equal(parser.buffered, 0);
});
