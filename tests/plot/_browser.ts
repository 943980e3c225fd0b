/**
 * Test helper: headless Debian Chromium through playwright-core (flags from
 * deno-toolchain.md §7). Missing Chromium: a loud skip locally, a failure under CI=true.
 */
import { existsSync } from "node:fs";
import { chromium, type Page } from "playwright-core";

export const CHROMIUM = Deno.env.get("KINETRA_CHROMIUM") ?? "/usr/bin/chromium";

/** True when the browser tests can run; prints a loud skip (or throws under CI) otherwise. */
export function chromiumAvailable(testName: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  const msg = `${testName}: Chromium not found at ${CHROMIUM} (apt-get install chromium)`;
  if (Deno.env.get("CI") === "true") throw new Error(`${msg}; browser tests are required under CI=true`);
  console.warn(`\n!!!!! SKIPPED ${msg}. The HTML report is NOT checked in a browser. !!!!!\n`);
  return false;
}

/** What a page load observed. */
export interface PageVisit {
  page: Page;
  errors: string[];
  consoleErrors: string[];
  /** Requests other than file:// and data: URLs (must stay empty: reports work offline). */
  networkRequests: string[];
  close(): Promise<void>;
}

/** Open a local HTML file in a fresh headless Chromium and wait for `body[data-rendered]`. */
export async function openPage(path: string, viewport = { width: 1280, height: 900 }): Promise<PageVisit> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  const consoleErrors: string[] = [];
  const networkRequests: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith("file://") && !u.startsWith("data:") && !u.startsWith("blob:")) networkRequests.push(u);
  });
  const url = "file://" + (path.startsWith("/") ? path : `${Deno.cwd()}/${path}`);
  await page.goto(url);
  await page.waitForSelector("body[data-rendered='1'], body[data-render-error]", { timeout: 30_000 });
  return { page, errors, consoleErrors, networkRequests, close: () => browser.close() };
}
