import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AuthenticationError,
  Client,
  type ClientOptions,
  type ClientTransport,
  ConnectError,
  ConnectionClosedError,
  EnterpriseOnlyError,
  InvalidJobError,
  LocalProtocolError,
  RemoteProtocolError,
  ServerError,
  TimeoutError,
} from "../mod.ts";
import { defaultTransport } from "../protocol.ts";
import {
  replayOf,
  ReplayServer,
  type ReplayStep,
  scriptOf,
} from "./_replay.ts";
import { type Exchange, exchanges, loadTranscript } from "./_transcripts.ts";
import { connectionOf } from "../client/_connection_of.ts";
import { forgetWarnings } from "../client/_edition.ts";
import { FaktoryServer } from "../testing/mod.ts";

const LAB = { hostname: "lab-host", pid: 4242, labels: ["lab"] } as const;
const HI = '+HI {"v":2}\r\n';
const HELLO_PRODUCER: Exchange = {
  send: 'HELLO {"hostname":"lab-host","pid":4242,"labels":["lab"],"v":2}\r\n',
  reply: "+OK\r\n",
};

function conv(name: string, index = 0) {
  return loadTranscript(name)[index]!;
}

/** Starts a replay server, runs fn with its URL, then checks every script ran and matched. */
async function withReplay(
  scripts: ReplayStep[][],
  fn: (url: string, server: ReplayServer) => Promise<void>,
): Promise<void> {
  const server = await ReplayServer.start(scripts);
  try {
    await fn(server.url, server);
    await server.finished();
    assert.deepEqual(server.errors, []);
    assert.equal(server.connections, scripts.length);
  } finally {
    await server.close();
  }
}

function connect(
  url: string,
  extra: Partial<ClientOptions> = {},
): Promise<Client> {
  return Client.connect({ url, ...LAB, ...extra });
}

test("Client.flush() and close() send the recorded FLUSH and END (transcript 00)", async () => {
  await withReplay([replayOf(conv("00-flush.txt"))], async (url) => {
    const client = await connect(url);
    await client.flush();
    await client.close();
    await client.close(); // idempotent
    await assert.rejects(client.info(), ConnectionClosedError);
  });
});

test("Client.connect() answers a password challenge with the accepted hash (transcript 02)", async () => {
  await withReplay(
    [replayOf(conv("02-greeting-password.txt", 0))],
    async (url) => {
      const client = await connect(
        url.replace("tcp://", "tcp://:labpass123@"),
        { wid: "pw-6b0a2a26" },
      );
      await client.close();
    },
  );
});

test("Client.connect() takes the password option over the URL's", async () => {
  await withReplay(
    [replayOf(conv("02-greeting-password.txt", 0))],
    async (url) => {
      const client = await connect(url.replace("tcp://", "tcp://:wrong@"), {
        wid: "pw-6b0a2a26",
        password: "labpass123",
      });
      await client.close();
    },
  );
});

test("Client.connect() rejects with AuthenticationError on a wrong password", async () => {
  const script: ReplayStep[] = [
    { send: '+HI {"v":2,"i":5807,"s":"675137bd9078d41f"}\r\n' },
    { expect: /^HELLO \{.*"pwdhash":"[0-9a-f]{64}"\}\r\n$/ },
    { send: "-ERR Invalid password\r\n" },
    { close: true },
  ];
  await withReplay([script], async (url) => {
    await assert.rejects(
      connect(url.replace("tcp://", "tcp://:nope@")),
      (err) => {
        assert.ok(err instanceof AuthenticationError);
        assert.equal(err.serverMessage, "Invalid password");
        return true;
      },
    );
  });
});

test("Client.connect() refuses locally when the server wants a password and none is set", async () => {
  const script: ReplayStep[] = [
    { send: '+HI {"v":2,"i":6266,"s":"5f80ac95e3954dfd"}\r\n' },
    { expect: "END\r\n" },
    { close: true },
  ];
  await withReplay([script], async (url, server) => {
    await assert.rejects(
      connect(url),
      (err) =>
        err instanceof LocalProtocolError &&
        /requires a password/.test(err.message),
    );
    await server.finished();
    assert.equal(server.received[0], "END\r\n"); // no HELLO without a hash was sent
  });
});

