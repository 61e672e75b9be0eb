import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULTS, parseCommandLine, parseDevArgs } from "../dev/_args.ts";
import { isLoopback } from "../dashboard/_security.ts";
import { serverOptions } from "../dev/cli.ts";
import { changes, loggedTransport, logLine, NOTHING } from "../dev/_log.ts";
import type { Accept } from "../adapters/listen.ts";

const run = (args: string[], env = {}) => {
  const parsed = parseDevArgs(args, env);
  assert.equal(parsed.kind, "run", JSON.stringify(parsed));
  return (parsed as Extract<typeof parsed, { kind: "run" }>).options;
};
const error = (args: string[], env = {}) => {
  const parsed = parseDevArgs(args, env);
  assert.equal(parsed.kind, "error", JSON.stringify(parsed));
  const message = (parsed as Extract<typeof parsed, { kind: "error" }>)
    .message;
  assert.doesNotMatch(message, /\n/); // one line
  return message;
};

test("parseDevArgs() defaults to Faktory's ports on 127.0.0.1, no password", () => {
  assert.deepEqual(run([]), DEFAULTS);
  assert.deepEqual(
    [DEFAULTS.host, DEFAULTS.port, DEFAULTS.webPort],
    ["127.0.0.1", 7419, 7420],
  );
});

test("parseDevArgs() reads every flag, with a space or an equals sign", () => {
  assert.deepEqual(
    run([
      "--port",
      "17419",
      "--web-port=17420",
      "--password",
      "s3cret",
      "--enterprise",
      "--bind=::1",
      "--data",
      "faktory.db",
    ]),
    {
      host: "::1",
      port: 17419,
      webPort: 17420,
      password: "s3cret",
      enterprise: true,
      data: "faktory.db",
    },
  );
  assert.equal(run(["--port", "0", "--web-port", "0"]).port, 0);
  assert.equal(run(["--bind", "[::1]"]).host, "::1");
});

test("parseDevArgs() takes the password from FAKTORY_PASSWORD; the flag wins", () => {
  assert.equal(run([], { FAKTORY_PASSWORD: "fromenv" }).password, "fromenv");
  assert.equal(
    run(["--password", "flag"], { FAKTORY_PASSWORD: "fromenv" }).password,
    "flag",
  );
  assert.equal(run([], { FAKTORY_PASSWORD: "" }).password, undefined);
});

test("parseDevArgs() asks for help with -h or --help, wherever it is", () => {
  assert.deepEqual(parseDevArgs(["--port", "1", "--help"]), { kind: "help" });
  assert.deepEqual(parseDevArgs(["-h"]), { kind: "help" });
});

test("parseDevArgs() refuses bad flags with a one-line message", () => {
  assert.match(error(["--bogus"]), /unknown option "--bogus"/);
  assert.match(error(["extra"]), /unexpected argument "extra"/);
  assert.match(error(["--port"]), /--port needs a value/);
  assert.match(error(["--port", "--enterprise"]), /--port needs a value/);
  assert.match(error(["--port", "70000"]), /--port must be a port number/);
  assert.match(error(["--web-port", "-1"]), /--web-port must be a port/);
  assert.match(error(["--port=12ab"]), /--port must be a port/);
  assert.match(error(["--port", "7419", "--web-port", "7419"]), /both 7419/);
  assert.match(error(["--password="]), /--password must not be empty/);
  assert.match(error(["--data="]), /--data needs a file name/);
  assert.match(error(["--enterprise=yes"]), /--enterprise takes no value/);
  assert.match(error(["--bind", "a b"]), /--bind must be an address/);
  // Whatever the argument holds, the message stays on one line.
  assert.match(error(["--po\nrt"]), /unknown option "--po\\nrt"/);
});

