/**
 * The v7 physics features the three strategies trade on (after the original `physics_v7.py` and
 * `compute_agent_signal`), made causal: body-ratio energy, range-ratio damping, volume
 * coefficient-of-variation entropy, a rolling dominant period, a direction score, and the agent
 * signal (0 none, 1 sniper, 2 berserker).
 *
 * The original estimated its base autocorrelation window from the whole series (look-ahead) and
 * scanned it in O(n²); here the base window is a fixed trailing window and the per-lag
 * autocorrelation sums are updated incrementally.
 *
 * @module
 */
import { ewma, rollingMean, rollingStd } from "./_rolling.ts";

/** The ratio guard of the v7 engine. */
const EPS_V7 = 1e-10;

/** Parameters of the v7 features (fixed: they define the feature columns). */
export const V7_WINDOWS = {
  volumeEwmaSpan: 10,
  energyBaseline: 100,
  entropy: 20,
  /** Trailing window of returns over which autocorrelations are measured. */
  periodWindow: 128,
  /** Lags tried for the dominant period: 2 .. periodWindow/2 − 1. */
  minLag: 2,
  maxLag: 63,
} as const;

/** Body ratio |C − O| / (H − L + ε), clipped to [0, 1]: how much of the bar's range is body. */
export function bodyRatio(
  open: Float64Array,
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
): Float64Array {
  const out = new Float64Array(close.length);
  for (let t = 0; t < close.length; t++) {
    const r = Math.abs(close[t] - open[t]) / (high[t] - low[t] + EPS_V7);
    out[t] = r > 1 ? 1 : r;
  }
  return out;
}

/**
 * v7 energy = body_ratio² × EWMA_10(V) / (SMA_100(EWMA_10(V)) + ε), V = tick volume: a full-bodied
 * bar on above-normal activity. NaN for the first 99 bars (the original filled 0).
 */
export function energyV7(bodyRatioArr: Float64Array, tickVolume: Float64Array): Float64Array {
  const ev = ewma(tickVolume, V7_WINDOWS.volumeEwmaSpan);
  const base = rollingMean(ev, V7_WINDOWS.energyBaseline);
  const out = new Float64Array(tickVolume.length);
  for (let t = 0; t < out.length; t++) {
    out[t] = bodyRatioArr[t] * bodyRatioArr[t] * ev[t] / (base[t] + EPS_V7);
  }
  return out;
}

/** v7 damping = (H − L)_t / ((H − L)_{t−1} + ε), clipped to [0.01, 10]; NaN at t = 0. */
export function dampingV7(high: Float64Array, low: Float64Array): Float64Array {
  const n = high.length;
  const out = new Float64Array(n).fill(NaN);
  for (let t = 1; t < n; t++) {
    const r = (high[t] - low[t]) / (high[t - 1] - low[t - 1] + EPS_V7);
    out[t] = r < 0.01 ? 0.01 : r > 10 ? 10 : r;
  }
  return out;
}

/** v7 entropy = std_20(V) / (mean_20(V) + ε): the coefficient of variation of tick volume. */
export function entropyV7(tickVolume: Float64Array): Float64Array {
  const sd = rollingStd(tickVolume, V7_WINDOWS.entropy);
  const m = rollingMean(tickVolume, V7_WINDOWS.entropy);
  const out = new Float64Array(tickVolume.length);
  for (let t = 0; t < out.length; t++) out[t] = sd[t] / (m[t] + EPS_V7);
  return out;
}

/**
 * Rolling dominant period: at each bar, the lag k in [2, 63] with the largest |autocovariance|
 * of the returns over the trailing 128-bar window (the original's per-bar rule, with a fixed
 * base window instead of one estimated from the whole series). Lagged cross sums are updated
 * incrementally and recomputed exactly every 1024 bars so no rounding drift builds up; the
 * refresh points depend only on the index, so the result stays causal. NaN until 128 + 63
 * returns exist.
 */
export function dominantPeriod(returns: Float64Array): Float64Array {
  const n = returns.length;
  const { periodWindow: w, minLag, maxLag } = V7_WINDOWS;
  const out = new Float64Array(n).fill(NaN);
  const lags = maxLag - minLag + 1;
  const cross = new Float64Array(lags); // Σ r_s·r_{s−k} over s in (t−w, t]
  let sum = 0; // Σ r_s over s in (t−w, t]
  let ready = false;
  let sinceRefresh = 0;
  // First index whose window and lag partners are all available: t − w + 1 − maxLag >= first valid.
  let firstValid = 0;
  while (firstValid < n && returns[firstValid] !== returns[firstValid]) firstValid++;
  const start = firstValid + w - 1 + maxLag;
  for (let t = start; t < n; t++) {
    // A NaN inside the span resets the state (gap-free data never has one after the first bar).
    const r = returns[t];
    if (r !== r) {
      ready = false;
      continue;
    }
    if (!ready || sinceRefresh >= 1024) {
      let bad = false;
      sum = 0;
      for (let s = t - w + 1; s <= t; s++) sum += returns[s];
      for (let j = 0; j < lags; j++) {
        const k = minLag + j;
        let c = 0;
        for (let s = t - w + 1; s <= t; s++) c += returns[s] * returns[s - k];
        cross[j] = c;
      }
      if (sum !== sum) bad = true;
      for (let j = 0; j < lags && !bad; j++) if (cross[j] !== cross[j]) bad = true;
      if (bad) {
        ready = false;
        continue;
      }
      ready = true;
      sinceRefresh = 0;
    } else {
      const old = returns[t - w];
      sum += r - old;
      for (let j = 0; j < lags; j++) {
        const k = minLag + j;
        cross[j] += r * returns[t - k] - old * returns[t - w - k];
      }
      sinceRefresh++;
    }
    const mean = sum / w;
    const m2w = w * mean * mean;
    let best = 0;
    let bestAbs = -1;
    for (let j = 0; j < lags; j++) {
      const a = Math.abs(cross[j] - m2w);
      if (a > bestAbs) {
        bestAbs = a;
        best = j;
      }
    }
    out[t] = minLag + best;
  }
  return out;
}

