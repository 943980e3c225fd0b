/**
 * The broker room: the Broker contract, the order validator with auto-adjust (MT5 retcodes) and
 * the paper broker. Instruments, normalisation, costs and MT5's constants live in lib/market.
 *
 * @module
 */
export * from "./types.ts";
// The MT5 vocabulary of the Broker contract (defined in lib/market).
export * from "../market/mt5_constants.ts";
export type { Mt5SymbolInfo } from "../market/mt5_names.ts";
export * from "./validator.ts";
export * from "./paper_broker.ts";
