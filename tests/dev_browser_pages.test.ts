// Every page of the dashboard in a real browser (Debian's Chromium, driven by
// playwright-core), on an Enterprise server filled with ten minutes of a
// small app's life: each page loads, shows its data, runs its script without
// an error, and is saved as a full-page screenshot, 1280 pixels wide, to
// .screenshots/ (or to $SCREENSHOTS: `npm run screenshots` refreshes the
// README's images in docs/screenshots/). Skipped, loudly, without Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { FaktoryServer } from "../testing/mod.ts";
import {
  browserSkip,
  count,
  launch,
  loggedIn,
  screenshotDir,
  serveDashboard,
  shoot,
  watched,
} from "./_browser.ts";
import { Clock, populate, type Populated } from "./_browser_data.ts";
import { seededRandom } from "./_seeded.ts";

const skip = browserSkip("dev_browser_pages");

test(
  "every dashboard page in Chromium, each with a screenshot",
  { skip },
  async (t) => {
    const clock = new Clock();
    const server = await FaktoryServer.start({
      enterprise: true,
      taskInterval: 0,
      fetchTimeout: 50,
      now: clock.now,
      random: seededRandom(7),
    });
    const { web, base } = await serveDashboard(server, {
      pollInterval: 1000,
      now: clock.now,
      address: "tcp://127.0.0.1:7419", // what `faktory-worker dev` shows
    });
    const browser = await launch();
    let data: Populated | undefined;
    try {
      // Each step of the story is sampled, as a page's polling would.
      data = await populate(server, clock, async () => {
        await (await fetch(`${base}/api/stats`)).arrayBuffer();
      });
      const { retry, batch } = data;
      const dir = screenshotDir();
      const context = await loggedIn(browser);
      const { page, alerts, errors } = await watched(context);
      const pages: [name: string, path: string, shows: RegExp][] = [
        ["overview", "/", /Dashboard[\s\S]*mailers[\s\S]*Uptime/],
        ["busy", "/busy", /worker-1[\s\S]*worker-3[\s\S]*quiet/],
        ["queues", "/queues", /critical[\s\S]*reports\s+\d+[\s\S]*paused/],
        ["queue", "/queues/default", /ResizeImage|SyncInventory/],
        ["scheduled", "/scheduled", /GenerateReport/],
        ["retries", "/retries", /TimeoutError|HttpError/],
        ["retry", `/retries/${retry}`, /Backtrace\s+\S+: .*\n\s+at /],
        ["dead", "/dead", /(Error|Declined): /],
        [
          "batches",
          "/batches",
          /^(?=[\s\S]*Import customers from CSV)(?=[\s\S]*Nightly invoices)/,
        ],
        ["batch", `/batches/${batch}`, /Import customers from CSV/],
      ];
      for (const [name, path, shows] of pages) {
        await t.test(`${path} (${name}.png)`, async () => {
          const res = await page.goto(base + path);
          assert.equal(res?.status(), 200);
          assert.equal(new URL(page.url()).pathname, path);
          await page.locator("[data-live-status].on").waitFor();
          if (path === "/") {
            await page.locator("svg[data-chart] path.processed").waitFor();
          }
          assert.match(await page.locator("main").innerText(), shows);
          await shoot(page, dir, name);
          assert.ok(statSync(join(dir, `${name}.png`)).size > 10_000);
        });
      }
      // The summary bar says what the server holds.
      for (
        const [stat, n] of [
          ["retries", server.retries().length],
          ["dead", server.dead().length],
          ["scheduled", server.scheduled().length],
          ["busy", server.busy().length],
        ] as const
      ) {
        const shown = await page.locator(`[data-stat=${stat}]`).innerText();
        assert.equal(count(shown), n, stat);
      }
      assert.deepEqual(alerts, []);
      assert.deepEqual(errors, []);
      await context.close();
    } finally {
      await browser.close();
      for (const w of data?.workers ?? []) await w.close();
      await web.close();
      await server.stop();
    }
  },
);
