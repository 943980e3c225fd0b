/**
 * Currency conversion behind one small interface, {@link CurrencyConverter}: `rate(from, to, timeMs)`
 * is the price of one unit of `from` in `to` at a time. The static implementation here uses fixed
 * approximate USD rates (the values the built-in instrument table's tick values were derived from);
 * a data-driven converter (rates at the time of each bar) plugs in through the same interface.
 *
 * @example
 * ```ts
 * import { STATIC_CONVERTER } from "./currency.ts";
 * console.log(STATIC_CONVERTER.rate("EUR", "USD", 0)); // 1.08
 * console.log(STATIC_CONVERTER.rate("USD", "JPY", 0)); // 150
 * ```
 *
 * @module
 */
import { KinetraError } from "../errors.ts";

/** Converts money between currencies at a time (epoch ms). */
export interface CurrencyConverter {
  /** Units of `to` per one unit of `from` at `timeMs`; throws `unknown_currency` when it cannot say. */
  rate(from: string, to: string, timeMs: number): number;
}

/** Static conversion rates to USD (approximate; tick values of non-USD quotes are derived from them). */
export const USD_PER: Readonly<Record<string, number>> = {
  USD: 1,
  JPY: 1 / 150,
  EUR: 1.08,
  AUD: 0.65,
  GBP: 1.27,
  ZAR: 1 / 18.5,
};

/** A converter over fixed rates to one pivot currency (`usdPer[c]` = USD per unit of `c`). */
export class StaticConverter implements CurrencyConverter {
  /** Build one from USD rates (default {@link USD_PER}). */
  constructor(readonly usdPer: Readonly<Record<string, number>> = USD_PER) {}

  /** Units of `to` per unit of `from`; the time is ignored (rates are static). */
  rate(from: string, to: string, _timeMs: number): number {
    if (from === to) return 1;
    const a = this.usdPer[from];
    const b = this.usdPer[to];
    if (a === undefined || b === undefined) {
      throw new KinetraError(
        "unknown_currency",
        `no static rate for ${a === undefined ? from : to} (known: ${Object.keys(this.usdPer).join(", ")})`,
      );
    }
    return to === "USD" ? a : a / b;
  }

  /** True when both currencies have a rate. */
  knows(ccy: string): boolean {
    return this.usdPer[ccy] !== undefined;
  }
}

/** The static converter over {@link USD_PER}. */
export const STATIC_CONVERTER: StaticConverter = new StaticConverter();
