// A client or worker pointed at something that is not a Faktory server (an HTTP port, a silent
// service, a TLS port) fails at the first connect with an error that says what answered, and
// names the server (host:port, never a password); a peer that closes at once is retried.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import {
  AuthenticationError,
  Client,
  ConnectionClosedError,
  Manager,
  RemoteProtocolError,
} from "../mod.ts";
import { ClientProtocol } from "../protocol.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { captureLogger } from "./_manager_util.ts";

interface Peer {
  readonly port: number;
  readonly peer: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/** A TCP server that does `onConnect` with every socket it accepts. */
async function peer(onConnect: (sock: net.Socket) => void): Promise<Peer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((sock) => {
    accepted++;
    sockets.add(sock);
    sock.on("error", () => {});
    sock.on("close", () => sockets.delete(sock));
    onConnect(sock);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    peer: `127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const says = (text: string) => (sock: net.Socket) => void sock.write(text);
const silent = () => {};
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function manager(port: number, connectTimeout = 10_000): Manager {
  const mgr = new Manager({
    url: `tcp://127.0.0.1:${port}`,
    handleSignals: false,
    connectTimeout,
    reconnect: { initial: 20, max: 50 },
    logger: quiet,
  });
  mgr.register("Noop", () => {});
  return mgr;
}

/** What `run()` did within `ms`: resolved, rejected (the error), or still running. */
async function runFor(mgr: Manager, ms: number): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    mgr.run().then(() => "resolved", (err) => err),
    new Promise((r) => timer = setTimeout(() => r("still running"), ms)),
  ]);
  clearTimeout(timer);
  await mgr.stop();
  return outcome;
}

test("Client.connect() to an HTTP server quotes its first line, names it, and suggests the protocol port", async () => {
  const http = await peer(says("HTTP/1.1 400 Bad Request\r\n\r\n"));
  try {
    await assert.rejects(
      Client.connect(`tcp://127.0.0.1:${http.port}`),
      (err) => {
        assert.ok(err instanceof RemoteProtocolError, String(err));
        assert.equal(
          err.message,
          `Expected the Faktory greeting "+HI", got "HTTP/1.1 400 Bad Request" from ${http.peer} — is this Faktory's web port? The protocol port is usually 7419`,
        );
        return true;
      },
    );
  } finally {
    await http.close();
  }
});

test("Manager.run() against an HTTP server rejects at the first connect instead of retrying", async () => {
  const http = await peer(says("HTTP/1.1 400 Bad Request\r\n\r\n"));
  try {
    const outcome = await runFor(manager(http.port), 3000);
    assert.ok(outcome instanceof RemoteProtocolError, String(outcome));
    assert.match(outcome.message, /got "HTTP\/1\.1 400 Bad Request"/);
    assert.equal(http.accepted, 1, "one attempt, no retries");
  } finally {
    await http.close();
  }
});

test("A server that says nothing: no greeting within connectTimeout, named, and run() rejects", async () => {
  const mute = await peer(silent);
  try {
    const started = Date.now();
    await assert.rejects(
      Client.connect({
        url: `tcp://127.0.0.1:${mute.port}`,
        connectTimeout: 300,
      }),
      (err) => {
        assert.ok(err instanceof RemoteProtocolError, String(err));
        assert.match(
          err.message,
          new RegExp(
            `^No greeting within \\d+ ms from ${mute.peer} — is this a Faktory server\\?`,
          ),
        );
        return true;
      },
    );
    assert.ok(Date.now() - started < 2000);
    const outcome = await runFor(manager(mute.port, 300), 3000);
    assert.ok(outcome instanceof RemoteProtocolError, String(outcome));
    assert.match(outcome.message, /^No greeting within/);
  } finally {
    await mute.close();
  }
});

test("A server that stays silent, then closes (as Faktory's web port does), is not retried", async () => {
  const web = await peer((sock) => void setTimeout(() => sock.end(), 600));
  try {
    await assert.rejects(
      Client.connect(`tcp://127.0.0.1:${web.port}`),
      (err) => {
        assert.ok(err instanceof RemoteProtocolError, String(err));
        assert.match(
          err.message,
          new RegExp(
            `^${web.peer} closed the connection after \\d+ ms without the Faktory greeting — is this a Faktory server\\?`,
          ),
        );
        return true;
      },
    );
    const outcome = await runFor(manager(web.port), 3000);
    assert.ok(outcome instanceof RemoteProtocolError, String(outcome));
    assert.equal(web.accepted, 2, "one attempt each, no retries");
  } finally {
    await web.close();
  }
});

