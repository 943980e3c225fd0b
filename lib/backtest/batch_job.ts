/**
 * One batch job: read one file, compute the union of the strategies' features once, run every
 * strategy on it, write each run's trades, and return one result per strategy. Failures are
 * caught per step and recorded on the results, never thrown, so a batch goes on.
 *
 * @module
 */
import { basename, join } from "node:path";
import type { BarArrays } from "../data/types.ts";
import pl from "nodejs-polars";
import {
  blockingFindings,
  criticalError,
  detectTimeframe,
  loadFile,
  resolveTimeframe,
  splitIndex,
  toArrays,
  validateBars,
  validateLoaded,
} from "../data/mod.ts";
import { isKinetraError, KinetraError } from "../errors.ts";
import { computeFeatures } from "../features/mod.ts";
import type { FeatureArrays } from "../features/types.ts";
import type { Params, Strategy } from "../strategies/contract.ts";
import { resolveParams } from "../strategies/contract.ts";
import { getStrategy } from "../strategies/registry.ts";
import { writeTextAtomic } from "../util/fs.ts";
import type { BatchJob, BatchResult } from "./batch_types.ts";
import type { TradeRecord } from "../execution/types.ts";
import { runBacktest } from "./mod.ts";
import { equityReturnSums, fileOverfit } from "../research/overfit.ts";
import { roundStatsForOutput, roundTradeForOutput } from "./output_rounding.ts";
import { symbolSpec } from "../market/instrument.ts";
import { conversionForFile } from "../portfolio/conversion.ts";
import { loadIntrabarPath } from "./model_data.ts";

/** Pair files read for currency conversion, shared by the jobs of one worker. */
const PAIR_CACHE = new Map<string, Promise<BarArrays>>();

/** Columns of a trades CSV, in order. */
const TRADE_COLUMNS: readonly (keyof TradeRecord)[] = [
  "entry_bar",
  "exit_bar",
  "entry_time",
  "exit_time",
  "side",
  "entry_price",
  "exit_price",
  "size",
  "pnl",
  "return_pct",
  "commission",
  "spread_cost",
  "slippage_cost",
  "swap",
  "mfe",
  "mae",
  "energy_at_entry",
  "sl",
  "tp",
  "tag",
  "exit_reason",
  "duration_bars",
];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * Trades as CSV text (header + one line per trade), columns in TradeRecord order; money in cents
 * and prices to `priceDigits` decimals when given (the output edge: the records keep full precision).
 */
export function tradesCsv(trades: readonly TradeRecord[], priceDigits?: number): string {
  const lines = [TRADE_COLUMNS.join(",")];
  for (const raw of trades) {
    const t = priceDigits === undefined ? raw : roundTradeForOutput(raw, priceDigits);
    lines.push(TRADE_COLUMNS.map((c) => csvCell(t[c])).join(","));
  }
  return lines.join("\n") + "\n";
}

function errorOf(e: unknown): { code: string; message: string } {
  if (isKinetraError(e)) return { code: e.code, message: e.message };
  const msg = e instanceof Error ? e.message : String(e);
  return { code: "internal_error", message: msg.split("\n")[0] };
}

/** Bars `from..n` of `bars`, and the same slice of every feature column (views, no copies). */
function sliceFrom(bars: BarArrays, features: FeatureArrays, from: number): [BarArrays, FeatureArrays] {
  if (from <= 0) return [bars, features];
  const s = (a: Float64Array): Float64Array => a.subarray(from);
  const b: BarArrays = {
    length: bars.length - from,
    time: s(bars.time),
    open: s(bars.open),
    high: s(bars.high),
    low: s(bars.low),
    close: s(bars.close),
    tickVolume: s(bars.tickVolume),
    volume: s(bars.volume),
    spread: bars.spread ? s(bars.spread) : null,
  };
  const f: FeatureArrays = {};
  for (const [k, v] of Object.entries(features)) f[k] = s(v);
  return [b, f];
}

/**
 * Where a strategy's run starts and where its decisions start, for the job's split. `all` and
 * pre-split files trade every bar after the warm-up. A raw file cut for `train` keeps the first
 * (1 − testRatio) of its bars. For `test` the features are computed on the whole history (they
 * are causal, so this uses only the past) and the run starts `warmup` bars before the test part,
 * so the strategy decides from the first test bar on.
 */
export function splitWindow(
  n: number,
  split: BatchJob["split"],
  testRatio: number,
  presplit: boolean,
  warmup: number,
): { from: number; to: number } {
  if (presplit || split === "all") return { from: 0, to: n };
  const cut = splitIndex(n, testRatio); // the same cut as `deno task prepare`
  if (split === "train") return { from: 0, to: cut };
  return { from: Math.max(0, cut - warmup), to: n };
}

