// The dashboard's handler, driven with Request objects: pages, actions,
// escaping, and its defences (password, CSRF token, cross-origin requests,
// Host allowlist, security headers).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "../mod.ts";
import { FaktoryServer } from "../testing/mod.ts";
import { createDashboard, type DashboardOptions } from "../dev/mod.ts";

const ORIGIN = "http://127.0.0.1:7420";
const EVIL_ARGS = [
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(2)>',
];

interface Env {
  server: FaktoryServer;
  client: Client;
  handle: (request: Request) => Promise<Response>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  text(path: string): Promise<string>;
  post(
    path: string,
    fields: Record<string, string | string[]>,
    headers?: Record<string, string>,
  ): Promise<Response>;
  token(): Promise<string>;
}

async function withDashboard(
  fn: (env: Env) => Promise<void>,
  options: DashboardOptions & { enterprise?: boolean } = {},
): Promise<void> {
  const { enterprise = false, ...dashboard } = options;
  const server = await FaktoryServer.start({
    taskInterval: 0,
    fetchTimeout: 50,
    enterprise,
  });
  const client = await Client.connect({
    url: server.url,
    wid: "dash-w1",
    hostname: "<b>host</b>",
    labels: ['"><img src=x onerror=alert(3)>'],
  });
  const handle = createDashboard(server, dashboard);
  const auth: Record<string, string> = options.password === undefined
    ? {}
    : { authorization: `Basic ${btoa(`any:${options.password}`)}` };
  const get = (path: string, headers: Record<string, string> = {}) =>
    handle(
      new Request(`${ORIGIN}${path}`, {
        headers: { host: "127.0.0.1:7420", ...auth, ...headers },
      }),
    );
  const env: Env = {
    server,
    client,
    handle,
    get,
    async text(path) {
      const res = await get(path);
      assert.equal(res.status, 200, `GET ${path}`);
      return await res.text();
    },
    post(path, fields, headers = {}) {
      const body = new URLSearchParams();
      for (const [k, v] of Object.entries(fields)) {
        for (const one of [v].flat()) body.append(k, one);
      }
      return handle(
        new Request(`${ORIGIN}${path}`, {
          method: "POST",
          headers: {
            host: "127.0.0.1:7420",
            "content-type": "application/x-www-form-urlencoded",
            "sec-fetch-site": "same-origin",
            ...auth,
            ...headers,
          },
          body: body.toString(),
        }),
      );
    },
    async token() {
      const page = await env.text("/retries");
      return /name="_csrf" value="([0-9a-f]{64})"/.exec(page)![1]!;
    },
  };
  try {
    await fn(env);
  } finally {
    await client.close();
    await server.stop();
  }
}

/** Pushes `n` jobs with hostile arguments and fails each once. */
async function retries(client: Client, n: number): Promise<string[]> {
  const jids: string[] = [];
  for (let i = 0; i < n; i++) {
    jids.push(await client.push("Evil", [i, ...EVIL_ARGS], { queue: "q" }));
  }
  for (let i = 0; i < n; i++) {
    const job = await client.fetch(["q"]);
    await client.fail(job!.jid, {
      errtype: "<script>Err</script>",
      message: '"><img src=x onerror=alert(4)>',
      backtrace: ["<script>alert(5)</script> at line 1"],
    });
  }
  return jids;
}

const PAGES = [
  "/",
  "/busy",
  "/queues",
  "/queues/q",
  "/retries",
  "/scheduled",
  "/dead",
];

