/**
 * The proof of correctness: SmaCross(10, 30) on backtesting.py's GOOG data in the compat profile
 * (cash 10 000, no costs, finalize) reproduces backtesting.py's test-suite figures to rtol 1e-8
 * (research note backtest-semantics.md §1.2) and its trade list.
 */
import assert from "node:assert/strict";
import { runBacktest } from "../../lib/backtest/mod.ts";
import { getStrategy } from "../../lib/strategies/mod.ts";
import { assertClose, readReferenceCsv } from "./_fixtures.ts";

const bars = readReferenceCsv("GOOG.csv");
const run = () =>
  runBacktest({
    bars,
    strategy: getStrategy("sma_cross"),
    params: { fast: 10, slow: 30 },
    config: { profile: "compat", cash: 10_000, commission: 0, spread: 0, margin: 1, finalize: true },
  });

Deno.test("GOOG SmaCross(10,30) compat reproduces backtesting.py's published stats (rtol 1e-8)", () => {
  assert.equal(bars.length, 2148);
  const s = run().stats;
  const expected: Record<string, number> = {
    trades: 66,
    equity_final: 51422.99,
    equity_peak: 75787.44,
    return_pct: 414.2299,
    buy_hold_return_pct: 522.0601851851852,
    return_ann_pct: 21.191099249053224,
    volatility_ann_pct: 36.49716090702389,
    cagr_pct: 21.160245705962623,
    sharpe: 0.5806232244485349,
    sortino: 1.0853434352488662,
    calmar: 0.44166409202994605,
    max_drawdown_pct: -47.98012705007589,
    avg_drawdown_pct: -5.925851581948801,
    win_rate_pct: 46.96969696969697,
    exposure_pct: 96.74115456238361,
    best_trade_pct: 53.59595229490424,
    worst_trade_pct: -18.39887353835481,
    avg_trade_pct: 2.531715975158555,
    expectancy_pct: 3.2748078066748834,
    profit_factor: 2.167945974262033,
    sqn: 1.0766187356697705,
    kelly: 0.1518705127029717,
    alpha_pct: 394.37391142027462,
    beta: 0.03803390709192,
    max_drawdown_duration_days: 584,
    max_trade_duration_days: 183,
    duration_days: 3116,
  };
  for (const [k, v] of Object.entries(expected)) assertClose(s[k] as number, v, 1e-8, k);
  // Durations are ceiled to the data resolution (1 day) in backtesting.py.
  assert.equal(Math.ceil(s.avg_drawdown_duration_days), 41);
  assert.equal(Math.ceil(s.avg_trade_duration_days), 46);
});

Deno.test("GOOG SmaCross compat: the trade list matches backtesting.py's (first, last, chained reversals)", () => {
  const r = run();
  const t = r.trades;
  assert.equal(t.length, 66);
  const sig = (k: number) => {
    const x = t[k];
    return `${x.side === "long" ? "+" : "-"}${x.size} @${
      x.entry_price.toFixed(2)
    } bar${x.entry_bar}->${x.exit_bar} @${x.exit_price.toFixed(2)}`;
  };
  assert.equal(sig(0), "-55 @180.36 bar70->86 @186.31");
  assert.equal(sig(1), "+51 @186.31 bar86->113 @193.69");
  assert.equal(sig(65), "+64 @695.00 bar2088->2147 @797.80");
  // Finalised at the open of the last bar.
  assert.equal(t[65].exit_price, bars.open[2147]);
  assert.equal(t[65].exit_reason, "end");
  // Always in the market after the first cross: every exit is the next trade's entry, sides alternate,
  // and every fill is at a bar's open (market orders fill at the next open).
  for (let k = 1; k < t.length; k++) {
    assert.equal(t[k].entry_bar, t[k - 1].exit_bar);
    assert.equal(t[k].entry_price, t[k - 1].exit_price);
    assert.notEqual(t[k].side, t[k - 1].side);
    assert.equal(t[k].entry_price, bars.open[t[k].entry_bar]);
  }
  // PnL of each trade is size × price move (no costs), and the sum reconciles with the equity.
  let sum = 0;
  for (const x of t) {
    const dir = x.side === "long" ? 1 : -1;
    assertClose(x.pnl, dir * x.size * (x.exit_price - x.entry_price), 1e-12, "pnl");
    sum += x.pnl;
  }
  assertClose(10_000 + sum, r.stats.equity_final, 1e-10, "equity reconciles");
});

Deno.test("GOOG SmaCross compat without finalize: open trade excluded from trades, equity marked at last close", () => {
  const r = runBacktest({ bars, strategy: getStrategy("sma_cross"), config: { profile: "compat" } });
  assert.equal(r.stats.trades, 65);
  assert.equal(r.openTrades.length, 1);
  const o = r.openTrades[0];
  const expectedFinal = r.equity[2146] + o.size * (bars.close[2147] - bars.close[2146]);
  assertClose(r.stats.equity_final, expectedFinal, 1e-12, "mark to market");
  assert.equal(r.equity.length, bars.length);
  assert.ok(r.equity.every((e) => Number.isFinite(e)));
});
