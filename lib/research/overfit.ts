/**
 * Overfitting statistics of a sweep: the probabilistic and deflated Sharpe ratios (Bailey & López de
 * Prado, 2014) and the probability of backtest overfitting by combinatorially symmetric
 * cross-validation (Bailey, Borwein, López de Prado & Zhu, 2015). Formulas: docs/RESEARCH.md.
 *
 * Sharpe ratios here are per observation (per bar), not annualised.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import { makeRng } from "./rng.ts";

/** Euler–Mascheroni constant γ. */
export const EULER_GAMMA = 0.5772156649015329;

/** Complementary error function (Numerical Recipes' `erfcc` Chebyshev fit: relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(
    -z * z - 1.26551223 +
      t * (1.00002368 +
          t * (0.37409196 +
              t * (0.09678418 +
                  t * (-0.18628806 +
                      t *
                        (0.27886807 +
                          t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
  );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal cumulative distribution Φ(x). */
export function normCdf(x: number): number {
  if (x !== x) return NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Inverse standard normal Φ⁻¹(p) (Wichura's AS241, about 16 significant digits). */
export function normPpf(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return q *
      (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r +
                        45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r +
            133.14166789178437745) * r + 3.387132872796366608) /
      (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r +
                        21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r +
            42.313330701600911252) * r + 1);
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let val: number;
  if (r <= 5) {
    r -= 1.6;
    val = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
                      1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r +
          4.6303378461565452959) * r + 1.42343711074968357734) /
      (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r +
                        0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) *
              r +
            2.05319162663775882187) * r + 1);
  } else {
    r -= 5;
    val =
      (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
                        0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) *
              r +
            5.4637849111641143699) * r + 6.6579046435011037772) /
      (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
                        7.868691311456132591e-4) * r + 0.0148753612908506148525) * r +
                0.13692988092273580531) * r +
            0.59983220655588793769) * r + 1);
  }
  return q < 0 ? -val : val;
}

/** Sums of powers of a return series: [n, Σx, Σx², Σx³, Σx⁴]. */
export type Moments = [number, number, number, number, number];

/** Moment sums of `x` (NaN values skipped). */
export function momentSums(x: ArrayLike<number>, from = 0, to = x.length): Moments {
  let n = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  for (let i = from; i < to; i++) {
    const v = x[i];
    if (v !== v) continue;
    const v2 = v * v;
    n++;
    s1 += v;
    s2 += v2;
    s3 += v2 * v;
    s4 += v2 * v2;
  }
  return [n, s1, s2, s3, s4];
}

/** Mean, standard deviation (ddof 1), skewness and (non-excess) kurtosis from moment sums. */
export function describeMoments(
  m: readonly number[],
): { n: number; mean: number; std: number; skew: number; kurtosis: number } {
  const [n, s1, s2, s3, s4] = m;
  const mean = s1 / n;
  // Central moments (population) from raw sums.
  const m2 = s2 / n - mean * mean;
  const m3 = s3 / n - 3 * mean * (s2 / n) + 2 * mean ** 3;
  const m4 = s4 / n - 4 * mean * (s3 / n) + 6 * mean * mean * (s2 / n) - 3 * mean ** 4;
  const variance = n > 1 ? Math.max(0, m2) * n / (n - 1) : NaN;
  return {
    n,
    mean,
    std: Math.sqrt(variance),
    skew: m2 > 0 ? m3 / m2 ** 1.5 : NaN,
    kurtosis: m2 > 0 ? m4 / (m2 * m2) : NaN,
  };
}

/** Sharpe ratio per observation (mean / std, ddof 1) from [n, Σx, Σx²]; 0 when the series is flat. */
export function sharpeFromSums(n: number, s1: number, s2: number): number {
  if (!(n > 1)) return NaN;
  const mean = s1 / n;
  const v = (s2 - n * mean * mean) / (n - 1);
  if (!(v > 0)) return 0;
  return mean / Math.sqrt(v);
}

/**
 * Probabilistic Sharpe ratio: the probability that the true Sharpe ratio exceeds `benchmark`, given
 * the estimate `sharpe` from `observations` returns with `skew` and non-excess `kurtosis`:
 * Φ((SR − SR*)·√(T−1) / √(1 − γ₃·SR + (γ₄−1)/4·SR²)).
 */
export function probabilisticSharpe(
  sharpe: number,
  benchmark: number,
  observations: number,
  skew: number,
  kurtosis: number,
): number {
  const den = 1 - skew * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
  if (!(observations > 1) || !(den > 0)) return NaN;
  return normCdf(((sharpe - benchmark) * Math.sqrt(observations - 1)) / Math.sqrt(den));
}

/**
 * Expected maximum Sharpe ratio of `trials` independent trials whose Sharpe ratios have variance
 * `variance` and mean 0: √V·((1−γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))). 0 for fewer than 2 trials.
 */
export function expectedMaxSharpe(trials: number, variance: number): number {
  if (!(trials >= 2) || !(variance >= 0)) return 0;
  return Math.sqrt(variance) *
    ((1 - EULER_GAMMA) * normPpf(1 - 1 / trials) + EULER_GAMMA * normPpf(1 - 1 / (trials * Math.E)));
}

