// The execution core's position book (lib/execution/positions.ts): MT5 netting and hedging by
// ticket, money in the account currency, margin, and the SL/TP exits of a bar. Expected figures are
// computed here from the contract's definition (price move × contract size), not by the book's code.
import assert from "node:assert/strict";
import { PositionBook, stopHit, TradeBook } from "../../lib/execution/mod.ts";
import { type CurrencyConverter, symbolSpec } from "../../lib/market/mod.ts";
import { KinetraError } from "../../lib/errors.ts";

const EU = { ...symbolSpec("EURUSD"), commissionPerLot: 3 };
/** USD per lot for a price move of 1.0 (EURUSD: 100 000 units per lot, quoted in USD). */
const PER_UNIT = EU.contractSize;
const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

Deno.test("netting: an opposite deal closes the position and opens the remainder (inout), profit and commission booked", () => {
  const book = new PositionBook({ instruments: [EU], balance: 10_000, commissionPerLot: 3 });
  const open = book.deal({ symbol: "EURUSD", side: 1, volume: 1, price: 1.1002, timeMsc: 1, comment: "a1" });
  assert.equal(open.entry, "in");
  assert.equal(open.commission, -3);
  assert.equal(open.positionId, open.order, "a new position takes the ticket of its order");
  assert.equal(Number(open.ticket), Number(open.order) + 1);
  const rev = book.deal({ symbol: "EURUSD", side: -1, volume: 1.5, price: 1.101, timeMsc: 2, comment: "a2" });
  assert.equal(rev.entry, "inout");
  close(rev.profit, (1.101 - 1.1002) * PER_UNIT * 1);
  close(rev.commission, -4.5);
  const [p, ...more] = book.positions();
  assert.deepEqual(more, []);
  assert.equal(p.side, -1);
  assert.equal(p.volume, 0.5);
  assert.equal(p.priceOpen, 1.101);
  assert.equal(p.ticket, rev.order);
  close(book.balance, 10_000 + 80 - 3 - 4.5);
  assert.equal(book.deals().length, 2);
});

Deno.test("netting: deals in the position's direction average the open price; SL/TP replaced only when given", () => {
  const book = new PositionBook({ instruments: [EU] });
  book.deal({ symbol: "EURUSD", side: 1, volume: 0.1, price: 1.1, timeMsc: 1, comment: "b1", sl: 1.09 });
  const add = book.deal({
    symbol: "EURUSD",
    side: 1,
    volume: 0.3,
    price: 1.12,
    timeMsc: 2,
    comment: "b2",
    tp: 1.2,
  });
  assert.equal(add.entry, "in");
  const ps = book.positions("EURUSD");
  assert.equal(ps.length, 1);
  assert.equal(ps[0].volume, 0.4);
  close(ps[0].priceOpen, (0.1 * 1.1 + 0.3 * 1.12) / 0.4, 1e-12);
  assert.equal(ps[0].sl, 1.09, "kept: the second deal gave no SL");
  assert.equal(ps[0].tp, 1.2);
  const out = book.deal({ symbol: "EURUSD", side: -1, volume: 0.1, price: 1.13, timeMsc: 3, comment: "b3" });
  assert.equal(out.entry, "out");
  assert.equal(book.positions()[0].volume, 0.3);
  assert.equal(book.positions("GBPUSD").length, 0);
});

Deno.test("netting averages what the FIFO trade book keeps apart: same money, different records", () => {
  const fills = [[0.1, 1.1], [0.3, 1.12], [-0.4, 1.13]] as const;
  const book = new PositionBook({
    instruments: [EU],
    balance: 10_000,
    commissionPerLot: EU.commissionPerLot,
  });
  const trades = new TradeBook(EU, 10_000);
  fills.forEach(([lots, price], i) => {
    book.deal({
      symbol: "EURUSD",
      side: lots > 0 ? 1 : -1,
      volume: Math.abs(lots),
      price,
      timeMsc: i,
      comment: `f${i}`,
    });
    trades.fill({ lots, price, bar: i, time: i, reason: "signal", spreadPx: 0, opens: lots > 0 });
  });
  assert.equal(trades.closed.length, 2, "the trade book closes two trades");
  assert.equal(book.deals().filter((d) => d.entry === "out").length, 1, "netting closes one position");
  close(book.balance, trades.cash);
  close(book.balance - 10_000, (0.1 * 0.03 + 0.3 * 0.01) * PER_UNIT - 0.8 * 3);
});

