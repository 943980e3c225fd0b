/**
 * Currency conversion at the rate of the moment, from the data's own symbols.
 *
 * A symbol's profit currency (its quote currency, e.g. JPY for EURJPY+) is converted to the account
 * currency with the rate at the moment of each fill and mark: directly (AUDUSD+ for AUD), inversely
 * (a USDJPY pair for JPY), or through a cross (JPY → AUD → USD from AUDJPY+ and AUDUSD+). The pairs
 * are found among the exports of the data folder; when no path exists the static table
 * (`USD_PER` of lib/market/currency.ts) is used, and the result says so per symbol.
 *
 * The rate at a moment `m` is the pair's last known quote (its Bid): at a bar's open, the open of the
 * pair's bar opening then; at a bar's close (and when the pair has no bar opening at `m`), the close
 * of the pair's last bar closed by `m`; before any pair bar has closed, the open of the one in
 * progress. Nothing after `m` is read. Before a pair's first bar the static rate
 * is used for that moment (counted in `static_moments`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { conversionPath } from "./conversion.ts";
 * const pairs = [
 *   { symbol: "AUDJPY+", base: "AUD", quote: "JPY", files: [] },
 *   { symbol: "AUDUSD+", base: "AUD", quote: "USD", files: [] },
 * ];
 * const path = conversionPath("JPY", "USD", pairs)!;
 * assert.deepEqual(path.map((l) => [l.symbol, l.invert]), [["AUDJPY+", true], ["AUDUSD+", false]]);
 * ```
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import type { BarArrays } from "../data/types.ts";
import { parseFileName } from "../data/file_name.ts";
import { scanCatalogSync } from "../data/catalog.ts";
import { TIMEFRAME_MINUTES } from "../data/types.ts";
import { modalSpacingMs } from "../data/timeframe.ts";
import type { Instrument } from "../market/instrument.ts";
import { type CurrencyConverter, STATIC_CONVERTER, USD_PER } from "../market/currency.ts";
import { readBars } from "../data/read_bars.ts";
import { toArrays } from "../data/arrays.ts";
import { KinetraError } from "../errors.ts";

/** Fiat currency codes recognised in pair names (a 6-letter name of two of them is a pair). */
export const FIAT_CURRENCIES: readonly string[] = [
  "USD",
  "EUR",
  "JPY",
  "GBP",
  "AUD",
  "NZD",
  "CAD",
  "CHF",
  "ZAR",
  "SEK",
  "NOK",
  "DKK",
  "SGD",
  "HKD",
  "MXN",
  "PLN",
  "TRY",
  "CNH",
];

/** How a symbol's profits reach the account currency. */
export type ConversionSource = "data" | "static" | "none";

/** What the conversion of one symbol is (snake_case: printed in `--json`). */
export interface ConversionInfo {
  /** The symbol's profit (quote) currency. */
  profit_currency: string;
  /** The account currency. */
  account_currency: string;
  /** `none` (same currency), `data` (pairs of the data folder) or `static` (the fixed table). */
  source: ConversionSource;
  /** The pair symbols of the path, in order (empty unless `data`). */
  via: string[];
  /** Timeframe of the pair files used (null unless `data`). */
  timeframe: string | null;
  /** The static rate (account per profit unit) used by `static`, and before a pair's first bar. */
  static_rate: number | null;
  /** Moments (opens and closes of the traded bars) that had no pair quote yet and used the static rate. */
  static_moments: number;
  /** One human sentence. */
  note: string;
}

/** A currency pair available in the data: a symbol quoting `base` in `quote`. */
export interface PairSymbol {
  /** Symbol as in the file names, e.g. `AUDJPY+`. */
  symbol: string;
  /** Base currency (the one priced). */
  base: string;
  /** Quote currency (the price's unit). */
  quote: string;
  /** Its exports: path and declared timeframe (null when the name declares none). */
  files: { path: string; timeframe: string | null }[];
}

/** One step of a conversion path: multiply by the pair's price, or divide by it (`invert`). */
export interface ConversionLeg {
  /** The pair symbol. */
  symbol: string;
  /** True to divide by its price (holding its quote currency), false to multiply. */
  invert: boolean;
}

/** Rates aligned to a series of traded bars: account currency per profit currency unit. */
export interface AlignedRates {
  /** Rate at each bar's open time. */
  open: Float64Array;
  /** Rate at each bar's close (open time + bar length). */
  close: Float64Array;
}