test("Client.push() sends the recorded PUSH lines (transcript 04)", async () => {
  await withReplay([replayOf(conv("04-push-valid.txt"))], async (url) => {
    const client = await connect(url);
    const jid = await client.push("LabJob", [1, "two"], {
      jid: "jid-valid-6b0a2a26",
      queue: "lab-push-6b0a2a26",
      custom: { k: "v" },
      retry: 3,
      reserveFor: 600,
    });
    assert.equal(jid, "jid-valid-6b0a2a26");
    await client.push({
      jid: "jid-minimal-6b0a2a26",
      jobtype: "LabJob",
      args: [],
    });
    await client.push("LabJob", [1, "two"], {
      jid: "jid-sched-6b0a2a26",
      queue: "lab-push-6b0a2a26",
      at: "2099-01-01T00:00:00Z",
    });
    await client.close();
  });
});

test("Client.push() refuses invalid jobs before sending anything (transcripts 05, 06, 25)", async () => {
  await withReplay([scriptOf(HI, [HELLO_PRODUCER])], async (url, server) => {
    const client = await connect(url);
    const refused: [Promise<unknown>, string][] = [
      [
        client.push("LabJob", [], { jid: "short" }),
        "jobs must have a reasonable jid parameter",
      ],
      [
        client.push({ jid: "jid-notype-6b0a2a26", args: [] } as never),
        "jobs must have a jobtype parameter",
      ],
      [
        client.push({ jid: "jid-noargs-6b0a2a26", jobtype: "LabJob" } as never),
        "jobs must have an args parameter",
      ],
      [
        client.push("LabJob", [], { reserveFor: 86401 }),
        "jobs cannot be reserved for more than one day",
      ],
      [
        client.push("LabJob", [], { queue: "has space" }),
        'cannot get "has space" queue: queue names must match \\A[a-zA-Z0-9._-]+\\z',
      ],
    ];
    for (const [promise, message] of refused) {
      await assert.rejects(
        promise,
        (err) => err instanceof InvalidJobError && err.message === message,
      );
    }
    assert.equal(connectionOf(client).state, "ready");
    await client.close();
    await server.finished();
    assert.equal(server.received[0], HELLO_PRODUCER.send + "END\r\n");
  });
});

test("Client.push() of a duplicate jid enqueues twice and info() is typed (transcript 08)", async () => {
  await withReplay(
    [replayOf(conv("08-push-duplicate-jid.txt"))],
    async (url) => {
      const client = await connect(url);
      const job = {
        jid: "jid-dup-6b0a2a26",
        jobtype: "LabJob",
        args: [1, "two"],
        queue: "lab-dup-6b0a2a26",
      };
      await client.push(job);
      await client.push(job);
      const info = await client.info();
      assert.equal(info.faktory.queues["lab-dup-6b0a2a26"], 2);
      assert.equal(info.server.faktory_version, "1.8.0");
      assert.equal(info.faktory.tasks.Scheduled.size, 1);
      await client.close();
    },
  );
});

