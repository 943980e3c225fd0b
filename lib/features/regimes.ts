/**
 * Market regimes from causal rules on rolling percentiles. The original fitted a 3-state HMM (and
 * an SVM on its states) to the whole series, then named each cluster from its mean percentiles:
 * a look-ahead. Kinetra applies the same naming rules to each bar's own trailing percentiles, so
 * a bar's regime depends only on bars up to it.
 *
 * Regimes are stored as numeric codes in a Float64Array (NaN while any input percentile is
 * undefined) so they chart like any other feature; `regimeName(code)` gives the label.
 *
 * @module
 */

/** Regime labels by code. */
export const REGIME_NAMES = ["underdamped", "critical", "overdamped", "laminar", "breakout"] as const;

/** A regime label. */
export type RegimeName = typeof REGIME_NAMES[number];

/** Regime codes by label. */
export const REGIME: Readonly<Record<RegimeName, number>> = {
  underdamped: 0,
  critical: 1,
  overdamped: 2,
  laminar: 3,
  breakout: 4,
};

/**
 * The label of a regime code, or `"unknown"` for NaN (warm-up) or an out-of-range code.
 *
 * @example
 * ```ts
 * import { regimeName } from "./regimes.ts";
 * console.log(regimeName(4)); // "breakout"
 * ```
 */
export function regimeName(code: number): RegimeName | "unknown" {
  return Number.isInteger(code) && code >= 0 && code < REGIME_NAMES.length ? REGIME_NAMES[code] : "unknown";
}

/**
 * Regime per bar from percentiles in [0, 1], checked in the original's order:
 * overdamped (damping > 0.66 and Reynolds < 0.5), underdamped (Reynolds > 0.66 and damping < 0.33),
 * laminar (Reynolds > 0.66 and entropy < 0.33), breakout (energy > 0.66, eta > 0.5 and
 * entropy > 0.5), else critical.
 */
export function classifyRegimes(
  energyPct: Float64Array,
  dampingPct: Float64Array,
  entropyPct: Float64Array,
  reynoldsPct: Float64Array,
  etaPct: Float64Array,
): Float64Array {
  const n = energyPct.length;
  const out = new Float64Array(n).fill(NaN);
  for (let t = 0; t < n; t++) {
    const ke = energyPct[t], z = dampingPct[t], hs = entropyPct[t], re = reynoldsPct[t], et = etaPct[t];
    if (ke !== ke || z !== z || hs !== hs || re !== re || et !== et) continue;
    if (z > 0.66 && re < 0.5) out[t] = REGIME.overdamped;
    else if (re > 0.66 && z < 0.33) out[t] = REGIME.underdamped;
    else if (re > 0.66 && hs < 0.33) out[t] = REGIME.laminar;
    else if (ke > 0.66 && et > 0.5 && hs > 0.5) out[t] = REGIME.breakout;
    else out[t] = REGIME.critical;
  }
  return out;
}
