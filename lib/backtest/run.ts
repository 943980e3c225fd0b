/**
 * `runBacktest`: validate the inputs, compute the features the strategy declares (and the energy
 * column by the one policy of ./energy.ts), run the engine, compute the statistics and wrap
 * everything in a `BacktestResult` (typed arrays plus polars frames on demand). Every entry point
 * (the backtest task, the batch, the menu, notebooks) goes through it, so all get the same figures.
 *
 * @example
 * ```ts
 * import { runBacktest } from "./run.ts";
 * import { getStrategy } from "../strategies/registry.ts";
 * const n = 200;
 * const close = Float64Array.from({ length: n }, (_, i) => 100 + 10 * Math.sin(i / 9));
 * const bars = {
 *   length: n, time: Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * 86_400_000),
 *   open: close, high: close.map((c) => c + 1), low: close.map((c) => c - 1), close,
 *   tickVolume: new Float64Array(n), volume: new Float64Array(n), spread: null,
 * };
 * const r = runBacktest({ bars, strategy: getStrategy("sma_cross"), config: { profile: "compat" } });
 * console.log(r.stats.trades, r.stats.equity_final);
 * ```
 *
 * @module
 */
import pl from "nodejs-polars";
import { type IntrabarPath, type ModelSummary, modelSummary } from "./intrabar.ts";
import type { BarArrays, Bars, BarsMeta } from "../data/types.ts";
import { toArrays } from "../data/arrays.ts";
import { computeFeatures, FEATURE_NAMES } from "../features/compute.ts";
import { KinetraError } from "../errors.ts";
import type { FeatureArrays } from "../features/types.ts";
import { type Params, resolveParams, type Strategy } from "../strategies/contract.ts";
import { type BacktestConfig, resolveConfig } from "./config.ts";
import { Engine } from "./engine.ts";
import type { Rejection, TradeRecord } from "../execution/types.ts";
import { type BacktestStats, computeStatsWithDrawdown } from "./stats.ts";
import { TradeLog } from "../execution/trade_log.ts";
import { isShared } from "../strategies/memo.ts";
import { type Instrument, symbolSpec, validateInstrument } from "../market/instrument.ts";
import { roundStatsForOutput, roundTradeForOutput } from "./output_rounding.ts";

/** Inputs of one run. */
export interface BacktestOptions {
  /** The bars: as read (`readBars`, its meta is used) or as typed arrays (`toArrays(bars)`). */
  bars: BarArrays | Bars;
  /** Where the bars come from; its symbol selects the symbol spec (default: the Bars' meta). */
  meta?: BarsMeta;
  /** The strategy to run. */
  strategy: Strategy;
  /** Strategy parameters (defaults filled in, unknown names refused). */
  params?: Params;
  /**
   * Feature columns already computed (`computeFeatures`); the strategy's declared features (and a
   * configured `energyFeature`) that are missing are computed here.
   */
  features?: FeatureArrays;
  /** Configuration; unset fields take the profile's defaults. */
  config?: Partial<BacktestConfig>;
  /**
   * Currency conversion at the rate of the moment (mt5; ignored by compat): the profit currency's
   * rate at each bar's open and close divided by the static rate of the symbol table
   * (lib/portfolio `conversionForFile`), and what it is (reported as `result.conversion`).
   */
  conversion?: BacktestConversion | null;
  /**
   * The path inside each bar for a modelling mode other than `ohlc` (lib/backtest/intrabar.ts,
   * built by `loadIntrabarPath`); absent/null = `ohlc`. The result states the model (`model`).
   */
  intrabar?: IntrabarPath | null;
  /**
   * Buffers to reuse instead of allocating (a sweep's runs, one after the other in one thread):
   * the result's `equity`, `drawdownPct` and trade log then live in them and are overwritten by
   * the next run given the same `RunBuffers`. Use the result (its `trades` included) before that.
   */
  reuse?: RunBuffers;
}

/** Per-run arrays kept between runs (`BacktestOptions.reuse`); sized on first use. */
export class RunBuffers {
  /** Equity per bar. */
  equity: Float64Array | null = null;
  /** Drawdown per bar. */
  drawdown: Float64Array | null = null;
  /** The closed trades' columns. */
  log: TradeLog = new TradeLog(256);