test("Client.pushBulk() returns per-job errors, the same map the server gives (transcript 09)", async () => {
  const all = exchanges(conv("09-pushb.txt"));
  const b4 = {
    jid: "jid-b4-6b0a2a26",
    jobtype: "LabJob",
    args: [1, "two"],
    queue: "lab-pushb-6b0a2a26",
  };
  const onlyValid: Exchange = {
    send: `PUSHB [${JSON.stringify(b4)}]\r\n`,
    reply: "$2\r\n{}\r\n",
  };
  await withReplay(
    [scriptOf(HI, [all[1]!, all[2]!, onlyValid])],
    async (url) => {
      const client = await connect(url);
      const jobs = [1, 2, 3].map((n) => ({
        jid: `jid-b${n}-6b0a2a26`,
        jobtype: "LabJob",
        args: [1, "two"],
        queue: "lab-pushb-6b0a2a26",
      }));
      assert.deepEqual(await client.pushBulk(jobs), {});
      // Jobs the server would refuse are refused locally with its messages; the rest are sent.
      const mixed = [b4, {
        jid: "jid-b5-6b0a2a26",
        args: [],
        queue: "lab-pushb-6b0a2a26",
      }, { jid: "x", jobtype: "T", args: [] }];
      const recorded = JSON.parse(all[3]!.reply.split("\r\n")[1]!);
      assert.deepEqual(await client.pushBulk(mixed as never), recorded);
      // Nothing valid: no round trip at all.
      assert.deepEqual(await client.pushBulk([]), {});
      assert.deepEqual(
        await client.pushBulk([{ jid: "y", jobtype: "T", args: [] }]),
        { y: "jobs must have a reasonable jid parameter" },
      );
      await client.close();
    },
  );
});

test("Client.fetch() and ack() follow the recorded worker conversation (transcripts 10, 11, 13)", async () => {
  const producer = conv("10-fetch-one-queue.txt", 0);
  const worker = conv("10-fetch-one-queue.txt", 1);
  await withReplay([replayOf(producer), replayOf(worker)], async (url) => {
    const p = await connect(url);
    await p.push({
      jid: "jid-f1-6b0a2a26",
      jobtype: "LabJob",
      args: [{ a: 1 }],
      queue: "lab-fetch1-6b0a2a26",
      custom: { trace: "x" },
    });
    const w = await connect(url, { wid: "wf-6b0a2a26" });
    const job = await w.fetch(["lab-fetch1-6b0a2a26"]);
    assert.ok(job);
    assert.deepEqual(job.args, [{ a: 1 }]);
    assert.equal(job.custom?.trace, "x");
    assert.equal(job.retry, 3);
    await w.ack(job.jid);
    await w.close();
    await p.close();
  });
  await withReplay([replayOf(conv("13-ack.txt", 1))], async (url) => {
    const w = await connect(url, { wid: "wa-6b0a2a26" });
    const job = await w.fetch(["lab-ack-6b0a2a26"]);
    await w.ack(job!.jid);
    await w.ack(job!.jid); // a second ACK is harmless
    await w.close();
  });
  const several = conv("11-fetch-several-queues.txt", 1);
  await withReplay([replayOf(several)], async (url) => {
    const w = await connect(url, { wid: "wf2-6b0a2a26" });
    const queues = [
      "lab-fetch1-6b0a2a26",
      "lab-fetch2-6b0a2a26",
      "lab-fetch3-6b0a2a26",
    ];
    const seen: string[] = [];
    for (let job = await w.fetch(queues); job; job = await w.fetch(queues)) {
      seen.push(job.jid);
      await w.ack(job.jid);
    }
    assert.deepEqual(seen, [
      "jid-f2a-6b0a2a26",
      "jid-f2b-6b0a2a26",
      "jid-f3a-6b0a2a26",
    ]);
    await w.close();
  });
});

test("Client.fetch() returns null on an empty queue and refuses an empty queue list (transcript 12)", async () => {
  const all = exchanges(conv("12-fetch-empty.txt", 0));
  await withReplay(
    [scriptOf(HI, [all[1]!, all[2]!, all[3]!])],
    async (url, server) => {
      const w = await connect(url, { wid: "wf3-6b0a2a26" });
      assert.equal(await w.fetch(["lab-empty-6b0a2a26"]), null);
      assert.equal(
        await w.fetch(["lab-empty1-6b0a2a26", "lab-empty2-6b0a2a26"]),
        null,
      );
      await assert.rejects(w.fetch([]), /FETCH needs at least one queue/);
      await w.close();
      await server.finished();
      assert.ok(!server.received[0]!.includes("FETCH\r\n"));
    },
  );
});

