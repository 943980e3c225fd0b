/**
 * Price and volume normalisation with MT5's rules (research note §3.4, §3.5): prices snap to the
 * tick size and the symbol's digits; volumes snap down to the volume step; distances count in
 * whole points.
 *
 * @module
 */
import type { SymbolTradingSpec } from "./types.ts";

function decimalsOf(step: number): number {
  if (!(step > 0)) return 8;
  const s = step.toString();
  if (s.includes("e-")) return Number(s.split("e-")[1]);
  const dot = s.indexOf(".");
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** Round a value to `digits` decimals without binary noise. */
export function roundTo(value: number, digits: number): number {
  return Number(value.toFixed(Math.max(0, Math.min(20, digits))));
}

/** CSymbolInfo::NormalizePrice: snap to trade_tick_size (when set) and round to digits. */
export function normalizePrice(spec: SymbolTradingSpec, price: number): number {
  const tick = spec.trade_tick_size;
  const snapped = tick > 0 ? Math.round(price / tick) * tick : price;
  return roundTo(snapped, spec.digits);
}

/** True when a price already sits on the symbol's price grid. */
export function isNormalizedPrice(spec: SymbolTradingSpec, price: number): boolean {
  return Math.abs(normalizePrice(spec, price) - price) < spec.point * 1e-3;
}

/** Volume snapped down to the step (with a tiny epsilon) and rounded to the step's decimals. */
export function floorVolumeToStep(spec: SymbolTradingSpec, volume: number): number {
  const step = spec.volume_step > 0 ? spec.volume_step : 1e-8;
  return roundTo(Math.floor(volume / step + 1e-7) * step, decimalsOf(step));
}

/** True when the volume is a multiple of the step (tolerance 1e-7 steps, as the MQL5 article). */
export function isVolumeOnStep(spec: SymbolTradingSpec, volume: number): boolean {
  const step = spec.volume_step;
  if (!(step > 0)) return true;
  return Math.abs(Math.round(volume / step) * step - volume) < 1e-7;
}

/**
 * Normalise a volume: floor to the step and clamp to the maximum. Returns null when the result
 * is below the minimum (do not trade rather than trade more than asked).
 */
export function normalizeVolume(spec: SymbolTradingSpec, volume: number): number | null {
  let v = floorVolumeToStep(spec, volume);
  if (v > spec.volume_max) v = floorVolumeToStep(spec, spec.volume_max);
  if (v < spec.volume_min - 1e-12 || !(v > 0)) return null;
  return v;
}

/** Signed distance `a - b` in whole points. */
export function pointsBetween(spec: SymbolTradingSpec, a: number, b: number): number {
  return Math.round((a - b) / spec.point);
}
