/**
 * The backtest engine: typed-array event loop, MT5-realistic costs (or backtesting.py's
 * semantics in the compat profile) and statistics. Instruments and the cost model are in
 * lib/market.
 *
 * @module
 */
export { checkBacktestBars, runBacktest, RunBuffers, tradesToFrame } from "./run.ts";
export type { BacktestConversion, BacktestOptions, BacktestResult, ConversionSummary } from "./run.ts";
export { defaultConfig, FULL_EQUITY, resolveConfig } from "./config.ts";
export type { BacktestConfig, Profile, Sizing } from "./config.ts";
export type { ExitReason, Rejection, TradeRecord } from "../execution/types.ts";
export { TradeLog } from "../execution/trade_log.ts";
export { isoTime } from "../util/iso_time.ts";
export { barsForWindow, commonWindowStart, firstTradedBar } from "./common_window.ts";
export { computeStats, drawdownFraction, drawdownPercent, geometricMean, omegaRatio } from "./stats.ts";
export type { BacktestStats, StatsInput } from "./stats.ts";
export { pyFloorDiv } from "./py_math.ts";
// Types of other rooms that appear in this room's signatures.
export type { BarArrays, BarsMeta } from "../data/types.ts";
export type { FeatureArrays } from "../features/types.ts";
export type { Params, Strategy } from "../strategies/contract.ts";
export type { Instrument } from "../market/types.ts";
export type { CommissionSpec } from "../market/costs.ts";
