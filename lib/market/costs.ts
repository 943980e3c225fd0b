/**
 * The cost model (spread, commission, swap, slippage in points, margin, profit), shared by the
 * backtest engine, the paper broker and the live ledger.
 *
 * Two families: the `compat` ones reproduce backtesting.py (relative spread markup on entry,
 * commission `fixed + |size|·price·relative` on both legs); the `mt5` ones follow MetaTrader 5
 * (bars are Bid prices, buys fill at Ask = Bid + spread·point, commission per lot per side, swap
 * per night with a triple-swap day, margin from leverage). All money is in the account currency.
 *
 * @example
 * ```ts
 * import { symbolSpec } from "./instrument.ts";
 * import { commissionMt5, marginRequired, spreadCost, swapPerNight } from "./costs.ts";
 * const eu = symbolSpec("AUDUSD+");
 * spreadCost(eu, 1, 2);                 // 2 points on 1 lot = 2 USD
 * commissionMt5(eu, 0.5);               // 0.5 lot × 3.5 USD per side
 * swapPerNight(eu, 1, 1, 0.65);         // long 1 lot, one night, in USD (negative = charged)
 * marginRequired(eu, 1, 0.65, 100);     // 650 USD at 1:100
 * ```
 *
 * @module
 */
import { valuePerPriceUnit } from "./instrument.ts";
import type { Instrument } from "./types.ts";

/** Milliseconds per day. */
export const DAY_MS = 86_400_000;

/**
 * Commission model. A number is the profile's natural unit (compat: relative to traded value,
 * e.g. 0.002 = 0.2 %; mt5: money per lot per side). An object combines a fixed amount per order,
 * a relative rate and a per-lot amount. A function gets the signed size and the fill price and
 * returns the commission of one side (backtesting.py's callable form).
 */
export type CommissionSpec =
  | number
  | { readonly fixed?: number; readonly relative?: number; readonly perLot?: number }
  | ((size: number, price: number) => number);

/**
 * Commission of one side in the compat profile: `fixed + |size|·price·relative` (or the
 * callable). `size` is in units.
 */
export function commissionCompat(
  spec: CommissionSpec | null | undefined,
  size: number,
  price: number,
): number {
  if (spec === null || spec === undefined) return 0;
  if (typeof spec === "number") return Math.abs(size) * price * spec;
  if (typeof spec === "function") return spec(size, price);
  return (spec.fixed ?? 0) + Math.abs(size) * price * (spec.relative ?? 0);
}

/**
 * Commission of one side in the mt5 profile for `lots` at `price`. Default per-lot rate is the
 * symbol's `commissionPerLot`; an object spec may add a fixed amount per deal and a relative rate
 * on the traded value (lots × contract size × price, converted to the account currency).
 */
export function commissionMt5(
  spec: Instrument,
  lots: number,
  price = 0,
  commission: CommissionSpec | null = null,
): number {
  const l = Math.abs(lots);
  if (commission === null || commission === undefined) return l * spec.commissionPerLot;
  if (typeof commission === "number") return l * commission;
  if (typeof commission === "function") return commission(lots, price);
  const value = l * price * valuePerPriceUnit(spec);
  return (commission.fixed ?? 0) + l * (commission.perLot ?? 0) + value * (commission.relative ?? 0);
}

/** Money cost of crossing a spread of `spreadPoints` with `lots` (one side). */
export function spreadCost(spec: Instrument, lots: number, spreadPoints: number): number {
  return Math.abs(lots) * spreadPoints * spec.point * valuePerPriceUnit(spec);
}

/**
 * Swap of one night for a position (signed money: negative = charged, positive = credited).
 * `side` +1 long / -1 short; `price` is needed by the interest mode (annual % of the notional
 * over 360 days).
 */
export function swapPerNight(spec: Instrument, side: number, lots: number, price: number): number {
  const rate = side > 0 ? spec.swapLong : spec.swapShort;
  const l = Math.abs(lots);
  switch (spec.swapMode) {
    case "points":
      return rate * spec.point * valuePerPriceUnit(spec) * l;
    case "money":
      return rate * l;
    case "interest":
      return l * price * valuePerPriceUnit(spec) * rate / 100 / 360;
    default:
      return 0;
  }
}

/**
 * How many nights of swap a position pays when it is held from `prevMs` to `curMs` (bar open times
 * in the export's clock): one per rollover instant crossed (`rolloverHour` each day), three for the
 * night of `tripleSwapDay`, none for Saturday and Sunday nights unless `swapWeekends`.
 */
export function swapNights(
  prevMs: number,
  curMs: number,
  rolloverHour: number,
  tripleSwapDay: number,
  swapWeekends: boolean,
): number {
  const roll = rolloverHour * 3_600_000;
  const k0 = Math.floor((prevMs - roll) / DAY_MS);
  const k1 = Math.floor((curMs - roll) / DAY_MS);
  let nights = 0;
  for (let k = k0 + 1; k <= k1; k++) {
    // The rollover at day k + hour closes day k (or day k-1 when the rollover is at midnight).
    const day = roll === 0 ? k - 1 : k;
    const dow = ((day % 7) + 7 + 4) % 7; // 1970-01-01 was a Thursday (4)
    if (!swapWeekends && (dow === 6 || dow === 0)) continue;
    nights += dow === tripleSwapDay ? 3 : 1;
  }
  return nights;
}

/**
 * Margin needed to hold `lots` at `price` with `leverage` (e.g. 100 for 1:100), scaled by the
 * instrument's margin rate: the one margin rule of the validator, the paper broker, the position
 * book, the live ledger, sizing and the backtest engine's mt5 profile. `perUnit` is the money per
 * 1.0 price move per lot (default the static {@link valuePerPriceUnit}; the value at the data's
 * rate of the moment under `--conversion data`).
 */
export function marginRequired(
  spec: Instrument,
  lots: number,
  price: number,
  leverage: number,
  perUnit: number = valuePerPriceUnit(spec),
): number {
  return marginOfValue(spec, Math.abs(lots) * price * perUnit, leverage);
}

/**
 * Margin of positions whose notional value (|lots| × price × value per price unit, account
 * currency) is `value`: value × margin rate ÷ leverage ({@link marginRequired} summed over trades).
 */
export function marginOfValue(spec: Pick<Instrument, "marginRate">, value: number, leverage: number): number {
  return value * spec.marginRate / leverage;
}

/** Money P&L of `lots` (signed) moving from `entry` to `exit`. */
export function profitMt5(spec: Instrument, lots: number, entry: number, exit: number): number {
  return lots * (exit - entry) * valuePerPriceUnit(spec);
}
