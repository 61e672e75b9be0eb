import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AuthenticationError,
  ConnectionClosedError,
  JobTooLargeError,
  LocalProtocolError,
  RemoteProtocolError,
  ServerError,
} from "../mod.ts";
import {
  buildHello,
  ClientProtocol,
  decodeResult,
  HelloBuilder,
  parseHi,
} from "../protocol.ts";
import { passwordHash } from "../core/_password_hash.ts";
import { loadTranscript } from "./_transcripts.ts";

const enc = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const hello = buildHello({ hostname: "lab-host", pid: 4242, labels: ["lab"] });

function ready(): ClientProtocol {
  const conn = new ClientProtocol();
  conn.receive(enc.encode('+HI {"v":2}\r\n'));
  conn.nextEvent();
  conn.send({ type: "HELLO", payload: hello });
  conn.receive(enc.encode("+OK\r\n"));
  conn.nextEvent();
  return conn;
}

test("ClientProtocol walks greeting -> handshake -> hello-sent -> ready -> closed", () => {
  const conn = new ClientProtocol();
  assert.equal(conn.state, "greeting");
  conn.receive(enc.encode('+HI {"v":2,"i":7042,"s":"7f98f68a58bcecf5"}\r'));
  assert.equal(conn.nextEvent(), undefined);
  conn.receive(enc.encode("\n"));
  assert.deepEqual(conn.nextEvent(), {
    type: "hi",
    hi: { v: 2, i: 7042, s: "7f98f68a58bcecf5" },
  });
  assert.equal(conn.state, "handshake");
  assert.equal(
    text(conn.send({ type: "HELLO", payload: hello })),
    'HELLO {"hostname":"lab-host","pid":4242,"labels":["lab"],"v":2}\r\n',
  );
  assert.equal(conn.state, "hello-sent");
  conn.receive(enc.encode("+OK\r\n"));
  assert.deepEqual(conn.nextEvent(), {
    type: "result",
    verb: "HELLO",
    result: undefined,
    token: undefined,
  });
  assert.equal(conn.state, "ready");
  assert.equal(text(conn.send({ type: "END" })), "END\r\n");
  assert.equal(conn.state, "closed");
  assert.equal(conn.pending, 0);
  assert.throws(() => conn.send({ type: "INFO" }), ConnectionClosedError);
});

test("ClientProtocol refuses commands out of handshake order", () => {
  const conn = new ClientProtocol();
  assert.throws(
    () => conn.send({ type: "HELLO", payload: hello }),
    /Wait for the server's HI greeting/,
  );
  conn.receive(enc.encode('+HI {"v":2}\r\n'));
  conn.nextEvent();
  // A real server drops a connection whose first command is not HELLO (transcript 19).
  assert.throws(
    () => conn.send({ type: "INFO" }),
    (e) =>
      e instanceof LocalProtocolError &&
      /Send HELLO before INFO/.test(e.message),
  );
  conn.send({ type: "HELLO", payload: hello });
  assert.throws(
    () => conn.send({ type: "INFO" }),
    /Wait for the reply to HELLO/,
  );
  conn.receive(enc.encode("+OK\r\n"));
  conn.nextEvent();
  // A second HELLO gets "-ERR unknown command HELLO" from the server (transcript 18).
  assert.throws(
    () => conn.send({ type: "HELLO", payload: hello }),
    /already sent/,
  );
  // A refused command leaves the connection usable and records nothing.
  assert.equal(conn.state, "ready");
  assert.equal(conn.pending, 0);
});