test("createDashboard() serves every page with a strict CSP and no inline script, style or handler", async () => {
  await withDashboard(async (env) => {
    const [jid] = await retries(env.client, 1);
    for (const path of [...PAGES, `/retries/${jid}`, "/batches"]) {
      const res = await env.get(path);
      assert.equal(res.status, 200, path);
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe/);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(res.headers.get("x-frame-options"), "DENY");
      assert.equal(res.headers.get("cache-control"), "no-store");
      const page = await res.text();
      assert.doesNotMatch(
        page,
        /<script(?![^>]*\ssrc=)/,
        `${path}: inline script`,
      );
      // Inside tags (escaped text holds no "<"): no style or on* attribute.
      for (const tag of page.match(/<[^>]*>/g) ?? []) {
        assert.doesNotMatch(tag, /\sstyle=|\son[a-z]+=/i, `${path}: ${tag}`);
      }
      assert.match(
        page,
        /Processed[\s\S]*Failed[\s\S]*Busy[\s\S]*Enqueued[\s\S]*Retries[\s\S]*Scheduled[\s\S]*Dead/,
      );
    }
  }, { enterprise: true });
});

test("createDashboard() escapes job arguments, errors, backtraces, worker names and names from the URL", async () => {
  await withDashboard(async (env) => {
    const [jid] = await retries(env.client, 2);
    await env.client.push("Evil", EVIL_ARGS, { queue: "q" }); // listed on /queues/q
    await env.client.fetch(["q"]); // running: listed on /busy
    const pages = [
      ...PAGES,
      `/retries/${jid}`,
      `/queues/${encodeURIComponent("<script>alert(6)</script>")}`,
    ];
    for (const path of pages) {
      const page = await env.text(path);
      assert.doesNotMatch(page, /<script>alert|<img|<b>host|<script>Err/, path);
    }
    const list = await env.text("/retries");
    assert.match(list, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(list, /&quot;&gt;&lt;img src=x onerror=alert\(2\)&gt;/);
    assert.match(list, /&lt;script&gt;Err&lt;\/script&gt;/);
    const detail = await env.text(`/retries/${jid}`);
    assert.match(detail, /&lt;script&gt;alert\(5\)&lt;\/script&gt; at line 1/);
    assert.match(
      await env.text("/busy"),
      /&lt;b&gt;host&lt;\/b&gt;.*&quot;&gt;&lt;img/s,
    );
    assert.match(
      await env.text(
        `/queues/${encodeURIComponent("<script>alert(6)</script>")}`,
      ),
      /&lt;script&gt;alert\(6\)/,
    );
  });
});

test("createDashboard() refuses an action without the CSRF token, or with a wrong one", async () => {
  await withDashboard(async (env) => {
    const [jid] = await retries(env.client, 1);
    const missing = await env.post("/retries", {
      action: "discard",
      key: jid!,
    });
    assert.equal(missing.status, 403);
    assert.match(await missing.text(), /security token/);
    const wrong = await env.post("/retries", {
      action: "discard",
      key: jid!,
      _csrf: "0".repeat(64),
    });
    assert.equal(wrong.status, 403);
    assert.equal(env.server.retries().length, 1);
    const ok = await env.post("/retries", {
      action: "discard",
      key: jid!,
      _csrf: await env.token(),
    });
    assert.equal(ok.status, 303);
    assert.equal(env.server.retries().length, 0);
  });
});

test("createDashboard() refuses cross-origin actions as Go's CrossOriginProtection does, token or not", async () => {
  await withDashboard(async (env) => {
    await retries(env.client, 1);
    const _csrf = await env.token();
    const fields = { action: "discard", key: "all", _csrf };
    for (const site of ["cross-site", "same-site"]) {
      const res = await env.post("/retries", fields, {
        "sec-fetch-site": site,
      });
      assert.equal(res.status, 403, site);
    }
    const noFetchSite = { "sec-fetch-site": "" };
    const foreign = await env.post("/retries", fields, {
      ...noFetchSite,
      origin: "http://evil.example",
    });
    assert.equal(foreign.status, 403);
    assert.equal(env.server.retries().length, 1);
    // Origin matching Host passes, and so does a request from no browser.
    const sameOrigin = await env.post("/retries", fields, {
      ...noFetchSite,
      origin: ORIGIN,
    });
    assert.equal(sameOrigin.status, 303);
    assert.equal((await env.post("/retries", fields, noFetchSite)).status, 303);
    assert.equal(
      (await env.post("/retries", fields, { "sec-fetch-site": "none" })).status,
      303,
    );
  });
});

test("createDashboard() asks for the password with HTTP Basic auth, any user name", async () => {
  await withDashboard(async (env) => {
    const none = await env.handle(
      new Request(`${ORIGIN}/`, { headers: { host: "127.0.0.1:7420" } }),
    );
    assert.equal(none.status, 401);
    assert.equal(none.headers.get("www-authenticate"), 'Basic realm="Faktory"');
    assert.match(none.headers.get("content-security-policy") ?? "", /'self'/);
    for (
      const credentials of ["admin:wrong", "admin:s3cret!", "s3cret", "admin:"]
    ) {
      const res = await env.get("/static/app.js", {
        authorization: `Basic ${btoa(credentials)}`,
      });
      assert.equal(res.status, 401, credentials);
    }
    assert.equal(
      (await env.get("/", { authorization: "Basic !!not-base64" })).status,
      401,
    );
    assert.equal((await env.get("/")).status, 200); // any:s3cret
    const other = await env.get("/", {
      authorization: `Basic ${btoa("someone:s3cret")}`,
    });
    assert.equal(other.status, 200);
  }, { password: "s3cret" });
});

test("createDashboard() answers only to loopback Host names by default (DNS rebinding)", async () => {
  await withDashboard(async (env) => {
    const forbidden = await env.get("/", { host: "rebind.evil.example:7420" });
    assert.equal(forbidden.status, 403);
    for (const host of ["localhost:7420", "[::1]:7420", "127.0.0.1"]) {
      assert.equal((await env.get("/", { host })).status, 200, host);
    }
  });
  await withDashboard(async (env) => {
    assert.equal(
      (await env.get("/", { host: "faktory.lan:7420" })).status,
      200,
    );
  }, { hosts: "any" });
  await withDashboard(async (env) => {
    assert.equal(
      (await env.get("/", { host: "faktory.lan:7420" })).status,
      200,
    );
    assert.equal((await env.get("/", { host: "other.lan" })).status, 403);
  }, { hosts: ["faktory.lan"] });
});

test("createDashboard(): Retry now, Delete and Kill on a selection, and on all", async () => {
  await withDashboard(async (env) => {
    const jids = await retries(env.client, 5);
    const _csrf = await env.token();
    const requeue = await env.post("/retries", {
      action: "requeue",
      key: [jids[0]!, jids[1]!],
      back: "/retries?page=1",
      _csrf,
    });
    assert.equal(requeue.status, 303);
    assert.equal(
      requeue.headers.get("location"),
      "/retries?page=1&done=requeue&n=2",
    );
    assert.deepEqual(
      env.server.queue("q").map((j) => j.jid).sort(),
      [jids[0], jids[1]].sort(),
    );
    const after = await env.text("/retries?done=requeue&n=2");
    assert.match(after, /2 jobs queued to run now/);
    await env.post("/retries", { action: "kill", key: jids[2]!, _csrf });
    assert.deepEqual(env.server.dead().map((j) => j.jid), [jids[2]]);
    // Kill all moves every retry to the dead set (it does not enqueue them).
    const all = await env.post("/retries", {
      action: "kill",
      key: "all",
      _csrf,
    });
    assert.equal(all.headers.get("location"), "/retries?done=kill&n=2");
    assert.equal(env.server.retries().length, 0);
    assert.equal(env.server.dead().length, 3);
    assert.equal(env.server.queue("q").length, 2);
    // Dead jobs: retry one, delete the rest; kill is not offered there.
    const bad = await env.post("/dead", { action: "kill", key: "all", _csrf });
    assert.equal(bad.status, 400);
    await env.post("/dead", { action: "requeue", key: jids[2]!, _csrf });
    assert.equal(env.server.queue("q").length, 3);
    await env.post("/dead", { action: "discard", key: "all", _csrf });
    assert.equal(env.server.dead().length, 0);
    const nothing = await env.post("/dead", { action: "discard", _csrf });
    assert.equal(nothing.headers.get("location"), "/dead?done=none&n=0");
  });
});

test("createDashboard(): Enqueue now and Delete on scheduled jobs", async () => {
  await withDashboard(async (env) => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const a = await env.client.push("Later", [1], { queue: "s", at });
    await env.client.push("Later", [2], { queue: "s", at });
    assert.match(
      await env.text("/scheduled"),
      /in (1 hour|60 minutes|59 minutes)/,
    );
    const _csrf = await env.token();
    await env.post("/scheduled", { action: "requeue", key: a, _csrf });
    assert.deepEqual(env.server.queue("s").map((j) => j.jid), [a]);
    await env.post("/scheduled", { action: "discard", key: "all", _csrf });
    assert.equal(env.server.scheduled().length, 0);
  });
});

