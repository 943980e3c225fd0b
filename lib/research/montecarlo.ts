/**
 * Monte Carlo on a result's trades (seeded): resample the trades' returns on equity with
 * replacement (bootstrap) or in a random order (reshuffle), rebuild the equity path by compounding,
 * and report confidence intervals of the final return, the maximum drawdown and the Omega ratio, the
 * probability of ruin at a chosen loss level, and the equity fan (percentiles per trade step).
 *
 * A trade's return on equity is its pnl over the equity at its entry bar, so the rebuilt paths use
 * the sizing the strategy really had (all-in, risk-based or fixed).
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import { makeRng } from "./rng.ts";

/** Options of `monteCarlo`. */
export interface MonteCarloOptions {
  /** Number of simulated paths per method (default 1000). */
  paths?: number;
  /** Seed (default 0): the same seed gives the same figures. */
  seed?: number;
  /** Loss level for the probability of ruin, in percent of the starting equity (default 50). */
  ruinPct?: number;
  /** Lower and upper percentiles of the confidence intervals (default 5 and 95). */
  interval?: [number, number];
  /** Number of percentile points kept for the fan chart (default: at most 200 steps). */
  fanSteps?: number;
}

/** Percentiles of one figure over the paths. */
export interface Interval {
  /** Lower percentile. */
  low: number | null;
  /** Median. */
  median: number | null;
  /** Upper percentile. */
  high: number | null;
  /** Mean. */
  mean: number | null;
}

/** Figures of one resampling method. */
export interface MonteCarloMethod {
  /** Final return, %. */
  final_return_pct: Interval;
  /** Maximum drawdown, % (<= 0). */
  max_drawdown_pct: Interval;
  /** Omega ratio of the trade returns. */
  omega: Interval;
  /** Share of paths whose equity fell to (100 − ruin_pct) % of the start or below at some point. */
  prob_ruin: number;
  /** Equity fan (start = 1): trade step and the low/median/high percentile of equity after it. */
  fan: { step: number[]; low: number[]; median: number[]; high: number[] };
}

/** The `monte_carlo` block of the optimise JSON. */
export interface MonteCarloResult {
  /** Paths per method. */
  paths: number;
  /** Seed used. */
  seed: number;
  /** Trades resampled. */
  trades: number;
  /** Loss level of the probability of ruin, %. */
  ruin_pct: number;
  /** Lower and upper percentiles of the intervals. */
  interval: [number, number];
  /** Figures of the trades as they happened (one path). */
  actual: { final_return_pct: number; max_drawdown_pct: number; omega: number | null };
  /** Trades drawn with replacement. */
  bootstrap: MonteCarloMethod;
  /** Trades in a random order. */
  reshuffle: MonteCarloMethod;
}

function quantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (!n) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function interval(values: Float64Array, lo: number, hi: number): Interval {
  const v = Float64Array.from(values.filter((x) => Number.isFinite(x))).sort();
  const f = (x: number) => (Number.isFinite(x) ? x : null);
  let mean = 0;
  for (const x of v) mean += x;
  return {
    low: f(quantile(v, lo / 100)),
    median: f(quantile(v, 0.5)),
    high: f(quantile(v, hi / 100)),
    mean: f(v.length ? mean / v.length : NaN),
  };
}

/** Final return %, max drawdown % (negative) and Omega of compounding `r` (fractions) in `order`. */
function pathFigures(
  r: Float64Array,
  order: Int32Array,
  ruinLevel: number,
  path: Float64Array | null,
): [number, number, number, boolean] {
  let eq = 1, peak = 1, maxDd = 0, gain = 0, loss = 0, ruined = false;
  for (let k = 0; k < order.length; k++) {
    const x = r[order[k]];
    eq *= 1 + x;
    if (eq < 0) eq = 0;
    if (x > 0) gain += x;
    else loss -= x;
    if (eq > peak) peak = eq;
    const dd = eq / peak - 1;
    if (dd < maxDd) maxDd = dd;
    if (eq <= ruinLevel) ruined = true;
    if (path) path[k] = eq;
  }
  return [(eq - 1) * 100, maxDd * 100, loss > 0 ? gain / loss : gain > 0 ? Infinity : NaN, ruined];
}

/**
 * Monte Carlo of trade returns on equity (`returns` as fractions, in trade order). Throws
 * `bad_argument` for fewer than 2 trades or a non-positive number of paths.
 */
export function monteCarlo(returns: ArrayLike<number>, opts: MonteCarloOptions = {}): MonteCarloResult {
  const paths = opts.paths ?? 1000;
  const seed = opts.seed ?? 0;
  const ruinPct = opts.ruinPct ?? 50;
  const [lo, hi] = opts.interval ?? [5, 95];
  if (!(Number.isInteger(paths) && paths > 0)) {
    throw new KinetraError("bad_argument", `Monte Carlo needs a whole number of paths > 0, got ${paths}`);
  }
  if (!(ruinPct > 0 && ruinPct <= 100)) {
    throw new KinetraError("bad_argument", `the ruin level must be in (0, 100] %, got ${ruinPct}`);
  }
  const r = Float64Array.from(returns);
  const n = r.length;
  if (n < 2) throw new KinetraError("bad_argument", `Monte Carlo needs at least 2 trades, got ${n}`);
  const ruinLevel = 1 - ruinPct / 100;
  const identity = Int32Array.from({ length: n }, (_, i) => i);
  const act = pathFigures(r, identity, ruinLevel, null);
  const rng = makeRng(seed);
  const stride = Math.max(1, Math.ceil(n / (opts.fanSteps ?? 200)));
  const steps: number[] = [];
  for (let k = 0; k < n; k += stride) steps.push(k);
  if (steps[steps.length - 1] !== n - 1) steps.push(n - 1);
  const run = (shuffle: boolean): MonteCarloMethod => {
    const fin = new Float64Array(paths), dd = new Float64Array(paths), om = new Float64Array(paths);
    const fanVals = steps.map(() => new Float64Array(paths));
    const order = new Int32Array(n);
    const path = new Float64Array(n);
    let ruined = 0;
    for (let p = 0; p < paths; p++) {
      if (shuffle) {
        order.set(identity);
        for (let i = n - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          const t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
      } else {
        for (let i = 0; i < n; i++) order[i] = rng.int(n);
      }
      const [f, d, o, ru] = pathFigures(r, order, ruinLevel, path);
      fin[p] = f;
      dd[p] = d;
      om[p] = o;
      if (ru) ruined++;
      for (let s = 0; s < steps.length; s++) fanVals[s][p] = path[steps[s]];
    }
    const fan = {
      step: steps.map((s) => s + 1),
      low: [] as number[],
      median: [] as number[],
      high: [] as number[],
    };
    for (const v of fanVals) {
      v.sort();
      fan.low.push(quantile(v, lo / 100));
      fan.median.push(quantile(v, 0.5));
      fan.high.push(quantile(v, hi / 100));
    }
    return {
      final_return_pct: interval(fin, lo, hi),
      max_drawdown_pct: interval(dd, lo, hi),
      omega: interval(om, lo, hi),
      prob_ruin: ruined / paths,
      fan,
    };
  };
  return {
    paths,
    seed,
    trades: n,
    ruin_pct: ruinPct,
    interval: [lo, hi],
    actual: {
      final_return_pct: act[0],
      max_drawdown_pct: act[1],
      omega: Number.isFinite(act[2]) ? act[2] : null,
    },
    bootstrap: run(false),
    reshuffle: run(true),
  };
}
