import { test } from "node:test";
import assert from "node:assert/strict";
import {
  EnterpriseOnlyError,
  InvalidJobError,
  LocalProtocolError,
  RemoteProtocolError,
  ServerError,
} from "../mod.ts";
import { type Command, decodeResult, encodeCommand } from "../protocol.ts";

test("encodeCommand writes the exact lines a real Faktory 1.8 accepted", () => {
  const cases: [Command, string][] = [
    [{ type: "FLUSH" }, "FLUSH\r\n"],
    [{ type: "INFO" }, "INFO\r\n"],
    [{ type: "END" }, "END\r\n"],
    [{
      type: "FETCH",
      queues: [
        "lab-fetch1-6b0a2a26",
        "lab-fetch2-6b0a2a26",
        "lab-fetch3-6b0a2a26",
      ],
    }, "FETCH lab-fetch1-6b0a2a26 lab-fetch2-6b0a2a26 lab-fetch3-6b0a2a26\r\n"],
    [
      { type: "ACK", jid: "jid-ack-6b0a2a26" },
      'ACK {"jid":"jid-ack-6b0a2a26"}\r\n',
    ],
    [
      {
        type: "FAIL",
        payload: {
          jid: "jid-fail-6b0a2a26",
          errtype: "RuntimeError",
          message: "boom: something broke",
          backtrace: ["bench.js:10:5", "worker.js:99:1"],
        },
      },
      'FAIL {"jid":"jid-fail-6b0a2a26","errtype":"RuntimeError","message":"boom: something broke","backtrace":["bench.js:10:5","worker.js:99:1"]}\r\n',
    ],
    [{
      type: "BEAT",
      payload: { wid: "wb-6b0a2a26", current_state: "", rss_kb: 54176 },
    }, 'BEAT {"wid":"wb-6b0a2a26","current_state":"","rss_kb":54176}\r\n'],
    [
      { type: "QUEUE PAUSE", queues: ["lab-qops-6b0a2f15"] },
      "QUEUE PAUSE lab-qops-6b0a2f15\r\n",
    ],
    [{ type: "QUEUE RESUME", queues: "*" }, "QUEUE RESUME *\r\n"],
    [
      { type: "QUEUE REMOVE", queues: ["lab-val-6b0a2f15", "default"] },
      "QUEUE REMOVE lab-val-6b0a2f15 default\r\n",
    ],
    [
      {
        type: "MUTATE",
        mutation: {
          cmd: "discard",
          target: "scheduled",
          filter: { jobtype: "MutJob2", jids: ["jid-m3-6b0a2f9c"] },
        },
      },
      'MUTATE {"cmd":"discard","target":"scheduled","filter":{"jobtype":"MutJob2","jids":["jid-m3-6b0a2f9c"]}}\r\n',
    ],
    [
      {
        type: "MUTATE",
        mutation: {
          cmd: "clear",
          target: "dead",
          filter: { regexp: "*jid-m1*" },
        },
      },
      'MUTATE {"cmd":"clear","target":"dead","filter":{"regexp":"*jid-m1*"}}\r\n',
    ],
    [
      { type: "TRACK GET", jid: "jid-x-6b0a2f15" },
      "TRACK GET jid-x-6b0a2f15\r\n",
    ],
    [
      { type: "TRACK SET", payload: { jid: "jid-x-6b0a2f15", percent: 50 } },
      'TRACK SET {"jid":"jid-x-6b0a2f15","percent":50}\r\n',
    ],
    [
      {
        type: "BATCH NEW",
        batch: {
          description: "x",
          success: {
            jid: "jid-bs-6b0a2f15",
            jobtype: "Done",
            args: [1, "two"],
            queue: "default",
          },
        },
      },
      'BATCH NEW {"description":"x","success":{"jid":"jid-bs-6b0a2f15","jobtype":"Done","args":[1,"two"],"queue":"default"}}\r\n',
    ],
    [{ type: "BATCH COMMIT", bid: "b-123" }, "BATCH COMMIT b-123\r\n"],
    [{
      type: "PUSH",
      job: { jid: "jid-minimal-6b0a2a26", jobtype: "LabJob", args: [] },
    }, 'PUSH {"jid":"jid-minimal-6b0a2a26","jobtype":"LabJob","args":[]}\r\n'],
    [{
      type: "HELLO",
      payload: { hostname: "lab-host", pid: 4242, labels: ["lab"], v: 2 },
    }, 'HELLO {"hostname":"lab-host","pid":4242,"labels":["lab"],"v":2}\r\n'],
  ];
  for (const [command, line] of cases) {
    assert.equal(encodeCommand(command), line, command.type);
  }
});

