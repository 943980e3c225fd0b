/**
 * The mt5 profile: Bid bars with Ask = Bid + spread·point, per-lot commission, swap per night
 * with the triple day, volume normalisation, stops level, margin and stop-out, slippage,
 * trade modes, risk-based sizing. Expected values are computed from the MT5 rules by hand.
 */
import assert from "node:assert/strict";
import { runBacktest } from "../../lib/backtest/mod.ts";
import {
  commissionMt5,
  marginRequired,
  spreadCost,
  swapNights,
  swapPerNight,
  symbolSpec,
} from "../../lib/market/mod.ts";
import { KinetraError } from "../../lib/errors.ts";
import type { OrderIntent } from "../../lib/strategies/contract.ts";
import { assertClose, makeBars, scripted } from "./_fixtures.ts";

const AUD = symbolSpec("AUDUSD+"); // 5 digits, 100 000 units per lot, 1 USD per point per lot
const PT = AUD.point;

/** Ten H1 bars around 0.65000 with a 20-point spread column, Monday 2024-01-01 00:00. */
function fxBars(spreadPts = 20) {
  const o = [0.65, 0.651, 0.652, 0.653, 0.654, 0.655, 0.656, 0.657, 0.658, 0.659];
  const h = o.map((x) => x + 0.0005), l = o.map((x) => x - 0.0005), c = o.map((x) => x + 0.0002);
  return makeBars(o, h, l, c, { stepMs: 3_600_000, spread: o.map(() => spreadPts) });
}

function script(plan: Record<number, OrderIntent[]>) {
  return scripted((i, _p, out) => {
    for (const it of plan[i] ?? []) out.push(it);
  });
}

Deno.test("mt5: a buy fills at Ask (open + spread), closes at Bid; commission per lot per side", () => {
  const bars = fxBars(20);
  const r = runBacktest({
    bars,
    strategy: script({ 1: [{ kind: "entry", side: 1, size: 2 }], 4: [{ kind: "close" }] }),
    config: { profile: "mt5", symbol: AUD, swap: false },
  });
  const t = r.trades[0];
  assert.equal(t.size, 2);
  assertClose(t.entry_price, bars.open[2] + 20 * PT, 1e-12, "entry at ask");
  assert.equal(t.exit_price, bars.open[5]);
  assert.equal(t.commission, 2 * 3.5 * 2);
  const gross = 2 * 100_000 * (bars.open[5] - (bars.open[2] + 20 * PT));
  assertClose(t.pnl, gross - 14, 1e-9, "pnl");
  assertClose(t.spread_cost, 2 * 20 * 1, 1e-9, "spread cost: 20 points × 1 USD × 2 lots");
  assertClose(r.stats.equity_final, 10_000 + t.pnl, 1e-12, "equity");
});

Deno.test("mt5: a short fills at Bid and pays the spread when it closes at Ask", () => {
  const bars = fxBars(15);
  const r = runBacktest({
    bars,
    strategy: script({ 1: [{ kind: "entry", side: -1, size: 1 }], 3: [{ kind: "close" }] }),
    config: { profile: "mt5", symbol: AUD, swap: false, commission: 0 },
  });
  const t = r.trades[0];
  assert.equal(t.entry_price, bars.open[2]);
  assertClose(t.exit_price, bars.open[4] + 15 * PT, 1e-12, "exit at ask");
  assertClose(t.pnl, -100_000 * (t.exit_price - t.entry_price), 1e-9, "pnl");
  assertClose(t.spread_cost, 15, 1e-9, "spread cost");
});

Deno.test("mt5: a fixed --spread in points replaces the bars' column; slippage is adverse", () => {
  const bars = fxBars(20);
  const r = runBacktest({
    bars,
    strategy: script({ 1: [{ kind: "entry", side: 1, size: 1 }], 2: [{ kind: "close" }] }),
    config: { profile: "mt5", symbol: AUD, swap: false, spread: 5, slippagePoints: 3 },
  });
  const t = r.trades[0];
  assertClose(t.entry_price, bars.open[2] + 5 * PT + 3 * PT, 1e-12, "ask + slippage");
  assertClose(t.exit_price, bars.open[3] - 3 * PT, 1e-12, "bid − slippage");
  assertClose(t.slippage_cost, 6, 1e-9, "6 points of slippage on 1 lot");
});

Deno.test("swap nights: one per rollover, three on Wednesday night, none on Saturday and Sunday nights", () => {
  const h = 3_600_000, day = 24 * h;
  const mon = Date.UTC(2024, 0, 1, 12); // Monday noon
  assert.equal(swapNights(mon, mon + day, 0, 3, false), 1); // Mon night
  assert.equal(swapNights(mon + 2 * day, mon + 3 * day, 0, 3, false), 3); // Wed night
  assert.equal(swapNights(mon + 4 * day, mon + 7 * day, 0, 3, false), 1); // Fri → Mon: Friday night only
  assert.equal(swapNights(mon, mon + 7 * day, 0, 3, false), 7); // a week: 1+1+3+1+1
  assert.equal(swapNights(mon + 4 * day, mon + 7 * day, 0, -1, true), 3); // crypto: every night, no triple
  assert.equal(swapNights(mon, mon + 10 * h, 0, 3, false), 0); // same day
  assert.equal(swapNights(mon, mon + 10 * h, 21, 3, false), 1); // rollover at 21:00 crossed
});

