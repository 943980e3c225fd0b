// One trade book: the backtest engine and the live runner's TradeBook book trades through the same
// execution core (lib/execution/trade_book.ts). The same fills through both must give identical
// records (closed and still open), cash and equity marks, bar by bar; a formula changed on one path
// only (netting, partial closes, commission, swap, excursions, marks) makes these tests fail.
import assert from "node:assert/strict";
import { runBacktest } from "../../lib/backtest/mod.ts";
import { energyColumn } from "../../lib/backtest/energy.ts";
import { Book, type BookTrade, TradeBook } from "../../lib/execution/mod.ts";
import type { Instrument } from "../../lib/market/mod.ts";
import { symbolSpec } from "../../lib/market/mod.ts";
import type { OrderIntent } from "../../lib/strategies/contract.ts";
import { makeBars, scripted } from "../backtest/_fixtures.ts";

/** Daily EURUSD-like bars on the 5-digit grid with a per-bar spread (points) that varies. */
function bars(n: number) {
  const r = (x: number) => Number(x.toFixed(5));
  const o: number[] = [], h: number[] = [], l: number[] = [], c: number[] = [], sp: number[] = [];
  for (let i = 0; i < n; i++) {
    const mid = 1.1 + 0.004 * Math.sin(i / 2.3) + 0.0007 * i;
    o.push(r(mid));
    c.push(r(mid + 0.0011 * Math.cos(i)));
    h.push(r(Math.max(o[i], c[i]) + 0.0009 + 0.0001 * (i % 3)));
    l.push(r(Math.min(o[i], c[i]) - 0.0008 - 0.0001 * (i % 4)));
    sp.push(8 + (i * 7) % 13);
  }
  return makeBars(o, h, l, c, { spread: sp });
}

/** Entries (side × lots, ≥ 1 lot so they are lots, not fractions) and closes decided at bar i. */
const SCRIPT: Record<number, { side: 1 | -1; lots: number } | "close"> = {
  2: { side: 1, lots: 2 },
  4: { side: 1, lots: 1 }, // a second long: two trades open
  6: { side: -1, lots: 1 }, // FIFO: the first long is reduced (a partial close)
  8: { side: -1, lots: 3 }, // closes 1 + 1 lots, opens 1 short with the rest
  11: "close",
  13: { side: -1, lots: 2 },
  15: { side: 1, lots: 5 }, // reversal: closes the short, opens 3 long
  17: { side: 1, lots: 1 }, // still open at the end with the 3 lots
};

function intents(i: number, out: OrderIntent[]): void {
  const s = SCRIPT[i];
  if (s === "close") out.push({ kind: "close" });
  else if (s) out.push({ kind: "entry", side: s.side, size: s.lots });
}

/** The same fills, fed by hand into a TradeBook as the live runner does (swap, fills, excursions, mark). */
function throughTradeBook(spec: Instrument, b: ReturnType<typeof bars>, cash: number) {
  const book = new TradeBook(spec, cash);
  const energy = energyColumn(b.close, {}, null); // the energy policy's column (decision bars)
  const equity: number[] = [];
  for (let i = 0; i < b.length; i++) {
    const spreadPx = b.spread![i] * spec.point;
    if (i > 0) book.chargeSwap(b.time[i - 1], b.time[i], b.close[i - 1]);
    const s = i > 0 ? SCRIPT[i - 1] : undefined; // decided at the bar before, filled at this open
    if (s === "close") {
      const price = book.netLots > 0 ? b.open[i] : b.open[i] + spreadPx;
      book.closeAll(price, i, b.time[i], "signal", spreadPx);
    } else if (s) {
      const price = s.side > 0 ? b.open[i] + spreadPx : b.open[i]; // buys at Ask, sells at Bid
      book.fill({
        lots: s.side * s.lots,
        price,
        bar: i,
        time: b.time[i],
        reason: "reverse",
        spreadPx,
        opens: true,
        energy: energy[i - 1],
      });
    }
    if (i > 0) book.updateExcursions(b.high[i], b.low[i]);
    equity.push(book.equityAt(b.close[i], spreadPx));
  }
  const last = b.length - 1;
  const open = book.openRecords(b.close[last], b.spread![last] * spec.point, last, b.time[last]);
  return { closed: book.closed, open, equity, cash: book.cash };
}

