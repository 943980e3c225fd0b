import assert from "node:assert/strict";
import { readBars, toArrays } from "../../lib/data/mod.ts";
import { isKinetraError } from "../../lib/errors.ts";
import {
  aggregateOhlc,
  backtestReportHtml,
  candlestickFigure,
  chsTimelineFigure,
  display,
  drawdownFromEquity,
  entryMarkerOffset,
  equityDrawdownFigure,
  escapeScript,
  figureFragment,
  figureHtml,
  journalPoints,
  mfeMaeFigure,
  minMaxIndices,
  parseJsonLines,
  resultRows,
  returnDistributionFigure,
  scriptJson,
  strategySymbolHeatmap,
  summarize,
  tableHtml,
} from "../../lib/plot/mod.ts";
import { SAMPLE_FILE, sampleReportInput } from "./_sample.ts";

const bars = toArrays(await readBars(SAMPLE_FILE));

Deno.test("minMaxIndices keeps the first, last, global minimum and maximum of real closes within the budget", () => {
  const idx = minMaxIndices(bars.close, 200);
  assert.ok(idx.length <= 200 && idx.length > 100, `got ${idx.length}`);
  for (let k = 1; k < idx.length; k++) assert.ok(idx[k] > idx[k - 1], "indices strictly increasing");
  let lo = 0, hi = 0;
  for (let i = 0; i < bars.length; i++) {
    if (bars.close[i] < bars.close[lo]) lo = i;
    if (bars.close[i] > bars.close[hi]) hi = i;
  }
  assert.equal(idx[0], 0);
  assert.equal(idx[idx.length - 1], bars.length - 1);
  assert.ok(idx.includes(lo) && idx.includes(hi), "extremes kept");
  assert.equal(minMaxIndices(bars.close, 1e6).length, bars.length, "short series untouched");
});

Deno.test("aggregateOhlc builds coarser candles with the true extremes of each bucket", () => {
  const agg = aggregateOhlc(bars.time, bars.open, bars.high, bars.low, bars.close, 500);
  assert.equal(agg.factor, Math.ceil(bars.length / 500));
  assert.equal(agg.time.length, Math.ceil(bars.length / agg.factor));
  for (let k = 0; k < agg.time.length; k++) {
    const s = agg.start[k], e = agg.end[k];
    assert.equal(agg.open[k], bars.open[s]);
    assert.equal(agg.close[k], bars.close[e]);
    assert.equal(agg.time[k], bars.time[s]);
    assert.equal(agg.high[k], Math.max(...bars.high.subarray(s, e + 1)));
    assert.equal(agg.low[k], Math.min(...bars.low.subarray(s, e + 1)));
  }
  assert.equal(agg.end[agg.end.length - 1], bars.length - 1);
});

Deno.test("candlestickFigure: trade markers per side and outcome, overlays sampled at each candle's last bar, regime strip", () => {
  const trades = [
    {
      entry_time: new Date(bars.time[100]).toISOString(),
      exit_time: new Date(bars.time[120]).toISOString(),
      entry_price: 1.27,
      exit_price: 1.28,
      side: "long",
      pnl: 10,
    },
    {
      entry_time: bars.time[200],
      exit_time: bars.time[230],
      entry_price: 1.29,
      exit_price: 1.30,
      side: -1,
      pnl: -10,
    },
    { entry_time: bars.time[300], entry_price: 1.25, side: "short" }, // still open: entry only
  ];
  const sma = Float64Array.from(bars.close, (_, i) => i);
  const labels = Float64Array.from(bars.close, (_, i) => (i < 50 ? NaN : (i % 8 < 4 ? 0 : 1)));
  const fig = candlestickFigure({
    time: bars.time,
    open: bars.open,
    high: bars.high,
    low: bars.low,
    close: bars.close,
    overlays: [{ name: "idx", values: sma }, { name: "panel", values: sma, panel: "p" }],
    regimes: { labels, names: { "0": "even", "1": "odd" } },
    trades,
    maxCandles: 1000,
  });
  const by = (name: string) => fig.data.find((t) => t.name === name)!;
  assert.equal(by("price").type, "candlestick");
  const factor = Math.ceil(bars.length / 1000);
  const idx = by("idx").y as number[];
  assert.equal(idx[0], factor - 1, "first candle shows the overlay at its last bar (no look-ahead)");
  assert.equal(by("panel").yaxis, "y2", "panel overlay in its own panel");
  // Entries sit just beside their price (long under, short above) so an exit at the same bar
  // never hides them; the exits stay at their prices.
  const off = entryMarkerOffset(bars.high, bars.low);
  assert.ok(off > 0);
  assert.deepEqual(by("long entry").y as number[], [1.27 - off]);
  assert.deepEqual(by("short entry").y as number[], [1.29 + off, 1.25 + off]);
  assert.deepEqual(by("exit (win)").x as number[], [bars.time[120]]);
  assert.deepEqual(by("exit (loss)").y as number[], [1.30]);
  const strips = fig.data.filter((t) => String(t.name).startsWith("regime: "));
  assert.deepEqual(strips.map((t) => t.name).sort(), ["regime: even", "regime: odd"]);
  const stripped = strips.reduce((n, t) => n + (t.x as number[]).length, 0);
  assert.equal(stripped, (by("price").x as number[]).filter((_, k) => (k + 1) * factor - 1 >= 50).length);
});

