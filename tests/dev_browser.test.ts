// The dashboard in a real browser (Debian's Chromium, driven by
// playwright-core): hostile job data stays text, actions need their token
// and the same origin, the password is required, pages update live, and
// Retry now works. Node only; skipped when /usr/bin/chromium is missing.
// The dashboard in a real browser (Debian's Chromium, driven by
// playwright-core): hostile job data stays text, actions need their token
// and the same origin, the password is required, pages update live, and
// every action does what it says on the server: Retry now, Delete and Kill
// (one job and a selection), Quiet and Stop of a worker process, pause,
// resume and clear of a queue. Skipped, loudly, when /usr/bin/chromium is
// missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Locator, Page } from "playwright-core";
import { Client } from "../mod.ts";
import { FaktoryServer, ServerAdmin } from "../testing/mod.ts";
import {
  browserSkip,
  count,
  type Dom,
  launch,
  loggedIn,
  serveDashboard,
  watched,
} from "./_browser.ts";

const PASSWORD = "browser-pw";
const EVIL = ["<script>alert(1)</script>", '"><img src=x onerror=alert(2)>'];
const skip = browserSkip("dev_browser");

let retried = 0;

/** A job with hostile arguments and error, failed once: a retry. */
async function hostileRetry(client: Client): Promise<string> {
  const queue = `evil${++retried}`;
  const jid = await client.push("Evil", [1, ...EVIL], { queue });
  const job = await client.fetch([queue]);
  await client.fail(job!.jid, {
    errtype: "<script>alert(3)</script>",
    message: '"><img src=x onerror=alert(4)>',
    backtrace: ["<img src=x onerror=alert(5)> at evil.js:1"],
  });
  return jid;
}

/** No element made from job data: no img, no inline script. */
function injected(page: Page): Promise<number> {
  return page.evaluate(() =>
    (globalThis as unknown as Dom).document.querySelectorAll(
      "img, script:not([src]), [onerror]",
    ).length
  );
}

/** The jids of a list of jobs. */
const jids = (jobs: Record<string, unknown>[]) => jobs.map((j) => j.jid);

/** Clicks a button of `page` (accepting its confirm) and waits for the notice. */
async function press(page: Page, button: Locator, done: RegExp) {
  await Promise.all([page.waitForURL(done), button.click()]);
  await page.locator(".notice").waitFor();
}

/** The row of a table that has a cell or link with exactly this text. */
function row(page: Page, text: string): Locator {
  return page.locator("tbody tr").filter({
    has: page.getByText(text, { exact: true }),
  });
}