/**
 * Direction score in [0, 1]: with T the dominant period at the bar, the mean of (a) the share of
 * the last T returns whose sign equals the current return's sign and (b) the current same-sign
 * run length (capped at T) divided by T. 0 when the current return is 0.
 */
export function directionScore(returns: Float64Array, period: Float64Array): Float64Array {
  const n = returns.length;
  const out = new Float64Array(n).fill(NaN);
  let run = 0;
  let runSign = 0;
  for (let t = 0; t < n; t++) {
    const r = returns[t];
    const sg = r > 0 ? 1 : r < 0 ? -1 : 0;
    if (sg !== 0 && sg === runSign) run++;
    else {
      run = sg === 0 ? 0 : 1;
      runSign = sg;
    }
    const T = period[t];
    if (T !== T || r !== r) continue;
    if (sg === 0) {
      out[t] = 0;
      continue;
    }
    let same = 0;
    let ok = true;
    for (let s = t - T + 1; s <= t; s++) {
      const x = returns[s];
      if (x !== x) {
        ok = false;
        break;
      }
      if ((x > 0 ? 1 : x < 0 ? -1 : 0) === sg) same++;
    }
    if (!ok) continue;
    out[t] = (same / T + Math.min(run, T) / T) / 2;
  }
  return out;
}

/** Agent signal codes. */
export const AGENT = { none: 0, sniper: 1, berserker: 2 } as const;

/**
 * The v7 agent signal. Over the trailing window of T + 1 bars (T the dominant period at the bar),
 * for X in {energy, direction, damping}: mean μ, sample std σ and a kurtosis-shrunk width
 * k = 1 / (1 + max(0.1, excess kurtosis)/3). BERSERKER (2): E > μE + kE·σE, D > μD + kD·σD and
 * ζ < μζ − kζ·σζ (an energetic, directional, undamped burst). SNIPER (1): E > μE, D > μD and ζ
 * within μζ ± kζ·σζ. Otherwise 0. NaN while any input in the window is NaN.
 */
export function agentSignal(
  energy: Float64Array,
  direction: Float64Array,
  dampingArr: Float64Array,
  period: Float64Array,
): Float64Array {
  const n = energy.length;
  const out = new Float64Array(n).fill(NaN);
  const stats = new Float64Array(3); // mean, std, k of the last call
  for (let t = 0; t < n; t++) {
    const T = period[t];
    if (T !== T || t < T) continue;
    const lo = t - T;
    if (!windowStats(energy, lo, t, stats)) continue;
    const muE = stats[0], sdE = stats[1], kE = stats[2];
    if (!windowStats(direction, lo, t, stats)) continue;
    const muD = stats[0], sdD = stats[1], kD = stats[2];
    if (!windowStats(dampingArr, lo, t, stats)) continue;
    const muZ = stats[0], sdZ = stats[1], kZ = stats[2];
    const e = energy[t], d = direction[t], z = dampingArr[t];
    if (e > muE + kE * sdE && d > muD + kD * sdD && z < muZ - kZ * sdZ) out[t] = AGENT.berserker;
    else if (e > muE && d > muD && z > muZ - kZ * sdZ && z < muZ + kZ * sdZ) out[t] = AGENT.sniper;
    else out[t] = AGENT.none;
  }
  return out;
}

/** Mean, sample std and kurtosis width of x[lo..hi] into `out`; false when a value is NaN. */
function windowStats(x: Float64Array, lo: number, hi: number, out: Float64Array): boolean {
  const m = hi - lo + 1;
  let s = 0;
  for (let k = lo; k <= hi; k++) s += x[k];
  if (s !== s) return false;
  const mean = s / m;
  let m2 = 0;
  let m4 = 0;
  for (let k = lo; k <= hi; k++) {
    const d = x[k] - mean;
    const d2 = d * d;
    m2 += d2;
    m4 += d2 * d2;
  }
  const pop2 = m2 / m;
  const kurt = pop2 > 0 ? (m4 / m) / (pop2 * pop2) - 3 : 0;
  out[0] = mean;
  out[1] = m > 1 ? Math.sqrt(m2 / (m - 1)) : 0;
  out[2] = 1 / (1 + Math.max(0.1, kurt) / 3);
  return true;
}
