/**
 * Risk: the composite health score (CHS), risk of ruin and health-gated sizing, shared by the
 * backtest statistics and the live runner.
 *
 * @module
 */
export { ChsTracker, computeChs } from "./chs.ts";
export type { ChsComponents, ChsInput, ChsOptions, ChsTrade } from "./chs.ts";
export { healthGatedFraction, riskOfRuin } from "./ruin.ts";
export type { HealthGate } from "./ruin.ts";
