/**
 * Reading exports into the canonical Bars: MT5 bar exports, MT5 tick exports (resampled on
 * request), MT4 history and generic OHLCV CSV, each sniffed and reported.
 *
 * @module
 */
import { parseTz, timesToUtc } from "./tz.ts";
import { KinetraError } from "../errors.ts";
import { decodeToUtf8 } from "./_decode.ts";
import { parseRows, type RawColumns, type RowIssues } from "./_parse.ts";
import pl from "nodejs-polars";
import { barsFromArrays, PREPARED_COLUMNS, toArrays } from "./arrays.ts";
import { parseFileName } from "./file_name.ts";
import { sniffBytes, type Sniffed } from "./sniff.ts";
import { resampleTicks, type Ticks, ticksFromColumns } from "./ticks.ts";
import { detectTimeframe } from "./timeframe.ts";
import type { BarArrays, Bars, ReadReport } from "./types.ts";

/** Options of `readBars`. */
export interface ReadOptions {
  /** Symbol to record (default: from the file name). */
  symbol?: string;
  /** For tick files: resample to this timeframe (required to read a tick file as bars). */
  timeframe?: string;
  /**
   * Settle `NN/NN/YYYY` dates: `dmy` = day-first, `mdy` = month-first (the CLI's `--date-order`).
   * Default: decided from every row (the first row with a part above 12); a file no row settles is
   * refused with `ambiguous_date`, naming this option.
   */
  dateOrder?: "dmy" | "mdy";
  /** Older spelling of `dateOrder`: true = `dmy`, false = `mdy` (`dateOrder` wins when both are given). */
  dayFirst?: boolean;
  /**
   * Skip rows that cannot be read (bad numbers, dates, cell counts) and count them in
   * `LoadedFile.rowIssues` instead of throwing at the first one (validation uses this; `readBars`
   * stays strict by default).
   */
  lenient?: boolean;
  /**
   * The clock of the file's times (lib/data/tz.ts): `server` (default: kept as written, the trade
   * server's clock for MT5 exports), `UTC`, an offset such as `+02:00`, or `ny_close`
   * (GMT+2/GMT+3). Anything but `server` converts every bar time to UTC.
   */
  tz?: string;
}

/** Everything one read produced: raw (file-order) columns for validation, and the normalised result. */
export interface LoadedFile {
  /** The path read. */
  path: string;
  /** The file's bytes as stored (for hashing). */
  rawBytes: Uint8Array;
  /** What sniffing found. */
  sniffed: Sniffed;
  /** Columns in file order, before sorting/de-duplication (what validation inspects). */
  /** Columns in file order, before sorting/de-duplication (what validation inspects). */
  raw: RawColumns;
  /** Sorted, de-duplicated bars (for tick files: resampled when a timeframe was given, else null). */
  arrays: BarArrays | null;
  /** Ticks (tick files only). */
  ticks: Ticks | null;
  /** How the file was read (`Bars.meta.report`). */
  report: ReadReport;
  /** Rows skipped by a lenient read, by code (null for a strict read). */
  rowIssues: RowIssues | null;
}

/** Read a file's bytes; a missing path becomes `file_not_found`. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new KinetraError(
        "file_not_found",
        `${path}: no such file; check the path (relative to ${Deno.cwd()}).`,
        {
          details: { file: path },
        },
      );
    }
    if (e instanceof Deno.errors.IsADirectory || (e as { code?: string }).code === "EISDIR") {
      throw new KinetraError("not_a_file", `${path} is a folder; expected one export file.`, {
        details: { file: path },
      });
    }
    throw e;
  }
}

/** 1-based line number of a byte offset. */
function lineOfOffset(b: Uint8Array, off: number): number {
  let n = 1;
  for (let i = b.indexOf(10); i !== -1 && i < off; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/** Indices that sort `time` ascending (stable), or null when it is already strictly ascending. */
function ordering(time: Float64Array): { order: Uint32Array | null; newestFirst: boolean } {
  const n = time.length;
  let asc = true;
  for (let i = 1; i < n; i++) {
    if (!(time[i] > time[i - 1])) {
      asc = false;
      break;
    }
  }
  if (asc) return { order: null, newestFirst: false };
  let desc = n > 1;
  for (let i = 1; i < n; i++) {
    if (!(time[i] < time[i - 1])) {
      desc = false;
      break;
    }
  }
  const order = new Uint32Array(n);
  if (desc) {
    for (let i = 0; i < n; i++) order[i] = n - 1 - i;
    return { order, newestFirst: true };
  }
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => time[a] - time[b] || a - b);
  return { order, newestFirst: false };
}

/** Apply an ordering and drop repeated times (keeping the last row of each run). */
function normalise(
  time: Float64Array,
  cols: Float64Array[],
): { time: Float64Array; cols: Float64Array[]; sorted: boolean; newestFirst: boolean; dropped: number } {
  const { order, newestFirst } = ordering(time);
  if (order === null) return { time, cols, sorted: false, newestFirst: false, dropped: 0 };
  const n = order.length;
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = order[i];
    if (keep.length && time[keep[keep.length - 1]] === time[j]) keep[keep.length - 1] = j;
    else keep.push(j);
  }
  const pick = (a: Float64Array) => gather(a, keep);
  return {
    time: pick(time),
    cols: cols.map(pick),
    sorted: !newestFirst,
    newestFirst,
    dropped: n - keep.length,
  };
}