/** The `deflated_sharpe` block of the optimise/walk-forward JSON (per-bar figures). */
export interface DeflatedSharpe {
  /** Sharpe ratio of the selected result, per observation. */
  sharpe: number | null;
  /** Number of trials actually run (with a defined Sharpe ratio). */
  trials: number;
  /** Variance of the trials' Sharpe ratios. */
  sharpe_variance: number | null;
  /** Skewness of the selected result's returns. */
  skew: number | null;
  /** Kurtosis (non-excess: 3 for a normal) of the selected result's returns. */
  kurtosis: number | null;
  /** Number of return observations of the selected result. */
  observations: number;
  /** Expected maximum Sharpe ratio under the null (the DSR's benchmark SR₀). */
  expected_max_sharpe: number | null;
  /** Deflated Sharpe ratio: PSR against SR₀. */
  dsr: number | null;
  /** Probabilistic Sharpe ratio against 0. */
  psr: number | null;
}

const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Deflated Sharpe ratio of the selected result among `trialSharpes` (all per observation). */
export function deflatedSharpe(opts: {
  sharpe: number;
  trialSharpes: ArrayLike<number>;
  observations: number;
  skew: number;
  kurtosis: number;
}): DeflatedSharpe {
  const srs = Array.from(opts.trialSharpes).filter((x) => Number.isFinite(x));
  const n = srs.length;
  const mean = n ? srs.reduce((a, b) => a + b, 0) / n : NaN;
  const variance = n > 1 ? srs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : n === 1 ? 0 : NaN;
  const sr0 = expectedMaxSharpe(n, variance);
  return {
    sharpe: fin(opts.sharpe),
    trials: n,
    sharpe_variance: fin(variance),
    skew: fin(opts.skew),
    kurtosis: fin(opts.kurtosis),
    observations: opts.observations,
    expected_max_sharpe: fin(sr0),
    dsr: fin(probabilisticSharpe(opts.sharpe, sr0, opts.observations, opts.skew, opts.kurtosis)),
    psr: fin(probabilisticSharpe(opts.sharpe, 0, opts.observations, opts.skew, opts.kurtosis)),
  };
}

/**
 * Overfitting figures of choosing among a few trials run on the same bars (e.g. the strategies of
 * a batch on one file): each trial's per-bar Sharpe ratio, PSR (vs 0), DSR with trials = the
 * number given, and the PBO by CSCV over them (the same for all; null under 2 trials).
 */
export function fileOverfit(
  sums: readonly { moments: number[]; parts: number[] }[],
  partitions = 16,
): {
  sharpe_per_bar: number | null;
  psr: number | null;
  dsr: number | null;
  trials: number;
  pbo: number | null;
}[] {
  const srs = sums.map((s) => sharpeFromSums(s.moments[0], s.moments[1], s.moments[2]));
  const pbo = sums.length >= 2 ? pboCscv(sums.map((s) => s.parts), partitions).pbo : null;
  return sums.map((s, k) => {
    const m = describeMoments(s.moments);
    const d = deflatedSharpe({
      sharpe: srs[k],
      trialSharpes: srs,
      observations: m.n,
      skew: m.skew,
      kurtosis: m.kurtosis,
    });
    return { sharpe_per_bar: d.sharpe, psr: d.psr, dsr: d.dsr, trials: d.trials, pbo };
  });
}

/** The `pbo` block of the optimise/walk-forward JSON. */
export interface PboResult {
  /** Probability of backtest overfitting: share of splits whose in-sample best ranks at or below the median out of sample. */
  pbo: number | null;
  /** Number of partitions S of the bars. */
  partitions: number;
  /** Number of trials (columns) compared. */
  trials: number;
  /** Number of in-sample/out-of-sample splits evaluated (C(S, S/2), or a seeded sample of them). */
  splits: number;
  /** The logit λ = ln(ω/(1−ω)) of the in-sample best's relative out-of-sample rank ω, per split. */
  logits: number[];
  /** Why pbo is null, when it is. */
  note?: string;
}

function combinations(n: number, k: number): number[][] {
  const out: number[][] = [];
  const c = Array.from({ length: k }, (_, i) => i);
  while (true) {
    out.push(c.slice());
    let i = k - 1;
    while (i >= 0 && c[i] === n - k + i) i--;
    if (i < 0) return out;
    c[i]++;
    for (let j = i + 1; j < k; j++) c[j] = c[j - 1] + 1;
  }
}

/**
 * Split bar indices [0, n) into `partitions` contiguous blocks of (nearly) equal size; returns the
 * block boundaries (length partitions + 1).
 */
export function partitionBounds(n: number, partitions: number): number[] {
  const b: number[] = [];
  for (let s = 0; s <= partitions; s++) b.push(Math.round((s * n) / partitions));
  return b;
}