  /** Make the per-bar arrays `n` long (kept when they already are). */
  size(n: number): void {
    if (this.equity?.length !== n) this.equity = new Float64Array(n);
    if (this.drawdown?.length !== n) this.drawdown = new Float64Array(n);
  }
}

/** A conversion handed to `runBacktest` (see `BacktestOptions.conversion`). */
export interface BacktestConversion {
  /** Multipliers of the static value per price unit, one per bar, at the opens and closes. */
  readonly valueScale: { readonly open: Float64Array; readonly close: Float64Array } | null;
  /** What the conversion is (printed as JSON with the result). */
  readonly info: ConversionSummary;
}

/** What a conversion is (lib/portfolio `ConversionInfo` carries more fields). */
export interface ConversionSummary {
  /** The symbol's profit currency. */
  readonly profit_currency: string;
  /** `none` (account currency), `data` (pairs of the data folder) or `static` (the fixed table). */
  readonly source: string;
  /** The pair symbols of a data path, in order. */
  readonly via: readonly string[];
  /** One human sentence. */
  readonly note: string;
}

/** Everything a run produced. */
export interface BacktestResult {
  /** Every statistic (docs/METRICS.md). */
  stats: BacktestStats;
  /** Closed trades in closing order. */
  trades: TradeRecord[];
  /** Trades still open at the end (marked at the last close; not counted in trade stats). */
  openTrades: TradeRecord[];
  /** Equity per bar (account currency). */
  equity: Float64Array;
  /** Drawdown per bar in percent (<= 0). */
  drawdownPct: Float64Array;
  /** Orders the broker refused. */
  rejections: Rejection[];
  /** The resolved configuration. */
  config: BacktestConfig;
  /** The resolved strategy parameters. */
  params: Params;
  /** The symbol specification used. */
  symbol: Instrument;
  /** Bar times (epoch ms), the same array as the input. */
  time: Float64Array;
  /** The currency conversion used, when one was given (`BacktestOptions.conversion`). */
  conversion: ConversionSummary | null;
  /** The modelling mode and how many bars its path resolved (`ohlc` when none was given). */
  model: ModelSummary;
  /** Trades as a polars DataFrame (times as Datetime(ms)). */
  tradesFrame(): pl.DataFrame;
  /** `time`, `equity`, `drawdown_pct` as a polars DataFrame. */
  equityFrame(): pl.DataFrame;
  /** `{ stats, trades }` with non-finite numbers as null. */
  toJSON(): {
    stats: Record<string, number | string | null>;
    trades: Record<string, unknown>[];
    conversion?: ConversionSummary;
    model?: ModelSummary;
  };
}