test("parseDevArgs() refuses a non-loopback --bind without a password", () => {
  assert.match(error(["--bind", "0.0.0.0"]), /set a password/);
  assert.equal(run(["--bind", "0.0.0.0", "--password", "x"]).host, "0.0.0.0");
  assert.equal(
    run(["--bind", "0.0.0.0"], { FAKTORY_PASSWORD: "x" }).password,
    "x",
  );
  assert.equal(run(["--bind", "localhost"]).host, "localhost");
  assert.equal(run(["--bind", "127.0.0.2"]).host, "127.0.0.2");
});

test("isLoopback() knows 127.0.0.0/8, ::1 and localhost only", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "::1", "localhost", "LOCALHOST"]) {
    assert.equal(isLoopback(h), true, h);
  }
  for (const h of ["0.0.0.0", "::", "192.168.1.2", "localhost.evil.com"]) {
    assert.equal(isLoopback(h), false, h);
  }
});

test("parseCommandLine() wants the dev command", () => {
  assert.deepEqual(parseCommandLine([]), { kind: "help" });
  assert.deepEqual(parseCommandLine(["--help"]), { kind: "help" });
  assert.equal(parseCommandLine(["dev"]).kind, "run");
  const bad = parseCommandLine(["serve"]);
  assert.deepEqual(bad, {
    kind: "error",
    message: 'unknown command "serve" (the command is dev)',
  });
  assert.equal(parseCommandLine(["dev", "--bogus"]).kind, "error");
});

test("serverOptions() builds FaktoryServer's options, --data as dataFile", () => {
  assert.deepEqual(serverOptions(DEFAULTS), {
    host: "127.0.0.1",
    port: 7419,
    enterprise: false,
  });
  assert.deepEqual(
    serverOptions({ ...DEFAULTS, password: "pw", enterprise: true }),
    { host: "127.0.0.1", port: 7419, enterprise: true, password: "pw" },
  );
  assert.deepEqual(
    serverOptions({ ...DEFAULTS, data: "faktory.json" }),
    {
      host: "127.0.0.1",
      port: 7419,
      enterprise: false,
      dataFile: "faktory.json",
    },
  );
});

test("changes() logs workers arriving, changing state and leaving, one line each", () => {
  const w = {
    wid: "w1",
    hostname: "box",
    pid: 42,
    labels: ["node"],
    state: "running",
  };
  assert.deepEqual(changes(NOTHING, { workers: [w] }), [
    "worker w1 connected from box pid 42 [node]",
  ]);
  assert.deepEqual(
    changes({ workers: [w] }, { workers: [{ ...w, state: "quiet" }] }),
    ["worker w1 is now quiet"],
  );
  assert.deepEqual(changes({ workers: [w] }, NOTHING), ["worker w1 is gone"]);
  assert.deepEqual(changes(NOTHING, NOTHING), []);
});

test("logLine() prefixes the UTC time and keeps the text on one line", () => {
  assert.equal(
    logLine(Date.parse("2030-01-02T03:04:05Z"), "a\nb\r\nc"),
    "03:04:05 a b c",
  );
});

test("loggedTransport() logs each connection opening and closing, with the error that closed it", async () => {
  let accept: Accept | undefined;
  const lines: string[] = [];
  const inner = {
    name: "fake",
    listen: (_options: unknown, a: Accept) => {
      accept = a;
      return Promise.resolve({
        host: "127.0.0.1",
        port: 1,
        close: () => Promise.resolve(),
      });
    },
  };
  const closed: (Error | undefined)[] = [];
  const data: number[] = [];
  await loggedTransport(inner, (l) => lines.push(l)).listen({}, () => ({
    data: (chunk) => data.push(chunk.length),
    close: (error) => closed.push(error),
  }));
  const socket = { write: () => Promise.resolve(), close() {} };
  const a = accept!(socket);
  const b = accept!(socket);
  a.data(new Uint8Array(3));
  a.close(new Error("read ECONNRESET"));
  b.close();
  assert.deepEqual(lines, [
    "connection opened (1 open)",
    "connection opened (2 open)",
    "connection closed: read ECONNRESET (1 open)",
    "connection closed (0 open)",
  ]);
  assert.deepEqual(data, [3]); // the server's handlers still get everything
  assert.equal(closed.length, 2);
});
