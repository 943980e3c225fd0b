import assert from "node:assert/strict";
import { backtest, data, features, strategies } from "../../lib/mod.ts";

Deno.test("lib/mod.ts: the documented quick use runs end to end on a sample file", async () => {
  const bars = await data.readBars("data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv");
  const arrays = data.toArrays(bars);
  const result = backtest.runBacktest({
    bars: arrays,
    meta: bars.meta,
    strategy: strategies.getStrategy("sma_cross"),
  });
  assert.ok(result.stats.trades > 0);
  assert.equal(result.equity.length, arrays.length);
  assert.ok(Number.isFinite(result.stats.equity_final));
  // Every room is reachable through the namespace without name collisions.
  assert.equal(typeof features.computeFeatures, "function");
});
