/**
 * Loading a basket: files given one by one, or symbols of a timeframe found in a data folder;
 * bars cut to a date range, features computed, and each symbol's currency conversion resolved
 * (`data` from the pairs of the data folder where a path exists, else the static table).
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import type { BarArrays, BarsMeta } from "../data/types.ts";
import { readBarsChecked } from "../data/guard.ts";
import { toArrays } from "../data/arrays.ts";
import { scanCatalog } from "../data/catalog.ts";
import { withDeclaredFeatures } from "../backtest/run.ts";
import { type Instrument, symbolSpec } from "../market/instrument.ts";
import { conversionForFile, readPairBars } from "./conversion.ts";
import type { PortfolioSymbol } from "./engine.ts";

/** Options of `loadBasket`. */
export interface LoadBasketOptions {
  /** Export files, one per symbol. */
  files?: readonly string[];
  /** A data folder (searched recursively) with `symbols` and `timeframe`. */
  source?: string;
  /** With `source`: the symbols to load. */
  symbols?: readonly string[];
  /** With `source`: their timeframe. */
  timeframe?: string;
  /** Keep bars with open time >= start (epoch ms). */
  start?: number;
  /** Keep bars with open time <= end (epoch ms). */
  end?: number;
  /** `data` (default) or `static` (mt5 profile; compat never converts). */
  conversion?: "data" | "static";
  /** Profile of the run (compat: no conversion). */
  profile?: "mt5" | "compat";
  /** Use files whose validation has CRITICAL findings (lib/data's gate; default: refused). */
  allowCritical?: boolean;
  /** Settles `NN/NN/YYYY` dates no row settles (`dmy` or `mdy`; the task's `--date-order`). */
  dateOrder?: "dmy" | "mdy";
  /** Feature columns to compute (the strategy's; `energy_at_entry` follows the engine's energy policy). */
  features?: readonly string[];
  /** Symbol override file (data/symbols.json by default when present). */
  symbolsFile?: string;
}

/** A loaded symbol: the engine's input plus where it came from. */
export interface LoadedSymbol extends PortfolioSymbol {
  /** Where the bars come from. */
  meta: BarsMeta;
  /** The export read. */
  path: string;
  /** The specification (built-in table, then data/symbols.json). */
  spec: Instrument;
}

/** Bars with open time in [start, end]. */
export function sliceBars(b: BarArrays, start = -Infinity, end = Infinity): BarArrays {
  let lo = 0, hi = b.length;
  while (lo < hi && b.time[lo] < start) lo++;
  while (hi > lo && b.time[hi - 1] > end) hi--;
  if (lo === 0 && hi === b.length) return b;
  return {
    length: hi - lo,
    time: b.time.subarray(lo, hi),
    open: b.open.subarray(lo, hi),
    high: b.high.subarray(lo, hi),
    low: b.low.subarray(lo, hi),
    close: b.close.subarray(lo, hi),
    tickVolume: b.tickVolume.subarray(lo, hi),
    volume: b.volume.subarray(lo, hi),
    spread: b.spread ? b.spread.subarray(lo, hi) : null,
  };
}

/**
 * The files of `symbols` at `timeframe` in `source` (KinetraError naming what is missing: an unknown
 * timeframe lists the folder's timeframes, unknown symbols list the symbols that have `timeframe`,
 * a symbol lacking `timeframe` lists its own timeframes).
 */
export async function basketFiles(
  source: string,
  symbols: readonly string[],
  timeframe: string,
): Promise<string[]> {
  const cat = await scanCatalog(source);
  const tf = timeframe.toUpperCase();
  if (!cat.timeframes.includes(tf)) {
    throw new KinetraError(
      "missing_data",
      `no ${tf} exports in ${source}; its timeframes: ${cat.timeframes.join(", ") || "none"}`,
    );
  }
  const withTf = cat.symbols.filter((s) => (cat.pairs[s] ?? []).includes(tf));
  const known = (s: string) =>
    cat.symbols.find((x) => x === s) ?? cat.symbols.find((x) => x.toUpperCase() === s.toUpperCase());
  const unknown = symbols.filter((s) => known(s) === undefined);
  if (unknown.length) {
    throw new KinetraError(
      "missing_data",
      `no ${tf} export of ${unknown.join(", ")} in ${source}: unknown symbol${
        unknown.length > 1 ? "s" : ""
      }; symbols with ${tf} exports: ${withTf.join(", ")}`,
    );
  }
  return symbols.map((s) => {
    const hit = cat.files.find((f) => f.symbol === s && f.timeframe === tf) ??
      cat.files.find((f) => f.symbol.toUpperCase() === s.toUpperCase() && f.timeframe === tf);
    if (!hit) {
      const have = cat.pairs[known(s)!] ?? [];
      throw new KinetraError(
        "missing_data",
        `no ${tf} export of ${s} in ${source} (it has ${
          have.join(", ") || "none"
        }); symbols with ${tf} exports: ${withTf.join(", ")}`,
      );
    }
    return hit.path;
  });
}

/** Read, cut, compute features and resolve conversions for every symbol of the basket. */
export async function loadBasket(opts: LoadBasketOptions): Promise<LoadedSymbol[]> {
  let files = opts.files ? [...opts.files] : [];
  if (opts.source && files.length) {
    throw new KinetraError(
      "bad_argument",
      "give either --data FILE ... or --source DIR --symbols A,B,C --timeframe TF, not both",
    );
  }
  if (!opts.source && (opts.symbols !== undefined || opts.timeframe !== undefined)) {
    throw new KinetraError(
      "bad_argument",
      "--symbols and --timeframe choose files in --source DIR; with --data FILE each file is one symbol",
    );
  }
  if (opts.source) {
    if (!opts.symbols?.length || !opts.timeframe) {
      throw new KinetraError("bad_argument", "--source needs --symbols A,B,C and --timeframe TF");
    }
    files = await basketFiles(opts.source, opts.symbols, opts.timeframe);
  }
  if (!files.length) throw new KinetraError("bad_argument", "no data: give --data FILE ... or --source DIR");
  const cache = new Map<string, Promise<BarArrays>>();
  const want = [...(opts.features ?? [])];
  const out: LoadedSymbol[] = [];
  for (const path of files) {
    // lib/data's gate: a file with CRITICAL findings is refused unless allowed.
    const { bars: b } = await readBarsChecked(path, {
      allowCritical: opts.allowCritical,
      dateOrder: opts.dateOrder,
    });
    const bars = sliceBars(toArrays(b), opts.start, opts.end);
    if (bars.length < 2) {
      throw new KinetraError("bad_bars", `${path}: fewer than 2 bars in the chosen date range`);
    }
    const spec = symbolSpec(b.meta.symbol || "GENERIC", opts.symbolsFile);
    const mt5 = (opts.profile ?? "mt5") === "mt5";
    const conversion = mt5
      ? await conversionForFile({
        file: path,
        time: bars.time,
        timeframe: b.meta.timeframe ?? b.meta.timeframeDetected,
        spec,
        mode: opts.conversion ?? "data",
        load: readPairBars,
        cache,
      })
      : null;
    out.push({
      symbol: b.meta.symbol,
      bars,
      spec,
      meta: b.meta,
      path,
      features: withDeclaredFeatures(bars, { features: want }, {}),
      conversion,
    });
  }
  return out;
}
