/**
 * Modelling modes, as MetaTrader 5's Strategy Tester has them: what happens inside a bar.
 *
 * - `ohlc` (default): one look at each bar's open, high and low with the documented pessimistic
 *   rule (a bar touching both a trade's SL and TP exits at the SL).
 * - `open`: orders and brackets are evaluated at bar opens only ("Open prices only"): a level
 *   triggers only when the open is at or beyond it, and fills at the open.
 * - `lower`: each bar's path is taken from the same symbol's lower-timeframe bars that cover it,
 *   each walked open → nearer extreme → farther extreme → close as MT5's generated ticks do. Each leg
 *   of that walk is monotonic, so it can touch at most one of a trade's SL and TP: the order of
 *   events is resolved, not assumed. A gap between two lower bars fills at the later open.
 * - `ticks`: every tick of a tick file, in order, at its Bid with its own spread (Ask − Bid).
 *
 * The strategy still decides on its own timeframe; only fills and brackets use the path. A path is
 * a list of segments per bar (`segStart[i]..segStart[i+1]`, each an open/high/low and a spread);
 * a bar without segments falls back to `ohlc` and is counted.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import type { BarArrays } from "../data/types.ts";
import type { Ticks } from "../data/ticks.ts";

/** A modelling mode. */
export type ModelName = "open" | "ohlc" | "lower" | "ticks";

/** The modes, for flag checks and help texts. */
export const MODEL_NAMES: readonly ModelName[] = ["open", "ohlc", "lower", "ticks"];

/** One finding about the lower data (aggregation mismatches, bars not covered). */
export interface ModelFinding {
  /** `lower_mismatch` (the lower bars do not aggregate to the bar within a point) or `not_covered`. */
  readonly code: string;
  /** Bars concerned. */
  readonly count: number;
  /** A few examples (ISO times of the bars, and what differed). */
  readonly examples: readonly string[];
}

/** The path inside every bar (see the module documentation). */
export interface IntrabarPath {
  /** The mode. */
  readonly model: ModelName;
  /** Per bar i, its segments are `segStart[i]..segStart[i + 1]` (n + 1 entries). */
  readonly segStart: Int32Array;
  /** Segment open (where the price comes from). */
  readonly segOpen: Float64Array;
  /** Segment high. */
  readonly segHigh: Float64Array;
  /** Segment low. */
  readonly segLow: Float64Array;
  /** Segment spread as a price difference, NaN = the bar's own spread. */
  readonly segSpread: Float64Array;
  /** Highest and lowest price of each bar's path (NaN where the bar has no path). */
  readonly pathHigh: Float64Array;
  /** See `pathHigh`. */
  readonly pathLow: Float64Array;
  /** Bars resolved by the path. */
  readonly resolved: number;
  /** Bars that fell back to `ohlc` (no lower data covering them, or a mismatch). */
  readonly fallback: number;
  /** What was found about the lower data. */
  readonly findings: readonly ModelFinding[];
  /** Where the path came from (file), or null. */
  readonly source: string | null;
}

/** What a result says about its model (JSON field `model`). */
export interface ModelSummary {
  /** The mode used. */
  name: ModelName;
  /** The file the path came from (lower bars or ticks), or null. */
  source: string | null;
  /** Bars resolved by the path (all bars for `open`, 0 for `ohlc`). */
  bars_resolved: number;
  /** Bars that fell back to `ohlc`. */
  bars_fallback: number;
  /** Findings about the lower data. */
  findings: ModelFinding[];
}

/** The summary of a path (or of `ohlc` over `n` bars). */
export function modelSummary(path: IntrabarPath | null, n: number): ModelSummary {
  if (!path) return { name: "ohlc", source: null, bars_resolved: 0, bars_fallback: n, findings: [] };
  return {
    name: path.model,
    source: path.source,
    bars_resolved: path.resolved,
    bars_fallback: path.fallback,
    findings: [...path.findings],
  };
}

/** Growable float column. */
class Col {
  a = new Float64Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): Float64Array {
    return this.a.slice(0, this.n);
  }
}