/** The `base`/`quote` currencies of a pair symbol (`AUDJPY+` → AUD, JPY), or null. */
export function pairCurrencies(symbol: string): { base: string; quote: string } | null {
  const s = symbol.toUpperCase().replace(/([+\-.#][A-Z0-9]*)$/, "");
  if (!/^[A-Z]{6}$/.test(s)) return null;
  const base = s.slice(0, 3), quote = s.slice(3);
  if (base === quote || !FIAT_CURRENCIES.includes(base) || !FIAT_CURRENCIES.includes(quote)) return null;
  return { base, quote };
}

/** Exports directly inside `dir` (not recursive; lib/data's scanner), sorted; [] when it cannot be read. */
function exportsIn(dir: string): string[] {
  try {
    return scanCatalogSync(dir, { recursive: false }).files.map((f) => f.path).sort();
  } catch {
    return [];
  }
}

/** Sub-folders of `dir` (sorted); [] when it cannot be read. */
function subfolders(dir: string): string[] {
  const out: string[] = [];
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (e.isDirectory && !e.name.startsWith(".")) out.push(join(dir, e.name));
    }
  } catch {
    return [];
  }
  return out.sort();
}

/**
 * The folders searched for conversion pairs of a file: its own folder, then, when that folder sits
 * in a data root organised by asset class (data/master/forex, data/master/indices, …), the sibling
 * folders of that root.
 */
export function conversionFolders(file: string): string[] {
  const own = dirname(file);
  const root = dirname(own);
  const out = [own];
  if (root !== own && ASSET_CLASS_FOLDERS.includes(basename(own).toLowerCase())) {
    for (const d of subfolders(root)) {
      if (d !== own && ASSET_CLASS_FOLDERS.includes(basename(d).toLowerCase())) out.push(d);
    }
  }
  return out;
}

/** Folder names of a data root organised by asset class (the master data set's layout). */
export const ASSET_CLASS_FOLDERS: readonly string[] = [
  "forex",
  "metals",
  "energy",
  "indices",
  "crypto",
  "stocks",
  "commodities",
  "bonds",
];

/** The currency pairs among the exports of `folders` (file names `SYMBOL_TF_…`). */
export function findPairs(folders: readonly string[]): PairSymbol[] {
  const by = new Map<string, PairSymbol>();
  for (const dir of folders) {
    for (const path of exportsIn(dir)) {
      const p = parseFileName(path);
      const c = pairCurrencies(p.symbol);
      if (!c) continue;
      let e = by.get(p.symbol);
      if (!e) by.set(p.symbol, e = { symbol: p.symbol, base: c.base, quote: c.quote, files: [] });
      e.files.push({ path, timeframe: p.timeframe });
    }
  }
  return [...by.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}

/**
 * The shortest path converting `from` to `to` through `pairs` (breadth-first; among paths of the
 * same length, the one through symbols first in name order), [] when the currencies are equal, or
 * null when no path exists.
 */
export function conversionPath(
  from: string,
  to: string,
  pairs: readonly { symbol: string; base: string; quote: string }[],
): ConversionLeg[] | null {
  if (from === to) return [];
  const sorted = [...pairs].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const prev = new Map<string, { ccy: string; leg: ConversionLeg }>();
  const seen = new Set([from]);
  let frontier = [from];
  while (frontier.length && !seen.has(to)) {
    const next: string[] = [];
    for (const ccy of frontier) {
      for (const p of sorted) {
        // Holding `ccy`: a pair ccy/X converts by multiplying, a pair X/ccy by dividing.
        const other = p.base === ccy ? p.quote : p.quote === ccy ? p.base : null;
        if (other === null || seen.has(other)) continue;
        seen.add(other);
        prev.set(other, { ccy, leg: { symbol: p.symbol, invert: p.quote === ccy } });
        next.push(other);
      }
    }
    frontier = next;
  }
  if (!seen.has(to)) return null;
  const legs: ConversionLeg[] = [];
  for (let c = to; c !== from;) {
    const p = prev.get(c)!;
    legs.push(p.leg);
    c = p.ccy;
  }
  return legs.reverse();
}

/** Static rate of the table (account per profit unit), or null when the table has no entry. */
export function staticRate(profitCurrency: string, accountCurrency = "USD"): number | null {
  const a = USD_PER[profitCurrency], b = USD_PER[accountCurrency];
  return a === undefined || b === undefined ? null : a / b;
}

/**
 * The quotes of one pair series at moments `m` (sorted ascending), reading nothing after `m`: at an
 * open moment the open of a pair bar opening exactly then, else (and at a close moment) the close
 * of the last pair bar closed by `m`, else the open of a bar in progress. NaN before the first bar.
 */
function quotesAt(
  pair: BarArrays,
  pairBarMs: number,
  moments: Float64Array,
  out: Float64Array,
  preferOpen: boolean,
): void {
  const t = pair.time, n = pair.length;
  let j = -1; // last pair bar with t[j] <= m
  let c = -1; // last pair bar with t[c] + pairBarMs <= m
  for (let k = 0; k < moments.length; k++) {
    const m = moments[k];
    while (j + 1 < n && t[j + 1] <= m) j++;
    while (c + 1 < n && t[c + 1] + pairBarMs <= m) c++;
    if (j < 0) out[k] = NaN;
    else if (preferOpen && t[j] === m) out[k] = pair.open[j];
    else if (c >= 0) out[k] = pair.close[c];
    else out[k] = pair.open[j];
  }
}

/** Bar length of a series in ms (declared timeframe, else the modal spacing). */
export function barLengthMs(time: Float64Array, timeframe?: string | null): number {
  if (timeframe && TIMEFRAME_MINUTES[timeframe]) return TIMEFRAME_MINUTES[timeframe] * 60_000;
  return modalSpacingMs(time) ?? 60_000;
}

/**
 * Rates (account per profit unit) at the opens and closes of `time`, through `legs` whose bar
 * series are `series` (same order). Moments without a quote on every leg take `fallback` and are
 * counted.
 */
export function alignRates(
  time: Float64Array,
  barMs: number,
  legs: readonly ConversionLeg[],
  series: readonly { bars: BarArrays; barMs: number }[],
  fallback: number,
): AlignedRates & { staticMoments: number } {
  const n = time.length;
  const open = new Float64Array(n).fill(1), close = new Float64Array(n).fill(1);
  const closeAt = new Float64Array(n);
  for (let i = 0; i < n; i++) closeAt[i] = time[i] + barMs;
  // Closes are not always sorted when bars overlap (they do not in valid data); sort-safe anyway.
  const q = new Float64Array(n);
  for (let k = 0; k < legs.length; k++) {
    const { bars, barMs: pms } = series[k];
    for (const [moments, dst, atOpen] of [[time, open, true], [closeAt, close, false]] as const) {
      quotesAt(bars, pms, moments, q, atOpen);
      if (legs[k].invert) { for (let i = 0; i < n; i++) dst[i] /= q[i]; }
      else for (let i = 0; i < n; i++) dst[i] *= q[i];
    }
  }
  let staticMoments = 0;
  for (const dst of [open, close]) {
    for (let i = 0; i < n; i++) {
      if (!(dst[i] > 0 && dst[i] < Infinity)) {
        dst[i] = fallback;
        staticMoments++;
      }
    }
  }
  return { open, close, staticMoments };
}

/** A loader of bar files (readBars + toArrays), injectable for tests. */
export type BarLoader = (path: string) => Promise<BarArrays>;

/** Options of `dataConversion`. */
export interface DataConversionOptions {
  /** The traded bar times. */
  time: Float64Array;
  /** The traded bars' timeframe (picks pair files of the same timeframe when there are some). */
  timeframe: string | null;
  /** Profit currency of the symbol. */
  profitCurrency: string;
  /** Account currency (default USD). */
  accountCurrency?: string;
  /** Pairs available (`findPairs(conversionFolders(file))`). */
  pairs: readonly PairSymbol[];
  /** Reads a pair file. */
  load: BarLoader;
  /** `data` (default: the data where a path exists, else static) or `static`. */
  mode?: "data" | "static";
  /** Cache of loaded pair files shared between symbols (path → bars). */
  cache?: Map<string, Promise<BarArrays>>;
}

/** Rates of a symbol plus what they are. `rates` is null when no conversion applies or static is used. */
export interface SymbolConversion {
  /** What the conversion is. */
  info: ConversionInfo;
  /** Data rates, or null (same currency, or the static rate for every moment). */
  rates: AlignedRates | null;
}

const TF_ORDER = ["M1", "M5", "M15", "M30", "H1", "H4", "D1", "W1", "MN1"];

function pickFile(p: PairSymbol, timeframe: string | null): { path: string; timeframe: string | null } {
  const same = p.files.find((f) => f.timeframe !== null && f.timeframe === timeframe);
  if (same) return same;
  const ranked = [...p.files].sort((a, b) => rank(a.timeframe) - rank(b.timeframe));
  return ranked[0];
}

function rank(tf: string | null): number {
  const k = tf ? TF_ORDER.indexOf(tf) : -1;
  return k < 0 ? 99 : k;
}

/**
 * The conversion of one symbol's profit currency to the account currency: the data path when
 * `mode` is `data` and one exists, else the static table (or `none` for the same currency).
 * Throws `no_conversion` when neither the data nor the table can convert the currency.
 */
export async function dataConversion(opts: DataConversionOptions): Promise<SymbolConversion> {
  const account = opts.accountCurrency ?? "USD";
  const ccy = opts.profitCurrency;
  const base: ConversionInfo = {
    profit_currency: ccy,
    account_currency: account,
    source: "none",
    via: [],
    timeframe: null,
    static_rate: null,
    static_moments: 0,
    note: `profits are in ${account}, the account currency: no conversion`,
  };
  if (ccy === account) return { info: base, rates: null };
  const fixed = staticRate(ccy, account);
  const legs = opts.mode === "static" ? null : conversionPath(ccy, account, opts.pairs);
  if (!legs) {
    if (fixed === null) {
      throw new KinetraError(
        "no_conversion",
        `no way to convert ${ccy} to ${account}: no pair path in the data folder and no static rate`,
      );
    }
    return {
      info: {
        ...base,
        source: "static",
        static_rate: fixed,
        note: opts.mode === "static"
          ? `${ccy} → ${account} at the static rate ${fixed} (--conversion static)`
          : `${ccy} → ${account} at the static rate ${fixed}: the data folder holds no pair path`,
      },
      rates: null,
    };
  }
  const cache = opts.cache ?? new Map<string, Promise<BarArrays>>();
  const series: { bars: BarArrays; barMs: number }[] = [];
  const tfs: string[] = [];
  for (const leg of legs) {
    const pair = opts.pairs.find((p) => p.symbol === leg.symbol)!;
    const f = pickFile(pair, opts.timeframe);
    let pending = cache.get(f.path);
    if (!pending) cache.set(f.path, pending = opts.load(f.path));
    let bars: BarArrays;
    try {
      bars = await pending;
    } catch (e) {
      // An unreadable pair file does not stop the run: the static rate applies, and the result says why.
      if (!(e instanceof KinetraError) || fixed === null) throw e;
      return {
        info: {
          ...base,
          source: "static",
          static_rate: fixed,
          note:
            `${ccy} → ${account} at the static rate ${fixed}: the pair file ${f.path} could not be read (${
              e.message.split("\n")[0]
            })`,
        },
        rates: null,
      };
    }
    series.push({ bars, barMs: barLengthMs(bars.time, f.timeframe) });
    tfs.push(f.timeframe ?? "?");
  }
  const barMs = barLengthMs(opts.time, opts.timeframe);
  const fb = fixed ?? NaN;
  const r = alignRates(opts.time, barMs, legs, series, fb);
  if (r.staticMoments && fixed === null) {
    throw new KinetraError(
      "no_conversion",
      `${ccy} → ${account}: the pairs ${
        legs.map((l) => l.symbol).join(", ")
      } do not cover every bar and there is no static rate`,
    );
  }
  const via = legs.map((l) => l.symbol);
  const tf = [...new Set(tfs)].join(",");
  return {
    info: {
      ...base,
      source: "data",
      via,
      timeframe: tf,
      static_rate: fixed,
      static_moments: r.staticMoments,
      note: `${ccy} → ${account} at the rate of the moment from ${via.join(" and ")} (${tf})${
        r.staticMoments ? `; ${r.staticMoments} moments before the pairs' first bar at the static rate` : ""
      }`,
    },
    rates: { open: r.open, close: r.close },
  };
}

/** Options of `conversionForFile`. */
export interface FileConversionOptions {
  /** The traded file (its folder, and the sibling folders of its data root, are searched for pairs). */
  file: string;
  /** The traded bar times. */
  time: Float64Array;
  /** Timeframe of the traded bars (declared or detected), or null. */
  timeframe: string | null;
  /** The symbol's specification (profit currency, account currency). */
  spec: Instrument;
  /** `data` (default: where a path exists) or `static`. */
  mode?: "data" | "static";
  /** Reads a pair file (default: `readBars` + `toArrays`). */
  load?: BarLoader;
  /** Cache of pair files shared between calls. */
  cache?: Map<string, Promise<BarArrays>>;
  /** Pairs to use instead of scanning the folders. */
  pairs?: readonly PairSymbol[];
}

/** The reader used when no loader is given. */
/** The reader used when no loader is given (`readBars` + `toArrays`). */
export const readPairBars: BarLoader = async (path): Promise<BarArrays> => toArrays(await readBars(path));

/**
 * The conversion of the symbol traded in `file`, as `runBacktest` takes it: the info and the
 * multipliers of the spec's static value per price unit (data rate ÷ the static rate the spec's tick
 * value was built with), or null multipliers when the static rate applies throughout.
 */
export async function conversionForFile(
  opts: FileConversionOptions,
): Promise<{ info: ConversionInfo; valueScale: AlignedRates | null }> {
  const pairs = opts.pairs ?? (opts.mode === "static" ? [] : findPairs(conversionFolders(opts.file)));
  const c = await dataConversion({
    time: opts.time,
    timeframe: opts.timeframe,
    profitCurrency: opts.spec.currency,
    accountCurrency: opts.spec.accountCurrency,
    pairs,
    load: opts.load ?? readPairBars,
    mode: opts.mode,
    cache: opts.cache,
  });
  if (!c.rates) return { info: c.info, valueScale: null };
  // The spec's tick value was built with USD_PER (1 for a currency missing from the table).
  const built = (USD_PER[opts.spec.currency] ?? 1) / (USD_PER[opts.spec.accountCurrency] ?? 1);
  const open = c.rates.open.map((r) => r / built), close = c.rates.close.map((r) => r / built);
  return { info: c.info, valueScale: { open, close } };
}

/** A pair's bars for `DataConverter`. */
export interface PairSeries {
  /** The pair symbol. */
  symbol: string;
  /** Base currency. */
  base: string;
  /** Quote currency. */
  quote: string;
  /** Its bars. */
  bars: BarArrays;
  /** Bar length in ms (default: from the declared timeframe or the spacing). */
  barMs?: number;
}

/**
 * The data-driven `CurrencyConverter` of lib/market: `rate(from, to, t)` is the price of one unit of
 * `from` in `to` at moment `t` through the shortest pair path (the quote rule of the module
 * comment, a bar opening at `t` giving its open), falling back to `fallback` (the static table)
 * where no path or no quote exists. The backtest uses the same quotes, precomputed per bar
 * (`alignRates`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataConverter } from "./conversion.ts";
 * const bars = (price: number) => ({
 *   length: 1, time: Float64Array.of(0), open: Float64Array.of(price), high: Float64Array.of(price),
 *   low: Float64Array.of(price), close: Float64Array.of(price), tickVolume: Float64Array.of(0),
 *   volume: Float64Array.of(0), spread: null,
 * });
 * const c = new DataConverter([
 *   { symbol: "AUDJPY+", base: "AUD", quote: "JPY", bars: bars(100) },
 *   { symbol: "AUDUSD+", base: "AUD", quote: "USD", bars: bars(0.66) },
 * ]);
 * assert.ok(Math.abs(c.rate("JPY", "USD", 0) - 0.0066) < 1e-15);
 * ```
 */
export class DataConverter implements CurrencyConverter {
  private readonly pairs: PairSeries[];
  private readonly paths = new Map<string, ConversionLeg[] | null>();

  /** A converter over `pairs`, with `fallback` where they cannot say. */
  constructor(pairs: readonly PairSeries[], readonly fallback: CurrencyConverter = STATIC_CONVERTER) {
    this.pairs = pairs.map((p) => ({ ...p, barMs: p.barMs ?? barLengthMs(p.bars.time) }));
  }

  /** The pair path from `from` to `to` (null when the data has none). */
  path(from: string, to: string): ConversionLeg[] | null {
    const key = `${from}>${to}`;
    if (!this.paths.has(key)) this.paths.set(key, conversionPath(from, to, this.pairs));
    return this.paths.get(key)!;
  }

  /** Units of `to` per unit of `from` at `timeMs`. */
  rate(from: string, to: string, timeMs: number): number {
    if (from === to) return 1;
    const legs = this.path(from, to);
    if (!legs) return this.fallback.rate(from, to, timeMs);
    let r = 1;
    const m = Float64Array.of(timeMs), q = new Float64Array(1);
    for (const leg of legs) {
      const p = this.pairs.find((x) => x.symbol === leg.symbol)!;
      quotesAt(p.bars, p.barMs!, m, q, true);
      if (!(q[0] > 0)) return this.fallback.rate(from, to, timeMs);
      r = leg.invert ? r / q[0] : r * q[0];
    }
    return r;
  }
}
