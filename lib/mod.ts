/**
 * Kinetra's public face. Each lib/ folder is one stage of the data's path:
 * data → features → strategies → backtest / live, with risk, broker, mt5, pipeline, menu and plot
 * beside them. See docs/ARCHITECTURE.md.
 *
 * @module
 */
export * from "./errors.ts";
export * from "./data/types.ts";
export * from "./strategies/contract.ts";