test("Client.fail() sends errtype, message and backtrace, and surfaces Job not found (transcript 15)", async () => {
  const worker = conv("15-fail.txt", 1);
  const all = exchanges(worker);
  // HELLO, FETCH, FAIL, FAIL-again, FAIL unknown, INFO
  const picked = [all[1]!, all[2]!, all[3]!, all[4]!, all[5]!, all[8]!];
  await withReplay([scriptOf(HI, picked)], async (url) => {
    const w = await connect(url, { wid: "wfl-6b0a2a26" });
    const job = await w.fetch(["lab-fail-6b0a2a26"]);
    await w.fail(job!.jid, {
      errtype: "RuntimeError",
      message: "boom: something broke",
      backtrace: ["bench.js:10:5", "worker.js:99:1"],
    });
    await assert.rejects(
      w.fail(job!.jid, { errtype: "RuntimeError", message: "again" }),
      (err) => {
        assert.ok(err instanceof ServerError);
        assert.equal(err.code, "ERR");
        assert.equal(err.serverMessage, "Job not found jid-fail-6b0a2a26");
        return true;
      },
    );
    await assert.rejects(
      w.fail("no-such-jid-6b0a2a26", { errtype: "X", message: "y" }),
      /Job not found no-such-jid-6b0a2a26/,
    );
    // The connection is still usable after error replies.
    const info = await w.info();
    assert.equal(info.faktory.tasks.Retries.size, 1);
    await w.close();
  });
});

test("Client.fail() turns a thrown Error into errtype, message and stack lines", async () => {
  const script: ReplayStep[] = [
    { send: HI },
    { expect: /^HELLO / },
    { send: "+OK\r\n" },
    {
      expect:
        /^FAIL \{"jid":"0123456789ab","errtype":"RangeError","message":"out of range","backtrace":\[".+"\]\}\r\n$/,
    },
    { send: "+OK\r\n" },
    { expect: "END\r\n" },
  ];
  await withReplay([script], async (url) => {
    const w = await connect(url, { wid: "w-0123456789" });
    await w.fail("0123456789ab", new RangeError("out of range"));
    await w.close();
  });
});

test("Client.beat() reports state and memory and reads quiet/terminate (transcript 16)", async () => {
  const all = exchanges(conv("16-beat.txt", 0));
  // HELLO, BEAT, BEAT rss, (skip unknown wid, bad json), BEAT->quiet, BEAT quiet->quiet, (FETCH), BEAT->terminate, BEAT terminate
  const picked = [
    all[1]!,
    all[2]!,
    all[3]!,
    all[6]!,
    all[7]!,
    all[9]!,
    all[10]!,
  ];
  await withReplay([scriptOf(HI, picked)], async (url) => {
    const w = await connect(url, { wid: "wb-6b0a2a26" });
    assert.equal(await w.beat(), null);
    assert.equal(await w.beat({ state: "", rssKb: 54176 }), null);
    assert.equal(await w.beat(), "quiet");
    assert.equal(await w.beat({ state: "quiet" }), "quiet");
    assert.equal(await w.beat(), "terminate");
    assert.equal(await w.beat({ state: "terminate" }), "terminate");
    await w.close();
  });
});

test("Client.beat() surfaces unknown worker as a ServerError and needs a wid", async () => {
  const script = scriptOf(HI, [
    {
      send:
        'HELLO {"hostname":"lab-host","pid":4242,"labels":["lab"],"v":2,"wid":"unknown-wid-6b0a2a26"}\r\n',
      reply: "+OK\r\n",
    },
    {
      send: 'BEAT {"wid":"unknown-wid-6b0a2a26"}\r\n',
      reply: "-ERR unknown worker unknown-wid-6b0a2a26\r\n",
    },
  ]);
  await withReplay([script, scriptOf(HI, [HELLO_PRODUCER])], async (url) => {
    const w = await connect(url, { wid: "unknown-wid-6b0a2a26" });
    await assert.rejects(
      w.beat(),
      (err) =>
        err instanceof ServerError &&
        err.serverMessage === "unknown worker unknown-wid-6b0a2a26",
    );
    await w.close();
    const p = await connect(url);
    await assert.rejects(p.beat(), LocalProtocolError);
    await p.close();
  });
});

