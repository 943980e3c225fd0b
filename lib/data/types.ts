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
  /** Format detected: `mt5_bars`, `mt5_ticks`, `mt4_history`, `generic_ohlcv` (or `parquet` for a prepared split). */
  format: string;
  /**
   * For a prepared split (`format` `parquet`): the format of the export it was prepared from (e.g.
   * `mt5_bars`), so defaults that follow the source (the backtest profile) stay the same. Else absent.
   */
  sourceFormat?: string | null;
  /** How the file was read (sniffing and repairs); present for frames made by `readBars`. */
  report?: ReadReport;
}

/**
 * What the reader sniffed and did (snake_case: it is printed as JSON by the data tasks; every
 * field is documented in docs/DATA.md).
 */
export interface ReadReport {
  /** `mt5_bars`, `mt5_ticks`, `mt4_history` or `generic_ohlcv`. */
  format: string;
  /** `utf-8`, `utf-8-bom`, `utf-16le-bom`, `utf-16be-bom` or `utf-16le` (no BOM). */
  encoding: string;
  /** `crlf`, `lf`, `cr` or `none` (single line). */
  line_ending: string;
  /** The cell delimiter as a name: `tab`, `comma`, `semicolon`, `pipe` or `space`. */
  delimiter: string;
  /** True when the first line is a header. */
  has_header: boolean;
  /** Header cells as written (null when there is no header). */
  header: string[] | null;
  /** Date layout, e.g. `YYYY.MM.DD`, `YYYY-MM-DD`, `DD/MM/YYYY`, `epoch_s`, `epoch_ms`. */
  date_layout: string;
  /** Time layout: `separate_column`, `in_date_column` or `none` (dates only). */
  time_layout: string;
  /** Decimal separator: `.` or `,` (decimal commas are repaired when the delimiter is not a comma). */
  decimal: string;
  /** Canonical column → source column name (or position `#3` when there is no header). */
  columns: Record<string, string>;
  /** Source columns that are not part of the Bars frame (e.g. `Adj Close`, `OpenInterest`). */
  ignored_columns: string[];
  /** Data rows read from the file (before sorting and de-duplication). */
  rows_read: number;
  /** True when the rows were not in ascending time order and were sorted on read. */
  sorted_on_read: boolean;
  /** True when the file was entirely newest-first. */
  newest_first: boolean;
  /** Rows dropped because their time repeated an earlier row (the last one is kept). */
  duplicates_dropped: number;
  /** Repairs applied while reading, as human sentences (empty when none). */
  repairs: string[];
  /** Thousands separator (`,` or `.`), or null when numbers have none. */
  thousands?: string | null;
  /** 1-based line of the header (null without a header); lines before it were a preamble. */
  header_line?: number | null;
  /**
   * Every decision taken to read a file that is not a plain MT5 export: preamble, header
   * delimiter, localised column names, decimal mark and thousands, date order (and the row that
   * decided it), two-digit years, time zone, skipped rows. Also the `read_decisions` finding.
   */
  decisions?: string[];
}

/** A Bars frame with its metadata. */
export interface Bars {
  /**
   * The canonical polars frame (built on first access by `readBars`). Its type is nodejs-polars'
   * `DataFrame`, documented by that package; the tag below only stops `deno doc --lint` from asking
   * Kinetra to re-export and re-document polars.
   *
   * @internal
   */
  frame: pl.DataFrame;
  /** Where the bars came from and what was detected. */
  meta: BarsMeta;
  /** The same data as typed arrays, when the reader already has them (`toArrays` uses them). */
  arrays?: BarArrays;
}

/** The Bars columns as typed arrays for allocation-free loops. `time` is epoch milliseconds. */
export interface BarArrays {
  /** Number of bars. */
  readonly length: number;
  /** Bar open time, epoch milliseconds in the export's clock. */
  readonly time: Float64Array;
  /** Open price. */
  readonly open: Float64Array;
  /** High price. */
  readonly high: Float64Array;
  /** Low price. */
  readonly low: Float64Array;
  /** Close price. */
  readonly close: Float64Array;
  /** Tick count per bar (or the only volume column of the source). */
  readonly tickVolume: Float64Array;
  /** Real volume per bar (0 when the source has none). */
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
