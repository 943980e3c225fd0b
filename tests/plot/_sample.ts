/**
 * Test helper: a ReportInput from a real bundled sample file, backtested by the real engine
 * (lib/backtest runBacktest) with a registered strategy, as `deno task backtest --report` does.
 */
import { runBacktest } from "../../lib/backtest/mod.ts";
import { readBars, toArrays } from "../../lib/data/mod.ts";
import { computeFeatures } from "../../lib/features/mod.ts";
import type { ReportInput } from "../../lib/plot/mod.ts";
import { getStrategy } from "../../lib/strategies/mod.ts";

export const SAMPLE_FILE = "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv";

/** Backtest `strategy` on `path` (mt5 profile, default parameters) and build the report input. */
export async function sampleReportInput(path = SAMPLE_FILE, strategy = "sma_cross"): Promise<ReportInput> {
  const bars = await readBars(path);
  const a = toArrays(bars);
  const s = getStrategy(strategy);
  const features = s.features.length ? computeFeatures(a, s.features) : {};
  const result = runBacktest({ bars: a, meta: bars.meta, strategy: s, features });
  return {
    title: `${s.name} on ${bars.meta.symbol} ${bars.meta.timeframe}`,
    subtitle: `source ${path}`,
    time: a.time,
    open: a.open,
    high: a.high,
    low: a.low,
    close: a.close,
    equity: result.equity,
    drawdownPct: result.drawdownPct,
    trades: result.trades,
    stats: result.toJSON().stats,
  };
}