Deno.test("drawdownFromEquity and the equity figure draw drawdowns below zero whatever their sign", () => {
  const dd = Array.from(drawdownFromEquity([100, 90, 120, 60]));
  [0, -10, 0, -50].forEach((want, i) => assert.ok(Math.abs(dd[i] - want) < 1e-12, `dd[${i}] = ${dd[i]}`));
  const fig = equityDrawdownFigure({
    time: [1, 2, 3, 4],
    equity: [100, 90, 120, 60],
    drawdownPct: [0, 10, 0, 50],
  });
  assert.deepEqual(fig.data[1].y, [0, -10, 0, -50]);
  const two = equityDrawdownFigure([
    { name: "a", time: [1, 2], equity: [1, 2] },
    { name: "b", time: [1, 2], equity: [2, 1] },
  ]);
  assert.equal(two.data.length, 4);
  assert.deepEqual(two.data[3].y, [0, -50]);
});

Deno.test("return distribution summary and histogram ignore non-finite values", () => {
  const s = summarize([1, 2, 3, 4, NaN]);
  assert.equal(s.n, 4);
  assert.equal(s.mean, 2.5);
  assert.equal(s.median, 2.5);
  assert.ok(Math.abs(s.std - Math.sqrt(5 / 3)) < 1e-12);
  const fig = returnDistributionFigure([{ name: "a", values: [1, NaN, -1] }, { name: "b", values: [2] }]);
  assert.deepEqual(fig.data[0].x, [1, -1]);
  assert.match(String(fig.data[0].name), /n=2/);
  assert.equal((fig.layout.shapes as unknown[]).length, 3, "zero line plus one mean line per series");
});

Deno.test("MFE/MAE scatter splits winners and losers and plots absolute excursions", () => {
  const fig = mfeMaeFigure([
    { entry_time: 0, entry_price: 1, side: 1, pnl: 5, mfe: 0.02, mae: 0.01 },
    { entry_time: 0, entry_price: 1, side: 1, pnl: -5, mfe: 0.005, mae: -0.03 },
    { entry_time: 0, entry_price: 1, side: 1, pnl: 1, mfe: null, mae: null },
  ]);
  assert.deepEqual(fig.data[0].x, [0.01]);
  assert.deepEqual(fig.data[1].x, [0.03]);
  assert.deepEqual(fig.data[1].y, [0.005]);
  assert.match(String(fig.data[0].name), /winners \(1\)/);
});

Deno.test("heatmap reads a batch results.json: mean per pair, failed runs marked, timeframes split when mixed", () => {
  const results = {
    results: [
      {
        file: "data/master/forex/EURUSD+_H1_1.csv",
        symbol: "EURUSD+",
        timeframe: "H1",
        strategy: "sniper",
        stats: { return_pct: 2 },
        error: null,
      },
      {
        file: "x",
        symbol: "EURUSD+",
        timeframe: "H1",
        strategy: "sniper",
        stats: { return_pct: 4 },
        error: null,
      },
      {
        file: "x",
        symbol: "EURUSD+",
        timeframe: "H4",
        strategy: "sniper",
        stats: { return_pct: -1 },
        error: null,
      },
      {
        file: "x",
        symbol: "BTCUSD",
        timeframe: "H1",
        strategy: "berserker",
        stats: null,
        error: { code: "bad_bars", message: "boom" },
      },
    ],
  };
  const rows = resultRows(results);
  assert.equal(rows.length, 4);
  assert.equal(rows[3].error, "boom");
  const fig = strategySymbolHeatmap(results);
  const h = fig.data[0];
  assert.deepEqual(h.y, ["berserker", "sniper"]);
  assert.deepEqual(h.x, ["BTCUSD H1", "EURUSD+ H1", "EURUSD+ H4"]);
  assert.deepEqual(h.z, [[null, null, null], [null, 3, -1]]);
  assert.deepEqual(h.text, [["error", "", ""], ["", "3", "-1"]]);
  assert.equal(h.zmid, 0);
});