test("createDashboard(): pause, resume and clear a queue", async () => {
  await withDashboard(async (env) => {
    await env.client.push("A", [1], { queue: "mail" });
    const _csrf = await env.token();
    const pause = await env.post("/queues", {
      action: "pause",
      queue: "mail",
      _csrf,
    });
    assert.equal(pause.headers.get("location"), "/queues?done=pause&n=1");
    assert.equal(await env.client.fetch(["mail"]), null);
    assert.match(await env.text("/queues"), /paused/);
    await env.post("/queues", {
      action: "resume",
      queue: "mail",
      back: "/queues/mail",
      _csrf,
    });
    const job = await env.client.fetch(["mail"]);
    assert.equal(job?.jobtype, "A");
    await env.client.push("B", [2], { queue: "mail" });
    await env.post("/queues", { action: "clear", queue: "mail", _csrf });
    assert.deepEqual(env.server.queues(), {});
    const bad = await env.post("/queues", {
      action: "pause",
      queue: "*",
      _csrf,
    });
    assert.equal(bad.status, 400);
  });
});

test("createDashboard(): Quiet and Stop one process, or all", async () => {
  await withDashboard(async (env) => {
    const other = await Client.connect({ url: env.server.url, wid: "dash-w2" });
    try {
      const _csrf = await env.token();
      const quiet = await env.post("/busy", {
        action: "quiet",
        wid: "dash-w1",
        _csrf,
      });
      assert.equal(quiet.headers.get("location"), "/busy?done=quiet&n=1");
      assert.equal(await env.client.beat(), "quiet");
      // A quiet process is offered Stop only; the others Quiet too.
      const quietForm = (wid: string) =>
        new RegExp(
          `value="quiet">\\s*<input type="hidden" name="wid" value="${wid}"`,
        );
      const page = await env.text("/busy");
      assert.doesNotMatch(page, quietForm("dash-w1"));
      assert.match(page, quietForm("dash-w2"));
      assert.equal(await other.beat(), null);
      const stop = await env.post("/busy", {
        action: "stop",
        wid: "all",
        _csrf,
      });
      assert.equal(stop.headers.get("location"), "/busy?done=stop&n=2");
      assert.equal(await env.client.beat(), "terminate");
      assert.equal(await other.beat(), "terminate");
      const gone = await env.post("/busy", {
        action: "quiet",
        wid: "nobody",
        _csrf,
      });
      assert.equal(gone.headers.get("location"), "/busy?done=quiet&n=0");
    } finally {
      await other.close();
    }
  });
});

