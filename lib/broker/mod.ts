/**
 * The broker room: the Broker contract, MT5 constants and retcodes, the order validator with
 * auto-adjust, price/volume normalisation and the paper broker.
 *
 * @module
 */
export * from "./constants.ts";
export * from "./types.ts";
export * from "./normalize.ts";
export * from "./validator.ts";
export * from "./paper_broker.ts";
export * from "./specs.ts";