test("ClientProtocol pipelines commands and matches decoded replies to their tokens in order", () => {
  const conn = new ClientProtocol<string>();
  conn.receive(enc.encode('+HI {"v":2}\r\n'));
  conn.nextEvent();
  conn.send({ type: "HELLO", payload: hello }, "hello");
  conn.receive(enc.encode("+OK\r\n"));
  conn.nextEvent();
  conn.send({ type: "INFO" }, "info");
  conn.send({ type: "ACK", jid: "jid-ack-6b0a2a26" }, "ack");
  conn.send({ type: "FETCH", queues: ["q"] }, "fetch");
  assert.equal(conn.pending, 3);
  assert.equal(conn.awaiting, "INFO");
  conn.receive(enc.encode('$14\r\n{"faktory":{}}\r\n+OK\r\n$-'));
  assert.deepEqual(conn.nextEvent(), {
    type: "result",
    verb: "INFO",
    result: { faktory: {} },
    token: "info",
  });
  assert.deepEqual(conn.nextEvent(), {
    type: "result",
    verb: "ACK",
    result: undefined,
    token: "ack",
  });
  assert.equal(conn.nextEvent(), undefined);
  conn.receive(enc.encode("1\r\n"));
  assert.deepEqual(conn.nextEvent(), {
    type: "result",
    verb: "FETCH",
    result: null,
    token: "fetch",
  });
  assert.equal(conn.pending, 0);
  assert.equal(conn.awaiting, undefined);
});

test("ClientProtocol turns an error reply into a typed error event and stays ready", () => {
  const conn = ready();
  conn.send({
    type: "FAIL",
    payload: { jid: "0123456789ab", errtype: "E", message: "m" },
  });
  conn.send({ type: "ACK", jid: "0123456789ab" });
  conn.receive(enc.encode("-ERR Job not found 0123456789ab\r\n+OK\r\n"));
  const event = conn.nextEvent();
  assert.equal(event?.type, "error");
  assert.ok(event?.type === "error" && event.error instanceof ServerError);
  assert.equal(conn.state, "ready");
  assert.equal(conn.nextEvent()?.type, "result");
});

test("ClientProtocol enters the error state on a reply of the wrong shape, after reporting it", () => {
  const conn = ready();
  conn.send({ type: "INFO" }, undefined);
  conn.send({ type: "ACK", jid: "0123456789ab" });
  conn.receive(enc.encode("+OK\r\n+OK\r\n"));
  const event = conn.nextEvent();
  assert.ok(
    event?.type === "error" && event.error instanceof RemoteProtocolError,
  );
  assert.equal(conn.state, "error");
  assert.equal(conn.reason, event.error);
  assert.equal(conn.nextEvent(), undefined);
  assert.throws(() => conn.send({ type: "INFO" }), RemoteProtocolError);
});

test("ClientProtocol enters the error state on a malformed reply and stays there", () => {
  const conn = ready();
  conn.send({ type: "INFO" });
  conn.receive(enc.encode("!garbage\r\n"));
  assert.throws(() => conn.nextEvent(), RemoteProtocolError);
  assert.equal(conn.state, "error");
  assert.ok(conn.error instanceof RemoteProtocolError);
  assert.throws(() => conn.send({ type: "INFO" }), RemoteProtocolError);
  conn.receive(enc.encode("+OK\r\n"));
  assert.equal(conn.nextEvent(), undefined);
});

test("ClientProtocol treats a reply with nothing outstanding as a protocol error", () => {
  const conn = ready();
  conn.receive(enc.encode("+OK\r\n"));
  assert.throws(() => conn.nextEvent(), /no command outstanding/);
  assert.equal(conn.state, "error");
});

test("ClientProtocol treats a malformed greeting as a protocol error", () => {
  for (
    const greeting of [
      "+HELLO\r\n",
      "+HI {nope\r\n",
      "+HI []\r\n",
      '+HI {"v":2,"i":"x","s":1}\r\n',
      "-ERR go away\r\n",
    ]
  ) {
    const conn = new ClientProtocol();
    conn.receive(enc.encode(greeting));
    assert.throws(() => conn.nextEvent(), RemoteProtocolError, greeting);
    assert.equal(conn.state, "error");
  }
});