class Builder {
  readonly start: Int32Array;
  readonly o = new Col();
  readonly h = new Col();
  readonly l = new Col();
  readonly sp = new Col();
  readonly ph: Float64Array;
  readonly pl: Float64Array;
  constructor(readonly n: number) {
    this.start = new Int32Array(n + 1);
    this.ph = new Float64Array(n).fill(NaN);
    this.pl = new Float64Array(n).fill(NaN);
  }
  /** A leg from `a` to `b` (continuous: a level between them fills at the level). */
  leg(i: number, a: number, b: number, spread: number): void {
    this.o.push(a);
    this.h.push(a > b ? a : b);
    this.l.push(a < b ? a : b);
    this.sp.push(spread);
    const hi = a > b ? a : b, lo = a < b ? a : b;
    if (!(this.ph[i] >= hi)) this.ph[i] = hi;
    if (!(this.pl[i] <= lo)) this.pl[i] = lo;
  }
  close(i: number): void {
    this.start[i + 1] = this.o.n;
  }
  build(
    model: ModelName,
    resolved: number,
    fallback: number,
    findings: ModelFinding[],
    source: string | null,
  ): IntrabarPath {
    return {
      model,
      segStart: this.start,
      segOpen: this.o.done(),
      segHigh: this.h.done(),
      segLow: this.l.done(),
      segSpread: this.sp.done(),
      pathHigh: this.ph,
      pathLow: this.pl,
      resolved,
      fallback,
      findings,
      source,
    };
  }
}

/** `open`: one point per bar, its open. */
export function openPricesPath(bars: BarArrays): IntrabarPath {
  const b = new Builder(bars.length);
  for (let i = 0; i < bars.length; i++) {
    b.leg(i, bars.open[i], bars.open[i], NaN);
    b.close(i);
  }
  return b.build("open", bars.length, 0, [], null);
}

/** The walk of one bar: open → nearer extreme → farther extreme → close (MT5's generated ticks). */
function walk(b: Builder, i: number, o: number, h: number, l: number, c: number, spread: number): void {
  const highFirst = h - o < o - l || (h - o === o - l && c < o);
  const x1 = highFirst ? h : l, x2 = highFirst ? l : h;
  b.leg(i, o, x1, spread);
  b.leg(i, x1, x2, spread);
  b.leg(i, x2, c, spread);
}

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

/**
 * `lower`: the path of each bar of `bars` (timeframe `barMs`) from the `lower` bars inside it.
 * A bar is resolved when lower bars start at its open time and aggregate to it within `tolerance`
 * (the symbol's point): first open = open, max high = high, min low = low, last close = close.
 * `pointValue`: the symbol's point (spreads of the lower bars are in points).
 */
export function lowerBarsPath(
  bars: BarArrays,
  lower: BarArrays,
  barMs: number,
  opts: { point: number; tolerance?: number; source?: string | null },
): IntrabarPath {
  const n = bars.length;
  const tol = opts.tolerance ?? opts.point * 1.0000001;
  const b = new Builder(n);
  let j = 0, resolved = 0;
  const mismatch: string[] = [], missing: string[] = [];
  let nMismatch = 0, nMissing = 0;
  for (let i = 0; i < n; i++) {
    const t0 = bars.time[i];
    const t1 = Math.min(t0 + barMs, i + 1 < n ? bars.time[i + 1] : Infinity);
    while (j < lower.length && lower.time[j] < t0) j++;
    let k = j;
    while (k < lower.length && lower.time[k] < t1) k++;
    if (k === j || lower.time[j] !== t0) {
      nMissing++;
      if (missing.length < 5) missing.push(iso(t0));
      b.close(i);
      continue;
    }
    let hi = -Infinity, lo = Infinity;
    for (let m = j; m < k; m++) {
      if (lower.high[m] > hi) hi = lower.high[m];
      if (lower.low[m] < lo) lo = lower.low[m];
    }
    const o = lower.open[j], c = lower.close[k - 1];
    const bad = Math.abs(o - bars.open[i]) > tol
      ? "open"
      : Math.abs(hi - bars.high[i]) > tol
      ? "high"
      : Math.abs(lo - bars.low[i]) > tol
      ? "low"
      : Math.abs(c - bars.close[i]) > tol
      ? "close"
      : null;
    if (bad) {
      nMismatch++;
      if (mismatch.length < 5) {
        const got = bad === "open" ? o : bad === "high" ? hi : bad === "low" ? lo : c;
        const want = bad === "open"
          ? bars.open[i]
          : bad === "high"
          ? bars.high[i]
          : bad === "low"
          ? bars.low[i]
          : bars.close[i];
        mismatch.push(`${iso(t0)}: ${bad} ${want} vs ${got} from the lower bars`);
      }
      b.close(i);
      continue;
    }
    for (let m = j; m < k; m++) {
      const sp = lower.spread ? lower.spread[m] * opts.point : NaN;
      // The path starts exactly at the bar's open (they agree within a point), so market orders
      // fill where they fill in ohlc.
      walk(b, i, m === j ? bars.open[i] : lower.open[m], lower.high[m], lower.low[m], lower.close[m], sp);
    }
    b.close(i);
    resolved++;
    j = k;
  }
  const findings: ModelFinding[] = [];
  if (nMismatch) findings.push({ code: "lower_mismatch", count: nMismatch, examples: mismatch });
  if (nMissing) findings.push({ code: "not_covered", count: nMissing, examples: missing });
  return b.build("lower", resolved, n - resolved, findings, opts.source ?? null);
}

