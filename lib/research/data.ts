/**
 * Data of a sweep: a file, optionally bounded in time (`--start`/`--end`, inclusive bar times), read
 * once with the features its strategy needs, and cut into bar ranges without copying.
 *
 * @module
 */
import type { BarArrays, BarsMeta } from "../data/types.ts";
import { readBarsChecked, toArrays } from "../data/mod.ts";
import { KinetraError } from "../errors.ts";
import { withDeclaredFeatures } from "../backtest/run.ts";
import type { FeatureArrays } from "../strategies/contract.ts";

/** Where a sweep's bars come from (serialisable: a job carries it). */
export interface DataRef {
  /** Bar file (any format `readBars` reads). */
  file: string;
  /** First bar time kept (ISO 8601, inclusive); null/absent = from the first bar. */
  start?: string | null;
  /** Last bar time kept (ISO 8601, inclusive; a date alone means the whole day); null/absent = to the end. */
  end?: string | null;
  /** Use a file whose validation has CRITICAL findings (lib/data's gate; default: refused). */
  allowCritical?: boolean;
  /** Settles `NN/NN/YYYY` dates no row settles (`dmy` or `mdy`; the tasks' `--date-order`). */
  dateOrder?: "dmy" | "mdy";
}

/** Bars, their origin and the feature columns, computed once. */
export interface Dataset {
  /** The bars (time-bounded). */
  bars: BarArrays;
  /** Where the bars come from. */
  meta: BarsMeta;
  /** Feature columns computed once on the bars. */
  features: FeatureArrays;
}

/**
 * Parse an ISO 8601 bound in the export's clock (a time without zone is read as-is, i.e. as UTC like
 * the bar times). `end` bounds given as a date alone cover that whole day.
 */
export function parseTimeBound(text: string, which: "start" | "end"): number {
  const s = text.trim();
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(s);
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(s);
  const iso = dateOnly ? `${s}T00:00:00Z` : withZone ? s : `${s.replace(" ", "T")}Z`;
  const t = /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(iso) : NaN;
  if (!Number.isFinite(t)) {
    throw new KinetraError(
      "bad_argument",
      `--${which} needs an ISO 8601 date or time (e.g. 2024-01-31 or 2024-01-31T12:00), got "${text}"`,
    );
  }
  return dateOnly && which === "end" ? t + 86_400_000 - 1 : t;
}

/** Bars [from, to) as views of the same arrays (no copy). */
export function sliceBars(bars: BarArrays, from: number, to: number): BarArrays {
  return {
    length: to - from,
    time: bars.time.subarray(from, to),
    open: bars.open.subarray(from, to),
    high: bars.high.subarray(from, to),
    low: bars.low.subarray(from, to),
    close: bars.close.subarray(from, to),
    tickVolume: bars.tickVolume.subarray(from, to),
    volume: bars.volume.subarray(from, to),
    spread: bars.spread ? bars.spread.subarray(from, to) : null,
  };
}

/** Feature columns [from, to) as views. */
export function sliceFeatures(f: FeatureArrays, from: number, to: number): FeatureArrays {
  const out: FeatureArrays = {};
  for (const [k, v] of Object.entries(f)) out[k] = v.subarray(from, to);
  return out;
}

/** First index with time >= t (binary search; `length` when none). */
export function lowerBound(time: Float64Array, t: number): number {
  let lo = 0, hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with time > t (`length` when none). */
export function upperBound(time: Float64Array, t: number): number {
  let lo = 0, hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The bar index range [from, to) of bars with start <= time <= end. Throws `bad_argument` when
 * start is after end or when fewer than 2 bars remain.
 */
export function timeRange(bars: BarArrays, start?: string | null, end?: string | null): [number, number] {
  const s = start ? parseTimeBound(start, "start") : -Infinity;
  const e = end ? parseTimeBound(end, "end") : Infinity;
  if (s > e) throw new KinetraError("bad_argument", `--start ${start} is after --end ${end}`);
  const from = lowerBound(bars.time, s);
  const to = e === Infinity ? bars.length : upperBound(bars.time, e);
  if (to - from < 2) {
    const first = bars.length ? new Date(bars.time[0]).toISOString() : "-";
    const last = bars.length ? new Date(bars.time[bars.length - 1]).toISOString() : "-";
    throw new KinetraError(
      "bad_argument",
      `--start/--end keep ${
        Math.max(0, to - from)
      } bars (the data runs from ${first} to ${last}); at least 2 are needed`,
    );
  }
  return [from, to];
}

/**
 * The features computed for a strategy: the names it declares, by the one policy of `runBacktest`
 * (lib/backtest/run.ts `withDeclaredFeatures`); the energy column of `energy_at_entry` is the
 * engine's own policy (lib/backtest/energy.ts), so it is not added here.
 */
export function computeStrategyFeatures(bars: BarArrays, names: readonly string[]): FeatureArrays {
  return withDeclaredFeatures(bars, { features: names }, {});
}

/** Read `ref`, keep its time range and compute `featureNames` on the kept bars (as `deno task backtest --start/--end`). */
export async function loadDataset(ref: DataRef, featureNames: readonly string[]): Promise<Dataset> {
  // lib/data's gate: a file with CRITICAL findings is refused unless allowed.
  const { bars: b } = await readBarsChecked(ref.file, {
    allowCritical: ref.allowCritical,
    dateOrder: ref.dateOrder,
  });
  let bars = toArrays(b);
  if (ref.start || ref.end) {
    const [from, to] = timeRange(bars, ref.start, ref.end);
    bars = sliceBars(bars, from, to);
  }
  const features = computeStrategyFeatures(bars, featureNames);
  return { bars, meta: b.meta, features };
}