test("A server that closes at once (a proxy whose server is not up yet) is retried by run()", async () => {
  const proxy = await peer((sock) => void sock.end());
  try {
    await assert.rejects(
      Client.connect(`tcp://127.0.0.1:${proxy.port}`),
      (err) => {
        assert.ok(err instanceof ConnectionClosedError, String(err));
        assert.match(
          err.message,
          new RegExp(
            `^${proxy.peer} closed the connection before the Faktory greeting`,
          ),
        );
        return true;
      },
    );
    const outcome = await runFor(manager(proxy.port), 400);
    assert.equal(outcome, "still running");
    assert.ok(proxy.accepted > 2, `retried: ${proxy.accepted} connections`);
  } finally {
    await proxy.close();
  }
});

test("Other greetings are quoted with control characters escaped, cut at 60 characters, with a guess", async () => {
  const cases: [string, RegExp][] = [
    [
      "SSH-2.0-OpenSSH_9.6p1\r\n",
      /got "SSH-2\.0-OpenSSH_9\.6p1" from [\d.:]+ — is this a Faktory server\?$/,
    ],
    [
      "\x16\x03\x03\x00\x02\x02\x28",
      /got "\\x16\\x03\\x03\\x00\\x02\\x02\(" from [\d.:]+ — is this a TLS port\? Use a tcp\+tls:\/\/ URL$/,
    ],
    [
      `+${"x".repeat(80)}\r\n`,
      new RegExp(`got "\\+${"x".repeat(59)}\\.\\.\\." from`),
    ],
    ['+HELLO "you"\x1b[0m\r\n', /got "\+HELLO \\"you\\"\\x1b\[0m" from/],
  ];
  for (const [greeting, expected] of cases) {
    const other = await peer(says(greeting));
    try {
      await assert.rejects(
        Client.connect(`tcp://127.0.0.1:${other.port}`),
        (err) => {
          assert.ok(err instanceof RemoteProtocolError, String(err));
          assert.match(err.message, expected);
          return true;
        },
      );
    } finally {
      await other.close();
    }
  }
});

test("ClientProtocol words greeting errors the same without a driver, and a refusal names the peer", () => {
  const enc = new TextEncoder();
  const conn = new ClientProtocol({ peer: "example.test:7420" });
  conn.receive(enc.encode("HTTP/1.1 400 Bad"));
  assert.throws(
    () => conn.nextEvent(),
    (err: Error) =>
      err instanceof RemoteProtocolError &&
      err.message.startsWith(
        'Expected the Faktory greeting "+HI", got "HTTP/1.1 400 Bad" from example.test:7420',
      ),
  );
  assert.equal(conn.state, "error");
  const refused = new ClientProtocol({ peer: "example.test:7419" });
  refused.receive(enc.encode("-ERR go away\r\n"));
  assert.throws(
    () => refused.nextEvent(),
    /Server refused the connection: ERR go away \(from example\.test:7419\)/,
  );
  const silentOne = new ClientProtocol({ peer: "example.test:7419" });
  assert.match(
    silentOne.noGreeting(1200.4, false).message,
    /^No greeting within 1200 ms from example\.test:7419/,
  );
  assert.ok(silentOne.noGreeting(5, true) instanceof ConnectionClosedError);
  assert.ok(silentOne.noGreeting(900, true) instanceof RemoteProtocolError);
});

test("AuthenticationError names the server by host and port, never the password", async () => {
  const server = await FaktoryServer.start({ password: "s3cret-pw" });
  const { port } = new URL(server.url.replace("tcp:", "http:"));
  try {
    await assert.rejects(
      Client.connect(`tcp://:wrong-pw@127.0.0.1:${port}`),
      (err) => {
        assert.ok(err instanceof AuthenticationError, String(err));
        assert.match(
          err.message,
          new RegExp(`^127\\.0\\.0\\.1:${port} refused the password`),
        );
        assert.equal(err.serverMessage, "Invalid password");
        assert.ok(!/wrong-pw|s3cret/.test(err.message + String(err.stack)));
        return true;
      },
    );
    const logger = captureLogger();
    const mgr = new Manager({
      url: `tcp://:wrong-pw@127.0.0.1:${port}`,
      handleSignals: false,
      logger,
    });
    mgr.register("Noop", () => {});
    const outcome = await runFor(mgr, 3000);
    assert.ok(outcome instanceof AuthenticationError, String(outcome));
    assert.ok(
      !JSON.stringify(logger.lines).includes("wrong-pw"),
      "no password logged",
    );
  } finally {
    await server.stop();
  }
});