test("Client queue operations send the recorded QUEUE lines (transcript 22)", async () => {
  const worker = exchanges(conv("22-queue-ops.txt", 1));
  const byLine = (line: string) => worker.find((e) => e.send.startsWith(line))!;
  const picked = [
    worker[1]!,
    byLine("QUEUE PAUSE lab"),
    byLine("QUEUE RESUME lab"),
    byLine("QUEUE REMOVE"),
    byLine("QUEUE PAUSE *"),
    byLine("QUEUE RESUME *"),
  ];
  await withReplay([scriptOf(HI, picked)], async (url) => {
    const w = await connect(url, { wid: "wq-6b0a2f15" });
    await w.pauseQueues(["lab-qops-6b0a2f15"]);
    await w.resumeQueues(["lab-qops-6b0a2f15"]);
    await w.removeQueues(["lab-qops-6b0a2f15"]);
    await w.pauseQueues("*");
    await w.resumeQueues("*");
    await assert.rejects(w.pauseQueues([]), LocalProtocolError);
    await w.close();
  });
});

test("Client.mutate() and its shorthands send the recorded MUTATE lines (transcript 23)", async () => {
  const all = exchanges(conv("23-mutate.txt"));
  const mutates = all.filter((e) =>
    e.send.startsWith('MUTATE {"cmd":"') && !e.send.includes("explode") &&
    !e.send.includes("nowhere")
  );
  await withReplay([scriptOf(HI, [all[1]!, ...mutates])], async (url) => {
    const c = await connect(url);
    await c.discard("scheduled", { jids: ["jid-m0-6b0a2f9c"] });
    await c.kill("scheduled", { jids: ["jid-m1-6b0a2f9c"] });
    await c.requeue("scheduled", { jids: ["jid-m2-6b0a2f9c"] });
    await c.mutate({
      cmd: "clear",
      target: "dead",
      filter: { regexp: "*jid-m1*" },
    });
    await c.discard("scheduled", {
      jobtype: "MutJob2",
      jids: ["jid-m3-6b0a2f9c"],
    });
    await c.discard("scheduled");
    await c.close();
  });
});

test("Client batch and track calls fail with EnterpriseOnlyError on the open-source server (transcript 24)", async () => {
  const all = exchanges(conv("24-enterprise-commands.txt"));
  await withReplay([scriptOf(HI, all.slice(1, 5))], async (url) => {
    const c = await connect(url);
    const success = {
      jid: "jid-bs-6b0a2f15",
      jobtype: "Done",
      args: [1, "two"],
      queue: "default",
    };
    await assert.rejects(
      c.batchNew({ description: "x", success }),
      (err) => err instanceof EnterpriseOnlyError && err.feature === "batch",
    );
    await assert.rejects(
      c.trackGet("jid-x-6b0a2f15"),
      (err) => err instanceof EnterpriseOnlyError && err.feature === "tracking",
    );
    await assert.rejects(
      c.trackSet({ jid: "jid-x-6b0a2f15", percent: 50 }),
      EnterpriseOnlyError,
    );
    await c.close();
  });
});

test("Client pipelines concurrent calls on one connection and matches replies in order", async () => {
  const n = 50;
  const pushes: Exchange[] = Array.from({ length: n }, (_, i) => ({
    send: `PUSH {"jid":"pipelined-${
      String(i).padStart(4, "0")
    }","jobtype":"T","args":[${i}]}\r\n`,
    reply: i % 7 === 3 ? `-ERR refused ${i}\r\n` : "+OK\r\n",
  }));
  // The server reads everything first, then answers all at once in one write.
  const script: ReplayStep[] = [
    { send: HI },
    { expect: HELLO_PRODUCER.send },
    { send: "+OK\r\n" },
    ...pushes.map((p) => ({ expect: p.send })),
    { send: pushes.map((p) => p.reply).join("") },
    { expect: "END\r\n" },
  ];
  await withReplay([script], async (url) => {
    const c = await connect(url);
    const results = await Promise.allSettled(
      pushes.map((_, i) =>
        c.push({
          jid: `pipelined-${String(i).padStart(4, "0")}`,
          jobtype: "T",
          args: [i],
        })
      ),
    );
    results.forEach((r, i) => {
      if (i % 7 === 3) {
        assert.ok(
          r.status === "rejected" &&
            (r.reason as Error).message.includes(`refused ${i}`),
        );
      } else {assert.deepEqual(r, {
          status: "fulfilled",
          value: `pipelined-${String(i).padStart(4, "0")}`,
        });}
    });
    await c.close();
  });
});

