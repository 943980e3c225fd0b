/**
 * Portfolios: one account over several symbols (shared cash, margin, drawdown and stop-out),
 * profits converted at the rate of the moment from the data's own currency pairs, single-symbol
 * strategies broadcast to a basket or portfolio strategies that see every symbol, allocation
 * limits, account and per-symbol statistics (docs/PORTFOLIO.md).
 *
 * ```ts ignore
 * import { loadBasket, portfolioStats, runPortfolio } from "kinetra/portfolio/mod.ts";
 * import { getStrategy } from "kinetra/strategies/registry.ts";
 * const symbols = await loadBasket({ source: "data/sample", symbols: ["AUDUSD+", "XAUUSD+"], timeframe: "H4" });
 * const run = runPortfolio({ symbols, strategy: getStrategy("sma_cross"), config: { sizing: { mode: "lots", lots: 0.1 } } });
 * console.log(portfolioStats(run, symbols.map((s) => s.bars)).stats.return_pct);
 * ```
 *
 * @module
 */
export * from "./align.ts";
export * from "./contract.ts";
export * from "./conversion.ts";
export * from "./engine.ts";
export * from "./load.ts";
export * from "./momentum.ts";
export * from "./stats.ts";
// Types of other rooms that appear in this room's signatures.
export type { BarArrays, BarsMeta } from "../data/types.ts";
export type {
  FeatureArrays,
  OrderIntent,
  Params,
  ParamSpec,
  PositionView,
  Strategy,
} from "../strategies/contract.ts";
export type { BacktestConfig } from "../backtest/config.ts";
export type { BacktestStats } from "../backtest/stats.ts";
export type { ConversionSummary } from "../backtest/run.ts";
export type { EngineOutput } from "../backtest/engine.ts";
export type { Rejection, TradeRecord } from "../execution/types.ts";
export type { Instrument } from "../market/types.ts";
export type { CurrencyConverter } from "../market/currency.ts";
