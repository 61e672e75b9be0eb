// Options are checked where they are given: each bad value is refused at
// construction with a typed error naming the option, the value and the range.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import {
  Client,
  createJob,
  LocalProtocolError,
  Manager,
  type ManagerOptions,
  Pool,
  type PoolOptions,
} from "../mod.ts";
import { type ClientTransport, ServerAddress } from "../protocol.ts";

type ErrorType =
  | typeof TypeError
  | typeof RangeError
  | typeof LocalProtocolError;

/** Asserts `fn` throws `type` with a message naming every part of `names`. */
function refuses(
  fn: () => unknown,
  type: ErrorType,
  names: readonly string[],
  label: string,
): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof type, `${label}: ${String(err)}`);
    for (const name of names) {
      assert.ok(
        (err as Error).message.includes(name),
        `${label}: ${JSON.stringify((err as Error).message)} names ${name}`,
      );
    }
    return true;
  }, label);
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

// [options, error type, what the message names: the option, the value, the range]
const MANAGER: [Record<string, unknown>, ErrorType, string[]][] = [
  [{ shutdownTimeout: 1e10 }, RangeError, [
    "shutdownTimeout",
    "10000000000",
    "2147483647",
  ]],
  [{ shutdownTimeout: Infinity }, RangeError, ["shutdownTimeout", "Infinity"]],
  [{ shutdownTimeout: -1 }, RangeError, ["shutdownTimeout", "-1"]],
  [{ shutdownTimeout: Number.NaN }, RangeError, ["shutdownTimeout", "NaN"]],
  [{ shutdownTimeout: "5000" }, TypeError, ["shutdownTimeout", '"5000"']],
  [{ heartbeatInterval: 1 }, RangeError, ["heartbeatInterval", "1", "50"]],
  [{ heartbeatInterval: 49 }, RangeError, ["heartbeatInterval", "49"]],
  [{ heartbeatInterval: Number.NaN }, RangeError, ["heartbeatInterval", "NaN"]],
  [{ heartbeatInterval: 60_001 }, RangeError, ["heartbeatInterval", "60000"]],
  [{ reconnect: { initial: 0 } }, RangeError, ["reconnect.initial", "0"]],
  [{ reconnect: { initial: Number.NaN } }, RangeError, [
    "reconnect.initial",
    "NaN",
  ]],
  [{ reconnect: { initial: -5 } }, RangeError, ["reconnect.initial", "-5"]],
  [{ reconnect: { max: 0 } }, RangeError, ["reconnect.max", "0", "10"]],
  [{ reconnect: { max: Infinity } }, RangeError, ["reconnect.max", "Infinity"]],
  [{ reconnect: { reportEvery: 0 } }, RangeError, ["reconnect.reportEvery"]],
  [{ reconnect: { initial: "1" } }, TypeError, ["reconnect.initial", '"1"']],
  [{ reconnect: "fast" }, TypeError, ["reconnect", '"fast"']],
  [{ reconnect: null }, TypeError, ["reconnect", "null"]],
  [{ labels: "x" }, LocalProtocolError, ["labels", '"x"']],
  [{ labels: ["ok", 7] }, LocalProtocolError, ["labels", "7"]],
  [{ logger: 42 }, TypeError, ["logger", "42"]],
  [{ logger: null }, TypeError, ["logger", "null"]],
  [{ logger: { debug() {}, info() {}, error() {} } }, TypeError, [
    "logger.warn",
    "undefined",
  ]],
  [{ wid: "" }, LocalProtocolError, ["wid", '""']],
  [{ wid: 12 }, LocalProtocolError, ["wid", "12"]],
  [{ logFormat: "xml" }, RangeError, ["logFormat", '"xml"', "json"]],
  [{ logLevel: "verbose" }, RangeError, ["logLevel", '"verbose"', "debug"]],
  [{ queues: "default" }, TypeError, ["queues", '"default"']],
  [{ queues: [] }, RangeError, ["queues", "[]"]],
  [{ queues: ["a b"] }, RangeError, ["queues", '"a b"']],
  [{ queues: [1] }, TypeError, ["queues", "1"]],
  [{ concurrency: "5" }, TypeError, ["concurrency", '"5"']],
  [{ handleSignals: "no" }, TypeError, ["handleSignals", '"no"']],
  [{ random: 0.5 }, TypeError, ["random", "0.5"]],
  [{ pushMiddleware: "x" }, TypeError, ["pushMiddleware", '"x"']],
  [{ url: "tcp://" }, LocalProtocolError, ["tcp://", "host"]],
  [{ url: "redis://localhost" }, LocalProtocolError, ["redis://localhost"]],
  [{ timeout: 1e10 }, LocalProtocolError, ["timeout", "10000000000"]],
  [{ connectTimeout: Infinity }, LocalProtocolError, [
    "connectTimeout",
    "Infinity",
  ]],
  [{ maxReplyBytes: 1.5 }, LocalProtocolError, ["maxReplyBytes", "1.5"]],
  [{ pid: -1 }, LocalProtocolError, ["pid", "-1"]],
  [{ hostname: 5 }, LocalProtocolError, ["hostname", "5"]],
];