test("ClientProtocol fails the connection when HELLO is refused", () => {
  const conn = new ClientProtocol();
  conn.receive(enc.encode('+HI {"v":2,"i":5807,"s":"675137bd9078d41f"}\r\n'));
  conn.nextEvent();
  conn.send({ type: "HELLO", payload: { ...hello, pwdhash: "00" } });
  conn.receive(enc.encode("-ERR Invalid password\r\n"));
  const event = conn.nextEvent();
  assert.ok(event?.type === "error" && event.verb === "HELLO");
  assert.ok(event.error instanceof AuthenticationError);
  assert.match(event.error.message, /Invalid password/);
  assert.equal(conn.state, "error");
  assert.ok(conn.error instanceof AuthenticationError);
  assert.throws(() => conn.send({ type: "INFO" }), AuthenticationError);
});

test("ClientProtocol hands back the tokens of the commands a closed transport lost", () => {
  const conn = new ClientProtocol<number>();
  conn.receive(enc.encode('+HI {"v":2}\r\n'));
  conn.nextEvent();
  conn.send({ type: "HELLO", payload: hello }, 0);
  conn.receive(enc.encode("+OK\r\n"));
  conn.nextEvent();
  conn.send({ type: "FETCH", queues: ["q"] }, 1);
  conn.send({ type: "ACK", jid: "0123456789ab" }, 2);
  const cause = new Error("reset");
  assert.deepEqual(conn.transportClosed(cause), [1, 2]);
  assert.equal(conn.reason, cause);
  assert.deepEqual(conn.transportClosed(), []);
  assert.equal(conn.state, "closed");
  assert.ok(conn.error instanceof ConnectionClosedError);
  assert.match(conn.error!.message, /2 command\(s\) awaiting a reply/);
  assert.throws(
    () => conn.send({ type: "INFO" }),
    (e) => e instanceof ConnectionClosedError && e.cause === cause,
  );
});

test("parseHi reads the greeting with and without a password challenge", () => {
  assert.deepEqual(parseHi({ type: "simple", value: 'HI {"v":2}' }), { v: 2 });
  assert.deepEqual(
    parseHi({
      type: "simple",
      value: 'HI {"v":2,"i":7042,"s":"7f98f68a58bcecf5"}',
    }),
    { v: 2, i: 7042, s: "7f98f68a58bcecf5" },
  );
});

test("buildHello orders fields as the recorded worker HELLO", () => {
  assert.equal(
    JSON.stringify(
      buildHello({
        hostname: "lab-host",
        pid: 4242,
        labels: ["lab"],
        wid: "pw-6b0a2a26",
      }, "8c21"),
    ),
    '{"hostname":"lab-host","pid":4242,"labels":["lab"],"v":2,"wid":"pw-6b0a2a26","pwdhash":"8c21"}',
  );
});

