/**
 * Strategies: the Strategy contract, the registry and the built-in strategies.
 *
 * @module
 */
export * from "./contract.ts";
export { getStrategy, listStrategies } from "./registry.ts";
export { sma, smaCross, smaPair } from "./sma_cross.ts";
export { berserker, type BerserkerState } from "./berserker.ts";
export { sniper, type SniperState } from "./sniper.ts";
export { type MultiAgentState, multiAgentV7 } from "./multi_agent_v7.ts";
export { TradeScore, V7_FEATURE_WARMUP, V7_FEATURES, type V7Columns } from "./_v7_common.ts";