test("new Manager() refuses each invalid option with a typed error naming the option, the value and the range", () => {
  for (const [options, type, names] of MANAGER) {
    refuses(
      () =>
        new Manager({
          handleSignals: false,
          logger: quiet,
          ...options,
        } as ManagerOptions),
      type,
      names,
      JSON.stringify(options) ?? String(options),
    );
  }
});

test("new Manager() accepts the edges of each range", () => {
  const edges: ManagerOptions[] = [
    { shutdownTimeout: 0 },
    { shutdownTimeout: 2 ** 31 - 1 },
    { heartbeatInterval: 50 },
    { heartbeatInterval: 60_000 },
    { reconnect: { initial: 1, max: 10, reportEvery: 1 } },
    { reconnect: { initial: 2 ** 31 - 1, max: 2 ** 31 - 1 } },
    { reconnect: { reportEvery: Infinity } },
    { labels: [] },
    { wid: "w" },
    { logFormat: "json", logLevel: "debug" },
    { queues: ["critical", "default"] },
    { url: "tcp://127.0.0.1:7419", timeout: 2001, connectTimeout: 1 },
    { logger: console },
  ];
  for (const options of edges) {
    assert.doesNotThrow(
      () => new Manager({ handleSignals: false, logger: quiet, ...options }),
      JSON.stringify(options),
    );
  }
});

const POOL: [Record<string, unknown>, ErrorType, string[]][] = [
  [{ timeout: 1e10 }, LocalProtocolError, ["timeout", "10000000000"]],
  [{ timeout: 2000 }, LocalProtocolError, ["timeout", "2000"]],
  [{ connectTimeout: 0 }, LocalProtocolError, ["connectTimeout", "0"]],
  [{ maxReplyBytes: -1 }, LocalProtocolError, ["maxReplyBytes", "-1"]],
  [{ labels: "x" }, LocalProtocolError, ["labels", '"x"']],
  [{ url: "tcp://" }, LocalProtocolError, ["tcp://"]],
  [{ size: 0 }, RangeError, ["size", "0"]],
];

test("new Pool() refuses invalid connection options at construction", () => {
  for (const [options, type, names] of POOL) {
    refuses(
      () => new Pool(options as PoolOptions),
      type,
      names,
      JSON.stringify(options),
    );
  }
});

test("ServerAddress.parse() refuses a URL without a host", () => {
  for (const url of ["tcp://", "tcp+tls://", "tcp:///x"]) {
    refuses(
      () => ServerAddress.parse(url),
      LocalProtocolError,
      [JSON.stringify(url), "host"],
      url,
    );
  }
  assert.equal(ServerAddress.parse("tcp://h").port, 7419);
});

