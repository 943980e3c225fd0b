/**
 * The backtest engine: typed-array event loop, MT5-realistic costs (or backtesting.py's
 * semantics in the compat profile), symbol specifications and statistics.
 *
 * @module
 */
export { checkBacktestBars, runBacktest, tradesToFrame } from "./run.ts";
export type { BacktestOptions, BacktestResult } from "./run.ts";
export { defaultConfig, FULL_EQUITY, resolveConfig } from "./config.ts";
export type { BacktestConfig, Profile, Sizing } from "./config.ts";
export type { ExitReason, Rejection, TradeRecord } from "./engine.ts";
export { TradeLog } from "./trade_log.ts";
export { isoTime } from "./iso_time.ts";
export { computeStats, drawdownFraction, drawdownPercent, geometricMean, omegaRatio } from "./stats.ts";
export type { BacktestStats, StatsInput } from "./stats.ts";
export {
  applySymbolOverrides,
  DEFAULT_SYMBOL_OVERRIDES,
  KNOWN_SYMBOLS,
  normalizePrice,
  normalizeVolume,
  symbolSpec,
  USD_PER,
  validateSymbolSpec,
  valuePerPriceUnit,
} from "./symbols.ts";
export type { AssetClass, SwapMode, SymbolSpec, TradeMode } from "./symbols.ts";
export {
  commissionCompat,
  commissionMt5,
  DAY_MS,
  marginLevelPct,
  marginRequired,
  profitMt5,
  pyFloorDiv,
  spreadCost,
  swapNights,
  swapPerNight,
} from "./costs.ts";
export type { CommissionSpec } from "./costs.ts";
// Types of other rooms that appear in this room's signatures.
export type { BarArrays, BarsMeta } from "../data/types.ts";
export type { FeatureArrays, Params, Strategy } from "../strategies/contract.ts";
