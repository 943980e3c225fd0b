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

/**
 * Rolling mean with pandas' algorithm (Kahan-compensated running sums, separate compensation for
 * additions and removals), so crossings match backtesting.py's `pd.Series.rolling(n).mean()`.
 * NaN for the first n−1 values.
 */
export function sma(values: Float64Array, n: number): Float64Array {
  const len = values.length;
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

interface SmaState {
  fast: Float64Array;
  slow: Float64Array;
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
    return { fast: sma(bars.close, params.fast), slow: sma(bars.close, params.slow) };
  },
  decide(i, _ctx, s, _pos, out) {
    const f = s.fast, sl = s.slow;
    const f0 = f[i - 1], f1 = f[i], s0 = sl[i - 1], s1 = sl[i];
    if (f0 < s0 && f1 > s1) {
      out.push(CLOSE, BUY);
    } else if (s0 < f0 && s1 > f1) {
      out.push(CLOSE, SELL);
    }
  },
};
