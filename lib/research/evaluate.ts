/**
 * One trial: run a parameter set through `runBacktest` (the engine's public API, so every trial
 * equals a single backtest bit for bit) and keep what a sweep needs: the statistics, the
 * objective, and the moment sums of the per-bar equity returns (whole series and per partition,
 * for the deflated Sharpe ratio and PBO).
 *
 * @module
 */
import { type BacktestConfig, defaultProfileFor } from "../backtest/config.ts";
import { type BacktestConversion, type BacktestResult, runBacktest, RunBuffers } from "../backtest/run.ts";
import { symbolSpec } from "../market/instrument.ts";
import { conversionForFile } from "../portfolio/conversion.ts";
import { computeStats } from "../backtest/stats.ts";
import { roundStatsForOutput } from "../backtest/output_rounding.ts";
import type { TradeRecord } from "../execution/types.ts";
import type { BarArrays } from "../data/types.ts";
import { KinetraError } from "../errors.ts";
import type { Params, Strategy } from "../strategies/contract.ts";
import type { Dataset } from "./data.ts";
import { sliceBars, sliceFeatures } from "./data.ts";
import { equityReturnSums, momentSums, partitionBounds } from "./overfit.ts";
import { type IntrabarPath, type ModelName, slicePath } from "../backtest/intrabar.ts";
import { loadIntrabarPath } from "../backtest/model_data.ts";
import { resolveTimeframe } from "../data/timeframe.ts";

/** Cost and account flags of a sweep (serialisable; the symbol is resolved where the job runs). */
export interface SweepConfig {
  /** Engine profile (default: mt5 for MT5 exports, compat otherwise). */
  profile?: "mt5" | "compat";
  /** Starting cash. */
  cash?: number;
  /** Commission (as `--commission`). */
  commission?: number | null;
  /** Spread (as `--spread`). */
  spread?: number | null;
  /** Margin requirement (1 / leverage). */
  margin?: number;
  /** Leverage (overrides `margin`). */
  leverage?: number;
  /** Adverse slippage in points (mt5). */
  slippagePoints?: number;
  /** Fill market orders at the signal bar's close. */
  tradeOnClose?: boolean;
  /** Close open trades at the end. */
  finalize?: boolean;
  /** Keep opposite trades side by side. */
  hedging?: boolean;
  /** Charge swap (mt5). */
  swap?: boolean;
  /** Symbol name for the symbol specification (default: the data's symbol). */
  symbol?: string | null;
  /** JSON file of symbol specification overrides (`--symbols`). */
  symbolsFile?: string | null;
  /** Fixed lots per entry (`--lots`, mt5). */
  lots?: number;
  /** Currency conversion of profits (mt5): `data` (default, the pairs of the data folder) or `static`. */
  conversion?: "data" | "static";
  /** Modelling mode (lib/backtest/intrabar.ts; default `ohlc`). */
  model?: ModelName;
  /** `lower`: the lower-timeframe file (default: the finest one of the symbol beside the data file). */
  lower?: string | null;
  /** `ticks`: the tick file. */
  ticks?: string | null;
}

/** The engine configuration of a sweep config for data of symbol `dataSymbol` (as `deno task backtest` builds it). */
export function engineConfig(
  cfg: SweepConfig,
  dataSymbol: string,
  meta: { format: string; sourceFormat?: string | null },
): Partial<BacktestConfig> {
  const profile = cfg.profile ?? defaultProfileFor(meta);
  return {
    profile,
    cash: cfg.cash,
    commission: cfg.commission ?? null,
    spread: cfg.spread ?? null,
    margin: cfg.margin,
    leverage: cfg.leverage,
    slippagePoints: cfg.slippagePoints,
    tradeOnClose: cfg.tradeOnClose ?? false,
    finalize: cfg.finalize ?? false,
    hedging: cfg.hedging ?? false,
    swap: cfg.swap,
    symbol: symbolSpec(cfg.symbol || dataSymbol || "GENERIC", cfg.symbolsFile ?? undefined),
    sizing: cfg.lots !== undefined ? { mode: "lots", lots: cfg.lots } : undefined,
  };
}