test("Client calls fail with ConnectionClosedError when the server drops the connection mid-reply", async () => {
  const script: ReplayStep[] = [
    { send: HI },
    { expect: HELLO_PRODUCER.send },
    { send: "+OK\r\n" },
    { expect: "INFO\r\n" },
    { send: '$825\r\n{"faktory":' },
    { close: true },
  ];
  await withReplay([script], async (url) => {
    const c = await connect(url);
    const info = c.info();
    const ack = c.ack("0123456789ab");
    await assert.rejects(info, ConnectionClosedError);
    await assert.rejects(ack, ConnectionClosedError);
    assert.ok(c.closed);
    await assert.rejects(c.info(), ConnectionClosedError);
  });
});

test("Client calls fail with RemoteProtocolError on a garbage reply, and the client is then unusable", async () => {
  const script: ReplayStep[] = [
    { send: HI },
    { expect: HELLO_PRODUCER.send },
    { send: "+OK\r\n" },
    { expect: "INFO\r\n" },
    { send: "&garbage\r\n" },
  ];
  await withReplay([script], async (url) => {
    const c = await connect(url);
    const info = c.info();
    await assert.rejects(
      info,
      (err) =>
        err instanceof RemoteProtocolError &&
        /Invalid reply type byte 0x26/.test(err.message),
    );
    await assert.rejects(c.ack("0123456789ab"), RemoteProtocolError);
    assert.ok(c.closed);
  });
});

test("Client calls fail with TimeoutError when the server stops answering", async () => {
  const script: ReplayStep[] = [{ send: HI }, { expect: HELLO_PRODUCER.send }, {
    send: "+OK\r\n",
  }, { expect: "INFO\r\n" }];
  await withReplay([script], async (url) => {
    const c = await connect(url, { timeout: 2100 });
    const started = Date.now();
    await assert.rejects(c.info(), TimeoutError);
    assert.ok(Date.now() - started >= 2000);
    assert.ok(c.closed);
  });
  await assert.rejects(
    Client.connect({ url: "tcp://127.0.0.1:1", timeout: 1000 }),
    LocalProtocolError,
  );
});

test("Client calls honour an AbortSignal before and after sending", async () => {
  const script: ReplayStep[] = [
    { send: HI },
    { expect: HELLO_PRODUCER.send },
    { send: "+OK\r\n" },
    { expect: "INFO\r\n" },
    { delay: 100 },
    { send: '$14\r\n{"faktory":{}}\r\n' },
    { expect: 'ACK {"jid":"0123456789ab"}\r\n' },
    { send: "+OK\r\n" },
  ];
  await withReplay([script], async (url, server) => {
    const c = await connect(url);
    const aborted = new AbortController();
    aborted.abort(new Error("changed my mind"));
    await assert.rejects(
      c.flush({ signal: aborted.signal }),
      /changed my mind/,
    );
    const ctl = new AbortController();
    const info = c.info({ signal: ctl.signal });
    ctl.abort(new Error("too slow"));
    await assert.rejects(info, /too slow/);
    // The abandoned reply is discarded; the next call gets its own reply.
    await c.ack("0123456789ab");
    await c.close();
    await server.finished();
    assert.ok(!server.received[0]!.includes("FLUSH"));
  });
});

