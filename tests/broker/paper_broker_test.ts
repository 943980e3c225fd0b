import assert from "node:assert/strict";
import { PaperBroker, RETCODE } from "../../lib/broker/mod.ts";
import { EURUSD, quote } from "./fixtures.ts";
import { runBrokerContract } from "./contract.ts";
import { symbolSpec } from "../../lib/market/instrument.ts";

Deno.test("paper broker passes the broker contract", async () => {
  await runBrokerContract(() => {
    const b = new PaperBroker({ specs: [EURUSD], balance: 10000 });
    b.setQuote(quote("EURUSD", 1.1, 1.1002));
    return Promise.resolve({ broker: b, symbol: "EURUSD", cleanup: () => Promise.resolve() });
  });
});

Deno.test("paper broker nets opposite deals, reverses, and books profit from tick value", async () => {
  const b = new PaperBroker({ specs: [EURUSD], balance: 10000, commissionPerLot: 3 });
  b.setQuote(quote("EURUSD", 1.1, 1.1002));
  const open = await b.send("a1", { action: 1, symbol: "EURUSD", volume: 1, type: 0 });
  assert.equal(open.retcode, RETCODE.DONE);
  assert.equal(open.commission, -3);
  b.setQuote(quote("EURUSD", 1.101, 1.1012));
  // Sell 1.5 lots: closes the 1-lot buy at Bid 1.1010 (+80 points = 80 USD) and opens 0.5 short.
  const rev = await b.send("a2", { action: 1, symbol: "EURUSD", volume: 1.5, type: 1 });
  assert.equal(rev.retcode, RETCODE.DONE);
  assert.ok(Math.abs(rev.profit! - 80) < 1e-6, `profit ${rev.profit}`);
  const pos = await b.positions();
  assert.equal(pos.length, 1);
  assert.equal(pos[0].type, 1);
  assert.equal(pos[0].volume, 0.5);
  assert.equal(pos[0].price_open, 1.101);
  const acc = await b.account();
  // 10000 + 80 profit − 3 (open) − 4.5 (1.5 lots) commission.
  assert.ok(Math.abs(acc.balance - (10000 + 80 - 3 - 4.5)) < 1e-6, `balance ${acc.balance}`);
});

Deno.test("paper broker hedging keeps two opposite positions", async () => {
  const b = new PaperBroker({ specs: [EURUSD], hedging: true });
  b.setQuote(quote("EURUSD", 1.1, 1.1002));
  await b.send("h1", { action: 1, symbol: "EURUSD", volume: 0.1, type: 0 });
  await b.send("h2", { action: 1, symbol: "EURUSD", volume: 0.1, type: 1 });
  assert.equal((await b.positions()).length, 2);
});

Deno.test("paper broker triggers SL on a bar; a gap through the level fills at the open; SL wins over TP", async () => {
  const b = new PaperBroker({ specs: [EURUSD] });
  b.setQuote(quote("EURUSD", 1.1, 1.1002));
  await b.send("s1", { action: 1, symbol: "EURUSD", volume: 0.1, type: 0, sl: 1.099, tp: 1.102 });
  // Bar touches both levels: the stop-loss wins.
  let ex = b.processBar("EURUSD", { open: 1.1, high: 1.103, low: 1.098, spreadPoints: 20, time_msc: 1 });
  assert.equal(ex.length, 1);
  assert.equal(ex[0].reason, "sl");
  assert.equal(ex[0].price, 1.099);
  await b.send("s2", { action: 1, symbol: "EURUSD", volume: 0.1, type: 0, sl: 1.099 });
  // Gap below the stop: fills at the open 1.0980.
  ex = b.processBar("EURUSD", { open: 1.098, high: 1.0985, low: 1.097, spreadPoints: 20, time_msc: 2 });
  assert.equal(ex[0].price, 1.098);
  assert.deepEqual(await b.positions(), []);
});

Deno.test("paper broker refuses an order it cannot afford with 10019", async () => {
  const b = new PaperBroker({ specs: [EURUSD], balance: 100 });
  b.setQuote(quote("EURUSD", 1.1, 1.1002));
  const r = await b.send("m1", { action: 1, symbol: "EURUSD", volume: 1, type: 0 });
  assert.equal(r.retcode, RETCODE.NO_MONEY);
  const long = await b.send("x".repeat(17), { action: 1, symbol: "EURUSD", volume: 0.01, type: 0 });
  assert.equal(long.retcode, RETCODE.INVALID);
});

Deno.test("paper broker at a data rate: margin, free margin and profit follow the value scale (10019 where static would fill)", async () => {
  const AJ = symbolSpec("AUDJPY+");
  // 0.1 lot at 100.00, 1:1: 1 000 000 JPY of margin, 6 666.67 USD at the static 150, 7 142.86 at 140.
  const req = { action: 1, symbol: "AUDJPY+", volume: 0.1, type: 0 } as const;
  const fresh = () => {
    const b = new PaperBroker({ specs: [AJ], balance: 6800, leverage: 1 });
    b.setQuote(quote("AUDJPY+", 99.99, 100));
    return b;
  };
  const atStatic = await fresh().send("s1", req);
  assert.equal(atStatic.retcode, RETCODE.DONE, atStatic.comment);
  const b = fresh();
  b.setValueScale("AUDJPY+", 150 / 140);
  const check = await b.orderCheck(req);
  assert.equal(check.retcode, RETCODE.NO_MONEY, check.comment);
  assert.equal((await b.send("d1", req)).retcode, RETCODE.NO_MONEY);
  // At 155 it fits; the account then reports margin and equity at the rate of the moment.
  b.setValueScale("AUDJPY+", 150 / 155);
  assert.equal((await b.send("d2", req)).retcode, RETCODE.DONE);
  const margin = 0.1 * 100 * AJ.contractSize / 155;
  let acc = await b.account();
  assert.ok(Math.abs(acc.margin - margin) < 1e-6, `${acc.margin} vs ${margin}`);
  b.setQuote(quote("AUDJPY+", 101, 101.01));
  b.setValueScale("AUDJPY+", 150 / 140);
  acc = await b.account();
  const floating = 0.1 * (101 - 100) * AJ.contractSize / 140;
  assert.ok(Math.abs(acc.equity - (6800 + floating)) < 1e-6, `${acc.equity}`);
  assert.ok(Math.abs(acc.margin - 0.1 * 100 * AJ.contractSize / 140) < 1e-6, `${acc.margin}`);
});
