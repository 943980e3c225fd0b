// The paper broker as a server shell over the execution core's position book: what it reports
// with MT5's names and type numbers is the book's state, converted at the edge (lib/market/side.ts).
import assert from "node:assert/strict";
import {
  ACCOUNT_MARGIN_MODE,
  DEAL_ENTRY,
  DEAL_TYPE,
  ORDER_TYPE,
  PaperBroker,
  POSITION_TYPE,
  RETCODE,
} from "../../lib/broker/mod.ts";
import { EURUSD, quote } from "./fixtures.ts";

const BUY = { action: 1, symbol: "EURUSD", volume: 0.1, type: ORDER_TYPE.BUY };
const SELL = { ...BUY, type: ORDER_TYPE.SELL };

Deno.test("paper shell, hedging: positions and deals carry MT5's type and entry numbers; close by ticket", async () => {
  const b = new PaperBroker({ specs: [EURUSD], hedging: true, commissionPerLot: 2 });
  b.setQuote(quote("EURUSD", 1.1, 1.1002));
  const long = await b.send("p1", BUY);
  const short = await b.send("p2", SELL);
  assert.equal((await b.account()).margin_mode, ACCOUNT_MARGIN_MODE.RETAIL_HEDGING);
  const byTicket = new Map((await b.positions()).map((p) => [p.ticket, p]));
  assert.equal(byTicket.get(long.position)?.type, POSITION_TYPE.BUY);
  assert.equal(byTicket.get(long.position)?.price_open, 1.1002, "a buy fills at the Ask");
  assert.equal(byTicket.get(short.position)?.type, POSITION_TYPE.SELL);
  assert.equal(byTicket.get(short.position)?.price_open, 1.1, "a sell fills at the Bid");
  b.setQuote(quote("EURUSD", 1.101, 1.1012));
  const closed = await b.close("p3", long.position);
  assert.equal(closed.retcode, RETCODE.DONE);
  assert.ok(
    Math.abs(closed.profit! - (1.101 - 1.1002) * 0.1 * EURUSD.contractSize) < 1e-9,
    `${closed.profit}`,
  );
  const last = b.deals().at(-1)!;
  assert.deepEqual([last.type, last.entry, last.position_id], [
    DEAL_TYPE.SELL,
    DEAL_ENTRY.OUT,
    long.position,
  ]);
  assert.deepEqual((await b.positions()).map((p) => p.ticket), [short.position]);
  const again = await b.close("p3", long.position);
  assert.equal(again.deal, closed.deal, "a repeated cid returns the first result");
});

Deno.test("paper shell, netting: a reversal is one INOUT deal; equity and margin come from the book", async () => {
  const b = new PaperBroker({ specs: [EURUSD], balance: 10_000, leverage: 100 });
  b.setQuote(quote("EURUSD", 1.1, 1.1002));
  await b.send("n1", BUY);
  b.setQuote(quote("EURUSD", 1.1005, 1.1007));
  const rev = await b.send("n2", { ...SELL, volume: 0.3 });
  const d = b.deals().at(-1)!;
  assert.deepEqual([d.type, d.entry, d.volume], [DEAL_TYPE.SELL, DEAL_ENTRY.INOUT, 0.3]);
  const [p] = await b.positions();
  assert.deepEqual([p.ticket, p.type, p.volume, p.price_open], [
    rev.position,
    POSITION_TYPE.SELL,
    0.2,
    1.1005,
  ]);
  b.setQuote(quote("EURUSD", 1.0995, 1.0997));
  const acc = await b.account();
  const realised = (1.1005 - 1.1002) * 0.1 * EURUSD.contractSize;
  const floating = (1.1005 - 1.0997) * 0.2 * EURUSD.contractSize; // a short is marked at the Ask
  assert.ok(Math.abs(acc.balance - (10_000 + realised)) < 1e-9, `balance ${acc.balance}`);
  assert.ok(Math.abs(acc.equity - (10_000 + realised + floating)) < 1e-9, `equity ${acc.equity}`);
  assert.ok(Math.abs(acc.margin - 0.2 * EURUSD.contractSize * 1.1005 / 100) < 1e-9, `margin ${acc.margin}`);
});

Deno.test("paper shell: a short's stop-loss is compared with the Ask and closed by a buy deal", async () => {
  const b = new PaperBroker({ specs: [EURUSD] });
  b.setQuote(quote("EURUSD", 1.1, 1.1002));
  const s = await b.send("t1", { ...SELL, sl: 1.101 });
  // Bid high 1.1008 + 20 points of spread = Ask 1.1010: the stop is touched.
  const ex = b.processBar("EURUSD", { open: 1.1, high: 1.1008, low: 1.0995, spreadPoints: 20, time_msc: 5 });
  assert.deepEqual(ex.map((e) => [e.ticket, e.reason, e.price]), [[s.position, "sl", 1.101]]);
  const d = b.deals().at(-1)!;
  assert.deepEqual([d.type, d.entry, d.comment], [DEAL_TYPE.BUY, DEAL_ENTRY.OUT, `sl${s.position}`]);
  assert.equal((await b.reconcile(`sl${s.position}`)).state, "found");
  assert.deepEqual(await b.positions(), []);
});
