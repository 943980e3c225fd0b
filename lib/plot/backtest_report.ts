/**
 * The report input of a backtest result: bars, equity, trades and stats, plus what the strategy
 * looks at (its indicators, signal or regime strip), where its trading starts (for the buy & hold
 * line) and the symbol's price digits. Used by `deno task backtest --report` and the menu.
 *
 * @module
 */
import { firstTradedBar } from "../backtest/common_window.ts";
import type { BacktestResult } from "../backtest/run.ts";
import type { ModelChange } from "../backtest/model_data.ts";
import type { BarArrays } from "../data/types.ts";
import { computeFeatures } from "../features/mod.ts";
import type { Strategy } from "../strategies/contract.ts";
import type { ReportInput, ReportTrade } from "./report.ts";
import { strategyOverlays } from "./strategy_overlays.ts";

/** Build the {@link ReportInput} of one backtest (features the strategy declares are recomputed). */
export function backtestReportInput(opts: {
  title: string;
  subtitle?: string;
  bars: BarArrays;
  result: BacktestResult;
  // deno-lint-ignore no-explicit-any
  strategy: Strategy<any>;
  /** Trades whose outcome changed against the same run under `ohlc` (`modelChanges`), for a finer model. */
  modelChanges?: readonly ModelChange[];
}): ReportInput {
  const { bars, result, strategy } = opts;
  const features = strategy.features.length ? computeFeatures(bars, strategy.features) : {};
  const { overlays, regimes } = strategyOverlays(strategy, result.params, bars, features);
  return {
    title: opts.title,
    subtitle: opts.subtitle,
    time: bars.time,
    open: bars.open,
    high: bars.high,
    low: bars.low,
    close: bars.close,
    equity: result.equity,
    drawdownPct: result.drawdownPct,
    // Trade records carry every ReportTrade field; the index signature is the only difference.
    trades: result.trades as unknown as ReportTrade[],
    stats: result.toJSON().stats,
    overlays,
    regimes,
    firstBar: firstTradedBar(strategy, result.params),
    priceDigits: result.symbol.digits,
    // The model is stated when the run used a path inside the bars (ohlc reports stay as they were).
    ...(result.model.name !== "ohlc" ? { model: result.model, modelChanges: opts.modelChanges } : {}),
  };
}
