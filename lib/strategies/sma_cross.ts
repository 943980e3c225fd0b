/**
 * SmaCross: the reference strategy of backtesting.py. Buy when the fast simple moving average
 * crosses above the slow one, sell when it crosses below; each signal first closes the open
 * position (always in the market after the first cross).
 *
 * Crossover is strict on both sides (backtesting.py's `crossover`): fast[i−1] < slow[i−1] and
 * fast[i] > slow[i]; equality is no cross.
 *
 * @module
 */
import type { OrderIntent, Strategy } from "./contract.ts";
import { isShared, memoIndicator } from "./memo.ts";

/**
 * Rolling mean with pandas' algorithm (Kahan-compensated running sums, separate compensation for
 * additions and removals), so crossings match backtesting.py's `pd.Series.rolling(n).mean()`.
 * NaN for the first n−1 values.
 */
export function sma(values: Float64Array, n: number): Float64Array {
  const len = values.length;
  let positive = true;
  for (let i = 0; i < len; i++) {
    if (!(values[i] > 0)) {
      positive = false;
      break;
    }
  }
  if (positive) return smaPositive(values, n);
  const out = new Float64Array(len).fill(NaN);
  let sum = 0, compAdd = 0, compRem = 0, nobs = 0, negCt = 0;
  let sameCount = 0, prev = NaN;
  for (let i = 0; i < len; i++) {
    // remove values[i - n] (window [i-n+1, i])
    if (i >= n) {
      const v = values[i - n];
      if (v === v) {
        nobs--;
        const y = -v - compRem;
        const t = sum + y;
        compRem = t - sum - y;
        sum = t;
        if (v < 0 || (v === 0 && 1 / v < 0)) negCt--;
      }
    }
    const v = values[i];
    if (v === v) {
      nobs++;
      const y = v - compAdd;
      const t = sum + y;
      compAdd = t - sum - y;
      sum = t;
      if (v < 0 || (v === 0 && 1 / v < 0)) negCt++;
      if (v === prev) sameCount++;
      else sameCount = 1;
      prev = v;
    }
    if (i >= n - 1 && nobs >= n) {
      let r = sum / nobs;
      if (sameCount >= nobs) r = prev;
      else if (negCt === 0 && r < 0) r = 0;
      else if (negCt === nobs && r > 0) r = 0;
      out[i] = r;
    }
  }
  return out;
}

/** `sma` for series of positive finite numbers (prices): the same arithmetic without NaN or sign bookkeeping. */
function smaPositive(values: Float64Array, n: number): Float64Array {
  const len = values.length;
  const out = new Float64Array(len);
  const warm = Math.min(n - 1, len);
  for (let i = 0; i < warm; i++) out[i] = NaN;
  let sum = 0, compAdd = 0, compRem = 0;
  let sameCount = 0, prev = NaN;
  for (let i = 0; i < len; i++) {
    if (i >= n) {
      const y = -values[i - n] - compRem;
      const t = sum + y;
      compRem = t - sum - y;
      sum = t;
    }
    const v = values[i];
    const y = v - compAdd;
    const t = sum + y;
    compAdd = t - sum - y;
    sum = t;
    if (v === prev) sameCount++;
    else {
      sameCount = 1;
      prev = v;
    }
    if (i >= n - 1) {
      const nobs = i < n ? i + 1 : n;
      out[i] = sameCount >= nobs ? prev : sum / nobs;
    }
  }
  return out;
}

/**
 * Two moving averages of the same series in one pass (each identical to `sma`): their
 * compensated-sum chains are independent, so the CPU overlaps them.
 */
export function smaPair(values: Float64Array, n1: number, n2: number): [Float64Array, Float64Array] {
  const len = values.length;
  for (let i = 0; i < len; i++) if (!(values[i] > 0)) return [sma(values, n1), sma(values, n2)];
  const a = new Float64Array(len), b = new Float64Array(len);
  for (let i = 0; i < Math.min(n1 - 1, len); i++) a[i] = NaN;
  for (let i = 0; i < Math.min(n2 - 1, len); i++) b[i] = NaN;
  // In chunks through a small function: V8 fully optimises a function called many times after a
  // few runs, while one long loop stays longer in its on-stack-replacement tiers.
  const st = new Float64Array(8);
  st[7] = NaN;
  for (let from = 0; from < len; from += PAIR_CHUNK) {
    smaPairChunk(values, n1, n2, a, b, st, from, Math.min(len, from + PAIR_CHUNK), 0);
  }
  return [a, b];
}

const PAIR_CHUNK = 8192;

/**
 * One chunk of `smaPair`; `st` carries [sumA, compAddA, compRemA, sumB, compAddB, compRemB, sameCount,
 * prev]. Bar `i`'s averages are written at `a[i - off]`, `b[i - off]` (off = 0 for whole-series
 * arrays, `from` for chunk-sized buffers).
 */
