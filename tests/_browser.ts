// What the browser tests share: Debian's Chromium driven by playwright-core
// (a loud skip when it is missing), pages that record dialogs and errors, a
// dashboard served over HTTP, and full-page screenshots.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { FaktoryServer } from "../testing/mod.ts";
import { createDashboard, type DashboardOptions } from "../dev/mod.ts";
import { defaultHttpServe } from "../adapters/runtime.ts";
import type { HttpServer } from "../adapters/http.ts";
import { root, runtime } from "./_spawn.ts";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * The skip reason of a browser test file, or false. The browser tests run on
 * Node: what they check is the page and the server, and the dashboard's HTTP
 * side on Deno and Bun is tested without a browser (dev_dashboard, dev_cli).
 * A missing browser is said on stderr too, in one line, so that a run
 * without one is noticed.
 */
export function browserSkip(file: string): string | false {
  if (runtime !== "node") {
    return "a browser test: run on Node (the page and the server are the same on every runtime)";
  }
  if (existsSync(CHROMIUM)) return false;
  const why = `no Chromium at ${CHROMIUM}; apt-get install -y chromium`;
  console.error(`${file}: SKIPPED — ${why}`);
  return why;
}

export async function launch(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** A browser context (logged in with `password`, if any), 1280 pixels wide. */
export async function loggedIn(
  browser: Browser,
  password?: string,
): Promise<BrowserContext> {
  const context = await browser.newContext({
    ...(password === undefined
      ? {}
      : { httpCredentials: { username: "anyone", password } }),
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(10_000);
  return context;
}

/** A page that records dialogs, console errors and uncaught errors. */
export async function watched(context: BrowserContext): Promise<{
  page: Page;
  alerts: string[];
  errors: string[];
}> {
  const page = await context.newPage();
  const alerts: string[] = [];
  const errors: string[] = [];
  page.on("dialog", (d) => {
    if (d.type() === "confirm") return void d.accept();
    alerts.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on("console", (m) => {
    // A refused action's page is an expected failed load; anything else is not.
    if (m.type() === "error" && !/Failed to load resource/.test(m.text())) {
      errors.push(m.text());
    }
  });
  page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
  return { page, alerts, errors };
}

/** The little of the DOM the page callbacks use (Deno's checker has no DOM types). */
export interface Dom {
  document: {
    querySelectorAll(
      selector: string,
    ): ArrayLike<unknown> & Iterable<{ remove(): void }>;
    querySelector(selector: string): { textContent: string | null } | null;
  };
}

/** The dashboard of `server` on a free port, and its base URL. */
export async function serveDashboard(
  server: FaktoryServer,
  options: DashboardOptions,
): Promise<{ web: HttpServer; base: string }> {
  const serve = await defaultHttpServe();
  const web = await serve({ port: 0 }, createDashboard(server, options));
  return { web, base: `http://127.0.0.1:${web.port}` };
}

/**
 * Where screenshots go: `SCREENSHOTS` (relative to the repository, e.g.
 * docs/screenshots for the README's images), else .screenshots/ (ignored by git).
 */
export function screenshotDir(): string {
  const dir = join(root, process.env.SCREENSHOTS || ".screenshots");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Saves a full-page screenshot of `page` as `<dir>/<name>.png`. */
export async function shoot(page: Page, dir: string, name: string) {
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** A number as a stat shows it, read back. */
export function count(text: string): number {
  return Number(text.replace(/[^0-9]/g, ""));
}
