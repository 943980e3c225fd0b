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
  // Prefix counts of positive, negative and missing returns: any window's counts in O(1).
  const pos = new Int32Array(n + 1);
  const neg = new Int32Array(n + 1);
  const nan = new Int32Array(n + 1);
  let run = 0;
  let runSign = 0;
  for (let t = 0; t < n; t++) {
    const r = returns[t];
    const sg = r > 0 ? 1 : r < 0 ? -1 : 0;
    pos[t + 1] = pos[t] + (sg === 1 ? 1 : 0);
    neg[t + 1] = neg[t] + (sg === -1 ? 1 : 0);
    nan[t + 1] = nan[t] + (r !== r ? 1 : 0);
    if (sg !== 0 && sg === runSign) run++;
    else {
      run = sg === 0 ? 0 : 1;
      runSign = sg;
    }
    const T = period[t];
    if (T !== T || r !== r || t + 1 < T) continue;
    const lo = t + 1 - T;
    if (nan[t + 1] - nan[lo] !== 0) continue;
    if (sg === 0) {
      out[t] = 0;
      continue;
    }
    const same = sg === 1 ? pos[t + 1] - pos[lo] : neg[t + 1] - neg[lo];
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
  const pe = new Moments(energy);
  const pd = new Moments(direction);
  const pz = new Moments(dampingArr);
  for (let t = 0; t < n; t++) {
    const T = period[t];
    if (T !== T || t < T) continue;
    const lo = t - T;
    if (!pe.load(lo, t) || !pd.load(lo, t) || !pz.load(lo, t)) continue;
    const e = energy[t], d = direction[t], z = dampingArr[t];
    // Both agents need E > μE and D > μD: most bars stop here without the costlier widths.
    if (!(e > pe.mean) || !(d > pd.mean)) {
      out[t] = AGENT.none;
      continue;
    }
    const bandZ = pz.width() * pz.std();
    if (e > pe.mean + pe.width() * pe.std() && d > pd.mean + pd.width() * pd.std() && z < pz.mean - bandZ) {
      out[t] = AGENT.berserker;
    } else if (z > pz.mean - bandZ && z < pz.mean + bandZ) out[t] = AGENT.sniper;
    else out[t] = AGENT.none;
  }
  return out;
}

/**
 * Window moments in O(1) from prefix sums of powers of (x − shift), NaN-aware. The shift (the
 * first finite value) keeps the raw-moment arithmetic well conditioned; it is fixed by the prefix,
 * so everything stays causal.
 */
class Moments {
  readonly #s1: Float64Array;
  readonly #s2: Float64Array;
  readonly #s3: Float64Array;
  readonly #s4: Float64Array;
  readonly #nan: Int32Array;
  readonly #shift: number;
  #m = 0;
  #e1 = 0;
  #e2 = 0;
  #e3 = 0;
  #e4 = 0;
  /** Mean of the loaded window. */
  mean = 0;

  constructor(x: Float64Array) {
    const n = x.length;
    this.#s1 = new Float64Array(n + 1);
    this.#s2 = new Float64Array(n + 1);
    this.#s3 = new Float64Array(n + 1);
    this.#s4 = new Float64Array(n + 1);
    this.#nan = new Int32Array(n + 1);
    let shift = 0;
    for (let t = 0; t < n; t++) {
      if (x[t] === x[t]) {
        shift = x[t];
        break;
      }
    }
    this.#shift = shift;
    for (let t = 0; t < n; t++) {
      const v = x[t];
      const ok = v === v;
      const d = ok ? v - shift : 0;
      const d2 = d * d;
      this.#s1[t + 1] = this.#s1[t] + d;
      this.#s2[t + 1] = this.#s2[t] + d2;
      this.#s3[t + 1] = this.#s3[t] + d2 * d;
      this.#s4[t + 1] = this.#s4[t] + d2 * d2;
      this.#nan[t + 1] = this.#nan[t] + (ok ? 0 : 1);
    }
  }

  /** Load the window x[lo..hi]; false when it holds a NaN. */
  load(lo: number, hi: number): boolean {
    if (this.#nan[hi + 1] - this.#nan[lo] !== 0) return false;
    const m = hi - lo + 1;
    this.#m = m;
    this.#e1 = (this.#s1[hi + 1] - this.#s1[lo]) / m;
    this.#e2 = (this.#s2[hi + 1] - this.#s2[lo]) / m;
    this.#e3 = (this.#s3[hi + 1] - this.#s3[lo]) / m;
    this.#e4 = (this.#s4[hi + 1] - this.#s4[lo]) / m;
    this.mean = this.#shift + this.#e1;
    return true;
  }

  #var(): number {
    const v = this.#e2 - this.#e1 * this.#e1;
    return v > 0 ? v : 0;
  }

  /** Sample standard deviation (ddof = 1). */
  std(): number {
    const m = this.#m;
    return m > 1 ? Math.sqrt(this.#var() * m / (m - 1)) : 0;
  }

  /** k = 1 / (1 + max(0.1, excess kurtosis) / 3). */
  width(): number {
    const v = this.#var();
    let kurt = 0;
    if (v > 0) {
      const a = this.#e1;
      const c4 = this.#e4 - 4 * a * this.#e3 + 6 * a * a * this.#e2 - 3 * a * a * a * a;
      kurt = c4 / (v * v) - 3;
    }
    return 1 / (1 + Math.max(0.1, kurt) / 3);
  }
}
