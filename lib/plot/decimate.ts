/**
 * Keep big series light in HTML and in the browser: min/max decimation for lines (every spike
 * survives) and OHLC aggregation for candlesticks (coarser candles, same extremes).
 *
 * @module
 */

/**
 * Indices to draw a line of `values` with at most about `maxPoints` points. Each bucket keeps its
 * minimum and maximum (in time order), and the first and last points are always kept, so drawdown
 * troughs and equity peaks are never lost. Returns every index when the series is short enough.
 */
export function minMaxIndices(values: ArrayLike<number>, maxPoints: number): Uint32Array {
  const n = values.length;
  if (n <= maxPoints || maxPoints < 4) return Uint32Array.from({ length: n }, (_, i) => i);
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const out: number[] = [0];
  const size = (n - 2) / buckets;
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor(b * size);
    const end = Math.min(n - 1, 1 + Math.floor((b + 1) * size));
    let lo = -1, hi = -1;
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      if (lo < 0 || v < values[lo]) lo = i;
      if (hi < 0 || v > values[hi]) hi = i;
    }
    if (lo < 0) continue;
    if (lo === hi) out.push(lo);
    else if (lo < hi) out.push(lo, hi);
    else out.push(hi, lo);
  }
  if (n > 1) out.push(n - 1);
  return Uint32Array.from(out);
}

/** Candles after aggregation: `start[k]`..`end[k]` are the source bar indices of candle `k`. */
export interface AggregatedOhlc {
  /** Times, epoch ms. */
  time: number[];
  /** Open prices. */
  open: number[];
  /** High prices. */
  high: number[];
  /** Low prices. */
  low: number[];
  /** Close prices. */
  close: number[];
  /** First source bar index of each candle. */
  start: number[];
  /** Last source bar index of each candle (inclusive). */
  end: number[];
  /** Source bars per candle (1 when nothing was aggregated). */
  factor: number;
}

/**
 * Aggregate OHLC bars into at most `maxCandles` candles of `factor` consecutive bars each (open of
 * the first, highest high, lowest low, close of the last, time of the first). Non-finite values
 * are skipped inside a bucket.
 */
export function aggregateOhlc(
  time: ArrayLike<number>,
  open: ArrayLike<number>,
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  maxCandles: number,
): AggregatedOhlc {
  const n = time.length;
  const factor = Math.max(1, Math.ceil(n / Math.max(1, maxCandles)));
  const out: AggregatedOhlc = {
    time: [],
    open: [],
    high: [],
    low: [],
    close: [],
    start: [],
    end: [],
    factor,
  };
  for (let s = 0; s < n; s += factor) {
    const e = Math.min(n, s + factor) - 1;
    let h = -Infinity, l = Infinity;
    for (let i = s; i <= e; i++) {
      if (high[i] > h) h = high[i];
      if (low[i] < l) l = low[i];
    }
    out.time.push(time[s]);
    out.open.push(open[s]);
    out.high.push(Number.isFinite(h) ? h : NaN);
    out.low.push(Number.isFinite(l) ? l : NaN);
    out.close.push(close[e]);
    out.start.push(s);
    out.end.push(e);
  }
  return out;
}