test("dashboard in Chromium", { skip }, async (t) => {
  const server = await FaktoryServer.start({
    taskInterval: 0,
    fetchTimeout: 50,
  });
  const { web, base } = await serveDashboard(server, {
    password: PASSWORD,
    pollInterval: 200,
  });
  const client = await Client.connect({
    url: server.url,
    wid: "browser-w1",
    hostname: "<img src=x onerror=alert(6)>",
  });
  const browser = await launch();
  const context = await loggedIn(browser, PASSWORD);
  try {
    await t.test("a wrong or missing password is refused", async () => {
      for (const creds of [{ username: "u", password: "wrong" }, undefined]) {
        const other = await browser.newContext(
          creds ? { httpCredentials: creds } : {},
        );
        const page = await other.newPage();
        const statuses: number[] = [];
        const bodies: Promise<string>[] = [];
        page.on("response", (r) => {
          statuses.push(r.status());
          bodies.push(r.text().catch(() => ""));
        });
        // With wrong credentials Chromium gives up: ERR_INVALID_AUTH_CREDENTIALS.
        await page.goto(base).catch(() => {});
        assert.ok(
          statuses.length > 0 && statuses.every((s) => s === 401),
          String(statuses),
        );
        for (const body of await Promise.all(bodies)) {
          assert.doesNotMatch(body, /Processed/);
        }
        await other.close();
      }
    });

    await t.test("job arguments, errors and worker names show as text and run nothing", async () => {
      const jid = await hostileRetry(client);
      await client.push("Evil", EVIL, { queue: "q" });
      await client.fetch(["q"]); // running, on /busy
      await client.push("Evil", EVIL, { queue: "q" }); // waiting, on /queues/q
      const { page, alerts, errors } = await watched(context);
      for (
        const path of ["/retries", `/retries/${jid}`, "/queues/q", "/busy", "/"]
      ) {
        await page.goto(base + path);
        await page.waitForTimeout(300); // a live refresh or two
        assert.equal(await injected(page), 0, path);
      }
      await page.goto(`${base}/retries/${jid}`);
      const text = await page.locator("main").innerText();
      assert.ok(text.includes(EVIL[0]!) && text.includes(EVIL[1]!), text);
      assert.ok(text.includes("<img src=x onerror=alert(5)> at evil.js:1"));
      await page.goto(`${base}/busy`);
      assert.ok(
        (await page.locator("main").innerText()).includes(
          "<img src=x onerror=alert(6)>",
        ),
      );
      assert.deepEqual(alerts, []);
      assert.deepEqual(errors, []); // no CSP violation either
      await page.close();
    });

    await t.test("an action without its token is refused", async () => {
      // Its own context: live updates are turned off (the setting is kept),
      // else the next refresh would put the token back.
      const own = await loggedIn(browser, PASSWORD);
      const { page } = await watched(own);
      await page.goto(`${base}/retries`);
      await page.locator("[data-poll-select]").selectOption("0");
      await page.locator("[data-live-status]", { hasText: "Paused" }).waitFor();
      const before = server.retries().length;
      assert.ok(before > 0);
      // The form is sent without its token: taken out of the request itself,
      // so no refresh of the page can put it back in between.
      await page.route("**/*", async (route) => {
        const request = route.request();
        if (request.method() !== "POST") return await route.continue();
        const body = (request.postData() ?? "").split("&")
          .filter((field) => !field.startsWith("_csrf=")).join("&");
        await route.continue({ postData: body });
      });
      await page.locator("input[type=checkbox][name=key]").first().check();
      const [res] = await Promise.all([
        page.waitForNavigation(),
        page.getByRole("button", { name: "Delete", exact: true }).click(),
      ]);
      assert.equal(res?.status(), 403);
      assert.match(await page.content(), /security token/);
      assert.equal(server.retries().length, before);
      await own.close();
    });

    await t.test("a form on another origin is refused, even with the token", async () => {
      const token = /name="_csrf" value="([0-9a-f]{64})"/.exec(
        await (await fetch(`${base}/retries`, {
          headers: { authorization: `Basic ${btoa(`x:${PASSWORD}`)}` },
        })).text(),
      )![1]!;
      const evil = http.createServer((_req, res) => {
        res.setHeader("content-type", "text/html");
        res.end(
          `<form method="post" action="${base}/retries"><input name="_csrf" value="${token}"><input name="action" value="discard"><input name="key" value="all"></form><script>document.forms[0].submit()</script>`,
        );
      });
      await new Promise<void>((r) => evil.listen(0, "127.0.0.1", r));
      const { page } = await watched(context);
      try {
        const before = server.retries().length;
        const landed = page.waitForURL(`${base}/retries`);
        await page.goto(
          `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`,
        );
        await landed;
        assert.match(await page.content(), /same-site request may not change/);
        assert.equal(server.retries().length, before);
      } finally {
        await page.close();
        await new Promise((r) => evil.close(r));
      }
    });

    await t.test("the overview updates live after a push, without a reload", async () => {
      const { page, errors } = await watched(context);
      await page.goto(base);
      await page.evaluate(() => {
        (window as unknown as { marker: number }).marker = 42;
      });
      const enqueued = page.locator("[data-stat=enqueued]");
      const before = Number((await enqueued.innerText()).replace(/,/g, ""));
      await client.push("Live", [1], { queue: "fresh" });
      await page.waitForFunction(
        (n) =>
          (globalThis as unknown as Dom).document.querySelector(
            "[data-stat=enqueued]",
          )?.textContent ===
            String(n),
        before + 1,
        { timeout: 10_000 },
      );
      // The queue table is refreshed too, and the chart has its axes.
      await page.locator("#home-queues a[href='/queues/fresh']").waitFor({
        timeout: 10_000,
      });
      assert.ok(await page.locator("svg[data-chart] text").count() > 0);
      assert.equal(
        await page.locator("[data-live-status]").innerText(),
        "Live",
      );
      assert.equal(
        await page.evaluate(() =>
          (window as unknown as { marker?: number }).marker
        ),
        42,
      );
      assert.deepEqual(errors, []);
      await page.close();
    });

    await t.test("Retry now on a retry puts it back on its queue", async () => {
      const jid = await hostileRetry(client);
      const { page, errors } = await watched(context);
      await page.goto(`${base}/retries`);
      await page.locator(`input[name=key][value="${jid}"]`).check();
      assert.equal(
        await page.locator("[data-selected]").innerText(),
        "1 selected",
      );
      await Promise.all([
        page.waitForURL(/done=requeue&n=1/),
        page.getByRole("button", { name: "Retry now" }).click(),
      ]);
      assert.match(
        await page.locator(".notice").innerText(),
        /1 job queued to run now/,
      );
      assert.deepEqual(server.queue(`evil${retried}`).map((j) => j.jid), [jid]);
      assert.ok(!server.retries().some((j) => j.jid === jid));
      assert.deepEqual(errors, []);
      await page.close();
    });

    await t.test("Delete and Kill, on a job's page and on a selection, change the server's sets", async () => {
      const [one, two, three, four, five] = [
        await hostileRetry(client),
        await hostileRetry(client),
        await hostileRetry(client),
        await hostileRetry(client),
        await hostileRetry(client),
      ];
      const { page, errors } = await watched(context);
      const button = (name: string) =>
        page.getByRole("button", { name, exact: true });
      await page.goto(`${base}/retries/${one}`);
      await press(page, button("Delete"), /\/retries\?done=discard&n=1$/);
      assert.ok(!jids(server.retries()).includes(one));
      assert.ok(!jids(server.dead()).includes(one));
      await page.goto(`${base}/retries/${two}`);
      await press(page, button("Kill"), /\/retries\?done=kill&n=1$/);
      assert.ok(!jids(server.retries()).includes(two));
      assert.ok(jids(server.dead()).includes(two));

      await page.goto(`${base}/retries`);
      await page.locator(`input[name=key][value="${three}"]`).check();
      await press(page, button("Delete"), /done=discard&n=1$/);
      assert.ok(!jids(server.retries()).includes(three));
      assert.ok(!jids(server.dead()).includes(three));
      for (const jid of [four, five]) {
        await page.locator(`input[name=key][value="${jid}"]`).check();
      }
      assert.equal(
        await page.locator("[data-selected]").innerText(),
        "2 selected",
      );
      await press(page, button("Kill"), /done=kill&n=2$/);
      assert.match(await page.locator(".notice").innerText(), /2 jobs/);
      for (const jid of [four, five]) {
        assert.ok(!jids(server.retries()).includes(jid));
        assert.ok(jids(server.dead()).includes(jid));
      }
      assert.deepEqual(errors, []);
      await page.close();
    });

    await t.test("the Retries list and the Dead count update live, without a reload", async () => {
      const { page, errors } = await watched(context);
      await page.goto(`${base}/retries`);
      await page.evaluate(() => {
        (window as unknown as { marker: number }).marker = 7;
      });
      const dead = page.locator("[data-stat=dead]");
      const before = count(await dead.innerText());
      const jid = await hostileRetry(client);
      const listed = page.locator(`input[name=key][value="${jid}"]`);
      await listed.waitFor({ timeout: 10_000 });
      new ServerAdmin(server).mutate("retries", "kill", [jid]);
      await listed.waitFor({ state: "detached", timeout: 10_000 });
      await page.waitForFunction(
        (n) =>
          (globalThis as unknown as Dom).document.querySelector(
            "[data-stat=dead]",
          )?.textContent === String(n),
        before + 1,
        { timeout: 10_000 },
      );
      assert.equal(
        await page.evaluate(() =>
          (window as unknown as { marker?: number }).marker
        ),
        7,
      );
      assert.deepEqual(errors, []);
      await page.close();
    });

    await t.test("Quiet, then Stop, on /busy: the process's heartbeat turns quiet, then terminate", async () => {
      const worker = await Client.connect({
        url: server.url,
        wid: "browser-w2",
        hostname: "worker-host",
      });
      try {
        assert.equal(await worker.beat(), null);
        const { page, errors } = await watched(context);
        await page.goto(`${base}/busy`);
        const quiet = row(page, "browser-w2").getByRole("button", {
          name: "Quiet",
          exact: true,
        });
        await press(page, quiet, /\/busy\?done=quiet&n=1$/);
        assert.equal(await worker.beat(), "quiet");
        const stop = row(page, "browser-w2").getByRole("button", {
          name: "Stop",
          exact: true,
        });
        await press(page, stop, /\/busy\?done=stop&n=1$/);
        assert.equal(await worker.beat(), "terminate");
        const states = Object.fromEntries(
          server.workers().map((w) => [w.wid, w.state]),
        );
        assert.equal(states["browser-w1"], "running"); // only the one clicked
        assert.deepEqual(errors, []);
        await page.close();
      } finally {
        await worker.close();
      }
    });

    await t.test("Pause, Resume and Clear on /queues act on that queue only", async () => {
      await client.push("Report", [1], { queue: "reports" });
      await client.push("Report", [2], { queue: "reports" });
      const admin = new ServerAdmin(server);
      const { page, errors } = await watched(context);
      const button = (name: string) =>
        row(page, "reports").getByRole("button", { name, exact: true });
      await page.goto(`${base}/queues`);
      await press(page, button("Pause"), /\/queues\?done=pause&n=1$/);
      assert.deepEqual(admin.pausedQueues(), ["reports"]);
      await row(page, "reports").locator(".badge.paused").waitFor();
      await press(page, button("Resume"), /\/queues\?done=resume&n=1$/);
      assert.deepEqual(admin.pausedQueues(), []);
      await page.goto(`${base}/queues/reports`);
      assert.equal(await page.locator("tbody tr").count(), 2);
      await press(
        page,
        page.getByRole("button", { name: "Clear", exact: true }),
        /\/queues\?done=clear&n=1$/,
      );
      assert.ok(
        !("reports" in server.queues()),
        JSON.stringify(server.queues()),
      );
      assert.ok("q" in server.queues()); // the others stay
      assert.deepEqual(errors, []);
      await page.close();
    });

    await t.test("a page whose server went away is marked stale", async () => {
      const { page } = await watched(context);
      await page.goto(`${base}/queues`);
      await page.locator("[data-live-status].on").waitFor();
      await web.close();
      await page.locator("[data-live-status].stale").waitFor({
        timeout: 10_000,
      });
      assert.equal(
        await page.locator("[data-live-status]").innerText(),
        "Stale",
      );
      await page.close();
    });
  } finally {
    await browser.close();
    await client.close();
    await web.close();
    await server.stop();
  }
});