Deno.test("heatmap from a real backtest:batch results.json over the sample: one cell per run, the run's return", async () => {
  const { runBatch } = await import("../../lib/backtest/batch.ts");
  const out = await Deno.makeTempDir({ prefix: "kinetra-heatmap-" });
  try {
    const run = await runBatch({ source: "data/sample", workers: 0, outDir: out });
    const results = JSON.parse(await Deno.readTextFile(`${run.runDir}/results.json`));
    const h = strategySymbolHeatmap(results).data[0];
    const z = h.z as (number | null)[][];
    const x = h.x as string[], y = h.y as string[];
    assert.equal(results.results.length, 18);
    for (const r of results.results) {
      const v = z[y.indexOf(r.strategy)][x.indexOf(r.symbol)];
      if (r.error) assert.equal(v, null);
      else assert.equal(v, r.stats.return_pct);
    }
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
});

Deno.test("heatmap with many symbols: one row per symbol, timeframes short to long, outliers clipped", () => {
  const results = [];
  for (let k = 0; k < 25; k++) {
    for (const tf of ["H4", "M15"]) {
      results.push({
        strategy: "sniper",
        symbol: `S${String(k).padStart(2, "0")}`,
        timeframe: tf,
        stats: { return_pct: k === 0 ? -500 : k - 12 },
      });
    }
  }
  const h = strategySymbolHeatmap({ results }).data[0];
  assert.deepEqual(h.x, ["sniper"]);
  assert.deepEqual((h.y as string[]).slice(0, 3), ["S00 M15", "S00 H4", "S01 M15"]);
  assert.equal((h.z as number[][])[0][0], -500);
  assert.equal(h.zmid, 0);
  assert.ok(
    (h.zmin as number) > -500 && (h.zmin as number) === -(h.zmax as number),
    "scale clipped symmetrically",
  );
});

Deno.test("CHS timeline on lib/live's journal format: CHS line, breaker span until reset, orders on the next bar time", () => {
  const lines = [
    { ts: "2026-01-01T00:00:00.000Z", type: "run_start", chs_threshold: 0.6 },
    { ts: "2026-01-01T00:00:00.010Z", type: "order_pending", cid: "a", kind: "entry" },
    {
      ts: "2026-01-01T00:00:00.011Z",
      type: "order_result",
      cid: "a",
      kind: "entry",
      ok: true,
      result: { retcode: 10009 },
    },
    {
      ts: "2026-01-01T00:00:00.012Z",
      type: "fill",
      what: "entry",
      side: 1,
      lots: 0.1,
      price: 1.1,
      time: "2025-01-02T04:00:00.000Z",
    },
    { ts: "2026-01-01T00:00:00.020Z", type: "chs", bar: 5, bar_time: "2025-01-02T08:00:00.000Z", value: 0.7 },
    { ts: "2026-01-01T00:00:00.030Z", type: "chs", bar: 6, bar_time: "2025-01-02T12:00:00.000Z", value: 0.5 },
    {
      ts: "2026-01-01T00:00:00.031Z",
      type: "breaker",
      state: "tripped",
      chs: 0.5,
      threshold: 0.6,
      bar: 6,
      bar_time: "2025-01-02T12:00:00.000Z",
    },
    { ts: "2026-01-01T00:00:00.032Z", type: "limit", what: "entry_blocked", by: "circuit_breaker", bar: 7 },
    {
      ts: "2026-01-01T00:00:00.033Z",
      type: "rejection",
      reason: "invalid_stops",
      retcode: 10016,
      bar_time: "2025-01-02T16:00:00.000Z",
    },
    {
      ts: "2026-01-01T00:00:00.040Z",
      type: "chs",
      bar: 8,
      bar_time: "2025-01-02T20:00:00.000Z",
      value: 0.75,
    },
    {
      ts: "2026-01-01T00:00:00.041Z",
      type: "breaker",
      state: "reset",
      chs: 0.75,
      bar: 8,
      bar_time: "2025-01-02T20:00:00.000Z",
    },
    {
      ts: "2026-01-01T00:00:00.050Z",
      type: "fill",
      what: "exit",
      side: "long",
      exit_price: 1.2,
      pnl: 10,
      exit_time: "2025-01-03T00:00:00.000Z",
    },
  ];
  const records = parseJsonLines(lines.map((l) => JSON.stringify(l)).join("\n") + "\n\n");
  const pts = journalPoints(records);
  const order = pts.find((p) => p.kind === "order")!;
  assert.equal(order.time, Date.parse("2025-01-02T04:00:00.000Z"), "order placed at its fill's bar time");
  assert.equal(pts.find((p) => p.kind === "limit")!.time, Date.parse("2025-01-02T16:00:00.000Z"));
  assert.deepEqual(pts.filter((p) => p.kind === "reject").length, 1);
  assert.equal(pts.find((p) => p.kind === "close")!.time, Date.parse("2025-01-03T00:00:00.000Z"));
  const fig = chsTimelineFigure(records);
  const chs = fig.data.find((t) => t.name === "CHS")!;
  assert.deepEqual(chs.y, [0.7, 0.5, 0.75]);
  assert.match(String(fig.data[1].name), /threshold 0.6/, "threshold taken from the journal");
  const spans = fig.layout.shapes as { x0: number; x1: number }[];
  assert.equal(spans.length, 1);
  assert.equal(spans[0].x0, Date.parse("2025-01-02T12:00:00.000Z"));
  assert.equal(spans[0].x1, Date.parse("2025-01-02T20:00:00.000Z"));
  assert.ok(fig.data.some((t) => t.name === "breaker trips (1)"));
  assert.throws(() => parseJsonLines('{"a":1}\n{oops'), /line 2/);
});

Deno.test("CHS timeline of a real virtual session: every CHS value, every trip, every order", async () => {
  const { readJournal, runLive } = await import("../../lib/live/mod.ts");
  const logs = await Deno.makeTempDir({ prefix: "kinetra-chs-" });
  try {
    const summary = await runLive(
      { mode: "virtual", strategy: "sma_cross", data: SAMPLE_FILE, logsDir: logs, yes: true, speed: 0 },
      { print: () => {} },
    );
    const journal = await readJournal(summary.journal);
    const fig = chsTimelineFigure(journal.events);
    const trace = (prefix: string) => fig.data.find((t) => String(t.name).startsWith(prefix));
    assert.deepEqual(trace("CHS")!.y, journal.chs.map((c) => c.value));
    // On the market clock: a CHS record's bar time; the final record (no bar time) sits at the last bar.
    const chsEvents = journal.events.filter((e) => e.type === "chs");
    const xs = trace("CHS")!.x as number[];
    chsEvents.forEach((e, i) => {
      if (e.bar_time) assert.equal(xs[i], Date.parse(String(e.bar_time)));
      else assert.ok(xs[i] >= xs[i - 1], "a record without bar time stays on the market clock");
    });
    const trips = journal.breaker.filter((b) => b.state === "tripped").length;
    assert.equal(trips, summary.breaker_events);
    if (trips) assert.equal((trace("breaker trips")!.x as number[]).length, trips);
    const orders = journal.events.filter((e) => e.type === "order_pending").length;
    assert.equal((trace("order (")!.x as number[]).length, orders);
    const first = Date.parse(journal.chs[0]?.time ?? "2100-01-01");
    const firstBar = Date.parse("2024-01-02T00:00:00Z");
    for (const t of fig.data) {
      for (const x of (t.x as number[]) ?? []) {
        if (x !== null) {
          assert.ok(
            x >= firstBar && x < Date.parse("2026-01-01T00:00:00Z"),
            `${t.name}: ${x} off the market clock`,
          );
        }
      }
    }
    assert.ok(first >= firstBar);
  } finally {
    await Deno.remove(logs, { recursive: true }).catch(() => {});
  }
});

Deno.test("HTML is self-contained: plotly inlined, '</script' in data cannot close the script, no remote URLs", () => {
  const evil = "</script><script>alert(1)</script><!--";
  const html = figureHtml({
    data: [{ type: "scatter", y: [1, 2], name: evil }],
    layout: { title: { text: evil } },
  }, {
    title: "t <&>",
  });
  assert.ok(html.includes("plotly.js v4"), "plotly.js inlined");
  assert.equal(
    html.match(/<\/script/gi)!.length,
    html.match(/<script/gi)!.length,
    "one closing tag per script",
  );
  assert.ok(!/<script[^>]+src=/i.test(html), "no external scripts");
  // Outside the inlined plotly.js (whose source mentions URLs it never loads), nothing remote.
  const page = figureHtml({ data: [{ type: "scatter", y: [1] }], layout: {} }, { plotly: "/* plotly */" });
  assert.ok(!/(src|href)=["']?(https?:)?\/\//i.test(page), "no remote resources");
  assert.ok(html.includes("<title>t &lt;&amp;&gt;</title>"));
  const json = html.match(/<script type="application\/json" id="k-figures">([\s\S]*?)<\/script>/)![1];
  assert.equal(JSON.parse(json)[0].figure.data[0].name, evil, "data survives the escaping");
  assert.equal(escapeScript("a</SCRIPT>b"), "a<\\/SCRIPT>b");
  assert.equal(JSON.parse(scriptJson({ s: "<\u2028>" })).s, "<\u2028>");
});

Deno.test("notebook fragments carry plotly.js only when asked, and tables escape their cells", () => {
  const fig = { data: [{ type: "bar", y: [1] }], layout: { height: 300 } };
  const small = figureFragment(fig, false);
  assert.ok(small.length < 2000 && small.includes('class="kinetra-plot"') && small.includes("height:300px"));
  assert.ok(figureFragment(fig, true).length > 4_000_000);
  const t = tableHtml([{ a: "<b>", n: 1.234567 }, { a: "x", extra: true }], { digits: 2 });
  assert.ok(t.includes("&lt;b&gt;") && t.includes("1.23") && t.includes("<th>extra</th>"));
});

Deno.test("display outside the Jupyter kernel is a clear error, not a crash", async () => {
  await assert.rejects(
    () => display({ data: [], layout: {} }),
    (e) => isKinetraError(e) && e.code === "not_in_jupyter" && /figureHtml/.test(e.message),
  );
});

Deno.test("a report without trades still renders its charts and says there were none", () => {
  const n = bars.length;
  const html = backtestReportHtml({
    title: "flat",
    time: bars.time,
    open: bars.open,
    high: bars.high,
    low: bars.low,
    close: bars.close,
    equity: new Float64Array(n).fill(1000),
    drawdownPct: new Float64Array(n),
    trades: [],
    stats: { trades: 0 },
  });
  assert.ok(html.includes('<p class="k-note" id="k-trades">No trades.</p>'));
  for (const id of ["k-price", "k-equity", "k-mfe-mae", "k-returns"]) {
    assert.ok(html.includes(`data-chart="${id}"`));
  }
});

Deno.test("report input is validated: series of different lengths are a clear error", async () => {
  const input = await sampleReportInput();
  assert.throws(
    () => backtestReportHtml({ ...input, equity: Array.from(input.equity).slice(1) }),
    (e) => isKinetraError(e) && e.code === "bad_report_input" && /equity has/.test(e.message),
  );
});

Deno.test("a report over 200,000 bars stays light: candles aggregated, lines decimated", async () => {
  const input = await sampleReportInput();
  const reps = Math.ceil(200_000 / input.time.length);
  const n = input.time.length * reps;
  const tile = (x: ArrayLike<number>) => Float64Array.from({ length: n }, (_, i) => x[i % x.length]);
  const step = input.time[input.time.length - 1] - input.time[0] + 4 * 3600_000;
  const time = Float64Array.from(
    { length: n },
    (_, i) => input.time[i % input.time.length] + Math.floor(i / input.time.length) * step,
  );
  const html = backtestReportHtml({
    ...input,
    time,
    open: tile(input.open),
    high: tile(input.high),
    low: tile(input.low),
    close: tile(input.close),
    equity: tile(input.equity),
    drawdownPct: tile(input.drawdownPct),
  });
  const small = backtestReportHtml(input);
  assert.ok(n >= 200_000);
  assert.ok(
    // The page keeps up to 60,000 bars (compactly coded) for re-aggregation on zoom: a bounded cost.
    html.length < small.length + 1_600_000,
    `report grew by ${html.length - small.length} bytes for ${n} bars`,
  );
  assert.ok(html.includes(`${Math.ceil(n / 2000)} bars per candle`), "the aggregation is stated");
});
