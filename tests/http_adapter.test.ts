// One conformance suite for the HTTP adapter of whichever runtime runs it
// (node:http, Deno.serve or Bun.serve).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { defaultHttpServe } from "../adapters/runtime.ts";
import type { HttpHandler, HttpServer } from "../adapters/http.ts";

async function serve(
  handler: HttpHandler,
  onError?: (error: unknown) => void,
): Promise<HttpServer & { base: string }> {
  const serveHttp = await defaultHttpServe();
  const server = await serveHttp(
    { host: "127.0.0.1", port: 0, ...(onError ? { onError } : {}) },
    handler,
  );
  return Object.assign(server, { base: `http://127.0.0.1:${server.port}` });
}

/** Sends raw bytes and resolves with everything read until the peer closes. */
function rawExchange(
  port: number,
  text: string,
  onFirstData?: () => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let out = "";
    sock.on("data", (d) => {
      const first = out === "";
      out += d.toString("latin1");
      if (first) onFirstData?.();
    });
    sock.on("error", reject);
    sock.on("close", () => resolve(out));
    sock.write(text);
  });
}

test("HTTP adapter: a GET reaches the handler as a Request and its Response comes back", async () => {
  // Recorded during the call: Deno and Bun invalidate a Request once answered.
  let seen: {
    method: string;
    url: string;
    asked: string | null;
    host: string | null;
  } | undefined;
  const server = await serve((request) => {
    seen = {
      method: request.method,
      url: request.url,
      asked: request.headers.get("x-asked"),
      host: request.headers.get("host"),
    };
    return Promise.resolve(
      new Response("héllo", {
        status: 201,
        headers: { "x-answer": "42", "content-type": "text/plain" },
      }),
    );
  });
  try {
    const res = await fetch(`${server.base}/path/to?q=a%20b&r=1`, {
      headers: { "x-asked": "yes" },
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("x-answer"), "42");
    assert.equal(await res.text(), "héllo");
    assert.equal(seen!.method, "GET");
    const url = new URL(seen!.url);
    assert.equal(url.pathname, "/path/to");
    assert.equal(url.searchParams.get("q"), "a b");
    assert.equal(url.port, String(server.port));
    assert.equal(seen!.asked, "yes");
    assert.equal(seen!.host, `127.0.0.1:${server.port}`);
  } finally {
    await server.close();
  }
});

test("HTTP adapter: a POST body reaches the handler whole", async () => {
  const server = await serve(async (request) => {
    const form = await request.formData();
    return new Response(
      `${request.method} ${form.get("a")?.toString().length} ${form.get("b")}`,
    );
  });
  try {
    const big = "x".repeat(300_000);
    const res = await fetch(`${server.base}/form`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ a: big, b: "<&>" }).toString(),
    });
    assert.equal(await res.text(), "POST 300000 <&>");
  } finally {
    await server.close();
  }
});

test("HTTP adapter: redirects, repeated Set-Cookie headers and HEAD", async () => {
  const server = await serve((request) => {
    const headers = new Headers({ location: "/next" });
    headers.append("set-cookie", "a=1; Path=/");
    headers.append("set-cookie", "b=2; Path=/");
    return Promise.resolve(
      request.method === "HEAD"
        ? new Response("body that HEAD must not get", {
          headers: { "x-head": "1" },
        })
        : new Response(null, { status: 303, headers }),
    );
  });
  try {
    const res = await fetch(`${server.base}/`, {
      method: "POST",
      redirect: "manual",
    });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/next");
    assert.deepEqual(res.headers.getSetCookie(), [
      "a=1; Path=/",
      "b=2; Path=/",
    ]);
    await res.body?.cancel();
    const head = await fetch(`${server.base}/`, { method: "HEAD" });
    assert.equal(head.headers.get("x-head"), "1");
    assert.equal(await head.text(), "");
  } finally {
    await server.close();
  }
});

test("HTTP adapter: a handler that throws gives a 500 and is reported", async () => {
  const errors: unknown[] = [];
  const server = await serve(
    () => Promise.reject(new Error("handler broke")),
    (err) => errors.push(err),
  );
  try {
    const res = await fetch(`${server.base}/`);
    assert.equal(res.status, 500);
    assert.doesNotMatch(await res.text(), /handler broke/);
    assert.equal((errors[0] as Error).message, "handler broke");
  } finally {
    await server.close();
  }
});

test("HTTP adapter: the Host header reaches the handler as sent", async () => {
  let host: string | null = null;
  const server = await serve((request) => {
    host = request.headers.get("host");
    return Promise.resolve(new Response("ok"));
  });
  try {
    const reply = await rawExchange(
      server.port,
      "GET / HTTP/1.1\r\nHost: rebound.example:7420\r\nConnection: close\r\n\r\n",
    );
    assert.match(reply, /^HTTP\/1\.1 200/);
    assert.equal(host, "rebound.example:7420");
  } finally {
    await server.close();
  }
});

test("HTTP adapter: a taken port is refused with EADDRINUSE", async () => {
  const first = await serve(() => Promise.resolve(new Response("ok")));
  try {
    const serveHttp = await defaultHttpServe();
    await assert.rejects(
      serveHttp(
        { host: "127.0.0.1", port: first.port },
        () => Promise.resolve(new Response("no")),
      ),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, "EADDRINUSE");
        return true;
      },
    );
  } finally {
    await first.close();
  }
});

test("HTTP adapter: close() ends keep-alive connections and frees the port", async () => {
  const server = await serve(() => Promise.resolve(new Response("ok")));
  const port = server.port;
  let closing: Promise<void> | undefined;
  // A keep-alive connection that stays open after its response.
  const reply = await rawExchange(
    port,
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    () => void (closing = server.close()),
  );
  assert.match(reply, /^HTTP\/1\.1 200/);
  await closing;
  await server.close(); // idempotent
  const serveHttp = await defaultHttpServe();
  const again = await serveHttp(
    { host: "127.0.0.1", port },
    () => Promise.resolve(new Response("again")),
  );
  try {
    assert.equal(
      await (await fetch(`http://127.0.0.1:${port}/`)).text(),
      "again",
    );
  } finally {
    await again.close();
  }
});