Deno.test("mt5: swap accrues per night on open positions (points mode, long rate)", () => {
  // Daily bars Mon..next Tue; long opened Monday's open+1 (Tuesday), closed the next Tuesday.
  const n = 9;
  const o = Array.from({ length: n }, () => 0.65);
  const bars = makeBars(o, o.map((x) => x + 0.001), o.map((x) => x - 0.001), o, {
    spread: o.map(() => 0),
  });
  const r = runBacktest({
    bars,
    strategy: script({ 0: [], 1: [{ kind: "entry", side: 1, size: 1 }], 7: [{ kind: "close" }] }),
    config: { profile: "mt5", symbol: AUD, commission: 0 },
  });
  const t = r.trades[0];
  // Held from Wed 2024-01-03 open to Tue 2024-01-09 open: nights Wed(3) Thu Fri (Sat, Sun free) Mon = 6.
  assert.equal(t.entry_time, "2024-01-03T00:00:00.000Z");
  assert.equal(t.exit_time, "2024-01-09T00:00:00.000Z");
  const perNight = AUD.swapLong * PT * 100_000;
  assertClose(swapPerNight(AUD, 1, 1, 0.65), perNight, 1e-12, "per night");
  assertClose(t.swap, 6 * perNight, 1e-9, "six nights");
  assertClose(t.pnl, t.swap, 1e-9, "flat prices: pnl is the swap");
});

Deno.test("mt5: volumes are normalised to the step; below the minimum the order is rejected (10014)", () => {
  const bars = fxBars();
  const r = runBacktest({
    bars,
    strategy: script({ 1: [{ kind: "entry", side: 1, size: 1.237 }] }),
    config: { profile: "mt5", symbol: AUD, swap: false, finalize: true },
  });
  assert.equal(r.trades[0].size, 1.23);
  const big = { ...AUD, volumeMin: 2, volumeStep: 1 };
  const r2 = runBacktest({
    bars,
    strategy: script({ 1: [{ kind: "entry", side: 1, size: 1 }] }),
    config: { profile: "mt5", symbol: big, swap: false },
  });
  assert.equal(r2.trades.length + r2.openTrades.length, 0);
  assert.equal(r2.rejections[0].retcode, 10014);
  assert.equal(r2.stats.rejected_orders, 1);
});

Deno.test("mt5: SL on the wrong side or inside the stops level is rejected (10016); strict mode throws", () => {
  const bars = fxBars();
  const wrong = script({ 1: [{ kind: "entry", side: 1, size: 1, sl: 0.70 }] });
  const r = runBacktest({ bars, strategy: wrong, config: { profile: "mt5", symbol: AUD } });
  assert.equal(r.trades.length + r.openTrades.length, 0);
  assert.equal(r.rejections[0].retcode, 10016);
  assert.match(r.rejections[0].message, /SL 0.7 is on the wrong side of .* for a buy/);
  assert.throws(
    () => runBacktest({ bars, strategy: wrong, config: { profile: "mt5", symbol: AUD, strict: true } }),
    (e) => e instanceof KinetraError && e.code === "order_rejected",
  );
  const tight = { ...AUD, stopsLevel: 50 };
  // 10 points below the Bid of the fill (bar 2's open), where MT5 measures it at send time.
  const near = script({
    1: [{ kind: "entry", side: 1, size: 1, sl: Number((bars.open[2] - 10 * PT).toFixed(5)) }],
  });
  const r2 = runBacktest({ bars, strategy: near, config: { profile: "mt5", symbol: tight } });
  assert.equal(r2.rejections[0].retcode, 10016);
  assert.match(r2.rejections[0].message, /only \d+ points from .*stops level 50/);
});

Deno.test("mt5: margin from leverage; an order beyond free margin is rejected (10019)", () => {
  assertClose(marginRequired(AUD, 1, 0.65, 100), 650, 1e-12, "1 lot at 0.65, 1:100");
  const bars = fxBars();
  // 20 lots need 13 000 USD of margin at 1:100 with 10 000 USD.
  const r = runBacktest({
    bars,
    strategy: script({ 1: [{ kind: "entry", side: 1, size: 20 }] }),
    config: { profile: "mt5", symbol: AUD, leverage: 100 },
  });
  assert.equal(r.rejections[0].retcode, 10019);
  const r2 = runBacktest({
    bars,
    strategy: script({ 1: [{ kind: "entry", side: 1, size: 10 }] }),
    config: { profile: "mt5", symbol: AUD, leverage: 100, finalize: true },
  });
  assert.equal(r2.trades.length, 1);
});

