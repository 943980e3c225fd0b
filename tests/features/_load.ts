/**
 * Test helper: read an MT5 "Export bars" file (tab-separated, <DATE> <TIME> ...) straight into
 * BarArrays with polars, independent of lib/data (so feature tests do not depend on the reader).
 */
import pl from "nodejs-polars";
import type { BarArrays } from "../../lib/data/types.ts";

export function loadMt5Arrays(path: string): BarArrays {
  const df = pl.readCSV(Deno.readTextFileSync(path).replaceAll("\r", ""), { sep: "\t" });
  const num = (c: string): Float64Array =>
    Float64Array.from(df.getColumn(c).cast(pl.Float64).toArray() as number[]);
  const dates = df.getColumn("<DATE>").toArray() as string[];
  const times = df.getColumn("<TIME>").toArray() as string[];
  const time = Float64Array.from(dates, (d, i) => Date.parse(`${d.replaceAll(".", "-")}T${times[i]}Z`));
  return {
    length: df.height,
    time,
    open: num("<OPEN>"),
    high: num("<HIGH>"),
    low: num("<LOW>"),
    close: num("<CLOSE>"),
    tickVolume: num("<TICKVOL>"),
    volume: num("<VOL>"),
    spread: num("<SPREAD>"),
  };
}

/** The first `n` bars of `bars` (copies, so nothing after the cut is reachable). */
export function cutBars(bars: BarArrays, n: number): BarArrays {
  return {
    length: n,
    time: bars.time.slice(0, n),
    open: bars.open.slice(0, n),
    high: bars.high.slice(0, n),
    low: bars.low.slice(0, n),
    close: bars.close.slice(0, n),
    tickVolume: bars.tickVolume.slice(0, n),
    volume: bars.volume.slice(0, n),
    spread: bars.spread ? bars.spread.slice(0, n) : null,
  };
}
