import assert from "node:assert/strict";
import { backtestReportHtml } from "../../lib/plot/mod.ts";
import { writeTextAtomic } from "../../lib/util/fs.ts";
import { chromiumAvailable, openPage } from "./_browser.ts";
import { sampleReportInput } from "./_sample.ts";

const ARTIFACTS = "test-artifacts/plot";
// Without Chromium these tests are reported as ignored (chromiumAvailable throws under CI=true).
const BROWSER = chromiumAvailable("report_browser_test");

Deno.test({
  name: "backtest report from real sample data renders every chart in headless Chromium, offline",
  ignore: !BROWSER,
}, async () => {
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

Deno.test({
  name: "every figure builder renders in headless Chromium from real data (gallery page)",
  ignore: !BROWSER,
}, async () => {
  const { readBars, toArrays } = await import("../../lib/data/mod.ts");
  const { computeFeatures, REGIME_NAMES } = await import("../../lib/features/mod.ts");
  const { runBacktest } = await import("../../lib/backtest/mod.ts");
  const { getStrategy } = await import("../../lib/strategies/mod.ts");
  const { readJournal, runLive } = await import("../../lib/live/mod.ts");
  const plot = await import("../../lib/plot/mod.ts");
  const bars = await readBars("data/sample/metals/XAUUSD+_H4_202401020000_202512262000.csv");
  const a = toArrays(bars);
  const f = computeFeatures(a, [
    "energy_pct",
    "damping_pct",
    "regime",
    "agent_signal",
    "energy_v7",
    "atr",
    "kinetic_energy",
  ]);
  const runs = ["berserker", "sniper", "multi_agent_v7"].map((name) => ({
    name,
    r: runBacktest({ bars: a, meta: bars.meta, strategy: getStrategy(name), features: f }),
  }));
  const logs = await Deno.makeTempDir({ prefix: "kinetra-gallery-" });
  try {
    const session = await runLive(
      {
        mode: "virtual",
        strategy: "sma_cross",
        data: "data/sample/crypto/BTCUSD_H4_202401020000_202512282000.csv",
        logsDir: logs,
        yes: true,
        speed: 0,
      },
      { print: () => {} },
    );
    const journal = await readJournal(session.journal);
    const figs = [
      plot.candlestickFigure({
        title: "candles, overlays, regimes, trades",
        time: a.time,
        open: a.open,
        high: a.high,
        low: a.low,
        close: a.close,
        overlays: [{ name: "energy pct", values: f.energy_pct, panel: "pct" }, {
          name: "damping pct",
          values: f.damping_pct,
          panel: "pct",
        }],
        regimes: { labels: f.regime, names: Object.fromEntries(REGIME_NAMES.map((n, i) => [String(i), n])) },
        trades: runs[0].r.trades,
      }),
      plot.equityDrawdownFigure(
        runs.map(({ name, r }) => ({ name, time: a.time, equity: r.equity, drawdownPct: r.drawdownPct })),
        { title: "equity" },
      ),
      plot.returnDistributionFigure(
        runs.map(({ name, r }) => ({ name, values: r.trades.map((t) => t.return_pct) })),
        { title: "returns" },
      ),
      plot.mfeMaeFigure(runs[2].r.trades, { title: "mfe/mae" }),
      plot.strategySymbolHeatmap({
        results: runs.map(({ name, r }) => ({ strategy: name, symbol: "XAUUSD+", stats: r.toJSON().stats })),
      }),
      plot.chsTimelineFigure(journal.events, { title: "chs" }),
    ];
    const path = `${ARTIFACTS}/gallery.html`;
    await writeTextAtomic(path, plot.figureHtml(figs, { title: "Kinetra figure gallery" }));
    const visit = await openPage(path);
    try {
      const { page } = visit;
      assert.equal(await page.getAttribute("body", "data-render-error"), null);
      for (let i = 0; i < figs.length; i++) {
        assert.ok(await page.locator(`#k-fig-${i} svg.main-svg`).count() >= 1, `figure ${i} did not render`);
        const traces = await page.locator(`#k-fig-${i} g.trace, #k-fig-${i} g.hm`).count();
        assert.ok(traces >= 1, `figure ${i} drew no trace`);
      }
      assert.ok(await page.locator("#k-fig-4 g.hm image, #k-fig-4 g.hm").count() >= 1, "heatmap drawn");
      // The CHS line is drawn (its values are checked in figures_test.ts).
      assert.ok(
        journal.chs.length > 0 && await page.locator("#k-fig-5 path.js-line").count() >= 1,
        "CHS line drawn",
      );
      assert.deepEqual(visit.errors, []);
      assert.deepEqual(visit.consoleErrors, []);
      assert.deepEqual(visit.networkRequests, []);
      await page.screenshot({ path: `${ARTIFACTS}/gallery.png`, fullPage: true });
    } finally {
      await visit.close();
    }
  } finally {
    await Deno.remove(logs, { recursive: true }).catch(() => {});
  }
});