Deno.test("mt5: stop-out closes positions at the bar's close when the margin level falls below 50 %", () => {
  // 15 lots at 1:100 = ~9 750 USD margin; a 600-point drop loses 9 000 USD -> level ~10 %.
  const o = [0.65, 0.65, 0.65, 0.644, 0.640, 0.64];
  const bars = makeBars(o, o.map((x) => x + 0.0001), o.map((x) => x - 0.0001), o, { spread: o.map(() => 0) });
  const r = runBacktest({
    bars,
    strategy: script({ 1: [{ kind: "entry", side: 1, size: 15 }] }),
    config: { profile: "mt5", symbol: AUD, leverage: 100, commission: 0, swap: false },
  });
  const t = r.trades[0];
  assert.equal(t.exit_reason, "stop_out");
  assert.equal(t.exit_bar, 3);
  assert.equal(t.exit_price, o[3]);
  assert.ok(r.equity.every((e) => Number.isFinite(e) && e >= 0));
});

Deno.test("mt5: trade modes refuse what the symbol forbids", () => {
  const bars = fxBars();
  const longOnly = { ...AUD, tradeMode: "longonly" as const };
  const r = runBacktest({
    bars,
    strategy: script({ 1: [{ kind: "entry", side: -1, size: 1 }] }),
    config: { profile: "mt5", symbol: longOnly },
  });
  assert.equal(r.rejections[0].retcode, 10042);
  const disabled = { ...AUD, tradeMode: "disabled" as const };
  const r2 = runBacktest({
    bars,
    strategy: script({ 1: [{ kind: "entry", side: 1, size: 1 }] }),
    config: { profile: "mt5", symbol: disabled },
  });
  assert.equal(r2.rejections[0].retcode, 10017);
});

Deno.test("mt5: risk sizing risks riskPct of equity over the stop distance", () => {
  const bars = fxBars(0);
  const sl = bars.close[1] - 100 * PT; // entry ≈ open[2]; distance ≈ 100 + (open[2] − close[1]) points
  const r = runBacktest({
    bars,
    strategy: script({ 1: [{ kind: "entry", side: 1, sl }] }),
    config: { profile: "mt5", symbol: AUD, sizing: { mode: "risk", riskPct: 2 }, finalize: true },
  });
  const t = r.trades[0];
  const dist = t.entry_price - sl;
  const expected = Math.floor(10_000 * 0.02 / (dist * 100_000) / 0.01 + 1e-9) * 0.01;
  assertClose(t.size, expected, 1e-9, "lots");
  assert.ok(t.size > 0);
});

Deno.test("cost helpers: spread cost, commission per lot", () => {
  assertClose(spreadCost(AUD, 2, 3), 6, 1e-12, "3 points on 2 lots");
  assertClose(commissionMt5(AUD, 0.5), 1.75, 1e-12, "0.5 lot at 3.5");
  assertClose(commissionMt5(AUD, 1, 0.65, { fixed: 1, perLot: 2 }), 3, 1e-12, "fixed + per lot");
  const jpy = symbolSpec("EURJPY+");
  assertClose(spreadCost(jpy, 1, 10), 10 * 0.001 * 100_000 / 150, 1e-9, "JPY quote converted to USD");
});

Deno.test("sizing modes: fixed units, fixed lots (contract size, volume step), fraction of free margin", () => {
  const bars = fxBars(0);
  const buy = script({ 1: [{ kind: "entry", side: 1 }] });
  const run = (config: Record<string, unknown>) =>
    runBacktest({ bars, strategy: buy, config: { symbol: AUD, swap: false, finalize: true, ...config } })
      .trades[0]
      .size;
  assert.equal(run({ profile: "compat", sizing: { mode: "units", units: 7 } }), 7);
  assert.equal(run({ profile: "compat", sizing: { mode: "lots", lots: 0.02 } }), 2000); // 0.02 × 100 000 units
  assert.equal(run({ profile: "mt5", sizing: { mode: "units", units: 12_345 } }), 0.12); // floored to the 0.01 step
  assert.equal(run({ profile: "mt5", sizing: { mode: "lots", lots: 0.257 } }), 0.25);
  // Half the free margin at 1:100: 5 000 USD buys floor(5000 / (0.651 × 100 000 / 100 + 3.5)) lots at the 0.01 step.
  const perLot = bars.open[2] * 100_000 / 100 + 3.5;
  assertClose(
    run({ profile: "mt5", leverage: 100, sizing: { mode: "fraction", fraction: 0.5 } }),
    Math.floor(5000 / perLot / 0.01 + 1e-9) * 0.01,
    1e-9,
    "fraction",
  );
});