/** `a[idx[0]], a[idx[1]], …` as a new array. */
function gather(a: Float64Array, idx: ArrayLike<number>): Float64Array {
  const out = new Float64Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]];
  return out;
}

const fillZero = (a: Float64Array | undefined, n: number): Float64Array => {
  if (!a) return new Float64Array(n);
  for (let i = 0; i < a.length; i++) if (a[i] !== a[i]) a[i] = 0;
  return a;
};

/**
 * Read and parse a file, keeping the raw columns (used by `readBars`, validation and preparation).
 * Throws KinetraError for unreadable input.
 */
export async function loadFile(path: string, opts: ReadOptions = {}): Promise<LoadedFile> {
  return loadBytes(path, await readFileBytes(path), opts);
}

/** Like `loadFile` for bytes already read (`path` is used for the name and messages). */
export function loadBytes(path: string, rawBytes: Uint8Array, opts: ReadOptions = {}): LoadedFile {
  if (rawBytes.length === 0) {
    throw new KinetraError(
      "empty_file",
      `${path}: the file is empty (0 bytes); expected a header line and bars.`,
      {
        details: { file: path },
      },
    );
  }
  const dec = decodeToUtf8(rawBytes, path);
  const sn = sniffBytes(dec.bytes, path);
  const rowIssues: RowIssues | null = opts.lenient ? { counts: {}, examples: [] } : null;
  const order = opts.dateOrder ?? (opts.dayFirst === undefined ? undefined : opts.dayFirst ? "dmy" : "mdy");
  const raw = parseRows(dec.bytes, sn, path, order, true, rowIssues);
  if (raw.length === 0 && raw.nullRows) {
    throw new KinetraError(
      "null_rows",
      `${path}: every data row holds null prices (${raw.nullRows.count} row(s), the first at line ${
        raw.nullRows.lines[0]
      }); there are no bars to read.`,
      { details: { file: path, count: raw.nullRows.count, line: raw.nullRows.lines[0] } },
    );
  }
  // Nothing readable at all: the first row's error is the file's error.
  if (raw.length === 0 && rowIssues && rowIssues.examples.length) throw rowIssues.examples[0];
  if (raw.length === 0) {
    throw new KinetraError(
      "header_only",
      `${path}: the file has a header (${JSON.stringify(sn.firstLine)}) but no data rows.`,
      {
        details: { file: path },
      },
    );
  }
  // Two-digit years are read with the 1970 pivot (70–99 → 19xx, 00–69 → 20xx). A date that lands
  // after next year means the file reaches back before 1970 (WSJ's long histories write "01/02/29"
  // for 1929): two digits cannot tell those years apart, so the file is refused, never read wrong.
  if (sn.yearDigits === 2) {
    let max = -Infinity;
    for (let i = 0; i < raw.length; i++) if (raw.time[i] > max) max = raw.time[i];
    if (max > Date.UTC(new Date().getUTCFullYear() + 2, 0, 1)) {
      throw new KinetraError(
        "ambiguous_date",
        `${path}: two-digit years read as 1970–2069 put a bar at ${
          new Date(max).toISOString().slice(0, 10)
        }, in the future: the file reaches back before 1970, which two-digit years cannot tell from 20xx.` +
          ` Export the dates with four-digit years.`,
        { details: { file: path } },
      );
    }
  }
  const repairs = [...dec.repairs, ...sn.repairs, ...raw.repairs];
  let arrays: BarArrays | null = null;
  let ticks: Ticks | null = null;
  let sorted = false, newestFirst = false, dropped = 0;
  if (sn.format === "mt5_ticks") {
    // Ticks may share a millisecond: keep them all; only sort (stably) when time goes backwards.
    const c = raw.cols;
    const n = raw.length;
    const nan = () => new Float64Array(n).fill(NaN);
    let cols = [c.bid ?? nan(), c.ask ?? nan(), c.last ?? nan(), c.volume ?? nan(), c.flags ?? nan()];
    let time = raw.time;
    let backwards = false;
    for (let i = 1; i < n; i++) {
      if (time[i] < time[i - 1]) {
        backwards = true;
        break;
      }
    }
    if (backwards) {
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => raw.time[a] - raw.time[b] || a - b);
      const pick = (a: Float64Array) => gather(a, order);
      time = pick(time);
      cols = cols.map(pick);
      sorted = true;
    }
    ticks = ticksFromColumns(
      time,
      cols[0],
      cols[1],
      c.last ? cols[2] : undefined,
      c.volume ? cols[3] : undefined,
      c.flags ? cols[4] : undefined,
    );
    if (opts.timeframe) arrays = resampleTicks(ticks, opts.timeframe);
  } else {
    const c = raw.cols;
    const n = raw.length;
    // One volume column (MT4, generic) fills both; copied so the two arrays stay independent.
    const tick = c.tick_volume ?? c.volume;
    const vol = c.volume ?? (c.tick_volume ? Float64Array.from(c.tick_volume) : undefined);
    const base = [
      c.open!,
      c.high!,
      c.low!,
      c.close!,
      fillZero(tick, n),
      fillZero(vol === tick && vol ? Float64Array.from(vol) : vol, n),
    ];
    if (c.spread) base.push(fillZero(c.spread, n));
    const nm = normalise(raw.time, base);
    sorted = nm.sorted;
    newestFirst = nm.newestFirst;
    dropped = nm.dropped;
    const [open, high, low, close, tickVolume, volume, spread] = nm.cols;
    arrays = {
      length: nm.time.length,
      time: nm.time,
      open,
      high,
      low,
      close,
      tickVolume,
      volume,
      spread: spread ?? null,
    };
  }
  if (newestFirst) repairs.push("rows were newest-first; reversed to oldest-first");
  else if (sorted) repairs.push("rows were out of time order; sorted by time");
  if (dropped) repairs.push(`${dropped} row(s) repeated an earlier time; the last of each was kept`);
  const report: ReadReport = {
    format: sn.format,
    encoding: dec.encoding,
    line_ending: sn.lineEnding,
    delimiter: sn.delimiterName,
    has_header: sn.hasHeader,
    header: sn.header,
    date_layout: sn.dateLayout,
    time_layout: sn.timeLayout,
    decimal: String.fromCharCode(sn.decimal),
    columns: sn.columns,
    ignored_columns: sn.ignoredColumns,
    rows_read: raw.length,
    sorted_on_read: sorted || newestFirst,
    newest_first: newestFirst,
    duplicates_dropped: dropped,
    repairs,
    thousands: sn.thousands ? String.fromCharCode(sn.thousands) : null,
    header_line: sn.hasHeader ? lineOfOffset(dec.bytes, sn.dataStart) - 1 : null,
    decisions: [...sn.decisions, ...(raw.decisions ?? [])],
  };
  return { path, rawBytes, sniffed: sn, raw, arrays, ticks, report, rowIssues };
}