/**
 * The currency conversion `deno task backtest` uses for `file` (mt5: profits at the rate of the
 * moment from the data folder's pairs, or the static table; compat: none).
 */
export async function conversionFor(
  ds: Dataset,
  file: string,
  cfg: Partial<BacktestConfig>,
  mode: "data" | "static" = "data",
): Promise<BacktestConversion | null> {
  if (cfg.profile !== "mt5") return null;
  return await conversionForFile({
    file,
    time: ds.bars.time,
    timeframe: ds.meta.timeframe ?? ds.meta.timeframeDetected,
    spec: cfg.symbol!,
    mode,
  });
}

/**
 * The intrabar path of the whole dataset for the sweep's model (null for `ohlc`), built once; runs
 * on a bar range take `slicePath` of it (a path must match the bars given to `runBacktest`).
 */
export async function intrabarFor(
  ds: Dataset,
  file: string,
  cfg: SweepConfig,
  engine: Partial<BacktestConfig>,
  dateOrder?: "dmy" | "mdy",
): Promise<IntrabarPath | null> {
  const model = cfg.model ?? "ohlc";
  if (model === "ohlc") return null;
  return await loadIntrabarPath(model, ds.bars, {
    file,
    symbol: ds.meta.symbol,
    timeframe: resolveTimeframe(ds.meta.timeframe, ds.meta.timeframeDetected, file).timeframe,
    point: engine.symbol?.point ?? 0.00001,
    lower: cfg.lower ?? null,
    ticks: cfg.ticks ?? null,
    dateOrder,
  });
}

/** The path for bars [from, to) of the dataset (null stays null). */
export function rangePath(p: IntrabarPath | null | undefined, from: number, to: number): IntrabarPath | null {
  return p ? slicePath(p, from, to) : null;
}

/** A conversion's per-bar rates for bars [from, to). */
export function sliceConversion(
  c: BacktestConversion | null | undefined,
  from: number,
  to: number,
): BacktestConversion | null {
  if (!c) return null;
  const v = c.valueScale;
  return {
    info: c.info,
    valueScale: v ? { open: v.open.subarray(from, to), close: v.close.subarray(from, to) } : null,
  };
}

/** How a trial was excluded from the ranking (null = ranked). */
export type Exclusion = null | "no_trades" | "undefined_objective" | "min_trades";

/** The statistics of one trial and what the overfitting statistics need. */
export interface Trial {
  /** Stable index (order of proposal). */
  index: number;
  /** Full parameter set (swept and fixed). */
  params: Params;
  /** The objective's value (null when undefined or no trades). */
  objective: number | null;
  /** Why it is excluded from the ranking, or null. */
  excluded: Exclusion;
  /** Every backtest statistic (non-finite numbers as null), or omitted when the caller drops them. */
  stats?: Record<string, number | string | null>;
  /** [n, Σr, Σr², Σr³, Σr⁴] of the per-bar equity returns. */
  moments: number[];
  /** Per-partition [n, Σr, Σr²] of the per-bar returns (3 × partitions numbers). */
  parts: number[];
}

let statNames: string[] | null = null;

/** Names of the numeric backtest statistics (what `--objective` accepts). */
export function statisticNames(): string[] {
  if (statNames) return statNames;
  const n = 64;
  const close = Float64Array.from({ length: n }, (_, i) => 100 + 10 * Math.sin(i / 5));
  const bars: BarArrays = {
    length: n,
    time: Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * 86_400_000),
    open: close,
    high: close.map((c) => c + 1),
    low: close.map((c) => c - 1),
    close,
    tickVolume: new Float64Array(n),
    volume: new Float64Array(n),
    spread: null,
  };
  const strategy: Strategy = {
    name: "probe",
    description: "",
    params: {},
    features: [],
    warmup: () => 1,
    init: () => null,
    decide: () => {},
  };
  const r = runBacktest({ bars, strategy, config: { profile: "compat" } });
  statNames = Object.entries(r.stats).filter(([, v]) => typeof v === "number").map(([k]) => k);
  return statNames;
}

