/**
 * Kinetra's public face. Each lib/ folder is one stage of the data's path — data → features →
 * strategies → backtest / live — with market below them and risk, broker, mt5, pipeline, menu and
 * plot beside them (see docs/ARCHITECTURE.md). Every room is exported as a namespace, so names never collide:
 *
 * ```ts
 * import { backtest, data, strategies } from "kinetra/mod.ts";
 * const bars = await data.readBars("data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv");
 * const result = backtest.runBacktest({
 *   bars: data.toArrays(bars),
 *   meta: bars.meta,
 *   strategy: strategies.getStrategy("sma_cross"),
 * });
 * console.log(result.stats.return_pct);
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./data/types.ts";
export * from "./strategies/contract.ts";
export * as data from "./data/mod.ts";
export * as features from "./features/mod.ts";
export * as strategies from "./strategies/mod.ts";
export * as backtest from "./backtest/mod.ts";
export * as risk from "./risk/mod.ts";
export * as market from "./market/mod.ts";
export * as execution from "./execution/mod.ts";
export * as broker from "./broker/mod.ts";
export * as mt5 from "./mt5/mod.ts";
export * as live from "./live/mod.ts";
export * as dashboard from "./dashboard/mod.ts";
export * as notify from "./notify/mod.ts";
export * as pipeline from "./pipeline/mod.ts";
export * as menu from "./menu/mod.ts";
export * as plot from "./plot/mod.ts";
export * as portfolio from "./portfolio/mod.ts";
export * as research from "./research/mod.ts";