Deno.test("hedging: each deal opens its own position; a deal naming a ticket reduces only that one", () => {
  const book = new PositionBook({ instruments: [EU], hedging: true });
  const a = book.deal({ symbol: "EURUSD", side: 1, volume: 0.2, price: 1.1, timeMsc: 1, comment: "h1" });
  const b = book.deal({ symbol: "EURUSD", side: -1, volume: 0.1, price: 1.1, timeMsc: 2, comment: "h2" });
  const c = book.deal({ symbol: "EURUSD", side: 1, volume: 0.1, price: 1.2, timeMsc: 3, comment: "h3" });
  assert.deepEqual(book.positions().map((p) => [p.ticket, p.side, p.volume]), [
    [a.positionId, 1, 0.2],
    [b.positionId, -1, 0.1],
    [c.positionId, 1, 0.1],
  ]);
  const part = book.deal({
    symbol: "EURUSD",
    side: -1,
    volume: 0.05,
    price: 1.11,
    timeMsc: 4,
    comment: "h4",
    position: a.positionId,
  });
  assert.equal(part.entry, "out");
  close(part.profit, 0.05 * 0.01 * PER_UNIT);
  assert.equal(book.position(a.positionId)?.volume, 0.15);
  assert.equal(book.position(b.positionId)?.volume, 0.1, "the opposite position is untouched");
  book.deal({
    symbol: "EURUSD",
    side: 1,
    volume: 0.1,
    price: 1.09,
    timeMsc: 5,
    comment: "h5",
    position: b.positionId,
  });
  assert.equal(book.position(b.positionId), undefined);
  assert.equal(book.positions().length, 2);
});

Deno.test("margin and floating profit in the account currency, converted when it differs", () => {
  const usd = new PositionBook({ instruments: [EU], leverage: 100 });
  usd.deal({ symbol: "EURUSD", side: 1, volume: 0.5, price: 1.1, timeMsc: 0, comment: "m1" });
  usd.deal({ symbol: "EURUSD", side: -1, volume: 0.5, price: 1.1, timeMsc: 0, comment: "m2", magic: "7" });
  close(usd.margin("EURUSD", 1, 1.1), 1 * PER_UNIT * 1.1 / 100);
  assert.equal(usd.positions().length, 0, "netting: the opposite deal closed it");
  usd.deal({ symbol: "EURUSD", side: -1, volume: 0.5, price: 1.1, timeMsc: 0, comment: "m3" });
  close(usd.marginUsed(), 0.5 * PER_UNIT * 1.1 / 100);
  // A short is marked at the Ask.
  close(usd.floatingProfit(() => ({ bid: 1.0990, ask: 1.0992 })), 0.5 * (1.1 - 1.0992) * PER_UNIT);
  assert.equal(usd.floatingProfit(() => undefined), 0);
  const half = new PositionBook({ instruments: [{ ...EU, marginRate: 0.5 }] });
  close(half.margin("EURUSD", 1, 1.1), PER_UNIT * 1.1 / 100 / 2);
  const toEur: CurrencyConverter = {
    rate: (from, to) => (from === "USD" && to === "EUR" ? 0.8 : NaN),
  };
  const eur = new PositionBook({ instruments: [EU], currency: "EUR", converter: toEur, balance: 1000 });
  eur.deal({ symbol: "EURUSD", side: 1, volume: 1, price: 1.1, timeMsc: 0, comment: "e1" });
  const d = eur.deal({ symbol: "EURUSD", side: -1, volume: 1, price: 1.101, timeMsc: 1, comment: "e2" });
  close(d.profit, 0.001 * PER_UNIT * 0.8);
  close(eur.margin("EURUSD", 1, 1.1), PER_UNIT * 1.1 / 100 * 0.8);
  close(eur.balance, 1000 + 80);
});

