/**
 * The sweep's fast paths give the single backtest's figures bit for bit: the statistics' pass with
 * the bars' part shared (while a sweep shares indicators on the close array) and runs that reuse
 * their per-run buffers (`RunBuffers`).
 */
import assert from "node:assert/strict";
import { runBacktest, RunBuffers } from "../../lib/backtest/mod.ts";
import type { BacktestResult } from "../../lib/backtest/run.ts";
import type { BarArrays } from "../../lib/data/types.ts";
import { getStrategy } from "../../lib/strategies/mod.ts";
import { shareIndicators, unshareIndicators } from "../../lib/strategies/memo.ts";
import { readReferenceCsv } from "./_fixtures.ts";

const sma = getStrategy("sma_cross");
const PARAMS = [{ fast: 3, slow: 20 }, { fast: 10, slow: 30 }, { fast: 1, slow: 7 }, { fast: 25, slow: 60 }];

function run(bars: BarArrays, params: Record<string, number>, reuse?: RunBuffers): BacktestResult {
  return runBacktest({ bars, strategy: sma, params, config: { profile: "compat" }, reuse });
}

/** Every statistic, equity and drawdown value identical (Object.is: NaN equals NaN, 0 and −0 differ). */
function assertSame(a: BacktestResult, b: BacktestResult, what: string): void {
  for (const [k, v] of Object.entries(a.stats)) {
    assert.ok(Object.is(v, b.stats[k]), `${what}: ${k} ${v} vs ${b.stats[k]}`);
  }
  assert.equal(a.equity.length, b.equity.length);
  for (let i = 0; i < a.equity.length; i++) {
    assert.ok(Object.is(a.equity[i], b.equity[i]), `${what}: equity[${i}]`);
    assert.ok(Object.is(a.drawdownPct[i], b.drawdownPct[i]), `${what}: drawdown[${i}]`);
  }
  assert.deepEqual(a.trades, b.trades, `${what}: trades`);
}

for (const [file, limit] of [["EURUSD.csv", 5000], ["GOOG.csv", Infinity]] as const) {
  Deno.test(`${file}: statistics with the bars' pass shared (sweep) equal the single backtest's`, () => {
    const bars = readReferenceCsv(file, limit);
    const plain = PARAMS.map((p) => run(bars, p));
    assert.ok(plain.some((r) => Number(r.stats.trades) > 10), "the runs trade");
    shareIndicators(bars.close);
    try {
      // Twice: the first run computes the shared pass, the next ones read it.
      for (let rep = 0; rep < 2; rep++) {
        PARAMS.forEach((p, k) => assertSame(plain[k], run(bars, p), `${JSON.stringify(p)} shared`));
      }
    } finally {
      unshareIndicators(bars.close);
    }
  });
}

Deno.test("runs reusing one RunBuffers equal fresh runs, across parameter sets and bar counts", () => {
  const long = readReferenceCsv("EURUSD.csv", 3000), short = readReferenceCsv("GOOG.csv");
  const buffers = new RunBuffers();
  for (const bars of [long, short, long]) {
    for (const p of PARAMS) {
      const fresh = run(bars, p);
      const reused = run(bars, p, buffers);
      assert.equal(reused.equity, buffers.equity, "the result's equity is the reused buffer");
      assertSame(fresh, reused, `${JSON.stringify(p)} on ${bars.length} bars`);
      assert.deepEqual(reused.toJSON(), fresh.toJSON());
    }
  }
});

Deno.test("a sweep's shared bar series is still checked: bad bars are refused on every run", () => {
  const bars = readReferenceCsv("EURUSD.csv", 500);
  bars.high[100] = bars.low[100] / 2; // high below low
  shareIndicators(bars.close);
  try {
    for (let k = 0; k < 2; k++) {
      assert.throws(
        () => run(bars, PARAMS[0]),
        (e: Error) => e.name === "KinetraError" && /high .* below low/.test(e.message),
      );
    }
  } finally {
    unshareIndicators(bars.close);
  }
});