/**
 * One pass over an equity curve: the moment sums of its per-bar returns eq[i]/eq[i−1] − 1 (bars
 * after a zero equity skipped) and their per-partition [n, Σr, Σr²] (`partitions` contiguous
 * blocks of the n − 1 returns, as `partitionSums` on the return series).
 */
export function equityReturnSums(
  equity: ArrayLike<number>,
  partitions: number,
): { moments: number[]; parts: number[] } {
  const nr = Math.max(0, equity.length - 1);
  const bounds = partitionBounds(nr, partitions);
  const parts = new Array<number>(3 * partitions).fill(0);
  let s3 = 0, s4 = 0, N = 0, S1 = 0, S2 = 0;
  for (let s = 0; s < partitions; s++) {
    let n = 0, s1 = 0, s2 = 0;
    const to = bounds[s + 1];
    let prev = equity[bounds[s]];
    for (let i = bounds[s]; i < to; i++) {
      const e = equity[i + 1];
      if (prev > 0) {
        const r = e / prev - 1;
        const r2 = r * r;
        n++;
        s1 += r;
        s2 += r2;
        s3 += r2 * r;
        s4 += r2 * r2;
      }
      prev = e;
    }
    parts[3 * s] = n;
    parts[3 * s + 1] = s1;
    parts[3 * s + 2] = s2;
    N += n;
    S1 += s1;
    S2 += s2;
  }
  return { moments: [N, S1, S2, s3, s4], parts };
}

/** Per-partition [n, Σx, Σx²] of a return series (length 3·partitions). */
export function partitionSums(returns: ArrayLike<number>, partitions: number): Float64Array {
  const bounds = partitionBounds(returns.length, partitions);
  const out = new Float64Array(3 * partitions);
  for (let s = 0; s < partitions; s++) {
    const m = momentSums(returns, bounds[s], bounds[s + 1]);
    out[3 * s] = m[0];
    out[3 * s + 1] = m[1];
    out[3 * s + 2] = m[2];
  }
  return out;
}

/**
 * Probability of backtest overfitting by CSCV. `sums[t]` holds trial t's per-partition
 * [n, Σr, Σr²] (from `partitionSums`, all trials on the same bars); the performance of a set of
 * partitions is the Sharpe ratio of the union of their returns (exact from the sums). Every split of
 * the S partitions into two halves is evaluated (C(16, 8) = 12,870); when trials × splits exceeds
 * `maxWork`, a seeded sample of splits is used instead (its size is reported in `splits`).
 */
export function pboCscv(
  sums: readonly ArrayLike<number>[],
  partitions = 16,
  opts: { maxWork?: number; seed?: number } = {},
): PboResult {
  if (!(partitions >= 2) || partitions % 2 !== 0) {
    throw new KinetraError("bad_argument", `PBO needs an even number of partitions >= 2, got ${partitions}`);
  }
  const N = sums.length;
  if (N < 2) {
    return { pbo: null, partitions, trials: N, splits: 0, logits: [], note: "needs at least 2 trials" };
  }
  let splits = combinations(partitions, partitions / 2);
  // Each split and its complement are both evaluated (CSCV is symmetric by construction).
  const maxWork = opts.maxWork ?? 4e7;
  if (splits.length * N * partitions > maxWork) {
    const keep = Math.max(100, Math.floor(maxWork / (N * partitions)));
    if (keep < splits.length) {
      const rng = makeRng(opts.seed ?? 0);
      for (let i = splits.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [splits[i], splits[j]] = [splits[j], splits[i]];
      }
      splits = splits.slice(0, keep);
    }
  }
  const is = new Float64Array(N), oos = new Float64Array(N);
  const logits: number[] = [];
  let below = 0;
  const inSet = new Uint8Array(partitions);
  for (const split of splits) {
    inSet.fill(0);
    for (const s of split) inSet[s] = 1;
    for (let t = 0; t < N; t++) {
      const x = sums[t];
      let n1 = 0, a1 = 0, q1 = 0, n2 = 0, a2 = 0, q2 = 0;
      for (let s = 0; s < partitions; s++) {
        if (inSet[s]) {
          n1 += x[3 * s];
          a1 += x[3 * s + 1];
          q1 += x[3 * s + 2];
        } else {
          n2 += x[3 * s];
          a2 += x[3 * s + 1];
          q2 += x[3 * s + 2];
        }
      }
      is[t] = sharpeFromSums(n1, a1, q1);
      oos[t] = sharpeFromSums(n2, a2, q2);
    }
    let best = 0;
    for (let t = 1; t < N; t++) if (is[t] > is[best] || !(is[best] === is[best])) best = t;
    // Relative rank of the in-sample best out of sample: ties share the mean rank.
    const v = oos[best];
    let less = 0, equal = 0;
    for (let t = 0; t < N; t++) {
      if (oos[t] < v) less++;
      else if (oos[t] === v) equal++;
    }
    const rank = less + (equal + 1) / 2; // 1 … N
    const w = rank / (N + 1);
    const lambda = Math.log(w / (1 - w));
    logits.push(lambda);
    if (lambda <= 0) below++;
  }
  return { pbo: below / logits.length, partitions, trials: N, splits: logits.length, logits };
}
