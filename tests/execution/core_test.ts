// The execution core: the same checks, sizing and trade records for the engine, the validator and
// the live runner's trade book.
import assert from "node:assert/strict";
import { runBacktest } from "../../lib/backtest/mod.ts";
import { validateOrder } from "../../lib/broker/validator.ts";
import {
  checkMargin,
  checkStops,
  checkTradeMode,
  checkVolume,
  entryLots,
  reasonOf,
  riskLots,
  TradeBook,
} from "../../lib/execution/mod.ts";
import { RETCODE, symbolSpec } from "../../lib/market/mod.ts";
import { makeBars, scripted } from "../backtest/_fixtures.ts";

const EU = symbolSpec("EURUSD");

/** Bars on the 5-digit grid around the given closes. */
function fxBars(closes: number[]) {
  const r = (x: number) => Number(x.toFixed(5));
  const c = closes.map(r);
  return makeBars(c, c.map((x) => r(x + 0.0002)), c.map((x) => r(x - 0.0002)), c);
}

Deno.test("trade-mode, volume, stops and margin checks return MT5 retcodes and reason codes", () => {
  assert.equal(checkTradeMode({ ...EU, tradeMode: "disabled" }, 1, true)?.retcode, RETCODE.TRADE_DISABLED);
  assert.equal(checkTradeMode({ ...EU, tradeMode: "closeonly" }, 1, false)?.retcode, RETCODE.CLOSE_ONLY);
  assert.equal(checkTradeMode({ ...EU, tradeMode: "closeonly" }, 1, true), null);
  assert.equal(checkTradeMode({ ...EU, tradeMode: "longonly" }, -1, false)?.reason, "long_only");
  assert.equal(checkTradeMode({ ...EU, tradeMode: "shortonly" }, 1, false)?.retcode, RETCODE.SHORT_ONLY);
  assert.equal(checkVolume(EU, 0.015)?.retcode, RETCODE.INVALID_VOLUME);
  assert.equal(checkVolume(EU, 0.02), null);
  assert.equal(checkVolume(EU, 0.001)?.reason, "invalid_volume");
  // A buy's SL below the Bid, TP above; stops level 30 points: 30 is the server's minimum, the
  // client wants one more.
  const s30 = { ...EU, stopsLevel: 30 };
  assert.equal(checkStops(s30, true, 1.1, 1.0997, undefined, "server"), null);
  assert.equal(checkStops(s30, true, 1.1, 1.0997, undefined, "client")?.retcode, RETCODE.INVALID_STOPS);
  assert.equal(checkStops(s30, true, 1.1, 1.1003, undefined, "server")?.retcode, RETCODE.INVALID_STOPS);
  assert.equal(checkStops(s30, false, 1.1, 1.1003, 1.0997, "server"), null);
  assert.equal(checkMargin(100, 99, "USD")?.retcode, RETCODE.NO_MONEY);
  assert.equal(reasonOf(RETCODE.INVALID_STOPS), "invalid_stops");
});

Deno.test("the validator and the engine refuse the same stops with the same retcode", () => {
  const spec = { ...EU, stopsLevel: 30, executionMode: "market" as const, fillingMode: 1 };
  const quote = { symbol: "EURUSD", bid: 1.1, ask: 1.1002, time_msc: 0 };
  const pos = {
    ticket: "1",
    symbol: "EURUSD",
    type: 0,
    volume: 0.1,
    price_open: 1.09,
    sl: 0,
    tp: 0,
    magic: "1",
    comment: "",
    time_msc: 0,
    profit: 0,
    swap: 0,
  };
  const modify = (sl: number) =>
    validateOrder({ action: 6, symbol: "EURUSD", volume: 0.1, type: 0, position: "1", sl, tp: 0 }, {
      spec,
      quote,
      positions: [pos],
    }, { comparison: "server" }).retcode;
  assert.equal(modify(1.0997), RETCODE.DONE);
  assert.equal(modify(1.0998), RETCODE.INVALID_STOPS);
  // The engine's modify goes through the same check: a stop inside the level is refused.
  const bars = fxBars(Array.from({ length: 40 }, (_, i) => 1.1 + 0.0001 * Math.sin(i)));
  const r = runBacktest({
    bars,
    strategy: scripted((i, _p, out) => {
      if (i === 5) out.push({ kind: "entry", side: 1, size: 0.1 });
      if (i === 10) out.push({ kind: "modify", sl: bars.close[10] - 0.0002 }); // 20 points < 30
      if (i === 12) out.push({ kind: "modify", sl: bars.close[12] - 0.0005 }); // 50 points
    }),
    config: { profile: "mt5", symbol: spec, swap: false },
  });
  assert.deepEqual(r.rejections.map((x) => [x.bar, x.retcode, x.reason]), [[10, 10016, "invalid_stops"]]);
});

Deno.test("one sizing: risk sizing honours the fallback lots in the engine and in live sizing alike", () => {
  assert.equal(riskLots(EU, 10_000, 1, 1.1, 1.095), 0.2);
  assert.equal(riskLots(EU, 10_000, 1, 1.1, NaN, 0.05), 0.05);
  assert.equal(
    entryLots({
      spec: EU,
      size: undefined,
      price: 1.1,
      sl: undefined,
      equity: 10_000,
      marginFree: 1e4,
      leverage: 100,
      fallbackLots: 0.05,
    }),
    0.05,
  );
  // Without a fallback: the equity's notional without leverage (10 000 / 110 000 per lot).
  assert.equal(
    entryLots({
      spec: EU,
      size: undefined,
      price: 1.1,
      sl: undefined,
      equity: 10_000,
      marginFree: 1e4,
      leverage: 100,
    }),
    0.09,
  );
  const bars = fxBars(Array.from({ length: 30 }, (_, i) => 1.1 + 0.001 * i));
  const r = runBacktest({
    bars,
    strategy: scripted((i, _p, out) => {
      if (i === 3) out.push({ kind: "entry", side: 1 });
    }),
    config: {
      profile: "mt5",
      symbol: EU,
      swap: false,
      finalize: true,
      sizing: { mode: "risk", riskPct: 1, fallbackLots: 0.05 },
    },
  });
  assert.equal(r.trades[0].size, 0.05);
});

Deno.test("the trade book nets first-in first-out with commission and MFE/MAE", () => {
  const spec = { ...EU, commissionPerLot: 3.5 };
  const book = new TradeBook(spec, 10_000);
  book.fill({ lots: 0.1, price: 1.1, bar: 0, time: 0, reason: "signal", spreadPx: 0, opens: true });
  book.fill({ lots: 0.2, price: 1.102, bar: 1, time: 1, reason: "signal", spreadPx: 0, opens: true });
  book.updateExcursions(1.105, 1.099);
  const out = book.fill({
    lots: -0.25,
    price: 1.104,
    bar: 2,
    time: 2,
    reason: "signal",
    spreadPx: 0,
    opens: false,
  });
  assert.deepEqual(out.map((t) => [t.entry_price, t.size]), [[1.1, 0.1], [1.102, 0.15]]);
  const first = out[0];
  // 0.1 lot × 40 points × 1 USD per point per lot − 2 × 0.35 commission.
  assert.ok(Math.abs(first.pnl - (40 - 0.7)) < 1e-9, String(first.pnl));
  assert.ok(Math.abs(first.mfe - 0.005) < 1e-12 && Math.abs(first.mae - 0.001) < 1e-12);
  assert.equal(book.netLots, 0.05);
  assert.equal(book.openCount, 1);
});