/** Throw `bad_bars` on NaN/non-positive prices, high < low, or unsorted/duplicate times. */
export function checkBacktestBars(bars: BarArrays): void {
  const n = bars.length;
  if (!(n >= 2)) throw new KinetraError("bad_bars", `need at least 2 bars to backtest, got ${n}`);
  const { time, open, high, low, close } = bars;
  for (
    const [name, arr] of [["time", time], ["open", open], ["high", high], ["low", low], [
      "close",
      close,
    ]] as const
  ) {
    if (!arr || arr.length < n) {
      throw new KinetraError("bad_bars", `column ${name} has ${arr?.length ?? 0} values for ${n} bars`);
    }
  }
  // Fast path: one test per bar that passes exactly when every check below passes (h >= l > 0
  // implies h > 0; t > previous time excludes NaN and −Infinity, t < Infinity the rest).
  let ok = 0;
  for (let prevT = -Infinity; ok < n; ok++) {
    const o = open[ok], h = high[ok], l = low[ok], c = close[ok], t = time[ok];
    if (!(o > 0 && l > 0 && h >= l && c > 0 && o + h + l + c < Infinity && t > prevT && t < Infinity)) break;
    prevT = t;
  }
  const when = (k: number) => (Number.isFinite(time[k]) ? new Date(time[k]).toISOString() : `#${k}`);
  // Bars before `ok` passed; the detailed checks (and their messages) start at the first that did not.
  for (let k = ok; k < n; k++) {
    const o = open[k], h = high[k], l = low[k], c = close[k];
    if (!(o > 0 && h > 0 && l > 0 && c > 0) || !Number.isFinite(o + h + l + c)) {
      throw new KinetraError(
        "bad_bars",
        `bar ${k} (${
          when(k)
        }) has a NaN, infinite or non-positive price (open ${o}, high ${h}, low ${l}, close ${c})`,
      );
    }
    if (h < l) throw new KinetraError("bad_bars", `bar ${k} (${when(k)}) has high ${h} below low ${l}`);
    if (!Number.isFinite(time[k])) throw new KinetraError("bad_bars", `bar ${k} has no valid time`);
    if (k && !(time[k] > time[k - 1])) {
      throw new KinetraError(
        "bad_bars",
        `bars are not sorted by time: bar ${k} (${when(k)}) is not after bar ${k - 1} (${
          when(k - 1)
        }); sort and de-duplicate first`,
      );
    }
  }
  if (bars.spread) {
    for (let k = 0; k < n; k++) {
      const s = bars.spread[k];
      if (!(s >= 0)) throw new KinetraError("bad_bars", `bar ${k} (${when(k)}) has an invalid spread ${s}`);
    }
  }
}

/**
 * The strategy's declared features (and a configured energy feature) added to `given` where missing;
 * `given` itself is not modified.
 */
export function withDeclaredFeatures(
  bars: BarArrays,
  strategy: Pick<Strategy, "features">,
  given: FeatureArrays,
  energyFeature: string | null = null,
): FeatureArrays {
  const want = energyFeature ? [...strategy.features, energyFeature] : strategy.features;
  const missing = [...new Set(want)].filter((f) => !given[f]);
  const unknown = missing.filter((f) => !FEATURE_NAMES.includes(f));
  if (unknown.length) {
    throw new KinetraError(
      "missing_features",
      `feature(s) ${unknown.join(", ")} were not supplied and are not computable features (${
        FEATURE_NAMES.join(", ")
      })`,
    );
  }
  return missing.length ? { ...given, ...computeFeatures(bars, missing) } : given;
}

function toJsonValue(v: unknown): unknown {
  return typeof v === "number" && !Number.isFinite(v) ? null : v;
}

/** Bar series that passed `checkBacktestBars` while shared by a sweep (lib/strategies/memo.ts). */
const checkedBars = new WeakSet<BarArrays>();

