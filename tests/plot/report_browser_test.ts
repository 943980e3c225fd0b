import assert from "node:assert/strict";
import { backtestReportHtml } from "../../lib/plot/mod.ts";
import { writeTextAtomic } from "../../lib/util/fs.ts";
import { chromiumAvailable, openPage } from "./_browser.ts";
import { sampleReportInput } from "./_sample.ts";

const ARTIFACTS = "test-artifacts/plot";

Deno.test("backtest report from real sample data renders every chart in headless Chromium, offline", async () => {
  if (!chromiumAvailable("report_browser_test")) return;
  const input = await sampleReportInput();
  assert.ok(input.trades.length > 20, "the sample strategy should trade");
  const html = backtestReportHtml(input);
  const path = `${ARTIFACTS}/report.html`;
  await writeTextAtomic(path, html);
  const visit = await openPage(path);
  try {
    const { page } = visit;
    assert.equal(await page.getAttribute("body", "data-render-error"), null);
    assert.equal(await page.getAttribute("body", "data-rendered"), "1");
    const charts = ["k-price", "k-equity", "k-mfe-mae", "k-returns"];
    for (const id of charts) {
      const svgs = await page.locator(`#${id} svg.main-svg`).count();
      assert.ok(svgs >= 1, `chart ${id} has no plotly svg`);
    }
    // Price chart: candlesticks drawn, and one marker per entry and per exit.
    const candles = await page.locator("#k-price g.trace.boxes path").count();
    assert.ok(candles > 100, `expected many candles, found ${candles}`);
    const markers = await page.locator("#k-price g.points path.point").count();
    assert.equal(markers, input.trades.length * 2, "one entry and one exit marker per closed trade");
    // Equity and drawdown panels both have a line.
    assert.ok(await page.locator("#k-equity g.trace.scatter path.js-line").count() >= 2);
    // MFE/MAE: one point per trade.
    assert.equal(await page.locator("#k-mfe-mae g.points path.point").count(), input.trades.length);
    // Histogram bars exist.
    assert.ok(await page.locator("#k-returns g.trace.bars path").count() > 3);
    // Stats table and trade table.
    assert.equal(
      await page.locator("#k-stats tbody tr").count(),
      Object.keys(input.stats).length,
    );
    assert.equal(await page.locator("#k-trades tbody tr").count(), input.trades.length);
    assert.deepEqual(visit.errors, [], "no page errors");
    assert.deepEqual(visit.consoleErrors, [], "no console errors");
    assert.deepEqual(visit.networkRequests, [], "the report must not touch the network");
    await page.screenshot({ path: `${ARTIFACTS}/report.png`, fullPage: true });
    const png = await Deno.stat(`${ARTIFACTS}/report.png`);
    assert.ok(png.size > 20_000, "screenshot written");
  } finally {
    await visit.close();
  }
});
