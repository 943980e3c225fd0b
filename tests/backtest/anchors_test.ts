/**
 * Unit anchors of backtesting.py's test suite (research note backtest-semantics.md §1.6) in the
 * compat profile: spread and commission, fixed + relative commission, same-bar SL, SL before TP,
 * stop entry + TP in one bar, gaps, trade on close, leverage.
 */
import assert from "node:assert/strict";
import { pyFloorDiv, runBacktest } from "../../lib/backtest/mod.ts";
import type { OrderIntent } from "../../lib/strategies/contract.ts";
import { assertClose, makeBars, readReferenceCsv, scripted } from "./_fixtures.ts";

const GOOG = readReferenceCsv("GOOG.csv");
const SHORT = readReferenceCsv("GOOG.csv", 20);
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Buy once, close on the next bar, then do nothing (test_spread_commission's strategy). */
function buyThenClose() {
  let done = false;
  return scripted((_i, pos, out) => {
    if (done) return;
    if (pos.size === 0) out.push({ kind: "entry", side: 1 });
    else {
      out.push({ kind: "close" });
      done = true;
    }
  });
}

Deno.test("anchor test_spread_commission: spread .01 + commission .01 -> equity 9685.31, 9749.33", () => {
  const r = runBacktest({
    bars: SHORT,
    strategy: buyThenClose(),
    config: { profile: "compat", spread: 0.01, commission: 0.01 },
  });
  assert.equal(r.trades[0].entry_price, SHORT.open[2] * (1 + 0.01));
  assert.deepEqual([round2(r.equity[2]), round2(r.equity[3])], [9685.31, 9749.33]);
});

Deno.test("anchor test_spread_commission: commission (100, .01) -> equity 9784.50, 9718.69", () => {
  const r = runBacktest({
    bars: SHORT,
    strategy: buyThenClose(),
    config: { profile: "compat", commission: { fixed: 100, relative: 0.01 } },
  });
  assert.deepEqual([round2(r.equity[2]), round2(r.equity[3])], [9784.50, 9718.69]);
});

Deno.test("anchor test_spread_commission: callable size*price*.01 -> equity 9781.28, 9846.04", () => {
  const r = runBacktest({
    bars: SHORT,
    strategy: buyThenClose(),
    config: { profile: "compat", commission: (size: number, price: number) => size * price * 0.01 },
  });
  assert.deepEqual([round2(r.equity[2]), round2(r.equity[3])], [9781.28, 9846.04]);
});

Deno.test("anchor test_commissions: fixed 10 + 1 %, 100 units from 1 to 4 -> commissions 25, final 5275", () => {
  const arr = [1, 1, 1, 1, 4, 4];
  const bars = makeBars(arr, arr, arr, arr);
  const strat = scripted((i, _p, out) => {
    if (i === 1) out.push({ kind: "entry", side: 1, size: 100, tp: 3 });
  });
  const r = runBacktest({
    bars,
    strategy: strat,
    config: { profile: "compat", cash: 5000, commission: { fixed: 10, relative: 0.01 } },
  });
  assert.equal(r.trades.length, 1);
  assert.equal(r.trades[0].exit_price, 4); // TP 3 gapped through: filled at the open
  assert.equal(r.trades[0].exit_reason, "tp");
  assert.equal(r.stats.commissions, 25);
  assert.equal(r.trades[0].commission, 25);
  assert.equal(r.stats.equity_final, 5000 + (4 - 1) * 100 - 25);
});

const THE_DAY = Date.UTC(2012, 9, 17);

Deno.test("anchor test_trade_enter_hit_sl_on_same_day: market buy with sl=720 stops out on its fill bar at 720", () => {
  const strat = scripted((i, _p, out, ctx) => {
    if (ctx.bars.time[i] === THE_DAY) out.push({ kind: "entry", side: 1, sl: 720 });
  });
  const r = runBacktest({ bars: GOOG, strategy: strat, config: { profile: "compat" } });
  assert.equal(r.trades[0].exit_price, 720);
  assert.equal(r.trades[0].exit_reason, "sl");
  assert.equal(r.trades[0].entry_bar, r.trades[0].exit_bar);
});

Deno.test("anchor test_trade_enter_hit_sl_on_same_day: stop entry 758 + sl 720 defers the SL to the next bar -> 705.58", () => {
  const strat = scripted((i, _p, out, ctx) => {
    if (ctx.bars.time[i] === THE_DAY) out.push({ kind: "entry", side: 1, type: "stop", price: 758, sl: 720 });
  });
  const r = runBacktest({ bars: GOOG, strategy: strat, config: { profile: "compat" } });
  assert.equal(r.trades[0].entry_price, 758);
  assert.equal(r.trades[0].exit_price, 705.58);
  assert.equal(r.trades[0].exit_bar, r.trades[0].entry_bar + 1);
});

Deno.test("anchor test_sl_always_before_tp: a bar touching both SL and TP exits at the SL (104.95)", () => {
  const strat = scripted((i, _p, out) => {
    if (i === 3) out.push({ kind: "entry", side: 1 });
    if (i === 4) out.push({ kind: "modify", sl: 105, tp: 107.9 });
  });
  const r = runBacktest({ bars: SHORT, strategy: strat, config: { profile: "compat" } });
  assert.equal(r.trades[0].exit_price, 104.95);
  assert.equal(r.trades[0].exit_reason, "sl");
  // Same outcome whatever order SL and TP are set in.
  const strat2 = scripted((i, _p, out) => {
    if (i === 3) out.push({ kind: "entry", side: 1 });
    if (i === 4) out.push({ kind: "modify", tp: 107.9 }, { kind: "modify", sl: 105 });
  });
  assert.equal(
    runBacktest({ bars: SHORT, strategy: strat2, config: { profile: "compat" } }).trades[0].exit_price,
    104.95,
  );
});

Deno.test("anchor test_stop_entry_and_tp_in_same_bar: sell stop 108 and TP 105 both in bar 3 -> exit bar 3 at 105", () => {
  const o = [110, 110, 110, 109, 106], h = [111, 111, 111, 110, 107], l = [109, 109, 109, 104, 105];
  const c = [110, 110, 110, 106, 106];
  const strat = scripted((i, _p, out) => {
    if (i === 2) out.push({ kind: "entry", side: -1, type: "stop", price: 108, tp: 105, sl: 113 });
  });
  const r = runBacktest({ bars: makeBars(o, h, l, c), strategy: strat, config: { profile: "compat" } });
  assert.equal(r.trades.length, 1);
  assert.equal(r.trades[0].entry_price, 108);
  assert.equal(r.trades[0].exit_bar, 3);
  assert.equal(r.trades[0].exit_price, 105);
});

Deno.test("anchor gap rule (test_gh_521): with trade on close, an SL gapped through fills at the open (50)", () => {
  const o = [100, 100, 100, 50, 50],
    h = [101, 101, 101, 51, 51],
    l = [99, 99, 99, 49, 49],
    c = [100, 100, 100, 50, 50];
  const strat = scripted((i, _p, out) => {
    if (i === 1) out.push({ kind: "entry", side: 1, sl: 90 });
  });
  const r = runBacktest({
    bars: makeBars(o, h, l, c),
    strategy: strat,
    config: { profile: "compat", tradeOnClose: true },
  });
  assert.equal(r.trades[0].entry_price, 100);
  assert.equal(r.trades[0].entry_bar, 1);
  assert.equal(r.trades[0].exit_price, 50);
  assert.equal(r.trades[0].exit_bar, 3);
});

Deno.test("anchor test_trade_on_close_closes_trades_on_close: entries and exits at the signal bar's close", () => {
  const strat = scripted((i, pos, out) => {
    if (i === 3 && pos.size === 0) out.push({ kind: "entry", side: 1 });
    if (i === 6) out.push({ kind: "close" });
  });
  const r = runBacktest({ bars: SHORT, strategy: strat, config: { profile: "compat", tradeOnClose: true } });
  const t = r.trades[0];
  assert.equal(t.entry_bar, 3);
  assert.equal(t.entry_price, SHORT.close[3]);
  assert.equal(t.exit_bar, 6);
  assert.equal(t.exit_price, SHORT.close[6]);
  // Equity after the exit equals cash + realised PnL.
  assertClose(r.equity[7], 10_000 + t.pnl, 1e-12, "equity");
});

Deno.test("leverage (margin .1): all-in sizing buys int(cash x 10 // price) units", () => {
  const strat = scripted((i, _p, out) => {
    if (i === 1) out.push({ kind: "entry", side: 1 });
  });
  const r = runBacktest({
    bars: SHORT,
    strategy: strat,
    config: { profile: "compat", margin: 0.1, finalize: true },
  });
  assert.equal(r.trades[0].size, Math.floor(10_000 * 10 / SHORT.open[2]));
  const r2 = runBacktest({
    bars: SHORT,
    strategy: strat,
    config: { profile: "compat", leverage: 10, finalize: true },
  });
  assert.equal(r2.trades[0].size, r.trades[0].size);
});

Deno.test("compat sizing uses Python float floor division (1 // 0.1 == 9)", () => {
  const arr = [0.1, 0.1, 0.1, 0.1];
  const strat = scripted((i, _p, out) => {
    if (i === 1) out.push({ kind: "entry", side: 1, size: 0.1 });
  });
  // 10 cash × 0.1 = 1.0 of margin at price 0.1: Python's 1.0 // 0.1 is 9 (Math.floor(1 / 0.1) would say 10).
  const r = runBacktest({
    bars: makeBars(arr, arr, arr, arr),
    strategy: strat,
    config: { profile: "compat", cash: 10, finalize: true },
  });
  assert.equal(r.trades[0].size, 9);
  assert.equal(pyFloorDiv(1, 0.1), 9);
  assert.equal(pyFloorDiv(-7, 2), -4);
  assert.equal(pyFloorDiv(7.5, 2.5), 3);
});

Deno.test("netting: an opposite order closes the open trade first-in first-out, the rest opens a new trade", () => {
  const intents: Record<number, OrderIntent> = {
    1: { kind: "entry", side: 1, size: 10 },
    3: { kind: "entry", side: -1, size: 15 },
  };
  const strat = scripted((i, _p, out) => {
    if (intents[i]) out.push(intents[i]);
  });
  const r = runBacktest({ bars: SHORT, strategy: strat, config: { profile: "compat", finalize: true } });
  assert.equal(r.trades.length, 2);
  assert.equal(r.trades[0].side, "long");
  assert.equal(r.trades[0].size, 10);
  assert.equal(r.trades[0].exit_reason, "reverse");
  assert.equal(r.trades[1].side, "short");
  assert.equal(r.trades[1].size, 5);
  // Hedging keeps both sides open.
  const h = runBacktest({
    bars: SHORT,
    strategy: strat,
    config: { profile: "compat", finalize: true, hedging: true },
  });
  assert.deepEqual(h.trades.map((t) => [t.side, t.size, t.exit_reason]).sort(), [["long", 10, "end"], [
    "short",
    15,
    "end",
  ]]);
});

Deno.test("limit entry fills only when the price trades through it, at the better of open and limit", () => {
  const strat = scripted((i, _p, out) => {
    if (i === 2) out.push({ kind: "entry", side: 1, type: "limit", price: 104, size: 1 });
  });
  const r = runBacktest({ bars: SHORT, strategy: strat, config: { profile: "compat", finalize: true } });
  // Bar 3 has low 103.57 < 104 and opens at 111.24: buy limit fills at min(open, limit) = 104.
  assert.equal(r.trades[0].entry_bar, 3);
  assert.equal(r.trades[0].entry_price, 104);
});

Deno.test("exclusive orders: a new entry closes the open trade first (same as an explicit close)", () => {
  const plain = scripted((i, _p, out) => {
    if (i === 2) out.push({ kind: "entry", side: 1, size: 10 });
    if (i === 5) out.push({ kind: "entry", side: 1, size: 5 });
  });
  const r = runBacktest({
    bars: SHORT,
    strategy: plain,
    config: { profile: "compat", exclusiveOrders: true, finalize: true },
  });
  assert.deepEqual(r.trades.map((t) => [t.entry_bar, t.exit_bar, t.size]), [[3, 6, 10], [6, 19, 5]]);
  // Without it the second buy adds a second long trade.
  const r2 = runBacktest({ bars: SHORT, strategy: plain, config: { profile: "compat", finalize: true } });
  assert.equal(r2.trades.length, 2);
  assert.deepEqual(r2.trades.map((t) => t.exit_bar), [19, 19]);
});

Deno.test("modify moves the stop of open trades (a trailing stop), and the trade exits there", () => {
  const strat = scripted((i, pos, out, ctx) => {
    if (i === 1) out.push({ kind: "entry", side: 1, size: 1 });
    if (pos.size > 0 && i >= 2) out.push({ kind: "modify", sl: ctx.bars.close[i] * 0.97 });
  });
  const r = runBacktest({ bars: SHORT, strategy: strat, config: { profile: "compat" } });
  const t = r.trades[0];
  assert.equal(t.exit_reason, "sl");
  // The stop in force at the exit bar was set from the previous close.
  const stop = SHORT.close[t.exit_bar - 1] * 0.97;
  assert.equal(t.sl, stop);
  assert.equal(t.exit_price, Math.min(SHORT.open[t.exit_bar], stop));
});
