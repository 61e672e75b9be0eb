import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { LocalProtocolError } from "../mod.ts";
import { maskUrl, resolveUrl, ServerAddress } from "../protocol.ts";

test("resolveUrl prefers FAKTORY_PROVIDER's variable, then FAKTORY_URL, then the default", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(resolveUrl(env({})), "tcp://localhost:7419");
  assert.equal(resolveUrl(env({ FAKTORY_URL: "tcp://a:1" })), "tcp://a:1");
  assert.equal(
    resolveUrl(
      env({
        FAKTORY_PROVIDER: "MY_URL",
        MY_URL: "tcp://b:2",
        FAKTORY_URL: "tcp://a:1",
      }),
    ),
    "tcp://b:2",
  );
  assert.throws(
    () => resolveUrl(env({ FAKTORY_PROVIDER: "MISSING" })),
    (err) =>
      err instanceof LocalProtocolError &&
      /MISSING is not set/.test(err.message),
  );
  assert.throws(
    () => resolveUrl(env({ FAKTORY_PROVIDER: "tcp://x:1" })),
    /must name an environment variable/,
  );
});

test("ServerAddress.parse reads host, port, TLS and password", () => {
  const plain = ServerAddress.parse("tcp://localhost:7419");
  assert.deepEqual([plain.host, plain.port, plain.tls, plain.password], [
    "localhost",
    7419,
    false,
    undefined,
  ]);
  const tls = ServerAddress.parse("tcp+tls://:p%40ss@faktory.example.com");
  assert.deepEqual([tls.host, tls.port, tls.tls, tls.password], [
    "faktory.example.com",
    7419,
    true,
    "p@ss",
  ]);
  const v6 = ServerAddress.parse("tcp://[::1]:7500");
  assert.deepEqual([v6.host, v6.port, String(v6)], [
    "::1",
    7500,
    "tcp://[::1]:7500",
  ]);
  assert.throws(
    () => ServerAddress.parse("http://localhost:7419"),
    LocalProtocolError,
  );
  assert.throws(() => ServerAddress.parse("not a url"), LocalProtocolError);
  assert.throws(() => new ServerAddress("h", 70000, false), RangeError);
});

test("ServerAddress never shows the password in any string form", () => {
  const addr = ServerAddress.parse("tcp+tls://:hunter2@faktory:7419");
  assert.equal(addr.password, "hunter2");
  for (
    const text of [
      String(addr),
      `${addr}`,
      JSON.stringify({ addr }),
      inspect(addr),
      inspect({ nested: addr }),
    ]
  ) {
    assert.ok(!text.includes("hunter2"), text);
  }
  assert.equal(String(addr), "tcp+tls://:***@faktory:7419");
});

test("invalid URLs are reported with the password masked", () => {
  assert.throws(
    () => ServerAddress.parse("http://:hunter2@host:1"),
    (err: Error) =>
      !err.message.includes("hunter2") && err.message.includes("***"),
  );
  assert.equal(
    maskUrl("tcp://user:pw@h:1 and tcp+tls://:x@y"),
    "tcp://user:***@h:1 and tcp+tls://:***@y",
  );
});