/** Run one strategy over one bar series. Synchronous and pure (no I/O). */
export function runBacktest(opts: BacktestOptions): BacktestResult {
  const { strategy } = opts;
  const isBars = "frame" in opts.bars && "meta" in opts.bars;
  const bars: BarArrays = isBars ? toArrays(opts.bars as Bars) : opts.bars as BarArrays;
  const meta = opts.meta ?? (isBars ? (opts.bars as Bars).meta : undefined);
  const config = resolveConfig(opts.config);
  // A sweep's runs share one bar series (indicators shared on its close, whose arrays must not be
  // written): checked once, not once per parameter set.
  const shared = isShared(bars.close);
  if (!(shared && checkedBars.has(bars))) {
    checkBacktestBars(bars);
    if (shared) checkedBars.add(bars);
  }
  const params = resolveParams(strategy, opts.params ?? {});
  const features = withDeclaredFeatures(bars, strategy, opts.features ?? {}, config.energyFeature);
  for (const [name, col] of Object.entries(features)) {
    if (col.length !== bars.length) {
      throw new KinetraError(
        "bad_features",
        `feature ${name} has ${col.length} values for ${bars.length} bars`,
      );
    }
  }
  const spec = config.symbol ?? symbolSpec(meta?.symbol ?? "GENERIC");
  validateInstrument(spec);
  const scale = opts.conversion?.valueScale ?? null;
  if (scale && (scale.open.length !== bars.length || scale.close.length !== bars.length)) {
    throw new KinetraError(
      "bad_conversion",
      `conversion rates have ${scale.open.length} values for ${bars.length} bars`,
    );
  }
  const intrabar = opts.intrabar ?? null;
  const reuse = opts.reuse;
  reuse?.size(bars.length);
  const engine = new Engine(bars, config, spec, features, {
    valueScale: scale,
    intrabar,
    reuse: reuse ? { equity: reuse.equity, log: reuse.log } : undefined,
  });
  const model = modelSummary(intrabar, bars.length);
  const out = engine.run(strategy, params, features);
  // The drawdown is computed in the statistics' single pass over the equity.
  const { stats, drawdownPct } = computeStatsWithDrawdown({
    profile: config.profile,
    time: bars.time,
    close: bars.close,
    equity: out.equity,
    trades: out.log,
    openTrades: out.openTrades.length,
    start: out.start,
    rejected: out.rejections.length,
    cancelled: out.cancelledOrders,
    drawdownBuffer: reuse?.drawdown,
  });
  const time = bars.time;
  // Trade objects are built on first use (the engine and the stats work on columns).
  let cached: TradeRecord[] | null = null;
  const records = (): TradeRecord[] => (cached ??= out.log.toRecords(time));
  const result: BacktestResult = {
    stats,
    get trades(): TradeRecord[] {
      return records();
    },
    openTrades: out.openTrades,
    equity: out.equity,
    drawdownPct,
    rejections: out.rejections,
    config,
    params,
    symbol: spec,
    time,
    conversion: opts.conversion?.info ?? null,
    model,
    tradesFrame(): pl.DataFrame {
      return tradesToFrame(records());
    },
    equityFrame(): pl.DataFrame {
      return pl.DataFrame({
        time: pl.Series("time", Array.from(time)).cast(pl.Datetime("ms")),
        equity: pl.Series("equity", out.equity, pl.Float64),
        drawdown_pct: pl.Series("drawdown_pct", drawdownPct, pl.Float64),
      });
    },
    toJSON() {
      const s: Record<string, number | string | null> = {};
      // Output edge: money in cents, prices to the symbol's digits (the result keeps full precision).
      for (const [k, v] of Object.entries(roundStatsForOutput(stats))) {
        s[k] = toJsonValue(v) as number | string | null;
      }
      const trades = records().map((t) => {
        const o: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(roundTradeForOutput(t, spec.digits))) o[k] = toJsonValue(v);
        return o;
      });
      const out: Record<string, unknown> = { stats: s, trades };
      if (opts.conversion) out.conversion = opts.conversion.info;
      if (intrabar) out.model = model;
      return out as ReturnType<BacktestResult["toJSON"]>;
    },
  };
  return result;
}

/** Trade records as a polars DataFrame (entry/exit times as Datetime(ms)). */
export function tradesToFrame(trades: readonly TradeRecord[]): pl.DataFrame {
  const num = (k: keyof TradeRecord) =>
    pl.Series(k, trades.map((t) => (t[k] as number | null) ?? NaN), pl.Float64);
  const int = (k: keyof TradeRecord) => pl.Series(k, trades.map((t) => t[k] as number), pl.Int64);
  const str = (k: keyof TradeRecord) =>
    pl.Series(k, trades.map((t) => (t[k] as string | null) ?? null), pl.Utf8);
  const tm = (k: keyof TradeRecord) =>
    pl.Series(k, trades.map((t) => Date.parse(t[k] as string)), pl.Float64).cast(pl.Int64).cast(
      pl.Datetime("ms"),
    );
  return pl.DataFrame([
    int("entry_bar"),
    int("exit_bar"),
    tm("entry_time"),
    tm("exit_time"),
    str("side"),
    num("entry_price"),
    num("exit_price"),
    num("size"),
    num("pnl"),
    num("return_pct"),
    num("commission"),
    num("spread_cost"),
    num("slippage_cost"),
    num("swap"),
    num("mfe"),
    num("mae"),
    num("energy_at_entry"),
    num("sl"),
    num("tp"),
    str("tag"),
    str("exit_reason"),
    int("duration_bars"),
  ]);
}
