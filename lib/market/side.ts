/**
 * The side of a position or order, in one representation: {@link Side} is +1 (long, buy) or -1
 * (short, sell). Records written for people and JSON carry its name ({@link SideName}); MT5's order
 * and position type numbers (0 buy, 1 sell) are converted here and nowhere else.
 *
 * @example
 * ```ts
 * import { orderTypeOfSide, sideName, sideOf } from "./side.ts";
 * console.log(sideName(-1), orderTypeOfSide(1), sideOf("short")); // short 0 -1
 * ```
 *
 * @module
 */

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
  return side > 0 ? 0 : 1;
}

/** The side of an MT5 position or deal type (0 buy, 1 sell) or order type (even = buy kinds). */
export function sideOfType(type: number): Side {
  return type % 2 === 0 ? 1 : -1;
}
