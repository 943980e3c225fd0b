/**
 * The side of a position or order, in one representation: {@link Side} is +1 (long, buy) or -1
 * (short, sell). Records written for people and JSON carry its name ({@link SideName}); MT5's
 * order, position and deal type numbers (ORDER_TYPE_*, POSITION_TYPE_*, DEAL_TYPE_*: 0 buy, 1 sell)
 * are converted here and nowhere else: code outside this module and lib/market/mt5_constants.ts
 * never tests a type against a raw number (tests/market/side_scan_test.ts scans lib/ for it).
 *
 * @example
 * ```ts
 * import { closingOrderType, orderTypeOfSide, sideName, sideOf, sideOfPositionType } from "./side.ts";
 * console.log(sideName(-1), orderTypeOfSide(1), sideOf("short")); // short 0 -1
 * console.log(sideOfPositionType(1), closingOrderType(1)); // -1 1 (a sell closes a long)
 * ```
 *
 * @module
 */
import { DEAL_TYPE, ORDER_TYPE, POSITION_TYPE } from "./mt5_constants.ts";

/** +1 long (buy), -1 short (sell). */
export type Side = 1 | -1;
/** The side's name in trade records and reports. */
export type SideName = "long" | "short";

/** The name of a side (any positive number is long). */
export function sideName(side: number): SideName {
  return side > 0 ? "long" : "short";
}

/**
 * The side of a name (`long`/`buy`, `short`/`sell`) or a signed number; throws on anything else.
 */
export function sideOf(value: SideName | "buy" | "sell" | number): Side {
  if (typeof value === "number") {
    if (value > 0) return 1;
    if (value < 0) return -1;
  } else if (value === "long" || value === "buy") return 1;
  else if (value === "short" || value === "sell") return -1;
  throw new RangeError(`not a side: ${String(value)}`);
}

/** MT5's market order type (ORDER_TYPE_BUY 0 / ORDER_TYPE_SELL 1) for a side. */
export function orderTypeOfSide(side: number): 0 | 1 {
  return side > 0 ? ORDER_TYPE.BUY : ORDER_TYPE.SELL;
}

/** The market order type that closes (or reduces) a position of `side`: a sell closes a long. */
export function closingOrderType(side: number): 0 | 1 {
  return orderTypeOfSide(-side);
}

/** The side of an MT5 order type: the buy kinds (BUY, BUY_LIMIT, BUY_STOP, BUY_STOP_LIMIT) are even. */
export function sideOfType(type: number): Side {
  return type % 2 === 0 ? 1 : -1;
}

/** True for MT5's buy order kinds (market, limit, stop, stop-limit). */
export function isBuyOrderType(type: number): boolean {
  return type === ORDER_TYPE.BUY || type === ORDER_TYPE.BUY_LIMIT || type === ORDER_TYPE.BUY_STOP ||
    type === ORDER_TYPE.BUY_STOP_LIMIT;
}

/** MT5's position type (POSITION_TYPE_BUY 0 / POSITION_TYPE_SELL 1) of a side. */
export function positionTypeOfSide(side: number): 0 | 1 {
  return side > 0 ? POSITION_TYPE.BUY : POSITION_TYPE.SELL;
}

/** The side of an MT5 position type (0 buy, 1 sell); throws a RangeError on any other number. */
export function sideOfPositionType(type: number): Side {
  if (type === POSITION_TYPE.BUY) return 1;
  if (type === POSITION_TYPE.SELL) return -1;
  throw new RangeError(`not a position type: ${type}`);
}

/** MT5's deal type (DEAL_TYPE_BUY 0 / DEAL_TYPE_SELL 1) of a side. */
export function dealTypeOfSide(side: number): 0 | 1 {
  return side > 0 ? DEAL_TYPE.BUY : DEAL_TYPE.SELL;
}

/**
 * The side of an MT5 deal type (0 buy, 1 sell); null for the deals that are no trade (balance,
 * credit, charge, correction, bonus and the rest).
 */
export function sideOfDealType(type: number): Side | null {
  if (type === DEAL_TYPE.BUY) return 1;
  if (type === DEAL_TYPE.SELL) return -1;
  return null;
}

/** Signed lots of a position (+ long, − short) from its MT5 type and volume. */
export function signedPositionLots(p: { readonly type: number; readonly volume: number }): number {
  return sideOfPositionType(p.type) * p.volume;
}
