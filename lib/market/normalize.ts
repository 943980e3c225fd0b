/**
 * The one price and volume normaliser, with MT5's rules (research note §3.4, §3.5): prices snap to
 * the tick size and the symbol's digits; volumes snap down to the volume step and are clamped to
 * the maximum; distances count in whole points. Every caller (backtest engine, validator, paper
 * broker, live sizing) uses these functions, instrument first, value second.
 *
 * @example
 * ```ts
 * import { symbolSpec } from "./instrument.ts";
 * import { normalizePrice, normalizeVolume } from "./normalize.ts";
 * const eu = symbolSpec("EURUSD");
 * console.log(normalizePrice(eu, 1.0812345)); // 1.08123
 * console.log(normalizeVolume(eu, 0.037)); // 0.03
 * console.log(normalizeVolume(eu, 0.004)); // 0 (below the minimum: cannot be sent)
 * ```
 *
 * @module
 */
import type { Instrument } from "./types.ts";

/** The fields of an instrument that prices need. */
export type PriceGrid = Pick<Instrument, "digits" | "point" | "tickSize">;
/** The fields of an instrument that volumes need. */
export type VolumeRules = Pick<Instrument, "volumeMin" | "volumeMax" | "volumeStep">;

/** Round a value to `digits` decimals (0..15) without binary noise. */
export function roundTo(value: number, digits: number): number {
  return Number(value.toFixed(Math.min(15, Math.max(0, digits))));
}

/** CSymbolInfo::NormalizePrice: snap to the tick size (when set) and round to the digits. */
export function normalizePrice(spec: PriceGrid, price: number): number {
  const tick = spec.tickSize;
  return roundTo(tick > 0 ? Math.round(price / tick) * tick : price, spec.digits);
}

/** True when a price already sits on the symbol's price grid. */
export function isNormalizedPrice(spec: PriceGrid, price: number): boolean {
  return Math.abs(normalizePrice(spec, price) - price) < spec.point * 1e-3;
}

/**
 * Normalise a volume: floor to the step, clamp to the maximum, round to clean decimals. Returns 0
 * when the result is below the minimum or the input is not a positive number: the order cannot be
 * sent (MT5 retcode 10014); never trades more than asked.
 */
export function normalizeVolume(spec: VolumeRules, lots: number): number {
  if (!(lots > 0) || !Number.isFinite(lots)) return 0;
  const step = spec.volumeStep;
  let v = Math.floor(lots / step + 1e-9) * step;
  v = Math.min(v, spec.volumeMax);
  const dec = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  v = Number(v.toFixed(Math.min(dec + 2, 12)));
  return v + 1e-12 < spec.volumeMin ? 0 : v;
}

/** True when the volume is a multiple of the step (tolerance 1e-7 steps, as the MQL5 article). */
export function isVolumeOnStep(spec: VolumeRules, volume: number): boolean {
  const step = spec.volumeStep;
  if (!(step > 0)) return true;
  return Math.abs(Math.round(volume / step) * step - volume) < 1e-7;
}

/** Signed distance `a - b` in whole points. */
export function pointsBetween(spec: Pick<Instrument, "point">, a: number, b: number): number {
  return Math.round((a - b) / spec.point);
}