/** Throw `bad_objective` unless `name` is a numeric statistic. */
export function checkObjective(name: string): void {
  const names = statisticNames();
  if (!names.includes(name)) {
    throw new KinetraError(
      "bad_objective",
      `objective "${name}" is not a statistic; choose one of: ${names.join(", ")}`,
    );
  }
}

/** What a trial evaluation needs besides the parameters. */
export interface TrialContext {
  /** The data. */
  dataset: Dataset;
  /** The strategy. */
  strategy: Strategy;
  /** Engine configuration. */
  config: Partial<BacktestConfig>;
  /** Statistic ranked. */
  objective: string;
  /** Fewer closed trades than this excludes a result. */
  minTrades: number;
  /** PBO partitions of the bars. */
  partitions: number;
  /** Currency conversion over the whole dataset (`conversionFor`), or null. */
  conversion?: BacktestConversion | null;
  /** The intrabar path over the whole dataset (`intrabarFor`), or null for `ohlc`. */
  intrabar?: IntrabarPath | null;
}

/** Per-bar returns eq[i]/eq[i−1] − 1 into `buf` (length n − 1); NaN where the previous equity is 0. */
export function barReturns(equity: Float64Array, buf?: Float64Array): Float64Array {
  const n = equity.length;
  const r = buf && buf.length >= n - 1 ? buf.subarray(0, n - 1) : new Float64Array(Math.max(0, n - 1));
  for (let i = 1; i < n; i++) {
    const p = equity[i - 1];
    r[i - 1] = p > 0 ? equity[i] / p - 1 : NaN;
  }
  return r;
}

/** JSON-safe copy of the statistics, money rounded to cents as in `runBacktest`'s `toJSON` (the output edge). */
export function jsonStats(stats: BacktestResult["stats"]): Record<string, number | string | null> {
  const s: Record<string, number | string | null> = {};
  for (const [k, v] of Object.entries(roundStatsForOutput(stats))) {
    s[k] = typeof v === "number" && !Number.isFinite(v) ? null : v;
  }
  return s;
}

/** Objective and exclusion of a result's statistics. */
export function scoreOf(
  stats: BacktestResult["stats"],
  objective: string,
  minTrades: number,
): { objective: number | null; excluded: Exclusion } {
  const v = stats[objective];
  const value = typeof v === "number" && Number.isFinite(v) ? v : null;
  const trades = Number(stats.trades);
  if (!(trades > 0)) return { objective: value, excluded: "no_trades" };
  if (value === null) return { objective: null, excluded: "undefined_objective" };
  if (trades < minTrades) return { objective: value, excluded: "min_trades" };
  return { objective: value, excluded: null };
}

/** This thread's per-run arrays, reused by every `evaluateTrial` (runs here never overlap). */
const trialBuffers = new RunBuffers();

/** Run one parameter set over bars [from, to) of the dataset (a window's training part, or all). */
export function evaluateTrial(
  ctx: TrialContext,
  params: Params,
  index: number,
  range: { from: number; to: number } | null,
  bars?: BarArrays,
): Trial {
  const ds = ctx.dataset;
  const b = bars ?? (range ? sliceBars(ds.bars, range.from, range.to) : ds.bars);
  const features = range ? sliceFeatures(ds.features, range.from, range.to) : ds.features;
  const r = runBacktest({
    bars: b,
    meta: ds.meta,
    strategy: ctx.strategy,
    params,
    features,
    config: ctx.config,
    conversion: range ? sliceConversion(ctx.conversion, range.from, range.to) : ctx.conversion ?? null,
    intrabar: range ? rangePath(ctx.intrabar, range.from, range.to) : ctx.intrabar ?? null,
    reuse: trialBuffers,
  });
  // The result's arrays are `trialBuffers`: everything a trial keeps is copied out of them here.
  const { moments, parts } = equityReturnSums(r.equity, ctx.partitions);
  const sc = scoreOf(r.stats, ctx.objective, ctx.minTrades);
  return {
    index,
    params: r.params,
    objective: sc.objective,
    excluded: sc.excluded,
    stats: jsonStats(r.stats),
    moments,
    parts,
  };
}