test("createDashboard(): a job that is gone redirects to its list", async () => {
  await withDashboard(async (env) => {
    const res = await env.get("/retries/nosuchjob1234");
    assert.equal(res.status, 302);
    assert.equal(res.headers.get("location"), "/retries?done=gone");
    assert.match(await env.text("/retries?done=gone"), /no longer there/);
  });
});

test("createDashboard(): /api/stats has the summary and the counters' history", async () => {
  let now = Date.parse("2030-01-01T00:00:00Z");
  await withDashboard(async (env) => {
    const first = await (await env.get("/api/stats")).json();
    assert.deepEqual(first.summary, {
      processed: 0,
      failed: 0,
      busy: 0,
      enqueued: 0,
      retries: 0,
      scheduled: 0,
      dead: 0,
    });
    assert.deepEqual(first.history, [[now, 0, 0]]);
    await retries(env.client, 2);
    await env.client.push("X", [], { queue: "q" });
    now += 2000;
    const second = await (await env.get(`/api/stats?since=${first.now}`))
      .json();
    assert.deepEqual(second.history, [[now, 2, 2]]);
    assert.equal(second.summary.retries, 2);
    assert.equal(second.summary.enqueued, 1);
    assert.equal(second.summary.failed, 2);
  }, { now: () => now });
});