function cutTo(bars: BarArrays, features: FeatureArrays, to: number): [BarArrays, FeatureArrays] {
  if (to >= bars.length) return [bars, features];
  const s = (a: Float64Array): Float64Array => a.subarray(0, to);
  const b: BarArrays = {
    length: to,
    time: s(bars.time),
    open: s(bars.open),
    high: s(bars.high),
    low: s(bars.low),
    close: s(bars.close),
    tickVolume: s(bars.tickVolume),
    volume: s(bars.volume),
    spread: bars.spread ? s(bars.spread) : null,
  };
  const f: FeatureArrays = {};
  for (const [k, v] of Object.entries(features)) f[k] = s(v);
  return [b, f];
}

/** Safe file-name stem for a trades file. */
function tradesName(job: BatchJob, strategy: string): string {
  const stem = (job.file.split(/[\\/]/).pop() ?? "file").replace(/\.[A-Za-z0-9]+$/, "");
  const split = job.presplit
    ? `${/[\\/]test[\\/]/.test(job.file) ? "test" : "train"}_`
    : job.split === "all"
    ? ""
    : `${job.split}_`;
  return `${split}${stem}__${strategy}.csv`.replace(/[^A-Za-z0-9+._-]/g, "_");
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The overrides among `given` that `strategy` declares (the others belong to other strategies). */
export function paramsFor(strategy: Strategy, given: Readonly<Record<string, number>>): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(given)) if (k in strategy.params) out[k] = v;
  return out;
}