/**
 * `ticks`: every tick inside each bar, in order, at its Bid (bars are Bid prices) with its own
 * spread. Consecutive ticks are separate quotes (a level between two ticks fills at the later one).
 * Bars with no tick fall back to `ohlc`.
 */
export function ticksPath(
  bars: BarArrays,
  ticks: Ticks,
  barMs: number,
  source: string | null = null,
): IntrabarPath {
  const n = bars.length;
  const b = new Builder(n);
  let j = 0, resolved = 0, nMissing = 0;
  const missing: string[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = bars.time[i];
    const t1 = Math.min(t0 + barMs, i + 1 < n ? bars.time[i + 1] : Infinity);
    while (j < ticks.length && ticks.time[j] < t0) j++;
    let k = j;
    while (k < ticks.length && ticks.time[k] < t1) {
      const bid = ticks.bid[k];
      if (bid === bid) b.leg(i, bid, bid, ticks.ask[k] - bid);
      k++;
    }
    b.close(i);
    if (b.start[i + 1] > b.start[i]) resolved++;
    else {
      nMissing++;
      if (missing.length < 5) missing.push(iso(t0));
    }
    j = k;
  }
  const findings: ModelFinding[] = nMissing
    ? [{ code: "not_covered", count: nMissing, examples: missing }]
    : [];
  return b.build("ticks", resolved, n - resolved, findings, source);
}

/** Aggregate bars to a coarser timeframe (`barMs`), bars starting at multiples of it (UTC). */
export function aggregateBars(bars: BarArrays, barMs: number): BarArrays {
  const t: number[] = [], o: number[] = [], h: number[] = [], l: number[] = [], c: number[] = [];
  const tv: number[] = [], v: number[] = [], sp: number[] = [];
  for (let i = 0; i < bars.length; i++) {
    const start = Math.floor(bars.time[i] / barMs) * barMs;
    const last = t.length - 1;
    if (last >= 0 && t[last] === start) {
      if (bars.high[i] > h[last]) h[last] = bars.high[i];
      if (bars.low[i] < l[last]) l[last] = bars.low[i];
      c[last] = bars.close[i];
      tv[last] += bars.tickVolume[i];
      v[last] += bars.volume[i];
    } else {
      t.push(start);
      o.push(bars.open[i]);
      h.push(bars.high[i]);
      l.push(bars.low[i]);
      c.push(bars.close[i]);
      tv.push(bars.tickVolume[i]);
      v.push(bars.volume[i]);
      sp.push(bars.spread ? bars.spread[i] : NaN);
    }
  }
  const f = (a: number[]) => Float64Array.from(a);
  return {
    length: t.length,
    time: f(t),
    open: f(o),
    high: f(h),
    low: f(l),
    close: f(c),
    tickVolume: f(tv),
    volume: f(v),
    spread: bars.spread ? f(sp) : null,
  };
}

/** Check a `--model` flag value. */
export function parseModel(v: unknown): ModelName {
  if (v === undefined || v === null) return "ohlc";
  if (typeof v === "string" && (MODEL_NAMES as readonly string[]).includes(v)) return v as ModelName;
  throw new KinetraError(
    "bad_argument",
    `--model must be one of ${MODEL_NAMES.join(", ")}, got "${String(v)}"`,
  );
}

/**
 * The path of bars [from, to) of the bars `path` was built for, for a run on exactly those bars
 * (`sliceBars(bars, from, to)`): segment arrays are views (no copy), the per-bar starts are
 * rebased. `resolved`/`fallback` count the bars of the slice; the findings stay those of the
 * whole path (they describe the lower data, not the slice).
 */
export function slicePath(path: IntrabarPath, from: number, to: number): IntrabarPath {
  const n = path.segStart.length - 1;
  if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= n)) {
    throw new RangeError(`slicePath: bars [${from}, ${to}) are not inside the path's ${n} bars`);
  }
  if (from === 0 && to === n) return path;
  const s0 = path.segStart[from], s1 = path.segStart[to];
  const segStart = new Int32Array(to - from + 1);
  let resolved = 0;
  for (let i = from; i <= to; i++) {
    segStart[i - from] = path.segStart[i] - s0;
    if (i < to && path.segStart[i + 1] > path.segStart[i]) resolved++;
  }
  return {
    model: path.model,
    segStart,
    segOpen: path.segOpen.subarray(s0, s1),
    segHigh: path.segHigh.subarray(s0, s1),
    segLow: path.segLow.subarray(s0, s1),
    segSpread: path.segSpread.subarray(s0, s1),
    pathHigh: path.pathHigh.subarray(from, to),
    pathLow: path.pathLow.subarray(from, to),
    resolved,
    fallback: to - from - resolved,
    findings: path.findings,
    source: path.source,
  };
}
