/**
 * The execution core shared by the backtest engine, the paper broker and the live runner: the
 * trade server's checks as pure functions returning MT5 retcodes (`checkTradeMode`, `checkStops`,
 * `checkVolume`, `checkNormalizedVolume`, `checkOrderPrice`, `checkMargin`), one sizing module (`entryLots`, `riskLots`, `fractionLots`), one
 * trade book (`Book`: FIFO netting or hedging, commission, swap, MFE/MAE, equity marks and the trade
 * record, used by the backtest engine; `TradeBook`, its wrapper for the live runner), the
 * column-wise closed trades (`TradeLog`) and the position book of a trade server (`PositionBook`:
 * positions by ticket, MT5 netting and hedging).
 *
 * @example
 * ```ts
 * import { checkStops, riskLots } from "./mod.ts";
 * import { symbolSpec } from "../market/instrument.ts";
 * const eu = symbolSpec("EURUSD");
 * console.log(checkStops(eu, true, 1.1, 1.1005, undefined, "server")?.retcode); // 10016: SL above Bid
 * console.log(riskLots(eu, 10_000, 1, 1.1, 1.095)); // 0.2
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./validation.ts";
export * from "./sizing.ts";
export * from "./trade_book.ts";
export * from "./trade_log.ts";
export * from "./positions.ts";