/**
 * Read an export into the canonical Bars (sorted, unique times). Formats are sniffed: MT5 bar
 * exports (tab/comma, with or without `<TIME>`, CRLF/LF, UTF-8 with/without BOM, UTF-16 with BOM),
 * MT4 history (with or without header), generic OHLCV CSV (any letter case, ISO/day-first/epoch
 * dates, newest-first rows), third-party layouts (preambles, localised headers, decimal commas and
 * thousands separators, HistData, Dukascopy, CryptoDataDownload, investing.com, Yahoo; docs/DATA.md)
 * and tick exports (only with `opts.timeframe`, resampled). `meta.report` says what was detected,
 * decided and repaired. Strict: every cell must match the file's layout; the first row that does
 * not throws KinetraError with its line number. Codes: `file_not_found`, `empty_file`,
 * `header_only`, `unrecognized_format`, `missing_column`, `non_numeric`, `invalid_date`,
 * `ambiguous_date`, `ambiguous_time`, `ambiguous_number`, `column_count_mismatch`,
 * `non_finite_price`, `non_positive_price`, `nul_bytes`, `repeated_header`, `null_rows`,
 * `ticks_need_timeframe` (`lenient` quarantines bad rows instead, see `LoadedFile.rowIssues`). A `.parquet` path (a split written by `prepareDataset`) is read with
 * polars as format `parquet`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readBars } from "./read_bars.ts";
 * const bars = await readBars("data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv");
 * assert.ok(bars.meta.symbol === "AUDUSD+" && bars.meta.timeframeDetected === "H4");
 * assert.ok(bars.frame.columns.includes("spread"));
 * ```
 */