/** A run of one parameter set on a walk-forward test part. */
export interface TestRun {
  /** The trial (statistics over the test bars only). */
  trial: Trial;
  /** Equity over the test bars only. */
  equity: Float64Array;
  /** Trades with bar indices relative to the test part's first bar. */
  trades: TradeRecord[];
}

/**
 * Run `params` on the test part [from, to) of the dataset: the strategy's indicators warm up on the
 * bars just before `from` (its declared warm-up), its first decision is at bar `from`, and every
 * position is closed at the end of the part (`finalize`), so no position is opened or carried
 * outside it. Statistics are computed over the test bars only; the per-bar returns go into the
 * partitions of a longer series (the stitched out-of-sample bars) at `offset` of `total` returns.
 */
export function evaluateTestPart(
  ctx: TrialContext,
  params: Params,
  index: number,
  test: { from: number; to: number },
  opts: { cash?: number; offset?: number; total?: number } = {},
): TestRun {
  const ds = ctx.dataset;
  const warm = Math.max(0, Math.floor(ctx.strategy.warmup({ ...params })));
  const lead = Math.min(test.from, warm);
  const from0 = test.from - lead;
  const bars = sliceBars(ds.bars, from0, test.to);
  const features = sliceFeatures(ds.features, from0, test.to);
  const config = { ...ctx.config, finalize: true, cash: opts.cash ?? ctx.config.cash };
  // With fewer lead bars than the warm-up (data starts too late), the engine starts later: never earlier.
  const conversion = sliceConversion(ctx.conversion, from0, test.to);
  const r = runBacktest({
    bars,
    meta: ds.meta,
    strategy: ctx.strategy,
    params,
    features,
    config,
    conversion,
    intrabar: rangePath(ctx.intrabar, from0, test.to),
  });
  const eq = r.equity.subarray(lead);
  const trades = r.trades.map((t) => ({ ...t, entry_bar: t.entry_bar - lead, exit_bar: t.exit_bar - lead }));
  const stats = computeStats({
    profile: r.config.profile,
    time: bars.time.subarray(lead),
    close: bars.close.subarray(lead),
    equity: eq,
    trades,
    openTrades: 0,
    start: 1,
    rejected: r.rejections.length,
    cancelled: Number(r.stats.cancelled_orders) || 0,
  });
  const ret = barReturns(eq);
  const partitions = ctx.partitions;
  const total = opts.total ?? ret.length, offset = opts.offset ?? 0;
  const bounds = partitionBounds(total, partitions);
  const parts = new Array(3 * partitions).fill(0);
  for (let s = 0; s < partitions; s++) {
    const a = Math.max(bounds[s] - offset, 0), b = Math.min(bounds[s + 1] - offset, ret.length);
    if (b <= a) continue;
    const m = momentSums(ret, a, b);
    parts[3 * s] = m[0];
    parts[3 * s + 1] = m[1];
    parts[3 * s + 2] = m[2];
  }
  const sc = scoreOf(stats, ctx.objective, ctx.minTrades);
  return {
    trial: {
      index,
      params: r.params,
      objective: sc.objective,
      excluded: sc.excluded,
      stats: jsonStats(stats),
      moments: momentSums(ret),
      parts,
    },
    equity: eq,
    trades,
  };
}