test("encodeCommand escapes CR and LF in payloads, so every command is one line", () => {
  const line = encodeCommand({
    type: "FAIL",
    payload: {
      jid: "0123456789ab",
      errtype: "E\r\nINFO",
      message: "a\nb\r",
      backtrace: ["x\r\n"],
    },
  });
  assert.equal(line.indexOf("\r"), line.length - 2);
  assert.equal(line.indexOf("\n"), line.length - 1);
  const push = encodeCommand({
    type: "PUSH",
    job: { jid: "0123456789ab", jobtype: "T", args: ["\r\nEND\r\n"] },
  });
  assert.equal(push.split("\r\n").length, 2);
});

test("encodeCommand refuses every payload-taking verb without its payload", () => {
  // Each of these, sent bare, crashes a Faktory 1.8 server (transcript 21).
  const bare = [
    { type: "PUSH" },
    { type: "PUSHB" },
    { type: "ACK" },
    { type: "FAIL" },
    { type: "BEAT" },
    { type: "FETCH", queues: [] },
    { type: "QUEUE PAUSE", queues: [] },
    { type: "QUEUE REMOVE" },
    { type: "MUTATE" },
    { type: "BATCH NEW" },
    { type: "BATCH STATUS" },
    { type: "TRACK GET" },
    { type: "TRACK SET" },
    { type: "HELLO" },
  ] as unknown as Command[];
  for (const command of bare) {
    assert.throws(
      () => encodeCommand(command),
      LocalProtocolError,
      command.type,
    );
  }
});

test("encodeCommand refuses names with whitespace or control characters", () => {
  assert.throws(
    () => encodeCommand({ type: "FETCH", queues: ["has space"] }),
    InvalidJobError,
  );
  assert.throws(
    () => encodeCommand({ type: "FETCH", queues: ["a\r\nFLUSH"] }),
    InvalidJobError,
  );
  assert.throws(
    () => encodeCommand({ type: "TRACK GET", jid: "a b" }),
    LocalProtocolError,
  );
  assert.throws(
    () => encodeCommand({ type: "BATCH OPEN", bid: "x\r\nFLUSH" }),
    LocalProtocolError,
  );
  assert.throws(
    () => encodeCommand({ type: "ACK", jid: "" }),
    LocalProtocolError,
  );
  assert.throws(
    () => encodeCommand({ type: "QUEUE PAUSE", queues: ["*", "x"] }),
    InvalidJobError,
  );
});

test("encodeCommand carries any jid in ACK, FAIL and TRACK SET JSON, spaces and control characters included", () => {
  assert.equal(
    encodeCommand({ type: "ACK", jid: "a b\t\u0001\r\nFLUSH" }),
    'ACK {"jid":"a b\\t\\u0001\\r\\nFLUSH"}\r\n',
  );
  assert.equal(
    encodeCommand({
      type: "FAIL",
      payload: { jid: "job 1 of 2", errtype: "E", message: "m" },
    }),
    'FAIL {"jid":"job 1 of 2","errtype":"E","message":"m"}\r\n',
  );
  assert.equal(
    encodeCommand({ type: "TRACK SET", payload: { jid: "job 1 of 2" } }),
    'TRACK SET {"jid":"job 1 of 2"}\r\n',
  );
  assert.throws(
    () => encodeCommand({ type: "ACK", jid: 42 as never }),
    LocalProtocolError,
  );
});

test("encodeCommand escapes spaces inside MUTATE JSON strings, so the line has none", () => {
  assert.equal(
    encodeCommand({
      type: "MUTATE",
      mutation: {
        cmd: "kill",
        target: "retries",
        filter: { jobtype: "Send Email", regexp: "* a *" },
      },
    }),
    'MUTATE {"cmd":"kill","target":"retries","filter":{"jobtype":"Send\\u0020Email","regexp":"*\\u0020a\\u0020*"}}\r\n',
  );
});

test("encodeCommand refuses unknown MUTATE operations and targets locally", () => {
  assert.throws(
    () =>
      encodeCommand({
        type: "MUTATE",
        mutation: { cmd: "explode", target: "dead" } as never,
      }),
    /Unknown MUTATE operation "explode"/,
  );
  assert.throws(
    () =>
      encodeCommand({
        type: "MUTATE",
        mutation: { cmd: "clear", target: "nowhere" } as never,
      }),
    /Invalid MUTATE target "nowhere"/,
  );
  assert.throws(
    () => encodeCommand({ type: "NOPE" } as never),
    /Unknown command "NOPE"/,
  );
});