function smaPairChunk(
  values: Float64Array,
  n1: number,
  n2: number,
  a: Float64Array,
  b: Float64Array,
  st: Float64Array,
  from: number,
  to: number,
  off: number,
): void {
  let sa = st[0], ca = st[1], ra = st[2], sb = st[3], cb = st[4], rb = st[5];
  let sameCount = st[6], prev = st[7];
  for (let i = from; i < to; i++) {
    const v = values[i];
    if (i >= n1) {
      const y = -values[i - n1] - ra;
      const t = sa + y;
      ra = t - sa - y;
      sa = t;
    }
    if (i >= n2) {
      const y = -values[i - n2] - rb;
      const t = sb + y;
      rb = t - sb - y;
      sb = t;
    }
    const ya = v - ca;
    const ta = sa + ya;
    ca = ta - sa - ya;
    sa = ta;
    const yb = v - cb;
    const tb = sb + yb;
    cb = tb - sb - yb;
    sb = tb;
    if (v === prev) sameCount++;
    else {
      sameCount = 1;
      prev = v;
    }
    if (i >= n1 - 1) {
      const nobs = i < n1 ? i + 1 : n1;
      a[i - off] = sameCount >= nobs ? prev : sa / nobs;
    }
    if (i >= n2 - 1) {
      const nobs = i < n2 ? i + 1 : n2;
      b[i - off] = sameCount >= nobs ? prev : sb / nobs;
    }
  }
  st[0] = sa;
  st[1] = ca;
  st[2] = ra;
  st[3] = sb;
  st[4] = cb;
  st[5] = rb;
  st[6] = sameCount;
  st[7] = prev;
}

/**
 * Which moving average is above, per bar: 1 when fast > slow, -1 when fast < slow, 0 when they are
 * equal or not both defined yet (NaN). Both SMAs are computed exactly as `smaPair` computes them;
 * only the comparison is kept (1 byte per bar instead of two 8-byte arrays: less memory to fill).
 */
export function smaSide(values: Float64Array, fast: number, slow: number): Int8Array {
  const len = values.length;
  const side = new Int8Array(len);
  for (let i = 0; i < len; i++) {
    if (!(values[i] > 0)) {
      const a = sma(values, fast), b = sma(values, slow);
      for (let k = 0; k < len; k++) side[k] = a[k] > b[k] ? 1 : a[k] < b[k] ? -1 : 0;
      return side;
    }
  }
  const st = new Float64Array(8);
  st[7] = NaN;
  // The averages of one chunk at a time in two reused buffers (same arithmetic as `smaPair`), then
  // only their comparison is kept. A short first chunk: the kernel returns once (type feedback for
  // its last lines) before V8 optimises it in the middle of its loop.
  const a = new Float64Array(PAIR_CHUNK), b = new Float64Array(PAIR_CHUNK);
  const first = Math.max(fast, slow) - 1;
  for (let from = 0, to = Math.min(len, 256); from < len; from = to, to = Math.min(len, to + PAIR_CHUNK)) {
    smaPairChunk(values, fast, slow, a, b, st, from, to, from);
    for (let i = Math.max(from, first); i < to; i++) {
      const x = a[i - from], y = b[i - from];
      side[i] = x > y ? 1 : x < y ? -1 : 0;
    }
  }
  return side;
}

interface SmaState {
  /** `smaSide(close, fast, slow)`. */
  side: Int8Array;
}

const CLOSE: OrderIntent = Object.freeze({ kind: "close" });
const BUY: OrderIntent = Object.freeze({ kind: "entry", side: 1 });
const SELL: OrderIntent = Object.freeze({ kind: "entry", side: -1 });

/** The SmaCross strategy (params `fast` = 10, `slow` = 30). */
export const smaCross: Strategy<SmaState> = {
  name: "sma_cross",
  description: "Fast/slow simple moving average crossover, always in the market (backtesting.py's SmaCross)",
  params: {
    fast: { default: 10, description: "fast SMA length (bars)", min: 1, integer: true },
    slow: { default: 30, description: "slow SMA length (bars)", min: 1, integer: true },
  },
  features: [],
  warmup(p) {
    return Math.max(p.fast, p.slow);
  },
  init({ bars, params }) {
    const close = bars.close;
    if (isShared(close)) {
      // In a sweep: each SMA length once for every combination (`sma` is what `smaSide` compares).
      const a = memoIndicator(close, `sma:${params.fast}`, () => sma(close, params.fast));
      const b = memoIndicator(close, `sma:${params.slow}`, () => sma(close, params.slow));
      const side = new Int8Array(close.length);
      for (let i = 0; i < side.length; i++) side[i] = a[i] > b[i] ? 1 : a[i] < b[i] ? -1 : 0;
      return { side };
    }
    return { side: smaSide(close, params.fast, params.slow) };
  },
  decide(i, _ctx, s, _pos, out) {
    // fast[i−1] < slow[i−1] && fast[i] > slow[i] (and the mirror), read from the sides.
    const side = s.side;
    const s0 = side[i - 1], s1 = side[i];
    if (s0 === -1 && s1 === 1) {
      out.push(CLOSE, BUY);
    } else if (s0 === 1 && s1 === -1) {
      out.push(CLOSE, SELL);
    }
  },
};
