/**
 * Rounding at the output edge: money to cents and prices to the symbol's digits in what is written
 * (JSON, trade CSVs), so a pnl reads `-43.75` instead of `-43.750000000018346`. Computation keeps
 * full precision; only the serialised copies are rounded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { roundDecimals } from "./output_rounding.ts";
 * assert.equal(roundDecimals(-43.750000000018346, 2), -43.75);
 * ```
 *
 * @module
 */

/** Decimals of money amounts in outputs (cents). */
export const MONEY_DECIMALS = 2;

/** Trade fields that are money (account currency). */
export const MONEY_TRADE_FIELDS = ["pnl", "commission", "spread_cost", "slippage_cost", "swap"] as const;

/** Trade fields that are prices or price distances (rounded to the symbol's digits). */
export const PRICE_TRADE_FIELDS = ["entry_price", "exit_price", "sl", "tp", "mfe", "mae"] as const;

/** Statistics that are money. */
export const MONEY_STATS = [
  "equity_final",
  "equity_peak",
  "total_costs",
  "commissions",
  "spread_costs",
  "slippage_costs",
  "swap",
] as const;

/** `x` rounded to `decimals` places; non-numbers and non-finite numbers are returned unchanged. */
export function roundDecimals<T>(x: T, decimals: number): T {
  if (typeof x !== "number" || !Number.isFinite(x)) return x;
  const f = 10 ** decimals;
  const r = Math.round(x * f) / f;
  return (Object.is(r, -0) ? 0 : r) as T;
}

/** A copy of a trade record with money in cents and prices to `priceDigits` decimals. */
export function roundTradeForOutput<T extends object>(trade: T, priceDigits: number): T {
  const o = { ...trade } as Record<string, unknown>;
  for (const k of MONEY_TRADE_FIELDS) if (k in o) o[k] = roundDecimals(o[k], MONEY_DECIMALS);
  for (const k of PRICE_TRADE_FIELDS) if (k in o) o[k] = roundDecimals(o[k], priceDigits);
  return o as T;
}

/** A copy of a statistics object with its money fields in cents (ratios and % unchanged). */
export function roundStatsForOutput<T extends object>(stats: T): T {
  const o = { ...stats } as Record<string, unknown>;
  for (const k of MONEY_STATS) if (k in o) o[k] = roundDecimals(o[k], MONEY_DECIMALS);
  return o as T;
}