test("createDashboard(): static files, unknown paths, methods and bodies", async () => {
  await withDashboard(async (env) => {
    const js = await env.get("/static/app.js");
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /javascript/);
    assert.match(js.headers.get("cache-control") ?? "", /immutable/);
    assert.match(await js.text(), /^"use strict";/);
    assert.match(
      (await env.get("/static/app.css")).headers.get("content-type")!,
      /css/,
    );
    for (
      const path of [
        "/static/nope.js",
        "/static/constructor",
        "/nope",
        "/retries/a/b",
        "/batches",
      ]
    ) {
      assert.equal((await env.get(path)).status, 404, path);
    }
    const put = await env.handle(
      new Request(`${ORIGIN}/`, {
        method: "PUT",
        headers: { host: "127.0.0.1:7420" },
      }),
    );
    assert.equal(put.status, 405);
    const _csrf = await env.token();
    const json = await env.post("/retries", { _csrf }, {
      "content-type": "application/json",
    });
    assert.equal(json.status, 415);
    const big = await env.post("/retries", { _csrf, pad: "x".repeat(1 << 20) });
    assert.equal(big.status, 413);
    assert.equal((await env.post("/nope", { _csrf })).status, 404);
  });
});

test("createDashboard(): links and redirects go under X-Script-Name", async () => {
  await withDashboard(async (env) => {
    const page = await (await env.get("/", { "x-script-name": "/faktory" }))
      .text();
    assert.match(page, /href="\/faktory\/busy"/);
    assert.match(page, /src="\/faktory\/static\/app\.js/);
    const gone = await env.get("/dead/nosuchjob1234", {
      "x-script-name": "/faktory",
    });
    assert.equal(gone.headers.get("location"), "/faktory/dead?done=gone");
    const odd = await (await env.get("/", { "x-script-name": '/a"><b' }))
      .text();
    assert.match(odd, /href="\/busy"/);
  });
});

test("createDashboard() never shows the server's password", async () => {
  const server = await FaktoryServer.start({
    password: "hunter2-secret",
    taskInterval: 0,
  });
  try {
    const handle = createDashboard(server);
    for (const path of ["/", "/busy", "/queues"]) {
      const res = await handle(
        new Request(`${ORIGIN}${path}`, {
          headers: { host: "127.0.0.1:7420" },
        }),
      );
      const page = await res.text();
      assert.doesNotMatch(page, /hunter2/, path);
      assert.match(page, new RegExp(`tcp://127\\.0\\.0\\.1:${server.port}`));
    }
  } finally {
    await server.stop();
  }
});

test("createDashboard() says in words that a set is empty", async () => {
  await withDashboard(async (env) => {
    assert.match(await env.text("/retries"), /No jobs wait for a retry\./);
    assert.match(await env.text("/scheduled"), /No scheduled jobs\./);
    assert.match(await env.text("/dead"), /No dead jobs\./);
  });
});