test("Client.connect() refuses FAKTORY_URL=tcp:// naming the variable, without connecting anywhere", async () => {
  const tried: string[] = [];
  const transport: ClientTransport = {
    name: "refusing",
    connect(options) {
      tried.push(`${options.host}:${options.port}`);
      return Promise.reject(new Error("no connection in this test"));
    },
  };
  const saved = { ...process.env };
  try {
    delete process.env.FAKTORY_PROVIDER;
    process.env.FAKTORY_URL = "tcp://";
    await assert.rejects(
      Client.connect({ transport, connectTimeout: 1000 }),
      (err: unknown) => {
        assert.ok(err instanceof LocalProtocolError, String(err));
        assert.match(err.message, /FAKTORY_URL/);
        assert.match(err.message, /"tcp:\/\/"/);
        return true;
      },
    );
    process.env.FAKTORY_PROVIDER = "MY_FAKTORY";
    process.env.MY_FAKTORY = "tcp://";
    await assert.rejects(
      Client.connect({ transport, connectTimeout: 1000 }),
      (err: unknown) =>
        err instanceof LocalProtocolError && /MY_FAKTORY/.test(err.message),
    );
  } finally {
    for (const name of ["FAKTORY_PROVIDER", "FAKTORY_URL", "MY_FAKTORY"]) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
  assert.deepEqual(tried, []);
});

/** Runs `fn` with the given variables set (undefined: unset), then restores them. */
function withEnv(
  vars: Record<string, string | undefined>,
  fn: () => void,
): void {
  const saved = Object.fromEntries(
    Object.keys(vars).map((name) => [name, process.env[name]]),
  );
  const set = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  try {
    set(vars);
    fn();
  } finally {
    set(saved);
  }
}

test("new Manager() and new Pool() without url refuse a FAKTORY_URL (or FAKTORY_PROVIDER's variable) with no host, naming it", () => {
  const make = {
    Manager: () => new Manager({ handleSignals: false, logger: quiet }),
    Pool: () => new Pool(),
  };
  const cases: [Record<string, string | undefined>, RegExp][] = [
    [
      { FAKTORY_PROVIDER: undefined, FAKTORY_URL: "tcp://" },
      /^FAKTORY_URL must name a host, as in tcp:\/\/localhost:7419, got "tcp:\/\/"$/,
    ],
    [
      { FAKTORY_PROVIDER: "MY_FAKTORY", MY_FAKTORY: "tcp://" },
      /^MY_FAKTORY must name a host, .* got "tcp:\/\/"$/,
    ],
    [
      { FAKTORY_PROVIDER: "MY_FAKTORY", MY_FAKTORY: undefined },
      /^FAKTORY_PROVIDER names MY_FAKTORY, but MY_FAKTORY is not set$/,
    ],
  ];
  for (const [what, construct] of Object.entries(make)) {
    for (const [vars, message] of cases) {
      withEnv(vars, () =>
        assert.throws(
          construct,
          (e) => e instanceof LocalProtocolError && message.test(e.message),
          `${what} ${JSON.stringify(vars)}`,
        ));
    }
    withEnv(
      { FAKTORY_PROVIDER: undefined, FAKTORY_URL: "tcp://" },
      () =>
        void (what === "Pool"
          ? new Pool({ url: "tcp://127.0.0.1:7419" })
          : new Manager({ url: "tcp://127.0.0.1:7419", handleSignals: false })),
    );
    withEnv(
      { FAKTORY_PROVIDER: undefined, FAKTORY_URL: "tcp://127.0.0.1:7419" },
      () => void construct(),
    );
  }
});

test("ctx.trackProgress() refuses a reserveUntil more than a day ahead or invalid, naming the argument", async () => {
  const mgr = new Manager({ handleSignals: false, logger: quiet });
  const errors: unknown[] = [];
  const cases: unknown[] = [
    new Date(Date.now() + 86_400_000 + 60_000),
    new Date(Number.NaN),
    "2030-01-01T00:00:00Z",
  ];
  mgr.register("Track", async (ctx) => {
    for (const reserveUntil of cases) {
      await ctx.trackProgress(50, "x", { reserveUntil } as never).catch((e) =>
        errors.push(e)
      );
    }
    await ctx.trackProgress(50, 7 as never).catch((e) => errors.push(e));
  });
  const outcome = await mgr.execute(createJob("Track", []));
  assert.equal(outcome.ok, true);
  assert.equal(errors.length, 4);
  const [late, invalid, notDate, desc] = errors as Error[];
  assert.ok(late instanceof RangeError, String(late));
  assert.match(late.message, /reserveUntil/);
  assert.match(late.message, /86400/);
  assert.ok(invalid instanceof RangeError, String(invalid));
  assert.match(invalid.message, /reserveUntil/);
  assert.match(invalid.message, /Invalid Date/);
  assert.ok(notDate instanceof TypeError, String(notDate));
  assert.match(notDate.message, /reserveUntil.*"2030-01-01T00:00:00Z"/);
  assert.ok(desc instanceof TypeError, String(desc));
  assert.match(desc.message, /description.*7/);
});
