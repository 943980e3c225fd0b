/**
 * Entry sizing in lots with the backtest's mt5 rules (lib/backtest engine): no size → risk 1 % of
 * equity over the stop distance (no stop → the equity's notional without leverage,
 * equity / (price × value per lot)); a size in (0, 1) → that fraction of the free margin; a size
 * >= 1 → lots, normalised to the volume step. The parity test fails if the two drift apart.
 *
 * @module
 */
import { commissionMt5 } from "../market/costs.ts";
import { type Instrument, valuePerPriceUnit } from "../market/instrument.ts";
import { normalizeVolume } from "../market/normalize.ts";

/** Lots for an entry (0 = below the minimum volume: do not trade). */
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
}): number {
  const { spec, size, price } = opts;
  const mult = valuePerPriceUnit(spec);
  if (size !== undefined) {
    if (!(size > 0) || !Number.isFinite(size)) return 0;
    if (size < 1) {
      const perLot = price * mult / opts.leverage + commissionMt5(spec, 1, price);
      return normalizeVolume(spec, Math.max(0, opts.marginFree) * size / perLot);
    }
    return normalizeVolume(spec, size);
  }
  const dist = opts.sl !== undefined ? Math.abs(price - opts.sl) : NaN;
  if (!(dist > 0)) return normalizeVolume(spec, opts.equity / (price * mult));
  return normalizeVolume(spec, opts.equity * (opts.riskPct ?? 1) / 100 / (dist * mult));
}
