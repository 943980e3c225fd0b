/**
 * Conversions between the Bars polars frame and its typed-array view (`BarArrays`).
 *
 * @module
 */
import pl from "nodejs-polars";
import { KinetraError } from "../errors.ts";
import type { BarArrays, Bars, BarsMeta } from "./types.ts";

/** Build the canonical polars frame from typed arrays (time → Datetime(ms), the rest Float64). */
export function frameFromArrays(a: BarArrays): pl.DataFrame {
  const series: pl.Series[] = [
    pl.Series("time", a.time).cast(pl.Int64).cast(pl.Datetime("ms")),
    pl.Series("open", a.open),
    pl.Series("high", a.high),
    pl.Series("low", a.low),
    pl.Series("close", a.close),
    pl.Series("tick_volume", a.tickVolume),
    pl.Series("volume", a.volume),
  ];
  if (a.spread) series.push(pl.Series("spread", a.spread));
  return pl.DataFrame(series);
}

/** Constant columns of a prepared split naming its source's format, symbol and timeframe. */
export const PREPARED_COLUMNS = {
  format: "source_format",
  symbol: "source_symbol",
  timeframe: "source_timeframe",
} as const;

/**
 * The frame of a prepared split: the bar columns plus {@link PREPARED_COLUMNS} (constant strings,
 * "" when unknown; dictionary-encoded in Parquet, so a few bytes per file).
 */
export function preparedFrame(
  a: BarArrays,
  source: { format: string | null; symbol: string; timeframe: string | null },
): pl.DataFrame {
  return frameFromArrays(a).withColumns(
    pl.lit(source.format ?? "").alias(PREPARED_COLUMNS.format),
    pl.lit(source.symbol).alias(PREPARED_COLUMNS.symbol),
    pl.lit(source.timeframe ?? "").alias(PREPARED_COLUMNS.timeframe),
  );
}

/**
 * A Bars value whose polars frame is built on first access (reading stays fast for callers that
 * only need typed arrays; `toArrays` returns the arrays directly). `frame` is an own enumerable
 * getter, so `{ ...bars }` and `Object.assign` still carry a frame.
 */
function lazyBars(arrays: BarArrays, meta: BarsMeta): Bars {
  let frame: pl.DataFrame | null = null;
  const bars = { arrays, meta } as Bars;
  Object.defineProperty(bars, "frame", {
    enumerable: true,
    configurable: true,
    get(): pl.DataFrame {
      if (frame === null) frame = frameFromArrays(arrays);
      return frame;
    },
  });
  return bars;
}

/**
 * Make a Bars value from typed arrays (times must be ascending and unique; this is checked).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { barsFromArrays, toArrays } from "./arrays.ts";
 * const t = Float64Array.from([0, 60_000]);
 * const p = Float64Array.from([1, 2]);
 * const bars = barsFromArrays(
 *   { length: 2, time: t, open: p, high: p, low: p, close: p, tickVolume: p, volume: p, spread: null },
 *   { symbol: "TEST", timeframe: "M1", timeframeDetected: "M1", source: "memory", format: "arrays" },
 * );
 * assert.ok(bars.frame.height === 2 && toArrays(bars).close[1] === 2);
 * ```
 */
export function barsFromArrays(arrays: BarArrays, meta: BarsMeta): Bars {
  const t = arrays.time;
  for (let i = 1; i < arrays.length; i++) {
    if (!(t[i] > t[i - 1])) {
      throw new KinetraError(
        "unsorted_bars",
        `bars for ${meta.symbol}: time at index ${i} (${t[i]}) is not after index ${i - 1} (${
          t[i - 1]
        }); Bars need ascending unique times.`,
      );
    }
  }
  return lazyBars(arrays, meta);
}

function col(frame: pl.DataFrame, name: string, required: boolean): Float64Array | null {
  if (!frame.columns.includes(name)) {
    if (required) {
      throw new KinetraError(
        "missing_column",
        `the frame has no '${name}' column (columns: ${
          frame.columns.join(", ")
        }); a Bars frame needs time, open, high, low, close.`,
      );
    }
    return null;
  }
  let s = frame.getColumn(name);
  // Any time unit (us/ns from strptime, Date, or epoch-ms numbers) normalised to epoch ms.
  if (name === "time") s = s.cast(pl.Datetime("ms")).cast(pl.Int64);
  s = s.cast(pl.Float64);
  if (s.nullCount() > 0) {
    return Float64Array.from(s.toArray() as Array<number | null>, (v) => v ?? Number.NaN);
  }
  const arr = s.toTypedArray() as unknown;
  return arr instanceof Float64Array ? arr : Float64Array.from(arr as ArrayLike<number>);
}

/**
 * The typed-array view of a Bars value or frame: `time` as epoch ms, every column Float64.
 * Volumes default to zeros and `spread` to null when the frame lacks them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readBars, toArrays } from "./mod.ts";
 * const a = toArrays(await readBars("data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv"));
 * assert.ok(a.length === a.close.length && a.time[0] < a.time[1]);
 * ```
 */
export function toArrays(x: Bars | pl.DataFrame): BarArrays {
  if (!(x instanceof pl.DataFrame) && "meta" in x) {
    if (x.arrays) return x.arrays;
    return toArrays(x.frame);
  }
  const frame = x as pl.DataFrame;
  const n = frame.height;
  const time = col(frame, "time", true)!;
  const zeros = () => new Float64Array(n);
  return {
    length: n,
    time,
    open: col(frame, "open", true)!,
    high: col(frame, "high", true)!,
    low: col(frame, "low", true)!,
    close: col(frame, "close", true)!,
    tickVolume: col(frame, "tick_volume", false) ?? col(frame, "volume", false) ?? zeros(),
    volume: col(frame, "volume", false) ?? zeros(),
    spread: col(frame, "spread", false),
  };
}
