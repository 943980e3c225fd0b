/**
 * Parameter research on the backtest engine's public API: optimisation (grid, seeded random, TPE),
 * walk-forward analysis, overfitting statistics (PSR/DSR, PBO by CSCV), Monte Carlo on trades, and
 * sweep execution as serialisable jobs on a runner (docs/RESEARCH.md).
 *
 * ```ts ignore
 * import { research } from "kinetra/mod.ts";
 * const r = await research.optimize({
 *   data: { file: "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv" },
 *   strategy: "sma_cross",
 *   grid: ["fast=5:20:5", "slow=20:60:10"],
 *   constraints: ["fast<slow"],
 * });
 * console.log(r.best?.params, r.deflated_sharpe.dsr, r.pbo.pbo);
 * ```
 *
 * @module
 */
export * from "./space.ts";
export * from "./sampler.ts";
export * from "./rng.ts";
export * from "./overfit.ts";
export * from "./montecarlo.ts";
export * from "./data.ts";
export * from "./evaluate.ts";
export * from "./jobs.ts";
export * from "./optimize.ts";
export * from "./walkforward.ts";
export * from "./report.ts";
export { overfitVerdict } from "./cli.ts";
