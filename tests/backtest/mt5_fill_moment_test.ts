/**
 * The mt5 profile sizes orders with what is known at the fill moment (open trades marked at the
 * fill bar's open: longs at Bid, shorts at Ask), never with the fill bar's close; and it puts
 * SL/TP and pending prices on the symbol's price grid exactly as the live validator does.
 */
import assert from "node:assert/strict";
import { runBacktest } from "../../lib/backtest/mod.ts";
import { symbolSpec } from "../../lib/market/mod.ts";
import { normalizePrice } from "../../lib/market/normalize.ts";
import type { OrderIntent } from "../../lib/strategies/contract.ts";
import { assertClose, makeBars, scripted } from "./_fixtures.ts";

const AUD = symbolSpec("AUDUSD+"); // 5 digits, 100 000 units per lot, 1 USD per point per lot
const PT = AUD.point;
const SPREAD = 20;

/** Eight H1 bars rising from 0.65000; `close4` replaces the close of bar 4 (the second fill bar). */
function bars(close4?: number) {
  const o = [0.65, 0.651, 0.652, 0.653, 0.654, 0.655, 0.656, 0.657];
  const h = o.map((x) => x + 0.0005), l = o.map((x) => x - 0.0005), c = o.map((x) => x + 0.0002);
  if (close4 !== undefined) {
    c[4] = close4;
    h[4] = Math.max(h[4], close4);
    l[4] = Math.min(l[4], close4);
  }
  return makeBars(o, h, l, c, { stepMs: 3_600_000, spread: o.map(() => SPREAD) });
}

function script(plan: Record<number, OrderIntent[]>) {
  return scripted((i, _p, out) => {
    for (const it of plan[i] ?? []) out.push(it);
  });
}

/** A first trade of 1 lot filled at bar 2, then a second entry decided at bar 3 and filled at bar 4. */
function secondEntrySize(side: 1 | -1, close4: number | undefined, second: OrderIntent): number {
  const r = runBacktest({
    bars: bars(close4),
    strategy: script({ 1: [{ kind: "entry", side, size: 1 }], 3: [second] }),
    config: { profile: "mt5", symbol: AUD, swap: false, finalize: true, hedging: false },
  });
  assert.equal(r.trades.length, 2, JSON.stringify(r.rejections));
  const t = r.trades.find((x) => x.entry_bar === 4)!;
  return t.size;
}

for (const side of [1, -1] as const) {
  const name = side > 0 ? "long" : "short";
  Deno.test(`mt5 risk sizing with a ${name} open: equity marked at the fill bar's open, not its close`, () => {
    const b = bars();
    // 300 points from the decision's close: still on the correct side of the fill's quote after the
    // bars' rise (MT5 measures a sell's SL from the Ask at the fill, and refuses one at or below it).
    const sl = b.close[3] - side * 300 * PT;
    const entry: OrderIntent = { kind: "entry", side, sl: Number(sl.toFixed(5)) };
    const base = secondEntrySize(side, undefined, entry);
    // A very different close of the fill bar (±300 points) must not change the size.
    for (const c4 of [b.open[4] + 0.003, b.open[4] - 0.003]) {
      assert.equal(secondEntrySize(side, Number(c4.toFixed(5)), entry), base, `close4=${c4}`);
    }
    // By hand: cash − entry commission + the open lot marked at Bid (long) / Ask (short) at bar 4's open.
    const firstEntry = side > 0 ? b.open[2] + SPREAD * PT : b.open[2];
    const mark = side > 0 ? b.open[4] : b.open[4] + SPREAD * PT;
    const equity = 10_000 - 3.5 + side * (mark - firstEntry) * 100_000;
    const fill = side > 0 ? b.open[4] + SPREAD * PT : b.open[4];
    const dist = Math.abs(fill - Number(sl.toFixed(5)));
    const expected = Math.floor(equity * 0.01 / (dist * 100_000) / 0.01 + 1e-9) * 0.01;
    assertClose(base, expected, 1e-9, "lots from the equity at the fill moment");
  });
}

Deno.test("mt5 fraction sizing: the free margin is taken at the fill moment, not at the fill bar's close", () => {
  const b = bars();
  const entry: OrderIntent = { kind: "entry", side: 1, size: 0.5 };
  const base = secondEntrySize(1, undefined, entry);
  assert.equal(secondEntrySize(1, Number((b.open[4] + 0.004).toFixed(5)), entry), base);
  assert.equal(secondEntrySize(1, Number((b.open[4] - 0.004).toFixed(5)), entry), base);
  // Free margin: equity at Bid = open[4] minus the first lot's margin at its entry price (1:100).
  const firstEntry = b.open[2] + SPREAD * PT;
  const equity = 10_000 - 3.5 + (b.open[4] - firstEntry) * 100_000;
  const free = equity - firstEntry * 100_000 / 100;
  const perLot = (b.open[4] + SPREAD * PT) * 100_000 / 100 + 3.5;
  assertClose(base, Math.floor(free * 0.5 / perLot / 0.01 + 1e-9) * 0.01, 1e-9, "fraction of free margin");
});

Deno.test("compat sizing keeps backtesting.py's close-of-bar marking (changing the close changes the size)", () => {
  const b = bars();
  const run = (c4?: number) =>
    runBacktest({
      bars: bars(c4),
      strategy: script({
        1: [{ kind: "entry", side: 1, size: 100 }],
        3: [{ kind: "entry", side: 1, size: 0.5 }],
      }),
      config: { profile: "compat", finalize: true, cash: 1_000, margin: 0.1 },
    }).trades.find((x) => x.entry_bar === 4)!.size;
  assert.notEqual(run(Number((b.open[4] + 0.3).toFixed(5))), run(Number((b.open[4] - 0.3).toFixed(5))));
});

Deno.test("mt5: SL/TP, pending prices and modified stops are put on the price grid like the live validator", () => {
  const b = bars();
  const sl = b.close[1] - 0.0012345678, tp = b.close[1] + 0.0031234567;
  const r = runBacktest({
    bars: b,
    strategy: script({
      1: [{ kind: "entry", side: 1, size: 0.1, sl, tp }],
      3: [{ kind: "modify", sl: b.close[3] - 0.0007654321 }],
    }),
    config: { profile: "mt5", symbol: AUD, swap: false, finalize: true },
  });
  assert.equal(r.rejections.length, 0, JSON.stringify(r.rejections));
  const t = r.trades[0];
  assert.equal(t.tp, normalizePrice(AUD, tp));
  assert.equal(t.sl, normalizePrice(AUD, b.close[3] - 0.0007654321));
  assert.notEqual(t.sl, b.close[3] - 0.0007654321);
  // A limit entry: its price is on the grid, so it fills at a grid price.
  const lim = b.open[5] - 0.00012345;
  const r2 = runBacktest({
    bars: b,
    strategy: script({ 4: [{ kind: "entry", side: -1, type: "limit", price: lim + 0.0004, size: 0.1 }] }),
    config: { profile: "mt5", symbol: AUD, swap: false, finalize: true },
  });
  assert.equal(r2.trades.length, 1);
  assert.equal(r2.trades[0].entry_price, normalizePrice(AUD, lim + 0.0004));
  // compat keeps raw levels.
  const r3 = runBacktest({
    bars: b,
    strategy: script({ 1: [{ kind: "entry", side: 1, size: 10, sl, tp }] }),
    config: { profile: "compat", finalize: true },
  });
  assert.equal(r3.trades[0].sl, sl);
});
