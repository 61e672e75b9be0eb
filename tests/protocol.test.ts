import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AuthenticationError,
  buildHello,
  ClientProtocol,
  ConnectionClosedError,
  LocalProtocolError,
  parseHi,
  RemoteProtocolError,
} from "../mod.ts";
import { hashPassword } from "../worker/_password.ts";
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
    type: "reply",
    verb: "HELLO",
    reply: { type: "simple", value: "OK" },
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

test("ClientProtocol pipelines commands and matches replies in order", () => {
  const conn = ready();
  conn.send({ type: "INFO" });
  conn.send({ type: "ACK", jid: "jid-ack-6b0a2a26" });
  conn.send({ type: "FETCH", queues: ["q"] });
  assert.equal(conn.pending, 3);
  conn.receive(enc.encode("$2\r\n{}\r\n+OK\r\n$-"));
  assert.deepEqual(conn.nextEvent(), {
    type: "reply",
    verb: "INFO",
    reply: { type: "bulk", value: "{}" },
  });
  assert.deepEqual(conn.nextEvent(), {
    type: "reply",
    verb: "ACK",
    reply: { type: "simple", value: "OK" },
  });
  assert.equal(conn.nextEvent(), undefined);
  conn.receive(enc.encode("1\r\n"));
  assert.deepEqual(conn.nextEvent(), {
    type: "reply",
    verb: "FETCH",
    reply: { type: "bulk", value: null },
  });
  assert.equal(conn.pending, 0);
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
  assert.deepEqual(event, {
    type: "reply",
    verb: "HELLO",
    reply: { type: "error", code: "ERR", message: "Invalid password" },
  });
  assert.equal(conn.state, "error");
  assert.ok(conn.error instanceof AuthenticationError);
  assert.throws(() => conn.send({ type: "INFO" }), AuthenticationError);
});

test("ClientProtocol reports how many commands a closed transport lost", () => {
  const conn = ready();
  conn.send({ type: "FETCH", queues: ["q"] });
  conn.send({ type: "ACK", jid: "0123456789ab" });
  assert.equal(conn.transportClosed(), 2);
  assert.equal(conn.state, "closed");
  assert.ok(conn.error instanceof ConnectionClosedError);
  assert.match(conn.error!.message, /2 command\(s\) awaiting a reply/);
  assert.throws(() => conn.send({ type: "INFO" }), ConnectionClosedError);
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

test("hashPassword matches the hash a real server accepted (transcript 02)", async () => {
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
  assert.equal(
    await hashPassword("labpass123", "7f98f68a58bcecf5", 7042),
    expected,
  );
  // The v:1 variant of the same transcript: one iteration.
  assert.equal(
    await hashPassword("labpass123", "145476d517222016", 1),
    "68ff40a5c3c7aa6beaae6676ffcfe20551002dfc0e902106be0c9d31059f1aec",
  );
});
