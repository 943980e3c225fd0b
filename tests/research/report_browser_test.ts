/**
 * The optimise and walk-forward reports render every chart in headless Chromium, offline, with no
 * page or console error: heatmap, Monte Carlo fan, equity (optimise); windows over the stitched
 * equity (walk-forward). Data: backtesting.py's EURUSD reference.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { optimize } from "../../lib/research/optimize.ts";
import { optimizeReportHtml, walkForwardReportHtml } from "../../lib/research/report.ts";
import { walkForward } from "../../lib/research/walkforward.ts";
import { writeTextAtomic } from "../../lib/util/fs.ts";
import { referenceDataDir } from "../../lib/util/paths.ts";
import { chromiumAvailable, openPage } from "../plot/_browser.ts";

const ARTIFACTS = "test-artifacts/research";
// Without Chromium these tests are reported as ignored (chromiumAvailable throws under CI=true).
const BROWSER = chromiumAvailable("research report_browser_test");
const EURUSD = join(referenceDataDir(), "EURUSD.csv");
const sweep = {
  data: { file: EURUSD },
  strategy: "sma_cross",
  grid: ["fast=5:25:5", "slow=20:60:10"],
  constraints: ["fast<slow"],
  config: { profile: "compat" as const },
  workers: 0,
};

async function check(path: string, minCharts: number): Promise<void> {
  const visit = await openPage(path);
  try {
    const { page } = visit;
    assert.equal(await page.getAttribute("body", "data-render-error"), null);
    assert.equal(await page.getAttribute("body", "data-rendered"), "1");
    const charts = await page.locator("div.js-plotly-plot").count();
    assert.ok(charts >= minCharts, `${path}: ${charts} charts, expected ${minCharts}`);
    assert.deepEqual(visit.errors, [], "no page errors");
    assert.deepEqual(visit.consoleErrors, [], "no console errors");
    assert.deepEqual(visit.networkRequests, [], "offline");
  } finally {
    await visit.close();
  }
}

Deno.test({
  name: "optimise report: heatmap, Monte Carlo fan and equity render offline",
  ignore: !BROWSER,
}, async () => {
  const r = await optimize({ ...sweep, monteCarlo: 200 });
  const path = `${ARTIFACTS}/optimize.html`;
  await writeTextAtomic(path, optimizeReportHtml(r));
  await check(path, 3);
  const html = await Deno.readTextFile(path);
  assert.match(html, /"type":"heatmap"/);
  assert.match(html, /Overfitting statistics/);
});

Deno.test({
  name: "walk-forward report: windows over the stitched out-of-sample equity render offline",
  ignore: !BROWSER,
}, async () => {
  const r = await walkForward({ ...sweep, train: 1500, test: 500 });
  const path = `${ARTIFACTS}/walkforward.html`;
  await writeTextAtomic(path, walkForwardReportHtml(r));
  await check(path, 1);
  assert.match(await Deno.readTextFile(path), /out-of-sample equity \(stitched\)/);
});
