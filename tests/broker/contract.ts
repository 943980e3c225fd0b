// The broker contract tests: the paper broker and the MT5 bridge (against the simulator) both
// run these, so both behave the same to the runner.
import assert from "node:assert/strict";
import { BRIDGE_CODE, RETCODE } from "../../lib/broker/mod.ts";
import type { Broker } from "../../lib/broker/mod.ts";

/** A broker under test trading `symbol` whose current quote the harness has set. */
export interface ContractHarness {
  broker: Broker;
  symbol: string;
  cleanup(): Promise<void>;
}

/** Run the contract on a fresh harness. */
export async function runBrokerContract(make: () => Promise<ContractHarness>): Promise<void> {
  const h = await make();
  try {
    const { broker, symbol } = h;
    const acc = await broker.account();
    assert.equal(typeof acc.login, "string");
    assert.ok(acc.balance > 0);
    const spec = await broker.symbolSpec(symbol);
    assert.equal(spec.name, symbol);
    const q = await broker.quote(symbol);
    assert.ok(q.ask >= q.bid && q.bid > 0);
    assert.deepEqual(await broker.positions(symbol), []);

    // A market buy of the minimum volume fills at Ask and opens one position.
    const vol = spec.volume_min;
    const r1 = await broker.send("ctest000000001", {
      action: 1,
      symbol,
      volume: vol,
      type: 0,
      type_filling: 0,
      magic: "4242",
      comment: "ctest000000001",
    });
    assert.equal(r1.retcode, RETCODE.DONE, r1.comment);
    assert.equal(r1.price, q.ask);
    const pos = await broker.positions(symbol);
    assert.equal(pos.length, 1);
    assert.equal(pos[0].volume, vol);
    assert.equal(pos[0].type, 0);

    // The same cid again: the first result comes back, nothing new is traded.
    const dup = await broker.send("ctest000000001", {
      action: 1,
      symbol,
      volume: vol,
      type: 0,
      type_filling: 0,
      magic: "4242",
      comment: "ctest000000001",
    });
    assert.equal(dup.bridge_code, BRIDGE_CODE.DUPLICATE_CACHED);
    assert.equal(dup.deal, r1.deal);
    assert.equal((await broker.positions(symbol)).length, 1);
    assert.equal((await broker.positions(symbol))[0].volume, vol);

    // An invalid volume is refused with 10014 and changes nothing.
    const bad = await broker.send("ctest000000002", {
      action: 1,
      symbol,
      volume: vol / 3,
      type: 0,
      type_filling: 0,
      magic: "4242",
      comment: "ctest000000002",
    });
    assert.equal(bad.retcode, RETCODE.INVALID_VOLUME);
    assert.equal((await broker.positions(symbol)).length, 1);

    // SL/TP of the position: set (10009), then the same again is "no changes" (10025).
    const pt = spec.point;
    const sl = Number((q.bid - (spec.trade_stops_level + 100) * pt).toFixed(spec.digits));
    const tp = Number((q.bid + (spec.trade_stops_level + 100) * pt).toFixed(spec.digits));
    const m1 = await broker.modify("ctest000000005", pos[0].ticket, sl, tp);
    assert.equal(m1.retcode, RETCODE.DONE, m1.comment);
    const after1 = (await broker.positions(symbol))[0];
    assert.equal(after1.sl, sl);
    assert.equal(after1.tp, tp);
    const m2 = await broker.modify("ctest000000006", pos[0].ticket, sl, tp);
    assert.equal(m2.retcode, RETCODE.NO_CHANGES);

    // Reconcile: the executed cid is found with its deal, an unknown cid is not.
    const rec = await broker.reconcile("ctest000000001");
    assert.equal(rec.state, "found");
    assert.equal(rec.result?.deal, r1.deal);
    assert.equal((await broker.reconcile("ctestneverseen")).state, "not_found");

    // Close it at Bid.
    const c = await broker.close("ctest000000003", pos[0].ticket);
    assert.equal(c.retcode, RETCODE.DONE, c.comment);
    assert.equal(c.price, q.bid);
    assert.deepEqual(await broker.positions(symbol), []);
    // The account paid exactly the spread (no commission in the harness): bought at Ask, sold at Bid.
    const after = await broker.account();
    const spreadCost = ((q.ask - q.bid) / spec.trade_tick_size) * spec.trade_tick_value * vol;
    assert.ok(Math.abs(after.balance - (acc.balance - spreadCost)) < 1e-6, `balance ${after.balance}`);

    // Closing again: the position no longer exists.
    const c2 = await broker.close("ctest000000004", pos[0].ticket);
    assert.equal(c2.retcode, RETCODE.POSITION_CLOSED);
  } finally {
    await h.cleanup();
  }
}