test("encodeCommand validates pushed jobs with the server's messages", () => {
  assert.throws(
    () =>
      encodeCommand({
        type: "PUSH",
        job: { jid: "short", jobtype: "T", args: [] },
      }),
    {
      name: "InvalidJobError",
      message: "jobs must have a reasonable jid parameter",
    },
  );
  assert.throws(
    () =>
      encodeCommand({
        type: "PUSHB",
        jobs: [{ jid: "0123456789", jobtype: "", args: [] }],
      }),
    { message: "jobs must have a jobtype parameter" },
  );
});

test("decodeResult maps each reply to the command's typed result", () => {
  assert.equal(decodeResult("ACK", { type: "simple", value: "OK" }), undefined);
  assert.equal(decodeResult("FETCH", { type: "bulk", value: null }), null);
  assert.deepEqual(
    decodeResult("FETCH", {
      type: "bulk",
      value:
        '{"jid":"jid-f1-6b0a2a26","queue":"q","jobtype":"LabJob","args":[{"a":1}],"retry":3}',
    }),
    {
      jid: "jid-f1-6b0a2a26",
      queue: "q",
      jobtype: "LabJob",
      args: [{ a: 1 }],
      retry: 3,
    },
  );
  assert.equal(decodeResult("BEAT", { type: "simple", value: "OK" }), null);
  assert.equal(
    decodeResult("BEAT", { type: "bulk", value: '{"state":"quiet"}' }),
    "quiet",
  );
  assert.equal(
    decodeResult("BEAT", { type: "bulk", value: '{"state":"terminate"}' }),
    "terminate",
  );
  assert.deepEqual(
    decodeResult("PUSHB", {
      type: "bulk",
      value: '{"x":"jobs must have a reasonable jid parameter"}',
    }),
    { x: "jobs must have a reasonable jid parameter" },
  );
  assert.equal(
    decodeResult("BATCH NEW", { type: "bulk", value: "b-xyz" }),
    "b-xyz",
  );
});

test("decodeResult turns error replies into typed ServerErrors", () => {
  assert.throws(
    () =>
      decodeResult("FAIL", {
        type: "error",
        code: "ERR",
        message: "Job not found jid-fail-6b0a2a26",
      }),
    (err) => {
      assert.ok(err instanceof ServerError);
      assert.equal(err.code, "ERR");
      assert.equal(err.serverMessage, "Job not found jid-fail-6b0a2a26");
      return true;
    },
  );
  assert.throws(
    () =>
      decodeResult("BATCH NEW", {
        type: "error",
        code: "ERR",
        message: "batch subsystem is only available in Faktory Enterprise",
      }),
    (err) =>
      err instanceof EnterpriseOnlyError && err.feature === "batch" &&
      /needs Faktory Enterprise/.test(err.message),
  );
  assert.throws(
    () =>
      decodeResult("HELLO", {
        type: "error",
        code: "ERR",
        message: "Invalid password",
      }),
    { name: "AuthenticationError" },
  );
});

test("decodeResult raises RemoteProtocolError for replies of the wrong shape", () => {
  const bad: [
    Parameters<typeof decodeResult>[0],
    Parameters<typeof decodeResult>[1],
  ][] = [
    ["ACK", { type: "bulk", value: "OK" }],
    ["ACK", { type: "simple", value: "NOPE" }],
    ["FETCH", { type: "simple", value: "OK" }],
    ["FETCH", { type: "bulk", value: "{not json" }],
    ["FETCH", { type: "bulk", value: '{"jid":"x"}' }],
    ["BEAT", { type: "bulk", value: '{"state":"dance"}' }],
    ["INFO", { type: "bulk", value: "[]" }],
    ["INFO", { type: "bulk", value: null }],
    ["PUSHB", { type: "bulk", value: '{"a":1}' }],
    ["END", { type: "simple", value: "OK" }],
  ];
  for (const [verb, reply] of bad) {
    assert.throws(
      () => decodeResult(verb, reply),
      RemoteProtocolError,
      `${verb} ${JSON.stringify(reply)}`,
    );
  }
});

test("FETCH with a frozen queue list is encoded once and reused; a bad name is still refused", () => {
  const queues = Object.freeze(["critical", "default"]);
  const first = encodeCommand({ type: "FETCH", queues });
  assert.equal(first, "FETCH critical default\r\n");
  assert.equal(encodeCommand({ type: "FETCH", queues }), first);
  assert.equal(
    encodeCommand({ type: "FETCH", queues: ["bulk"] }),
    "FETCH bulk\r\n",
  );
  assert.equal(encodeCommand({ type: "FETCH", queues }), first);
  const bad = Object.freeze(["ok", "not ok"]);
  assert.throws(() => encodeCommand({ type: "FETCH", queues: bad }));
  assert.throws(() => encodeCommand({ type: "FETCH", queues: bad }));
});