Deno.test("stopHit: touch triggers a stop, a take-profit needs a trade-through, gaps fill at the open, SL wins", () => {
  const bar = (open: number, high: number, low: number, spreadPoints = 0) => ({
    open,
    high,
    low,
    spreadPoints,
  });
  const pt = 0.00001;
  assert.deepEqual(stopHit(1, 1.099, 0, bar(1.1, 1.101, 1.099), pt), { reason: "sl", price: 1.099 });
  assert.deepEqual(stopHit(1, 1.099, 0, bar(1.098, 1.0985, 1.097), pt), { reason: "sl", price: 1.098 });
  assert.equal(
    stopHit(1, 0, 1.102, bar(1.1, 1.102, 1.099), pt),
    null,
    "touching a take-profit is not enough",
  );
  assert.deepEqual(stopHit(1, 0, 1.102, bar(1.1, 1.1021, 1.099), pt), { reason: "tp", price: 1.102 });
  assert.deepEqual(stopHit(1, 1.099, 1.102, bar(1.1, 1.103, 1.098), pt)?.reason, "sl");
  // A short's levels are compared with Ask = Bid + 20 points: the Bid high 1.1008 is an Ask of 1.1010.
  assert.deepEqual(stopHit(-1, 1.101, 0, bar(1.1, 1.1008, 1.0995, 20), pt), { reason: "sl", price: 1.101 });
  assert.equal(stopHit(-1, 1.101, 0, bar(1.1, 1.1007, 1.0995, 20), pt), null);
  const book = new PositionBook({ instruments: [EU] });
  const a = book.deal({
    symbol: "EURUSD",
    side: 1,
    volume: 0.1,
    price: 1.1,
    timeMsc: 0,
    comment: "s1",
    sl: 1.099,
  });
  book.setStops(a.positionId, 1.0995, 0);
  assert.deepEqual(book.stopHits("EURUSD", bar(1.1, 1.1, 1.0995)).map((h) => h.hit), [
    { reason: "sl", price: 1.0995 },
  ]);
  assert.deepEqual(book.stopHits("EURUSD", bar(1.1, 1.1, 1.0995), new Set(["other"])), []);
  assert.equal(book.setStops("404", 1, 2), false);
});

Deno.test("the book refuses a symbol it has no instrument for", () => {
  const book = new PositionBook({ instruments: [EU] });
  assert.throws(
    () => book.deal({ symbol: "XAUUSD", side: 1, volume: 1, price: 2000, timeMsc: 0, comment: "x" }),
    (e) => e instanceof KinetraError && e.code === "unknown_symbol",
  );
  assert.equal(book.knows("XAUUSD"), false);
});

Deno.test("value scale: a JPY-quoted symbol's profit, floating profit and margin at the rate of the moment", () => {
  const AJ = symbolSpec("AUDJPY+");
  // USD per lot for a price move of 1.0 at the static rate (100 000 units, JPY at 1/150 USD).
  const perUnit = AJ.contractSize / 150;
  const book = new PositionBook({ instruments: [AJ, EU], leverage: 1 });
  assert.equal(book.valueScale("AUDJPY+"), 1);
  // The data says 1 USD = 155 JPY at the entry, 140 JPY at the exit: scales 150/155 and 150/140.
  book.setValueScale("AUDJPY+", 150 / 155);
  book.deal({ symbol: "AUDJPY+", side: 1, volume: 0.1, price: 100, timeMsc: 0, comment: "j1" });
  close(book.margin("AUDJPY+", 0.1, 100), 0.1 * 100 * AJ.contractSize / 155, 1e-6);
  close(book.marginUsed(), 0.1 * 100 * AJ.contractSize / 155, 1e-6);
  book.setValueScale("AUDJPY+", 150 / 140);
  // Open positions are valued at the current rate (their open price, the rate now), as the engine does.
  close(book.marginUsed(), 0.1 * 100 * AJ.contractSize / 140, 1e-6);
  close(book.floatingProfit(() => ({ bid: 101, ask: 101.01 })), 0.1 * 1 * AJ.contractSize / 140, 1e-6);
  const d = book.deal({ symbol: "AUDJPY+", side: -1, volume: 0.1, price: 101, timeMsc: 1, comment: "j2" });
  close(d.profit, 0.1 * 1 * perUnit * 150 / 140, 1e-6);
  close(book.balance, 10_000 + 0.1 * 1 * AJ.contractSize / 140, 1e-6);
  // Another symbol keeps its own (static) value; scale 1 is the static rate again.
  close(book.margin("EURUSD", 1, 1.1), PER_UNIT * 1.1);
  book.setValueScale("AUDJPY+", 1);
  close(book.margin("AUDJPY+", 0.1, 100), 0.1 * 100 * perUnit, 1e-6);
  for (const bad of [0, -1, NaN, Infinity]) {
    assert.throws(
      () => book.setValueScale("AUDJPY+", bad),
      (e) => e instanceof KinetraError && e.code === "bad_value_scale",
    );
  }
  assert.throws(
    () => book.setValueScale("XAUUSD", 1.01),
    (e) => e instanceof KinetraError && e.code === "unknown_symbol",
  );
});
