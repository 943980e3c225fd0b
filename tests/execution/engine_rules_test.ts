// The backtest engine and the live side (the broker's validator) apply the same trade server rules
// to the same order: margin with the symbol's margin rate (lib/market/costs.ts `marginRequired`),
// and MT5's stops rule at send time (a market order's SL/TP measured from the fill's quote: a buy's
// from the Bid, a sell's from the Ask). Each scenario runs the engine and asks the validator about
// the order the engine sent, at the quote of the fill, and requires the same verdict and retcode.
import assert from "node:assert/strict";
import { runBacktest } from "../../lib/backtest/mod.ts";
import { ORDER_TYPE, TRADE_ACTION, validateOrder } from "../../lib/broker/mod.ts";
import type { AccountInfo } from "../../lib/broker/mod.ts";
import { marginRequired } from "../../lib/market/costs.ts";
import { symbolSpec } from "../../lib/market/mod.ts";
import type { Instrument } from "../../lib/market/mod.ts";
import { RETCODE } from "../../lib/market/mt5_constants.ts";
import type { OrderIntent } from "../../lib/strategies/contract.ts";
import { assertClose, makeBars, scripted } from "../backtest/_fixtures.ts";
import { entryLots } from "../../lib/execution/sizing.ts";
import { valuePerPriceUnit } from "../../lib/market/instrument.ts";

const EU: Instrument = { ...symbolSpec("EURUSD"), commissionPerLot: 0, swapMode: "disabled" };
const SPREAD = 20; // points

/** Five daily bars: flat at 1.1000 until bar 2, whose open is `open2` (a gap), then flat there. */
function gapBars(open2: number) {
  const o = [1.1, 1.1, open2, open2, open2];
  const c = [1.1, 1.1, open2, open2, open2];
  const h = o.map((v) => v + 0.0001), l = o.map((v) => v - 0.0001);
  return makeBars(o, h, l, c, { spread: o.map(() => SPREAD) });
}

/** One entry decided at bar 1 (filled at bar 2's open). */
function once(it: Extract<OrderIntent, { kind: "entry" }>) {
  return scripted((i, _pos, out) => {
    if (i === 1) out.push(it);
  });
}

function account(free: number): AccountInfo {
  return {
    login: "1",
    server: "test",
    currency: "USD",
    trade_mode: 0,
    margin_mode: 0,
    leverage: 100,
    trade_allowed: true,
    trade_expert: true,
    balance: free,
    equity: free,
    margin: 0,
    margin_free: free,
  } as AccountInfo;
}

/** The validator's verdict on a market entry at the quote of bar `bar`'s open. */
function validatorSays(
  spec: Instrument,
  bars: ReturnType<typeof gapBars>,
  bar: number,
  side: 1 | -1,
  lots: number,
  sl: number | undefined,
  free: number,
): number {
  const bid = bars.open[bar], ask = Number((bid + SPREAD * spec.point).toFixed(spec.digits));
  const v = validateOrder(
    {
      action: TRADE_ACTION.DEAL,
      symbol: spec.symbol,
      volume: lots,
      type: side > 0 ? ORDER_TYPE.BUY : ORDER_TYPE.SELL,
      sl,
      type_filling: 0,
      deviation: 20,
    },
    { spec, quote: { bid, ask, time_msc: bars.time[bar] } as never, account: account(free) },
    { comparison: "server" },
  );
  return v.retcode;
}

function run(
  spec: Instrument,
  bars: ReturnType<typeof gapBars>,
  it: Extract<OrderIntent, { kind: "entry" }>,
  cash: number,
) {
  return runBacktest({
    bars,
    strategy: once(it),
    config: { profile: "mt5", symbol: spec, cash, margin: 0.01, finalize: false },
  });
}

Deno.test("margin: the engine refuses for lack of money exactly where the validator does, with the margin rate", () => {
  const bars = gapBars(1.1);
  const it = { kind: "entry", side: 1, size: 1 } as const;
  // 1 lot of EURUSD at ~1.1002 at 1:100: 1 100 USD at margin rate 1, 4 400 at margin rate 4.
  const cash = 2_000;
  for (const rate of [1, 4]) {
    const spec = { ...EU, marginRate: rate };
    const need = marginRequired(spec, 1, 1.1002, 100);
    assert.ok(rate === 1 ? need < cash : need > cash, `margin ${need} at rate ${rate}`);
    const r = run(spec, bars, it, cash);
    const engineRetcode = r.rejections.length ? r.rejections[0].retcode : RETCODE.DONE;
    const liveRetcode = validatorSays(spec, bars, 2, 1, 1, undefined, cash);
    assert.equal(engineRetcode, liveRetcode, `margin rate ${rate}`);
    assert.equal(engineRetcode, rate === 1 ? RETCODE.DONE : RETCODE.NO_MONEY);
    assert.equal(r.openTrades.length, rate === 1 ? 1 : 0);
  }
});

