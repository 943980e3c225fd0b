/**
 * Layer-1 physics features (after the original `physics_engine.py`, made causal): the market as a
 * particle whose position is the log price. Velocity is the log return, kinetic energy ½v²,
 * damping the dispersion of velocity relative to its mean size, entropy the disorder of recent
 * velocities, the Reynolds number trend over noise, potential energy the inverse of volatility.
 *
 * Each function takes the arrays it needs and returns a new Float64Array aligned with the bars
 * (NaN during its own warm-up). All are causal: index t reads inputs 0..t only.
 *
 * @module
 */
import { rollingHistogramEntropy, rollingMean, rollingStd } from "./_rolling.ts";

/** Small constant keeping ratios finite (as in the original). */
export const EPS = 1e-12;

/** Window lengths of the physics engine (the original's defaults). */
export const PHYSICS_WINDOWS = {
  damping: 64,
  entropy: 64,
  entropyBins: 20,
  reynoldsSlow: 24,
  reynoldsFast: 6,
  potential: 72,
} as const;

/**
 * Velocity v_t = ln C_t − ln C_{t−1} (log return). Non-positive closes are treated as missing and
 * the last valid log price is carried forward. NaN at t = 0.
 */
export function velocity(close: Float64Array): Float64Array {
  const n = close.length;
  const out = new Float64Array(n).fill(NaN);
  let prev = NaN;
  for (let t = 0; t < n; t++) {
    const c = close[t];
    const x = c > 0 ? Math.log(c) : prev;
    if (prev === prev && x === x) out[t] = x - prev;
    prev = x;
  }
  return out;
}

/** First difference d_t = x_t − x_{t−1} (NaN at t = 0 or when either side is NaN). */
export function diff(x: Float64Array): Float64Array {
  const n = x.length;
  const out = new Float64Array(n).fill(NaN);
  for (let t = 1; t < n; t++) out[t] = x[t] - x[t - 1];
  return out;
}

/** Kinetic energy E = ½·m·v² with m = 1. */
export function kineticEnergy(v: Float64Array): Float64Array {
  const out = new Float64Array(v.length);
  for (let t = 0; t < v.length; t++) out[t] = 0.5 * v[t] * v[t];
  return out;
}

/**
 * Kinetic energy at bar `t` from the closes alone, without building the columns: equal to
 * `kineticEnergy(velocity(close))[t]` when the closes are positive (NaN at t = 0).
 */
export function kineticEnergyAt(close: ArrayLike<number>, t: number): number {
  if (!(t >= 1) || !(t < close.length)) return NaN;
  const v = Math.log(close[t]) - Math.log(close[t - 1]);
  return 0.5 * v * v;
}

/** Damping ζ = std_64(v) / (mean_64(|v|) + ε): high when moves are erratic relative to their size. */
export function damping(v: Float64Array, window: number = PHYSICS_WINDOWS.damping): Float64Array {
  const sd = rollingStd(v, window);
  const ma = rollingMean(v.map(Math.abs), window);
  const out = new Float64Array(v.length);
  for (let t = 0; t < v.length; t++) out[t] = sd[t] / (ma[t] + EPS);
  return out;
}

/** Entropy: Shannon entropy of a 20-bin histogram of the last 64 velocities, divided by ln 20. */
export function entropy(
  v: Float64Array,
  window: number = PHYSICS_WINDOWS.entropy,
  bins: number = PHYSICS_WINDOWS.entropyBins,
): Float64Array {
  return rollingHistogramEntropy(v, window, bins);
}

/** Reynolds number Re = |mean_24(v)| / (std_6(v) + ε): drift over short-term noise (high = laminar). */
export function reynolds(
  v: Float64Array,
  slow: number = PHYSICS_WINDOWS.reynoldsSlow,
  fast: number = PHYSICS_WINDOWS.reynoldsFast,
): Float64Array {
  const m = rollingMean(v, slow);
  const sd = rollingStd(v, fast);
  const out = new Float64Array(v.length);
  for (let t = 0; t < v.length; t++) out[t] = Math.abs(m[t]) / (sd[t] + EPS);
  return out;
}

/** Potential energy PE = 1 / (std_72(v) + ε): stored energy of a quiet, compressed market. */
export function potentialEnergy(v: Float64Array, window: number = PHYSICS_WINDOWS.potential): Float64Array {
  const sd = rollingStd(v, window);
  const out = new Float64Array(v.length);
  for (let t = 0; t < v.length; t++) out[t] = 1 / (sd[t] + EPS);
  return out;
}

/**
 * eta = E / (PE + ε): kinetic over potential energy. The original clipped it at the 99.99th
 * percentile of the whole series (look-ahead); Kinetra leaves it unclipped (its percentile rank,
 * which is what the rules read, is unchanged by a monotone clip).
 */
export function eta(ke: Float64Array, pe: Float64Array): Float64Array {
  const out = new Float64Array(ke.length);
  for (let t = 0; t < ke.length; t++) out[t] = ke[t] / (pe[t] + EPS);
  return out;
}

/** Buying pressure BP = (C − L) / (H − L) in [0, 1]; 0.5 when the bar has no range. */
export function buyingPressure(high: Float64Array, low: Float64Array, close: Float64Array): Float64Array {
  const out = new Float64Array(close.length);
  for (let t = 0; t < close.length; t++) {
    const r = high[t] - low[t];
    out[t] = r > 0 ? (close[t] - low[t]) / r : 0.5;
  }
  return out;
}

/**
 * Average true range over `window` bars (simple mean of the true range
 * max(H − L, |H − C_{t−1}|, |L − C_{t−1}|); the first bar's true range is H − L).
 */
export function averageTrueRange(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  window: number,
): Float64Array {
  const n = close.length;
  const tr = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const hl = high[t] - low[t];
    if (t === 0) {
      tr[t] = hl;
      continue;
    }
    const pc = close[t - 1];
    tr[t] = Math.max(hl, Math.abs(high[t] - pc), Math.abs(low[t] - pc));
  }
  return rollingMean(tr, window);
}
