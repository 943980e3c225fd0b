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
export { Engine } from "./engine.ts";
export type { EngineOutput, ExitReason, Rejection, TradeRecord } from "./engine.ts";
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