/** Run one job; never throws. */
export async function runBatchJob(job: BatchJob): Promise<BatchResult[]> {
  const base = (strategy: string): BatchResult => ({
    file: job.file,
    symbol: job.symbol,
    timeframe: job.timeframe,
    timeframe_declared: job.timeframe,
    warnings: [],
    asset_class: job.assetClass,
    strategy,
    bars: 0,
    sha256: null,
    stats: null,
    trades_file: null,
    error: null,
    timings_ms: { read: 0, features: 0, simulate: 0 },
  });
  const results = job.strategies.map(base);
  const tails = new Map<BatchResult, Float64Array>();
  // Resolve strategies first: an unknown name fails only its own results.
  const strategies: (Strategy | null)[] = job.strategies.map((name, k) => {
    try {
      return getStrategy(name);
    } catch (e) {
      results[k].error = errorOf(e);
      return null;
    }
  });
  let t0 = performance.now();
  let sha: string | null = null;
  let bars: BarArrays;
  let meta: { symbol: string; timeframe: string | null };
  try {
    if (/\.parquet$/i.test(job.file)) {
      const bytes = await Deno.readFile(job.file);
      sha = await sha256Hex(bytes);
      bars = toArrays(pl.readParquet(job.file));
      // The data gate: CRITICAL findings refuse the file unless allowed.
      const findings = validateBars(bars, { timeframe: job.timeframe });
      if (!job.allowCritical && blockingFindings(findings).length) {
        throw criticalError(job.file, findings);
      }
    } else {
      const loaded = await loadFile(job.file, { lenient: true, dateOrder: job.dateOrder });
      const findings = validateLoaded(loaded);
      if (!job.allowCritical && blockingFindings(findings).length) {
        throw criticalError(job.file, findings);
      }
      sha = await sha256Hex(loaded.rawBytes);
      if (!loaded.arrays) {
        throw new KinetraError("not_bars", `${job.file} is a tick export; resample it to bars first`);
      }
      bars = loaded.arrays;
    }
    // The bars' spacing wins over a mislabelled name (with a warning); strict refuses the file.
    const tf = resolveTimeframe(job.timeframe, detectTimeframe(bars.time), basename(job.file));
    if (tf.warning && job.strictTimeframe) {
      throw new KinetraError(
        "timeframe_mismatch",
        `${job.file} is named ${tf.declared} but its bars are ${tf.detected} apart (--strict refuses it)`,
      );
    }
    for (const r of results) {
      r.timeframe = tf.timeframe;
      if (tf.warning) r.warnings = [...(r.warnings ?? []), tf.warning];
    }
    meta = { symbol: job.symbol, timeframe: tf.timeframe };
  } catch (e) {
    const err = errorOf(e);
    for (const r of results) r.error ??= err;
    return results;
  }
  // mt5: profits converted at the rates of the time from the pairs beside the file, as `deno task
  // backtest` does (lib/portfolio/conversion.ts; static where the folder has no pair path).
  let conversion: Awaited<ReturnType<typeof conversionForFile>> | null = null;
  if (job.engine.profile === "mt5") {
    try {
      conversion = await conversionForFile({
        file: job.file,
        time: bars.time,
        timeframe: meta.timeframe,
        spec: symbolSpec(job.symbol || "GENERIC"),
        mode: job.engine.conversion ?? "data",
        cache: PAIR_CACHE,
      });
    } catch (e) {
      const err = errorOf(e);
      for (const r of results) r.error ??= err;
      return results;
    }
    const c = conversion.info;
    for (const r of results) r.conversion = { source: c.source, via: c.via, note: c.note };
  }
  const readMs = performance.now() - t0;
  if (job.expectSha256 && sha !== job.expectSha256) {
    const err = {
      code: "sha256_mismatch",
      message: `${job.file} differs from the file the batch was planned on (sha256 ${
        sha?.slice(0, 12)
      }… expected ${job.expectSha256.slice(0, 12)}…)`,
    };
    for (const r of results) r.error ??= err;
    return results;
  }
  for (const r of results) r.sha256 = sha;
  t0 = performance.now();
  let features: FeatureArrays;
  try {
    const names = [...new Set(strategies.flatMap((s) => (s ? [...s.features] : [])))];
    features = computeFeatures(bars, names);
  } catch (e) {
    const err = errorOf(e);
    for (const r of results) r.error ??= err;
    return results;
  }
  const featuresMs = performance.now() - t0;
  const lowerCache: { bars?: BarArrays; file?: string } = {}; // the lower-timeframe file, read once per job
  for (let k = 0; k < strategies.length; k++) {
    const strategy = strategies[k];
    const r = results[k];
    r.timings_ms.read = readMs / strategies.length;
    r.timings_ms.features = featuresMs / strategies.length;
    if (!strategy) continue;
    const t1 = performance.now();
    try {
      const params: Params = resolveParams(strategy, paramsFor(strategy, job.params));
      const warm = strategy.warmup(params);
      const { from, to } = splitWindow(bars.length, job.split, job.testRatio, job.presplit, warm);
      const [b1, f1] = cutTo(bars, features, to);
      const [b2, f2] = sliceFrom(b1, f1, from);
      r.bars = Math.max(0, b2.length - warm);
      const scale = conversion?.valueScale;
      const end = Math.min(to, bars.length), start = Math.max(0, from);
      const model = job.model ?? "ohlc";
      let intrabar = null;
      if (model !== "ohlc") {
        try {
          intrabar = await loadIntrabarPath(model, b2, {
            file: job.file,
            symbol: meta.symbol,
            timeframe: meta.timeframe,
            point: symbolSpec(meta.symbol).point,
            lowerBars: lowerCache,
            dateOrder: job.dateOrder,
          });
        } catch (e) {
          // The finest timeframe of a symbol has nothing below it: that file runs on ohlc, said so.
          if (!isKinetraError(e) || e.code !== "no_lower_data") throw e;
          r.warnings = [
            ...(r.warnings ?? []),
            `--model ${model}: no lower timeframe of ${meta.symbol} in its folder; ohlc used`,
          ];
        }
      }
      const res = runBacktest({
        intrabar,
        bars: b2,
        meta: {
          symbol: meta.symbol,
          timeframe: meta.timeframe,
          timeframeDetected: meta.timeframe,
          source: job.file,
          format: "mt5_bars",
        },
        strategy,
        params,
        features: f2,
        config: { profile: job.engine.profile },
        conversion: conversion
          ? {
            info: conversion.info,
            valueScale: scale
              ? { open: scale.open.subarray(start, end), close: scale.close.subarray(start, end) }
              : null,
          }
          : null,
      });
      r.stats = roundStatsForOutput(res.stats);
      if (intrabar) r.model = res.model;
      // Equity over the traded bars (after the warm-up); all end at the same bar.
      tails.set(r, res.equity.subarray(Math.min(warm, res.equity.length)));
      const name = tradesName(job, strategy.name);
      if (job.tradesDir) {
        await writeTextAtomic(join(job.tradesDir, name), tradesCsv(res.trades, res.symbol.digits));
      } else {
        // No folder (a cluster worker): the trades travel back inline and the collector writes them.
        r.trades_csv = tradesCsv(res.trades, res.symbol.digits);
      }
      r.trades_file = `trades/${name}`;
      if (job.reportDir) {
        // --report: the run's own page (loaded lazily: workers without it never import lib/plot).
        const plot = await import("../plot/mod.ts");
        const page = name.replace(/\.csv$/, ".html");
        const html = plot.backtestReportHtml(
          plot.backtestReportInput({
            title: `${strategy.name} on ${job.symbol} ${meta.timeframe ?? ""}`.trim(),
            subtitle: `${job.engine.profile} profile · ${
              Object.entries(params).map(([k, v]) => `${k}=${v}`).join(" ")
            } · ${job.file}`,
            bars: b2,
            result: res,
            strategy,
          }),
          { plotlySrc: "plotly.min.js" },
        );
        await writeTextAtomic(join(job.reportDir, page), html);
        r.report_file = `reports/${page}`;
        const w = Math.min(warm, res.equity.length);
        r.equity_curve = { time: b2.time.subarray(w), equity: res.equity.subarray(w) };
      }
    } catch (e) {
      r.error = errorOf(e);
    }
    r.timings_ms.simulate = performance.now() - t1;
  }
  // DSR and PBO of choosing among the strategies that ran on this file.
  const ran = results.filter((r) => tails.has(r));
  const common = Math.min(...ran.map((r) => tails.get(r)!.length));
  const of = fileOverfit(
    ran.map((r) => equityReturnSums(tails.get(r)!.subarray(tails.get(r)!.length - common), 16)),
    16,
  );
  ran.forEach((r, k) => (r.overfit = of[k]));
  return results;
}