test("ClientProtocol.hello() answers a password challenge with the hash a real server accepted (transcript 02)", () => {
  const [accepted] = loadTranscript("02-greeting-password.txt");
  const helloLine = accepted!.steps.find((s) =>
    s.dir === "C" && s.text.startsWith("HELLO")
  );
  const expected =
    JSON.parse((helloLine as { text: string }).text.slice(6)).pwdhash;
  assert.equal(
    expected,
    "8c214213d7997b11b7e2567e037d4b68f9cb043b582d0547ea47ddf1352385a2",
  );
  const conn = new ClientProtocol();
  const identity = { hostname: "lab-host", pid: 4242, labels: [] };
  assert.throws(() => conn.hello(identity, "x"), /Wait for the server's HI/);
  conn.receive(enc.encode('+HI {"v":2,"i":7042,"s":"7f98f68a58bcecf5"}\r\n'));
  conn.nextEvent();
  assert.throws(() => conn.hello(identity), LocalProtocolError);
  const builder = conn.hello(identity, "labpass123");
  assert.throws(() => builder.payload(), RangeError);
  let steps = 0;
  while (builder.step(1000) > 0) steps++;
  assert.equal(steps, 7);
  assert.equal(builder.payload().pwdhash, expected);
  conn.send({ type: "HELLO", payload: builder.payload() });
  assert.throws(() => conn.hello(identity, "labpass123"), /already sent/);
  assert.equal(passwordHash("labpass123", "7f98f68a58bcecf5", 7042), expected);
  // The v:1 variant of the same transcript: one iteration.
  assert.equal(
    passwordHash("labpass123", "145476d517222016", 1),
    "68ff40a5c3c7aa6beaae6676ffcfe20551002dfc0e902106be0c9d31059f1aec",
  );
  // No challenge, no hash.
  assert.equal(
    new HelloBuilder({ v: 2 }, identity, "unused").payload().pwdhash,
    undefined,
  );
});

test("ClientProtocol answers a FETCH whose job exceeds maxBulkBytes with JobTooLargeError naming its jid, and stays ready", () => {
  const conn = new ClientProtocol<string>({ maxBulkBytes: 64 });
  conn.receive(enc.encode('+HI {"v":2}\r\n'));
  conn.nextEvent();
  conn.send({ type: "HELLO", payload: hello }, "hello");
  conn.receive(enc.encode("+OK\r\n"));
  conn.nextEvent();
  conn.send({ type: "FETCH", queues: ["q"] }, "fetch");
  conn.send({ type: "FETCH", queues: ["q"] }, "again");
  const job = JSON.stringify({
    jid: "jid-big-6b0a2a26",
    queue: "q",
    jobtype: "Big",
    args: ["x".repeat(100)],
  });
  conn.receive(enc.encode(`$${job.length}\r\n${job}\r\n$-1\r\n`));
  const event = conn.nextEvent();
  assert.equal(event?.type, "error");
  const error = event?.type === "error" ? event.error : undefined;
  assert.ok(error instanceof JobTooLargeError);
  assert.equal(error.jid, "jid-big-6b0a2a26");
  assert.equal(error.size, job.length);
  assert.equal(error.limit, 64);
  assert.match(error.message, new RegExp(`${job.length} bytes.*64 bytes`));
  assert.equal(conn.state, "ready");
  assert.deepEqual(conn.nextEvent(), {
    type: "result",
    verb: "FETCH",
    result: null,
    token: "again",
  });
});

test("decodeResult finds the top-level jid in the head of an oversized FETCH reply, in any key order", () => {
  const cases: [string, string | undefined][] = [
    ['{"jid":"jid-first-1","queue":"q","args":["xx', "jid-first-1"],
    [
      '{"queue":"q","args":[{"jid":"nested-jid"},"\\"jid\\":\\"s\\""],"jid":"jid-later-1","custom":{',
      "jid-later-1",
    ],
    [' { "jid" : "jid-\\u0041-spaced" ,', "jid-A-spaced"],
    ['{"args":["xxxxxxxxxxxxxxxxxxxxxxxx', undefined],
    ['{"jid":"jid-cut-in-the-mi', undefined],
    ['{"jid":42,"args":[]}', undefined],
    ['{"custom":{"jid":"nested-jid"}}', undefined],
    ["[1,2,3]", undefined],
    ["not json", undefined],
  ];
  for (const [head, jid] of cases) {
    assert.throws(
      () =>
        decodeResult("FETCH", { type: "oversized", size: 99, limit: 10, head }),
      (err: unknown) =>
        err instanceof JobTooLargeError && err.jid === jid &&
        err.size === 99 && err.limit === 10,
      head,
    );
  }
  assert.throws(
    () =>
      decodeResult("INFO", {
        type: "oversized",
        size: 99,
        limit: 10,
        head: "",
      }),
    (err: unknown) =>
      err instanceof RemoteProtocolError &&
      /99 bytes exceeds the limit of 10/.test(err.message),
  );
});
