/**
 * The canonical Bars contract shared by every room of Kinetra.
 *
 * A Bars frame is a polars DataFrame with columns `time` Datetime(ms) (the bar's open time in the
 * export's clock), `open high low close` Float64, `tick_volume` and `volume` (Float64), and
 * `spread` (points, Int64/Float64, may be absent). Rows are sorted by time with unique times.
 * Hot loops read the same data as typed arrays (`BarArrays`).
 *
 * @module
 */
import type pl from "nodejs-polars";

/** Where a Bars frame came from and what was detected about it. */
export interface BarsMeta {
  /** Instrument, e.g. `EURUSD+` (as in the file name; `+`, `-` allowed). */
  symbol: string;
  /** Timeframe declared by the file name (M1, M5, M15, M30, H1, H4, D1, W1, MN1) or null. */
  timeframe: string | null;
  /** Timeframe detected from the bar spacing, or null when it cannot be told. */
  timeframeDetected: string | null;
  /** Source file path. */
  source: string;
  /** Format detected: `mt5_bars`, `mt5_ticks`, `mt4_history`, `generic_ohlcv`. */
  format: string;
}

/** A Bars frame with its metadata. */
export interface Bars {
  frame: pl.DataFrame;
  meta: BarsMeta;
}

/** The Bars columns as typed arrays for allocation-free loops. `time` is epoch milliseconds. */
export interface BarArrays {
  readonly length: number;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly tickVolume: Float64Array;
  readonly volume: Float64Array;
  /** Spread in points per bar, or null when the source had none. */
  readonly spread: Float64Array | null;
}

/** Timeframe names and their length in minutes (MN1 is nominal: 30 days). */
export const TIMEFRAME_MINUTES: Readonly<Record<string, number>> = {
  M1: 1,
  M5: 5,
  M15: 15,
  M30: 30,
  H1: 60,
  H4: 240,
  D1: 1440,
  W1: 10080,
  MN1: 43200,
};
