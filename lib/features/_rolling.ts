/**
 * Causal rolling-window kernels over Float64Array (private to lib/features).
 *
 * Every kernel walks forward once and its value at index t depends only on inputs 0..t, so the
 * same computation on a prefix of the series gives bit-identical values (the causality test
 * checks this). NaN inputs are skipped; a window's value is NaN until it holds `window` finite
 * values (or `minPeriods`, where a kernel takes it).
 *
 * @module
 */

/** Running window sums are recomputed exactly every this many bars (a fixed, index-based schedule). */
const REFRESH = 1024;

/**
 * Rolling sample standard deviation (ddof = 1, as pandas) over the last `window` values, from
 * running sums of x and x² that are recomputed exactly every 1024 bars, so rounding drift stays
 * bounded; the schedule depends only on the index, so the result stays causal.
 */
export function rollingStd(src: Float64Array, window: number): Float64Array {
  const n = src.length;
  const out = new Float64Array(n).fill(NaN);
  let valid = 0; // finite values in (t-window, t]
  let s1 = 0;
  let s2 = 0;
  let fresh = false;
  for (let t = 0; t < n; t++) {
    const x = src[t];
    if (x === x) valid++;
    if (t >= window) {
      const y = src[t - window];
      if (y === y) valid--;
    }
    if (valid !== window) {
      fresh = false;
      continue;
    }
    if (!fresh || t % REFRESH === 0) {
      s1 = 0;
      s2 = 0;
      for (let k = t - window + 1; k <= t; k++) {
        s1 += src[k];
        s2 += src[k] * src[k];
      }
      fresh = true;
    } else {
      const y = src[t - window];
      s1 += x - y;
      s2 += x * x - y * y;
    }
    const v = (s2 - s1 * s1 / window) / (window - 1);
    out[t] = v > 0 ? Math.sqrt(v) : 0;
  }
  return out;
}

/** Rolling mean over the last `window` values (running sum, recomputed exactly every 1024 bars). */
export function rollingMean(src: Float64Array, window: number): Float64Array {
  const n = src.length;
  const out = new Float64Array(n).fill(NaN);
  let valid = 0;
  let s1 = 0;
  let fresh = false;
  for (let t = 0; t < n; t++) {
    const x = src[t];
    if (x === x) valid++;
    if (t >= window && src[t - window] === src[t - window]) valid--;
    if (valid !== window) {
      fresh = false;
      continue;
    }
    if (!fresh || t % REFRESH === 0) {
      s1 = 0;
      for (let k = t - window + 1; k <= t; k++) s1 += src[k];
      fresh = true;
    } else {
      s1 += x - src[t - window];
    }
    out[t] = s1 / window;
  }
  return out;
}

/**
 * Exponentially weighted moving average with `alpha = 2 / (span + 1)`, recursive form
 * (pandas `adjust=False`), seeded with the first finite value. NaN inputs carry the last value.
 */
export function ewma(src: Float64Array, span: number): Float64Array {
  const n = src.length;
  const out = new Float64Array(n).fill(NaN);
  const alpha = 2 / (span + 1);
  let e = NaN;
  for (let t = 0; t < n; t++) {
    const x = src[t];
    if (x === x) e = e === e ? alpha * x + (1 - alpha) * e : x;
    out[t] = e;
  }
  return out;
}

/** Index of the first element > x in sorted `a[0..len)` (upper bound). */
function upperBound(a: Float64Array, len: number, x: number): number {
  let lo = 0;
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element >= x in sorted `a[0..len)` (lower bound). */
function lowerBound(a: Float64Array, len: number, x: number): number {
  let lo = 0;
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Rolling percentile rank in [0, 1]: the share of the finite values in the last `window` values
 * (current included) that are <= the current value. NaN when the current value is NaN or the
 * window holds fewer than `minPeriods` finite values. O(log w + w) per bar with a sorted window
 * (binary search + one block move), no allocation per bar.
 */
export function rollingPercentile(src: Float64Array, window: number, minPeriods: number): Float64Array {
  const n = src.length;
  const out = new Float64Array(n).fill(NaN);
  const sorted = new Float64Array(window);
  let len = 0;
  for (let t = 0; t < n; t++) {
    if (t >= window) {
      const y = src[t - window];
      if (y === y) {
        const at = lowerBound(sorted, len, y);
        sorted.copyWithin(at, at + 1, len);
        len--;
      }
    }
    const x = src[t];
    if (x !== x) continue;
    const at = upperBound(sorted, len, x);
    sorted.copyWithin(at + 1, at, len);
    sorted[at] = x;
    len++;
    // Everything before `at` is <= x and everything after is > x: at + 1 values are <= x.
    if (len >= minPeriods) out[t] = (at + 1) / len;
  }
  return out;
}

/**
 * Rolling normalised Shannon entropy of a `bins`-bin histogram (equal-width bins spanning the
 * window's min..max, the last bin closed, as numpy) of the last `window` values; divided by
 * ln(bins) so it lies in [0, 1]. A constant window has entropy 0.
 */
export function rollingHistogramEntropy(src: Float64Array, window: number, bins: number): Float64Array {
  const n = src.length;
  const out = new Float64Array(n).fill(NaN);
  const counts = new Int32Array(bins);
  // c·ln(c) table: H = ln(m) − (1/m)·Σ c·ln(c).
  const cLogC = new Float64Array(window + 1);
  for (let c = 2; c <= window; c++) cLogC[c] = c * Math.log(c);
  const norm = Math.log(bins);
  const lnW = Math.log(window);
  let valid = 0;
  for (let t = 0; t < n; t++) {
    if (src[t] === src[t]) valid++;
    if (t >= window && src[t - window] === src[t - window]) valid--;
    if (valid !== window) continue;
    const lo = t - window + 1;
    let mn = Infinity;
    let mx = -Infinity;
    for (let k = lo; k <= t; k++) {
      const v = src[k];
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    if (!(mx > mn)) {
      out[t] = 0;
      continue;
    }
    counts.fill(0);
    const scale = bins / (mx - mn);
    for (let k = lo; k <= t; k++) {
      const b = ((src[k] - mn) * scale) | 0; // >= 0, so | 0 floors
      counts[b < bins ? b : bins - 1]++;
    }
    let s = 0;
    for (let b = 0; b < bins; b++) s += cLogC[counts[b]];
    const h = lnW - s / window;
    out[t] = h <= 0 ? 0 : h / norm;
  }
  return out;
}
