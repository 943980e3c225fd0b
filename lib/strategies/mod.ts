/**
 * Strategies: the Strategy contract, the registry and the built-in strategies.
 *
 * @module
 */
export * from "./contract.ts";
export { getStrategy, listStrategies } from "./registry.ts";
export { sma, smaCross } from "./sma_cross.ts";