Deno.test("the engine and the TradeBook give identical records, cash and equity for the same fills (netting, FIFO, partial closes, swap, commission)", () => {
  const spec = symbolSpec("EURUSD");
  const b = bars(24);
  const cash = 1_000_000;
  const r = runBacktest({
    bars: b,
    strategy: scripted((i, _pos, out) => intents(i, out)),
    config: { profile: "mt5", symbol: spec, cash, swap: true, finalize: false },
  });
  const ref = throughTradeBook(spec, b, cash);
  // The scenario does what it says: partial closes, several trades, swap and commission booked.
  assert.deepEqual(r.trades.map((t) => [t.side, t.size, t.exit_reason]), [
    ["long", 1, "reverse"], // the part of the first long
    ["long", 1, "reverse"], // its rest
    ["long", 1, "reverse"], // the second long
    ["short", 1, "signal"],
    ["short", 2, "reverse"],
  ]);
  assert.deepEqual(r.openTrades.map((t) => [t.side, t.size]), [["long", 3], ["long", 1]]);
  assert.ok(r.trades.some((t) => t.swap !== 0) && r.trades.every((t) => t.commission > 0));
  assert.equal(r.openTrades.length, 2);
  assert.deepEqual(r.trades, ref.closed);
  assert.deepEqual(r.openTrades, ref.open);
  for (let i = 1; i < b.length; i++) assert.equal(r.equity[i], ref.equity[i], `equity at bar ${i}`);
  assert.equal(r.stats.equity_final, ref.equity[b.length - 1]);
});

Deno.test("hedging: the engine keeps both sides in the same book, closing them as the core's Book does", () => {
  const spec: Instrument = { ...symbolSpec("EURUSD"), commissionPerLot: 2.5 };
  const b = bars(12);
  const cash = 1_000_000;
  const r = runBacktest({
    bars: b,
    strategy: scripted((i, _pos, out) => {
      if (i === 1) out.push({ kind: "entry", side: 1, size: 2 });
      if (i === 3) out.push({ kind: "entry", side: -1, size: 1 }); // hedged: no netting
      if (i === 6) out.push({ kind: "close" });
    }),
    config: { profile: "mt5", symbol: spec, cash, swap: true, hedging: true },
  });
  // The same by hand through the core's Book: both trades stay open until the close intent, which
  // closes the newest first, each at its own side of the quote.
  const book = new Book({ spec, profile: "mt5", commission: null }, { cash });
  const energy = energyColumn(b.close, {}, null);
  const trade = (size: number, i: number, price: number, spreadPx: number): BookTrade => ({
    size,
    entry: price,
    entryBar: i,
    entryTime: b.time[i],
    sl: NaN,
    tp: NaN,
    tag: undefined,
    mfe: 0,
    mae: 0,
    energy: energy[i - 1],
    spreadPerUnit: size > 0 ? spreadPx : 0,
    slipPerUnit: 0,
    swap: 0,
  });
  for (let i = 1; i < b.length; i++) {
    const sp = b.spread![i] * spec.point;
    book.chargeSwap(b.time[i - 1], b.time[i], 0, b.close[i - 1], 1);
    if (i === 2) book.open(trade(2, i, b.open[i] + sp, sp));
    if (i === 4) book.open(trade(-1, i, b.open[i], sp));
    if (i === 7) {
      assert.equal(book.trades.length, 2);
      for (let k = book.trades.length - 1; k >= 0; k--) {
        const t = book.trades[k];
        book.close(t, t.size > 0 ? b.open[i] : b.open[i] + sp, i, b.time[i], "signal", sp, 0);
      }
    }
    book.excursions(b.high[i], b.low[i]);
    assert.equal(
      r.equity[i],
      book.markEquity(book.account.cash, b.close[i], b.close[i] + sp),
      `equity at bar ${i}`,
    );
  }
  assert.equal(r.trades.length, 2);
  assert.deepEqual(r.trades.map((t) => t.side), ["short", "long"]);
  assert.deepEqual(r.trades, book.log.toRecords(b.time));
});