Deno.test("margin: fraction sizing spends the free margin at the margin rate (half the lots at rate 2)", () => {
  const bars = gapBars(1.1);
  const it = { kind: "entry", side: 1, size: 0.5 } as const;
  const lots = [1, 2].map((rate) => run({ ...EU, marginRate: rate }, bars, it, 10_000).openTrades[0].size);
  // 50 % of 10 000 USD over 1 100 USD per lot = 4.54 → 4.54 lots; at rate 2, 2.27 lots.
  assert.equal(lots[0], 4.54);
  assert.equal(lots[1], 2.27);
});

Deno.test("stops: a sell's SL is measured from the Ask of the fill, not from the close it was decided at", () => {
  // Decided at bar 1 (close 1.1000) with SL 1.1050 above it; bar 2 gaps up to 1.1100: at the fill
  // the SL is below the Ask (and the entry), which MT5 refuses with 10016.
  const up = gapBars(1.11);
  const sell = { kind: "entry", side: -1, size: 1, sl: 1.105 } as const;
  const r = run(EU, up, sell, 100_000);
  assert.equal(validatorSays(EU, up, 2, -1, 1, 1.105, 100_000), RETCODE.INVALID_STOPS);
  assert.equal(r.rejections.length, 1);
  assert.equal(r.rejections[0].retcode, RETCODE.INVALID_STOPS);
  assert.equal(r.rejections[0].bar, 2);
  assert.equal(r.trades.length + r.openTrades.length, 0);
  // Decided with SL 1.0990 below the close (wrong side then); bar 2 gaps down to 1.0900: at the
  // fill the SL is 88 pips above the Ask, which the server accepts, and so does the engine.
  const down = gapBars(1.09);
  const sell2 = { kind: "entry", side: -1, size: 1, sl: 1.099 } as const;
  assert.equal(validatorSays(EU, down, 2, -1, 1, 1.099, 100_000), RETCODE.DONE);
  const r2 = run(EU, down, sell2, 100_000);
  assert.equal(r2.rejections.length, 0);
  assert.equal(r2.openTrades.length, 1);
  assert.equal(r2.openTrades[0].sl, 1.099);
});

Deno.test("stops: a sell's SL between the Bid and the Ask, and a buy's between the Bid and the Ask, are refused by both", () => {
  const flat = gapBars(1.1);
  // Bid 1.1000, Ask 1.1002: a sell's SL at 1.1001 is above its entry (the Bid) but below the Ask.
  const sell = { kind: "entry", side: -1, size: 1, sl: 1.1001 } as const;
  assert.equal(validatorSays(EU, flat, 2, -1, 1, 1.1001, 100_000), RETCODE.INVALID_STOPS);
  const r = run(EU, flat, sell, 100_000);
  assert.deepEqual(r.rejections.map((x) => x.retcode), [RETCODE.INVALID_STOPS]);
  // A buy's SL at 1.1001 is below its entry (the Ask) but above the Bid it is measured from.
  const buy = { kind: "entry", side: 1, size: 1, sl: 1.1001 } as const;
  assert.equal(validatorSays(EU, flat, 2, 1, 1, 1.1001, 100_000), RETCODE.INVALID_STOPS);
  const r2 = run(EU, flat, buy, 100_000);
  assert.deepEqual(r2.rejections.map((x) => x.retcode), [RETCODE.INVALID_STOPS]);
  // One point below the Bid is accepted by both (stops level 0: at least one point).
  const ok = { kind: "entry", side: 1, size: 1, sl: 1.09999 } as const;
  assert.equal(validatorSays(EU, flat, 2, 1, 1, 1.09999, 100_000), RETCODE.DONE);
  const r3 = run(EU, flat, ok, 100_000);
  assert.equal(r3.rejections.length, 0);
  assert.equal(r3.trades.length + r3.openTrades.length, 1);
});

Deno.test("stops: with a stops level the engine takes the server's rule (distance equal to the level accepted)", () => {
  const spec = { ...EU, stopsLevel: 30 };
  const flat = gapBars(1.1);
  for (const [sl, want] of [[1.0997, RETCODE.DONE], [1.09971, RETCODE.INVALID_STOPS]] as const) {
    assert.equal(validatorSays(spec, flat, 2, 1, 1, sl, 100_000), want, `SL ${sl}`);
    const r = run(spec, flat, { kind: "entry", side: 1, size: 1, sl }, 100_000);
    assert.equal(r.rejections.length ? r.rejections[0].retcode : RETCODE.DONE, want, `engine, SL ${sl}`);
  }
});

