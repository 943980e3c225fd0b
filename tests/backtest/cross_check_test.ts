/**
 * The engine against an independent, deliberately simple implementation of the same semantics
 * (lib/backtest/simple_reference.ts): same trades and same equity on GOOG and EURUSD.
 */
import assert from "node:assert/strict";
import { runBacktest } from "../../lib/backtest/mod.ts";
import { simpleSmaCross } from "../../lib/backtest/simple_reference.ts";
import { smaCross } from "../../lib/strategies/sma_cross.ts";
import { assertClose, readReferenceCsv } from "./_fixtures.ts";

for (
  const [file, fast, slow] of [["GOOG.csv", 10, 30], ["EURUSD.csv", 10, 30], ["EURUSD.csv", 5, 20]] as const
) {
  Deno.test(`engine = simple reference: SmaCross(${fast},${slow}) on ${file}`, () => {
    const bars = readReferenceCsv(file);
    const r = runBacktest({
      bars,
      strategy: smaCross,
      params: { fast, slow },
      config: { profile: "compat", cash: 10_000, finalize: true },
    });
    const ref = simpleSmaCross(bars, fast, slow, 10_000);
    assert.ok(ref.trades.length > 20, "enough trades to be meaningful");
    assert.equal(r.trades.length, ref.trades.length);
    for (let k = 0; k < ref.trades.length; k++) {
      const a = r.trades[k], b = ref.trades[k];
      assert.deepEqual(
        [a.entry_bar, a.exit_bar, (a.side === "long" ? 1 : -1) * a.size, a.entry_price, a.exit_price],
        [b.entryBar, b.exitBar, b.size, b.entryPrice, b.exitPrice],
        `trade ${k}`,
      );
    }
    assertClose(r.stats.equity_final, ref.finalEquity, 1e-9, "final equity");
    for (let i = 0; i < bars.length; i++) assertClose(r.equity[i], ref.equity[i], 1e-9, `equity[${i}]`);
  });
}
