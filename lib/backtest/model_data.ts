/**
 * The data behind a modelling mode: finds and reads the lower-timeframe file of a symbol (the
 * finest one in the same folder, or `--lower FILE`) or a tick file, and builds the intrabar path
 * for bars already read. Also compares the trades of two models (which bracket outcomes changed).
 *
 * @module
 */
import { basename, dirname } from "node:path";
import { KinetraError } from "../errors.ts";
import type { BarArrays } from "../data/types.ts";
import { loadFile, parseFileName, readBars, scanPrepared, timeframeMs, toArrays } from "../data/mod.ts";
import type { TradeRecord } from "../execution/types.ts";
import { type IntrabarPath, lowerBarsPath, type ModelName, openPricesPath, ticksPath } from "./intrabar.ts";

/** Where a mode's data comes from. */
export interface ModelDataOptions {
  /** The bar file being backtested (its folder is searched for lower timeframes). */
  readonly file: string;
  /** Its symbol and timeframe (as used for the run). */
  readonly symbol: string;
  /** Timeframe of the bars (e.g. "H1"). */
  readonly timeframe: string | null;
  /** The symbol's point (aggregation tolerance, spreads in points). */
  readonly point: number;
  /** A lower-timeframe file to use instead of searching. */
  readonly lower?: string | null;
  /** A tick file (`ticks` mode). */
  readonly ticks?: string | null;
  /** A cache for the lower bars read (several runs on one file read them once). */
  readonly lowerBars?: { bars?: BarArrays; file?: string };
  /** Settles `NN/NN/YYYY` dates of the lower or tick file no row settles (the run's `--date-order`). */
  readonly dateOrder?: "dmy" | "mdy";
}

/**
 * The finest lower-timeframe file of `symbol` in `dir` (by file name, not sub-folders: the exports
 * and prepared Parquet of lib/data's scanners), or null.
 */
export function findLowerFile(dir: string, symbol: string, barMs: number): string | null {
  let best: { path: string; ms: number } | null = null;
  for (const path of scanPrepared(dir, { recursive: false, exports: true })) {
    const p = parseFileName(basename(path));
    if (p.symbol !== symbol || !p.timeframe) continue;
    const ms = timeframeMs(p.timeframe);
    if (!ms || ms >= barMs || barMs % ms !== 0) continue;
    if (!best || ms < best.ms) best = { path, ms };
  }
  return best?.path ?? null;
}

/** The intrabar path of `bars` for `model` (null for `ohlc`). */
export async function loadIntrabarPath(
  model: ModelName,
  bars: BarArrays,
  opts: ModelDataOptions,
): Promise<IntrabarPath | null> {
  if (model === "ohlc") return null;
  if (model === "open") return openPricesPath(bars);
  const barMs = timeframeMs(opts.timeframe);
  if (!barMs) {
    throw new KinetraError(
      "bad_argument",
      `--model ${model} needs the bars' timeframe; ${opts.file} has none (name it SYMBOL_TF_... )`,
    );
  }
  if (model === "ticks") {
    if (!opts.ticks) {
      throw new KinetraError("bad_argument", "--model ticks needs --ticks FILE (an MT5 tick export)");
    }
    const loaded = await loadFile(opts.ticks, { dateOrder: opts.dateOrder });
    if (!loaded.ticks) {
      throw new KinetraError(
        "not_ticks",
        `${opts.ticks} is not a tick file (it holds bars; use --model lower --lower FILE)`,
      );
    }
    return ticksPath(bars, loaded.ticks, barMs, opts.ticks);
  }
  const lowerFile = opts.lower ?? findLowerFile(dirname(opts.file), opts.symbol, barMs);
  if (!lowerFile) {
    throw new KinetraError(
      "no_lower_data",
      `--model lower: no lower-timeframe file of ${opts.symbol} next to ${basename(opts.file)} (in ${
        dirname(opts.file)
      }); give one with --lower FILE`,
    );
  }
  const cache = opts.lowerBars;
  const lower = cache?.bars && cache.file === lowerFile
    ? cache.bars
    : toArrays(await readBars(lowerFile, { dateOrder: opts.dateOrder }));
  if (cache) {
    cache.bars = lower;
    cache.file = lowerFile;
  }
  const lowerTf = timeframeMs(parseFileName(lowerFile).timeframe);
  if (lowerTf && lowerTf >= barMs) {
    throw new KinetraError(
      "bad_argument",
      `--lower ${lowerFile} is not a lower timeframe than the bars (${opts.timeframe})`,
    );
  }
  return lowerBarsPath(bars, lower, barMs, { point: opts.point, source: lowerFile });
}

/** A trade whose outcome differs between two models. */
export interface ModelChange {
  /** Entry time and side of the trade (as in the chosen model). */
  entry_time: string;
  side: string;
  /** What happened under `ohlc` (null: no such trade there). */
  ohlc: { exit_time: string; exit_reason: string; exit_price: number; pnl: number } | null;
  /** What happened under the chosen model (null: no such trade there). */
  model: { exit_time: string; exit_reason: string; exit_price: number; pnl: number } | null;
}

const outcome = (t: TradeRecord) => ({
  exit_time: t.exit_time,
  exit_reason: t.exit_reason,
  exit_price: t.exit_price,
  pnl: t.pnl,
});

/**
 * Trades whose exit (time, reason or price) differs between an `ohlc` run and a run of another
 * model, matched by entry time and side; trades present in one run only are listed too.
 */
export function modelChanges(ohlc: readonly TradeRecord[], chosen: readonly TradeRecord[]): ModelChange[] {
  const key = (t: TradeRecord) => `${t.entry_time}|${t.side}`;
  const a = new Map<string, TradeRecord[]>();
  for (const t of ohlc) a.set(key(t), [...(a.get(key(t)) ?? []), t]);
  const out: ModelChange[] = [];
  for (const t of chosen) {
    const list = a.get(key(t));
    const o = list?.shift();
    if (!o) {
      out.push({ entry_time: t.entry_time, side: t.side, ohlc: null, model: outcome(t) });
      continue;
    }
    if (o.exit_time !== t.exit_time || o.exit_reason !== t.exit_reason || o.exit_price !== t.exit_price) {
      out.push({ entry_time: t.entry_time, side: t.side, ohlc: outcome(o), model: outcome(t) });
    }
  }
  for (const list of a.values()) {
    for (const o of list) out.push({ entry_time: o.entry_time, side: o.side, ohlc: outcome(o), model: null });
  }
  return out.sort((x, y) => x.entry_time.localeCompare(y.entry_time));
}