test("Client.connect() rejects with ConnectError when the port is closed", async () => {
  const server = await ReplayServer.start([]);
  const url = server.url;
  await server.close();
  await assert.rejects(Client.connect(url), (err) => {
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, "ECONNREFUSED");
    return true;
  });
});

test("Client.connect() rejects when the server closes before the greeting", async () => {
  await withReplay([[{ close: true }]], async (url) => {
    await assert.rejects(connect(url), ConnectionClosedError);
  });
});

test("Client keeps its connection internal: connectionOf() reaches it, enumeration does not", async () => {
  const server = await FaktoryServer.start();
  try {
    const client = await Client.connect(server.url);
    assert.deepEqual(Object.keys(client), []);
    const conn = connectionOf(client);
    assert.equal(conn.state, "ready");
    assert.equal(String(conn.address), server.url);
    await client.close();
    assert.ok(conn.closed);
  } finally {
    await server.stop();
  }
});

test("Connection writes the commands issued in one turn in one socket write", async () => {
  const server = await FaktoryServer.start();
  const writes: string[] = [];
  const real = await defaultTransport();
  const transport: ClientTransport = {
    name: "recording",
    connect: async (options, handlers) => {
      const socket = await real.connect(options, handlers);
      return {
        write: (
          bytes,
        ) => (writes.push(new TextDecoder().decode(bytes)),
          socket.write(bytes)),
        close: () => socket.close(),
      };
    },
  };
  try {
    const client = await Client.connect({ url: server.url, transport });
    writes.length = 0;
    await Promise.all([
      client.ack("0123456789ab"),
      client.ack("0123456789ac"),
      client.info(),
    ]);
    assert.deepEqual(writes, [
      'ACK {"jid":"0123456789ab"}\r\nACK {"jid":"0123456789ac"}\r\nINFO\r\n',
    ]);
    await client.info();
    assert.equal(writes.length, 2);
    await client.close();
  } finally {
    await server.stop();
  }
});

/** Runs `fn` with console.error captured; returns what it printed. */
async function stderrOf(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    await fn();
  } finally {
    console.error = original;
  }
  return lines;
}

test("Client.push() resolves though the client's logger throws or rejects in warn(): reported once on stderr", async () => {
  const quiet = () => {};
  const loggers = {
    throws: {
      debug: quiet,
      info: quiet,
      error: quiet,
      warn(): void {
        throw new Error("warn broken");
      },
    },
    rejects: {
      debug: quiet,
      info: quiet,
      error: quiet,
      warn: (): Promise<void> => Promise.reject(new Error("warn broken")),
    },
  };
  for (const [how, logger] of Object.entries(loggers)) {
    forgetWarnings();
    const server = await FaktoryServer.start();
    try {
      const stderr = await stderrOf(async () => {
        const client = await Client.connect({ url: server.url, logger });
        const jid = await client.push("X", [], { uniqueFor: 60 });
        assert.match(jid, /^[0-9a-f]{24}$/, how);
        await client.push("X", [], { expiresIn: 60 });
        await client.close();
        await new Promise((r) => setTimeout(r, 0)); // a late rejection lands
      });
      assert.equal(server.queue("default").length, 2, how);
      assert.equal(stderr.length, 1, `${how}: ${stderr.join("\n")}`);
      assert.match(stderr[0]!, /logger failed in warn\(\).*warn broken/);
    } finally {
      await server.stop();
    }
  }
});

test("Client.connect() refuses a logger without a logger's shape, before connecting", async () => {
  const quiet = () => {};
  for (
    const [logger, message] of [
      [
        42,
        /^logger must be an object with debug, info, warn and error methods, got 42$/,
      ],
      [
        { debug: quiet, info: quiet, error: quiet },
        /^logger\.warn must be a function/,
      ],
    ] as const
  ) {
    await assert.rejects(
      Client.connect({
        url: "tcp://127.0.0.1:1",
        logger: logger as unknown as ClientOptions["logger"] & object,
      }),
      (e) => e instanceof TypeError && message.test(e.message),
    );
  }
});