Deno.test("risk sizing at the rate of the moment: the engine and entryLots size a JPY stop with the data's rate", () => {
  // A USDJPY-like profit currency: the stop distance's money value follows the conversion's rate at
  // the fill (bar 2's open). Twice the static value per price unit → half the lots for the same risk.
  const JP: Instrument = { ...symbolSpec("AUDJPY+"), commissionPerLot: 0, swapMode: "disabled" };
  const o = [98, 98, 98, 98, 98];
  const b = makeBars(o, o.map((x) => x + 0.01), o.map((x) => x - 0.01), o, { spread: o.map(() => 20) });
  const entry = { kind: "entry", side: 1, sl: 97.5 } as const; // 1 % risk over ~0.52 JPY
  const lotsAt = (k: number) => {
    const n = b.length;
    const r = runBacktest({
      bars: b,
      strategy: once(entry),
      config: { profile: "mt5", symbol: JP, cash: 10_000, finalize: false },
      conversion: {
        valueScale: { open: new Float64Array(n).fill(k), close: new Float64Array(n).fill(k) },
        info: { profit_currency: "JPY", source: "data", via: [], note: "test" },
      },
    });
    assert.equal(r.rejections.length, 0, JSON.stringify(r.rejections));
    return r.openTrades[0].size;
  };
  const fill = 98 + 20 * JP.point;
  for (const k of [1, 2, 0.8]) {
    const perUnit = valuePerPriceUnit(JP) * k;
    // By hand: 1 % of 10 000 USD over the stop distance in USD at that rate, floored to the step.
    const byHand = Math.floor(100 / ((fill - 97.5) * perUnit) / JP.volumeStep + 1e-9) * JP.volumeStep;
    const lots = lotsAt(k);
    assertClose(lots, byHand, 1e-9, `engine lots at scale ${k}`);
    // The live desk's sizing with the ledger's value per lot at the same moment.
    const live = entryLots({
      spec: JP,
      size: undefined,
      price: fill,
      sl: 97.5,
      equity: 10_000,
      marginFree: 10_000,
      leverage: 100,
      perUnit,
    });
    assert.equal(live, lots, `entryLots at scale ${k}`);
  }
  assert.ok(lotsAt(2) < lotsAt(1) && lotsAt(0.8) > lotsAt(1));
});

Deno.test("margin: the margin alone is checked against the free margin (commission is not margin), in both", () => {
  // 1 lot at Ask 1.1002 needs 1 100.20 USD at 1:100; with 1 102 USD free it fits, although margin
  // plus the 3.5 USD entry commission would not (the engine's former check refused it).
  const spec = { ...EU, commissionPerLot: 3.5 };
  const bars = gapBars(1.1);
  assert.equal(validatorSays(spec, bars, 2, 1, 1, undefined, 1_102), RETCODE.DONE);
  const r = run(spec, bars, { kind: "entry", side: 1, size: 1 }, 1_102);
  assert.equal(r.rejections.length, 0, JSON.stringify(r.rejections));
  assert.equal(r.openTrades.length, 1);
  // 1 USD less than the margin: both refuse with 10019.
  assert.equal(validatorSays(spec, bars, 2, 1, 1, undefined, 1_099.2), RETCODE.NO_MONEY);
  const r2 = run(spec, bars, { kind: "entry", side: 1, size: 1 }, 1_099.2);
  assert.deepEqual(r2.rejections.map((x) => x.retcode), [RETCODE.NO_MONEY]);
});

Deno.test("volume and price: the engine refuses what the validator refuses, with the same retcode", () => {
  const bars = gapBars(1.1);
  // Not a positive size, and a size in lots below the minimum after normalising: 10014 in both
  // (the validator with auto-adjust, as the live desk sends).
  for (const size of [0, -1, NaN]) {
    const r = run(EU, bars, { kind: "entry", side: 1, size }, 100_000);
    assert.deepEqual(r.rejections.map((x) => x.retcode), [RETCODE.INVALID_VOLUME], `size ${size}`);
  }
  const big = { ...EU, volumeMin: 2, volumeStep: 1 };
  const r = run(big, bars, { kind: "entry", side: 1, size: 1.5 }, 1_000_000);
  assert.deepEqual(r.rejections.map((x) => x.retcode), [RETCODE.INVALID_VOLUME]);
  const v = validateOrder(
    {
      action: TRADE_ACTION.DEAL,
      symbol: big.symbol,
      volume: 1.5,
      type: ORDER_TYPE.BUY,
      type_filling: 0,
    },
    { spec: big, quote: { bid: 1.1, ask: 1.1002, time_msc: 0 } as never },
    { comparison: "server", autoAdjust: true },
  );
  assert.equal(v.retcode, RETCODE.INVALID_VOLUME);
  // A pending entry without a positive price: 10015 in both.
  const r2 = run(EU, bars, { kind: "entry", side: 1, size: 1, type: "limit", price: -1 }, 100_000);
  assert.deepEqual(r2.rejections.map((x) => x.retcode), [RETCODE.INVALID_PRICE]);
  const v2 = validateOrder(
    {
      action: TRADE_ACTION.PENDING,
      symbol: EU.symbol,
      volume: 1,
      type: ORDER_TYPE.BUY_LIMIT,
      price: -1,
      type_filling: 0,
    },
    { spec: EU, quote: { bid: 1.1, ask: 1.1002, time_msc: 0 } as never },
    { comparison: "server" },
  );
  assert.equal(v2.retcode, RETCODE.INVALID_PRICE);
});
