/**
 * The backtest report reads well for a trader: entries visible next to exits (long under, short
 * above), the strategy's indicators and a buy & hold line, a monthly returns table, per-trade costs
 * and duration, statistics with readable labels and units, times without a spurious "Z", and
 * candles re-aggregated on zoom so that zooming in shows the real bars.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { runBacktest } from "../../lib/backtest/mod.ts";
import { readBars, toArrays } from "../../lib/data/mod.ts";
import {
  backtestReportHtml,
  backtestReportInput,
  monthlyReturns,
  STAT_LABELS,
  statsTableHtml,
  tradesTableHtml,
  tradeTraces,
} from "../../lib/plot/mod.ts";
import { getStrategy } from "../../lib/strategies/mod.ts";
import { writeTextAtomic } from "../../lib/util/fs.ts";
import { CHROMIUM, openPage } from "./_browser.ts";

const FILE = "data/sample/metals/XAUUSD+_H4_202401020000_202512262000.csv";

async function run(strategy: string) {
  const bars = await readBars(FILE);
  const a = toArrays(bars);
  const s = getStrategy(strategy);
  const result = runBacktest({ bars: a, meta: bars.meta, strategy: s });
  return { a, s, result, input: backtestReportInput({ title: "t", bars: a, result, strategy: s }) };
}

Deno.test("always in the market: each entry marker sits beside the previous exit (long under, short above)", async () => {
  const { input, result } = await run("sma_cross");
  const traces = tradeTraces(input.trades, { x: "x", y: "y" }, { entryOffset: 2 });
  const by = (name: string) => traces.find((t) => t.name === name)!;
  const longs = by("long entry"), shorts = by("short entry");
  const trade = result.trades.find((t) => t.side === "long")!;
  const i = (longs.x as number[]).indexOf(Date.parse(trade.entry_time));
  assert.equal((longs.y as number[])[i], trade.entry_price - 2, "a long entry sits under its price");
  const short = result.trades.find((t) => t.side === "short")!;
  const j = (shorts.x as number[]).indexOf(Date.parse(short.entry_time));
  assert.equal((shorts.y as number[])[j], short.entry_price + 2, "a short entry sits above its price");
  // The exits stay at their prices, so a reversal shows both markers.
  const exits = [...(by("exit (win)").y as number[]), ...(by("exit (loss)").y as number[])];
  assert.ok(exits.includes(result.trades[0].exit_price));
});

Deno.test("the report input carries the strategy's indicators, its signal strip and the first traded bar", async () => {
  const sma = (await run("sma_cross")).input;
  assert.deepEqual(sma.overlays!.map((o) => o.name), ["SMA 10", "SMA 30"]);
  assert.ok(Number.isNaN(sma.overlays![1].values[28]) && Number.isFinite(sma.overlays![1].values[29]));
  assert.equal(sma.firstBar, 30);
  assert.equal(sma.priceDigits, 2);
  const v7 = (await run("berserker")).input;
  assert.equal(v7.overlays![0].panel, "energy");
  assert.equal(v7.regimes!.title, "signal");
  const html = backtestReportHtml(sma, { plotly: "" });
  const figures = JSON.parse(
    html.match(/<script type="application\/json" id="k-figures">(.*?)<\/script>/s)![1],
  );
  const equity = figures.find((f: { id: string }) => f.id === "k-equity").figure.data;
  const bh = equity.find((d: { name: string }) => d.name === "buy & hold");
  assert.ok(bh, "a buy & hold line on the equity chart");
  // Buy & hold starts at the first traded bar with the starting equity, and follows the close.
  const k = bh.x.indexOf(sma.time[30]);
  assert.equal(bh.y[k], sma.equity[30]);
  const last = sma.time.length - 1;
  assert.ok(Math.abs(bh.y[bh.y.length - 1] - sma.equity[30] * sma.close[last] / sma.close[30]) < 1e-6);
});

Deno.test("monthly returns: month-end equity over the previous month-end, compounded per year in the table", () => {
  const t = (d: string) => Date.parse(d + "T00:00:00Z");
  const time = [t("2024-01-02"), t("2024-01-31"), t("2024-02-15"), t("2024-02-28"), t("2024-03-01")];
  const equity = [100, 110, 105, 99, 99];
  const m = monthlyReturns(time, equity);
  assert.deepEqual(m.map((r) => r.month), [0, 1, 2]);
  assert.ok(Math.abs(m[0].pct - 10) < 1e-9 && Math.abs(m[1].pct + 10) < 1e-9 && m[2].pct === 0);
  const html = backtestReportHtml(
    {
      title: "m",
      time,
      open: equity,
      high: equity,
      low: equity,
      close: equity,
      equity,
      drawdownPct: [0, 0, 0, 0, 0],
      trades: [],
      stats: {},
    },
    { plotly: "" },
  );
  assert.match(html, /<table class="k-table" id="k-monthly">/);
  assert.match(html, /<td>2024<\/td><td class="k-pos"[^>]*>10\.00<\/td><td class="k-neg"[^>]*>-10\.00<\/td>/);
  assert.match(html, />-1\.00<\/td><\/tr>/, "the year compounds: 1.1 × 0.9 − 1 = −1 %");
});

Deno.test("statistics: readable labels with units, consistent formats, times without Z", async () => {
  const { result } = await run("sma_cross");
  const stats = result.toJSON().stats;
  const html = statsTableHtml(stats);
  for (const k of Object.keys(stats)) {
    assert.ok(k in STAT_LABELS, `a label for ${k}`);
    assert.ok(
      html.includes(
        `<tr data-key="${k}"><td>${
          STAT_LABELS[k].replace("&", "&amp;").replace("[money]", "[account currency]")
        }</td>`,
      ),
      k,
    );
  }
  assert.doesNotMatch(html, /<td>[a-z]+_[a-z_]+<\/td>/, "no snake_case field names");
  assert.doesNotMatch(html, /\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z/, "no Z on export-clock times");
  assert.match(html, /<td>Trades<\/td><td>120<\/td>/);
  assert.match(html, /<td>Return \[%\]<\/td><td class="k-pos">\d+\.\d{2}<\/td>/);
  assert.match(html, /<td>Start<\/td><td>2024-01-02 00:00<\/td>/);
});

Deno.test("trade table: duration, per-trade costs and swap, prices to the symbol's digits, no Z", async () => {
  const { result, input } = await run("sma_cross");
  const html = tradesTableHtml(input.trades, 5, { priceDigits: 2 });
  for (
    const h of [
      "Entry time",
      "Exit time",
      "Duration",
      "Side",
      "Size [lots]",
      "Entry price",
      "P&amp;L",
      "Costs",
      "Swap",
    ]
  ) {
    assert.ok(html.includes(`<th>${h}</th>`), h);
  }
  assert.doesNotMatch(html, /\d{2}:\d{2}(:\d{2})?Z/);
  const t = result.trades[0];
  const hours = (Date.parse(t.exit_time) - Date.parse(t.entry_time)) / 3.6e6;
  const expect = hours >= 24 ? `${Math.floor(hours / 24)}d ${hours % 24}h` : `${hours}h`;
  assert.ok(html.includes(`<td>${expect}</td>`), `duration ${expect}`);
  const costs = (t.commission + t.spread_cost + t.slippage_cost).toFixed(2);
  assert.ok(html.includes(`<td>${costs}</td>`), `costs ${costs}`);
  assert.ok(
    html.includes(
      `<td>${
        t.entry_price.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })
      }</td>`,
    ),
  );
});

const browser = existsSync(CHROMIUM);
Deno.test({
  name: "zooming the price chart re-aggregates the candles: the real bars appear, autorange goes back",
  ignore: !browser && Deno.env.get("CI") !== "true",
  async fn() {
    if (!browser) {
      throw new Error(`Chromium not found at ${CHROMIUM}; browser tests are required under CI=true`);
    }
    const { input } = await run("sma_cross");
    const path = "test-artifacts/plot/report_zoom.html";
    await writeTextAtomic(path, backtestReportHtml(input, { maxCandles: 300 }));
    const visit = await openPage(path);
    try {
      const { page } = visit;
      const factor = Math.ceil(input.time.length / 300);
      assert.equal(await page.getAttribute("#k-price", "data-bars-per-candle"), String(factor));
      const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");
      const a = input.time[1000], b = input.time[1100];
      await page.evaluate(([r0, r1]) => {
        // deno-lint-ignore no-explicit-any
        const g = globalThis as any;
        return g.Plotly.relayout(g.document.getElementById("k-price"), { "xaxis.range": [r0, r1] });
      }, [iso(a), iso(b)]);
      await page.waitForSelector("#k-price[data-bars-per-candle='1']", { timeout: 10_000 });
      const candles = Number(await page.getAttribute("#k-price", "data-candles"));
      assert.ok(candles >= 101 && candles <= 103, `the ~101 real bars of the window, got ${candles}`);
      assert.match(await page.textContent("#k-price-agg") ?? "", /Real bars/);
      await page.evaluate(() => {
        // deno-lint-ignore no-explicit-any
        const g = globalThis as any;
        return g.Plotly.relayout(g.document.getElementById("k-price"), { "xaxis.autorange": true });
      });
      await page.waitForSelector(`#k-price[data-bars-per-candle='${factor}']`, { timeout: 10_000 });
      assert.deepEqual(visit.errors, []);
      await page.screenshot({ path: "test-artifacts/plot/report_zoom.png" });
    } finally {
      await visit.close();
    }
  },
});
