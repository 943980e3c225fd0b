/**
 * One sizing module for the mt5 rules, used by the backtest engine and the live runner: a fraction
 * of the free margin, risk in % of equity over the stop distance (no stop: the configured fallback
 * lots, else the equity's notional without leverage), or lots; every result normalised to the
 * volume step (0 = below the minimum volume: do not trade).
 *
 * @example
 * ```ts
 * import { riskLots } from "./sizing.ts";
 * import { symbolSpec } from "../market/instrument.ts";
 * const eu = symbolSpec("EURUSD");
 * console.log(riskLots(eu, 10_000, 1, 1.1, 1.095)); // 1 % of 10 000 over 50 pips: 0.2
 * console.log(riskLots(eu, 10_000, 1, 1.1, NaN, 0.05)); // no stop: the fallback lots
 * ```
 *
 * @module
 */
import { commissionMt5, marginRequired } from "../market/costs.ts";
import { valuePerPriceUnit } from "../market/instrument.ts";
import { normalizeVolume } from "../market/normalize.ts";
import type { Instrument } from "../market/types.ts";

/** Lots for `fraction` (0..1) of the free margin, each lot costing `perLot` (margin + commission). */
export function fractionLots(spec: Instrument, marginFree: number, fraction: number, perLot: number): number {
  return normalizeVolume(spec, marginFree * fraction / perLot);
}

/**
 * Lots risking `riskPct` % of `equity` between `entry` and the stop `sl`. Without a usable stop:
 * `fallbackLots` when set, else the equity's notional without leverage (equity / entry value).
 * `perUnit`: money per 1.0 price move per lot at the moment (account currency; default the static
 * {@link valuePerPriceUnit}): the stop distance's money value at the data's rate of the moment
 * under `--conversion data`, as profit and margin are.
 */
export function riskLots(
  spec: Instrument,
  equity: number,
  riskPct: number,
  entry: number,
  sl: number,
  fallbackLots?: number,
  perUnit: number = valuePerPriceUnit(spec),
): number {
  const mult = perUnit;
  const dist = Math.abs(entry - sl);
  if (sl !== sl || !(dist > 0)) {
    if (fallbackLots) return normalizeVolume(spec, fallbackLots);
    return normalizeVolume(spec, equity / (entry * mult));
  }
  return normalizeVolume(spec, equity * riskPct / 100 / (dist * mult));
}

/**
 * Margin ({@link marginRequired}, with the symbol's margin rate) plus one side's commission of one
 * lot at `price` with `leverage` (the fraction sizing's unit). `perUnit`: money per 1.0 price move
 * per lot at the moment (default the static value).
 */
export function costPerLot(
  spec: Instrument,
  price: number,
  leverage: number,
  perUnit: number = valuePerPriceUnit(spec),
): number {
  return marginRequired(spec, 1, price, leverage, perUnit) + commissionMt5(spec, 1, price);
}

/**
 * Lots for an entry intent (the live runner's rule, the engine's mt5 rule): no size → risk sizing
 * (`riskPct`, default 1 %, honouring `fallbackLots`); a size in (0, 1) → that fraction of the free
 * margin; a size >= 1 → lots.
 */
export function entryLots(opts: {
  spec: Instrument;
  /** The intent's size (undefined = default sizing). */
  size: number | undefined;
  /** Expected fill price (Ask for a buy, Bid for a sell). */
  price: number;
  sl: number | undefined;
  equity: number;
  marginFree: number;
  leverage: number;
  /** Risk per trade in % of equity for the default sizing. Default 1. */
  riskPct?: number;
  /** Lots when risk sizing has no stop to size against (the backtest's `sizing.fallbackLots`). */
  fallbackLots?: number;
  /**
   * Money per 1.0 price move per lot at the moment (account currency), for margin and risk: the
   * data rate's under `--conversion data` (the live ledger's `valuePerLot`). Default: static.
   */
  perUnit?: number;
}): number {
  const { spec, size, price } = opts;
  if (size !== undefined) {
    if (!(size > 0) || !Number.isFinite(size)) return 0;
    if (size < 1) {
      return fractionLots(
        spec,
        Math.max(0, opts.marginFree),
        size,
        costPerLot(spec, price, opts.leverage, opts.perUnit),
      );
    }
    return normalizeVolume(spec, size);
  }
  return riskLots(
    spec,
    opts.equity,
    opts.riskPct ?? 1,
    price,
    opts.sl ?? NaN,
    opts.fallbackLots,
    opts.perUnit,
  );
}
