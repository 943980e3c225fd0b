/**
 * Accounting invariants on the real sample exports (mt5 profile with spread, commission and swap):
 * with every trade closed at the end, final equity = cash + Σ trade pnl, costs add up, no NaN.
 */
import assert from "node:assert/strict";
import { runBacktest } from "../../lib/backtest/mod.ts";
import { readBars, scanCatalog, toArrays } from "../../lib/data/mod.ts";
import { getStrategy } from "../../lib/strategies/mod.ts";

Deno.test("mt5 accounting on every sample file: equity = cash + Σ pnl, pnl = gross − commission + swap", async () => {
  const cat = await scanCatalog("data/sample");
  assert.ok(cat.files.length >= 6);
  for (const f of cat.files) {
    const bars = await readBars(f.path);
    const a = toArrays(bars);
    const r = runBacktest({
      bars: a,
      meta: bars.meta,
      strategy: getStrategy("sma_cross"),
      config: { profile: "mt5", finalize: true, slippagePoints: 1 },
    });
    const what = `${f.path}`;
    assert.ok(r.equity.every((e) => Number.isFinite(e)), `${what}: finite equity`);
    assert.equal(r.openTrades.length, 0, what);
    let sum = 0, comm = 0, swap = 0, spread = 0;
    for (const t of r.trades) {
      sum += t.pnl;
      comm += t.commission;
      swap += t.swap;
      spread += t.spread_cost;
      const dir = t.side === "long" ? 1 : -1;
      const gross = dir * t.size * (t.exit_price - t.entry_price) * r.symbol.tickValue / r.symbol.tickSize;
      assert.ok(
        Math.abs(t.pnl - (gross - t.commission + t.swap)) <= 1e-6 * Math.max(1, Math.abs(gross)),
        what,
      );
      assert.ok(t.commission > 0 || r.symbol.commissionPerLot === 0, `${what}: commission charged`);
      assert.ok(t.slippage_cost > 0, `${what}: slippage charged`);
    }
    assert.ok(Math.abs(r.stats.equity_final - (10_000 + sum)) <= 1e-6 * 10_000, `${what}: equity reconciles`);
    assert.ok(Math.abs(r.stats.commissions - comm) < 1e-6);
    assert.ok(Math.abs(r.stats.swap - swap) < 1e-6);
    assert.ok(Math.abs(r.stats.spread_costs - spread) < 1e-6);
    assert.ok(r.stats.swap !== 0, `${what}: positions held overnight pay or earn swap`);
  }
});