export async function readBars(path: string, opts: ReadOptions = {}): Promise<Bars> {
  if (/\.parquet$/i.test(path)) return await readParquetBars(path, opts);
  const loaded = await loadFile(path, opts);
  return barsOfLoaded(loaded, opts);
}

/**
 * Read a Parquet file written by `prepareDataset` (or any Parquet file with the Bars columns) as
 * Bars with format `parquet`; symbol and timeframe come from the file name.
 */
async function readParquetBars(path: string, opts: ReadOptions): Promise<Bars> {
  await readFileBytes(path); // a clear file_not_found / not_a_file first
  let frame: pl.DataFrame;
  try {
    frame = pl.readParquet(path);
  } catch (e) {
    throw new KinetraError(
      "unrecognized_format",
      `${path}: not a readable Parquet file (${
        (e as Error).message.split("\n")[0]
      }); expected a prepared split.`,
      { details: { file: path } },
    );
  }
  const arrays = toArrays(frame);
  const name = parseFileName(path);
  // A split written by prepareDataset carries its source's format, symbol and timeframe in
  // constant columns; other Parquet files fall back to the file name.
  const carried = (column: string): string | null => {
    if (!frame.columns.includes(column) || frame.height === 0) return null;
    const v = frame.getColumn(column).get(0);
    return typeof v === "string" && v !== "" ? v : null;
  };
  return barsFromArrays(arrays, {
    symbol: opts.symbol ?? carried(PREPARED_COLUMNS.symbol) ?? name.symbol,
    timeframe: carried(PREPARED_COLUMNS.timeframe) ?? name.timeframe,
    timeframeDetected: detectTimeframe(arrays.time),
    source: path,
    format: "parquet",
    sourceFormat: carried(PREPARED_COLUMNS.format),
  });
}

/** The Bars of a loaded file (throws `ticks_need_timeframe` for a tick file read without one). */
export function barsOfLoaded(loaded: LoadedFile, opts: ReadOptions = {}): Bars {
  if (!loaded.arrays) {
    throw new KinetraError(
      "ticks_need_timeframe",
      `${loaded.path} is an MT5 tick export (${loaded.raw.length} ticks); pass a timeframe to resample it to bars` +
        ` (readBars(path, { timeframe: "M1" })) or read it with readTicks.`,
      { details: { file: loaded.path } },
    );
  }
  const name = parseFileName(loaded.path);
  const declared = loaded.sniffed.format === "mt5_ticks"
    ? (opts.timeframe?.toUpperCase() ?? null)
    : name.timeframe;
  const tz = parseTz(opts.tz);
  const arrays = tz.kind === "server"
    ? loaded.arrays
    : { ...loaded.arrays, time: timesToUtc(loaded.arrays.time.slice(), tz) };
  return barsFromArrays(arrays, {
    symbol: opts.symbol ?? name.symbol,
    timeframe: declared,
    timeframeDetected: detectTimeframe(loaded.arrays.time),
    source: loaded.path,
    format: loaded.sniffed.format,
    report: loaded.report,
  });
}

/**
 * Read an MT5 tick export as ticks (bid/ask forward-filled). Throws `not_ticks` for a bar file.
 *
 * @example
 * ```ts ignore
 * import { readTicks, resampleTicks } from "./mod.ts";
 * const ticks = await readTicks("EURUSD_ticks.csv");
 * const m1 = resampleTicks(ticks, "M1");
 * ```
 */
export async function readTicks(path: string): Promise<Ticks> {
  const loaded = await loadFile(path);
  if (!loaded.ticks) {
    throw new KinetraError(
      "not_ticks",
      `${path} is a ${loaded.sniffed.format} file, not an MT5 tick export (<DATE> <TIME> <BID> <ASK> ...); read it with readBars.`,
      { details: { file: path } },
    );
  }
  return loaded.ticks;
}
