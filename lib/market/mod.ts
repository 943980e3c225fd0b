/**
 * The market room, below backtest, broker and live: the one instrument type with MT5's properties
 * (`Instrument`, `symbolSpec`), the one price/volume normaliser, the side of a trade, the cost
 * model (spread, commission, swap, margin, profit), currency conversion behind a small interface,
 * MT5's enumerations and retcodes, and the mapping to MT5's field names (the bridge's edge).
 *
 * @example
 * ```ts
 * import { normalizeVolume, spreadCost, symbolSpec } from "./mod.ts";
 * const gu = symbolSpec("GBPUSD+");
 * console.log(normalizeVolume(gu, 0.125), spreadCost(gu, 1, 2)); // 0.12 2
 * ```
 *
 * @module
 */
export * from "./instrument.ts";
export * from "./normalize.ts";
export * from "./side.ts";
export * from "./costs.ts";
export * from "./currency.ts";
export * from "./mt5_constants.ts";
export * from "./mt5_names.ts";
