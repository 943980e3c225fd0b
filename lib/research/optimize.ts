/**
 * `optimize`: search a strategy's parameters on one data file (grid, seeded random or TPE), rank
 * the results by a statistic, and report the overfitting statistics of the sweep (deflated Sharpe
 * ratio, PBO by CSCV) and a Monte Carlo of the best result's trades.
 *
 * ```ts ignore
 * import { optimize } from "kinetra/research/mod.ts";
 * const r = await optimize({
 *   data: { file: "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv" },
 *   strategy: "sma_cross",
 *   grid: ["fast=5:20:5", "slow=20:60:10"],
 *   constraints: ["fast<slow"],
 *   objective: "sharpe",
 * });
 * console.log(r.best?.params, r.deflated_sharpe.dsr, r.pbo.pbo);
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { resolveConfig } from "../backtest/config.ts";
import { type BacktestResult, runBacktest } from "../backtest/run.ts";
import { type IntrabarPath, type ModelSummary, modelSummary } from "../backtest/intrabar.ts";
import { KinetraError } from "../errors.ts";
import type { Params } from "../strategies/contract.ts";
import { getStrategy } from "../strategies/registry.ts";
import { writeJsonAtomic } from "../util/fs.ts";
import { type DataRef, type Dataset, loadDataset, sliceBars, sliceFeatures } from "./data.ts";
import {
  checkObjective,
  conversionFor,
  engineConfig,
  type Exclusion,
  intrabarFor,
  rangePath,
  sliceConversion,
  type SweepConfig,
  type Trial,
} from "./evaluate.ts";
import { type Job, type JobResult, type JobRunner, makeRunner } from "./jobs.ts";
import { monteCarlo, type MonteCarloResult } from "./montecarlo.ts";
import {
  type DeflatedSharpe,
  deflatedSharpe,
  describeMoments,
  pboCscv,
  type PboResult,
  sharpeFromSums,
} from "./overfit.ts";
import { type Method, randomPoints, Tpe } from "./sampler.ts";
import { buildSpace, gridPoints, type SearchSpace } from "./space.ts";

/** Options of `optimize`. */
export interface OptimizeOptions {
  /** The data (file and optional time bounds). */
  data: DataRef;
  /** Registered strategy name. */
  strategy: string;
  /** Grid specs `NAME=START:STOP:STEP` or `NAME=v1,v2,...`. */
  grid: readonly string[];
  /** Constraint expressions, e.g. `fast<slow`. */
  constraints?: readonly string[];
  /** Statistic to optimise (default `sharpe`). */
  objective?: string;
  /** Minimise instead of maximise. */
  minimize?: boolean;
  /** `grid` (default), `random` or `bayes` (TPE). */
  method?: Method;
  /** Number of trials for random/bayes (default 100; capped by the feasible grid size). */
  trials?: number;
  /** Seed of random/bayes and Monte Carlo (default 0). */
  seed?: number;
  /** Results with fewer closed trades are excluded (counted as `min_trades`). Default 1. */
  minTrades?: number;
  /** Costs and account (as `deno task backtest`). */
  config?: SweepConfig;
  /** Worker threads (0 = calling thread). Default: hardware threads. Ignored when `runner` is given. */
  workers?: number;
  /** A job runner (default `makeRunner(workers)`); closed by `optimize` only when it made it. */
  runner?: JobRunner;
  /** Monte Carlo paths on the best result's trades (0/absent = none). */
  monteCarlo?: number;
  /** Ruin level for Monte Carlo, % loss (default 50). */
  ruinPct?: number;
  /** PBO partitions (even, default 16). */
  partitions?: number;
  /** Folder for results.jsonl (streamed) and summary.json; null = nothing written. */
  outDir?: string | null;
  /** Keep every result's statistics in memory (default: when at most 20,000 trials). */
  keepStats?: boolean;
  /** Bars [from, to) of the (time-bounded) data to optimise on (a walk-forward window). */
  range?: { from: number; to: number } | null;
  /** Stop early (Ctrl+C): what finished is kept and reported with `interrupted: true`. */
  signal?: AbortSignal;
  /** Called after each finished job. */
  onProgress?: (done: number, total: number) => void;
  /** A dataset already loaded for `data` (saves a read). */
  dataset?: Dataset;
  /** The intrabar path of `dataset` for `config.model`, already built (saves a read of the lower data). */
  intrabar?: IntrabarPath | null;
  /** Compute the deflated Sharpe ratio and PBO (default true; walk-forward windows skip them). */
  overfit?: boolean;
  /** Share indicators between combinations (default true; off only to measure what sharing saves). */
  shareIndicators?: boolean;
}

/** What `optimize` returns. */
export interface OptimizeResult {
  /** Strategy name. */
  strategy: string;
  /** Search method used. */
  method: Method;
  /** Statistic ranked. */
  objective: string;
  /** True when the objective was minimised. */
  minimize: boolean;
  /** The search space. */
  space: SearchSpace;
  /** Every trial run, by index (statistics dropped when not kept). */
  results: Trial[];
  /** The best ranked trial, or null when every trial was excluded. */
  best: Trial | null;
  /** Trials run. */
  trials: number;
  /** Trials excluded from the ranking (no trades, undefined objective, under --min-trades). */
  excluded: number;
  /** Excluded trials by reason. */
  excluded_by: Record<Exclude<Exclusion, null>, number>;
  /** Deflated Sharpe ratio of the selected result. */
  deflated_sharpe: DeflatedSharpe;
  /** Probability of backtest overfitting (CSCV). */
  pbo: PboResult;
  /** Monte Carlo of the best result's trades, or null. */
  monte_carlo: MonteCarloResult | null;
  /** Wall time, seconds. */
  seconds: number;
  /** True when stopped early (what finished is kept). */
  interrupted: boolean;
  /** The best trial re-run (trades, equity), or null. */
  bestRun: BacktestResult | null;
  /** Where results.jsonl and summary.json were written, or null. */
  outDir: string | null;
  /** The modelling mode of every run and how many bars of the range its path resolved. */
  model: ModelSummary;
}

/** Better-than for objective values in the direction of the search. */
function better(a: Trial, b: Trial | null, minimize: boolean): boolean {
  if (!b) return true;
  const x = a.objective!, y = b.objective!;
  if (x === y) return a.index < b.index;
  return minimize ? x < y : x > y;
}

/** Validate inputs that do not need the data (strategy, space, objective, method). Throws KinetraError. */
export function prepareSearch(opts: OptimizeOptions): { space: SearchSpace; method: Method; trials: number } {
  const strategy = getStrategy(opts.strategy);
  const space = buildSpace(strategy, opts.grid, opts.constraints ?? []);
  checkObjective(opts.objective ?? "sharpe");
  const method = opts.method ?? "grid";
  if (!["grid", "random", "bayes"].includes(method)) {
    throw new KinetraError("bad_argument", `--method must be grid, random or bayes, got "${method}"`);
  }
  const trials = opts.trials ?? 100;
  if (!(Number.isInteger(trials) && trials >= 1)) {
    throw new KinetraError("bad_argument", `--trials needs a whole number >= 1, got ${trials}`);
  }
  const minTrades = opts.minTrades ?? 1;
  if (!(Number.isInteger(minTrades) && minTrades >= 0)) {
    throw new KinetraError("bad_argument", `--min-trades needs a whole number >= 0, got ${minTrades}`);
  }
  const partitions = opts.partitions ?? 16;
  if (!(Number.isInteger(partitions) && partitions >= 2 && partitions % 2 === 0)) {
    throw new KinetraError("bad_argument", `partitions must be an even whole number >= 2, got ${partitions}`);
  }
  if (opts.monteCarlo !== undefined && !(Number.isInteger(opts.monteCarlo) && opts.monteCarlo >= 0)) {
    throw new KinetraError(
      "bad_argument",
      `--monte-carlo needs a whole number of paths >= 0, got ${opts.monteCarlo}`,
    );
  }
  // The grid must have feasible points whatever the method.
  if (method === "grid") gridPoints(space);
  else if (randomPoints(space, 1, 0).length === 0) gridPoints(space);
  return { space, method, trials };
}

/** The default number of workers: hardware threads (at least 1). */
export function defaultWorkers(): number {
  return Math.max(1, navigator.hardwareConcurrency || 1);
}

/** Run a sweep. */
export async function optimize(opts: OptimizeOptions): Promise<OptimizeResult> {
  const t0 = performance.now();
  const { space, method, trials: wanted } = prepareSearch(opts);
  const strategy = getStrategy(opts.strategy);
  const objective = opts.objective ?? "sharpe";
  const minimize = opts.minimize ?? false;
  const minTrades = opts.minTrades ?? 1;
  const partitions = opts.partitions ?? 16;
  const seed = opts.seed ?? 0;
  const dataset = opts.dataset ?? await loadDataset(opts.data, strategy.features);
  const engineCfg = engineConfig(opts.config ?? {}, dataset.meta.symbol, dataset.meta);
  resolveConfig(engineCfg); // bad costs fail here, before any worker starts
  const range = opts.range ?? null;
  const nBars = range ? range.to - range.from : dataset.bars.length;
  if (nBars < 2) {
    throw new KinetraError("bad_argument", `the optimisation range has ${nBars} bars; at least 2 are needed`);
  }
  // The modelling mode's path (built here too, so missing lower data fails before any worker starts).
  const wholePath = opts.intrabar !== undefined
    ? opts.intrabar
    : await intrabarFor(dataset, opts.data.file, opts.config ?? {}, engineCfg, opts.data.dateOrder);
  const intrabar = range ? rangePath(wholePath, range.from, range.to) : wholePath;

  const runner = opts.runner ?? makeRunner(opts.workers ?? defaultWorkers());
  const ownRunner = !opts.runner;
  const outDir = opts.outDir ?? null;
  let stream: Deno.FsFile | null = null;
  const enc = new TextEncoder();
  if (outDir) {
    await Deno.mkdir(outDir, { recursive: true });
    stream = await Deno.open(join(outDir, "results.jsonl"), { write: true, create: true, truncate: true });
  }
  const results: Trial[] = [];
  const excludedBy = { no_trades: 0, undefined_objective: 0, min_trades: 0 };
  let best: Trial | null = null;
  let failure: { code: string; message: string } | null = null;
  let keepStats = opts.keepStats;
  let jobSeq = 0, doneJobs = 0, totalJobs = 0;
  const pending: string[] = [];

  const onResult = (r: JobResult) => {
    doneJobs++;
    if (r.error) {
      failure ??= r.error;
      return;
    }
    for (const t of r.trials) {
      if (stream) {
        pending.push(
          JSON.stringify({
            index: t.index,
            params: t.params,
            objective: t.objective,
            excluded: t.excluded,
            stats: t.stats ?? null,
          }),
        );
      }
      if (!keepStats) delete t.stats;
      results.push(t);
      if (t.excluded) excludedBy[t.excluded]++;
      else if (better(t, best, minimize)) best = t;
    }
    // Results reach the disk as jobs finish (written in order, one write at a time).
    if (stream && pending.length) writing = writing.then(flush);
    opts.onProgress?.(doneJobs, totalJobs);
  };
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    if (stream && pending.length) {
      const bytes = enc.encode(pending.join("\n") + "\n");
      pending.length = 0;
      let off = 0;
      while (off < bytes.length) off += await stream.write(bytes.subarray(off));
    }
  };
  const makeJobs = (combos: { index: number; params: Params }[]): Job[] => {
    const slots = Math.max(1, runner.slots);
    const size = Math.max(1, Math.min(200, Math.ceil(combos.length / (slots * 8))));
    const jobs: Job[] = [];
    for (let k = 0; k < combos.length; k += size) {
      jobs.push({
        id: `opt-${String(jobSeq++).padStart(6, "0")}`,
        kind: "train",
        data: opts.data,
        strategy: strategy.name,
        config: opts.config ?? {},
        objective,
        minTrades,
        partitions,
        combos: combos.slice(k, k + size),
        range,
        statsOff: !keepStats && !stream,
        noShare: opts.shareIndicators === false ? true : undefined,
      });
    }
    return jobs;
  };
  const runJobs = async (jobs: Job[]) => {
    totalJobs += jobs.length;
    await runner.run(jobs, onResult, opts.signal);
    await writing;
    await flush();
    if (failure) throw new KinetraError(failure.code, failure.message);
  };

  try {
    if (method === "bayes") {
      keepStats ??= wanted <= 20_000;
      const tpe = new Tpe(space, { seed });
      let index = 0;
      // Fixed batch size: the proposals depend on the seed and the results only, not on the workers.
      const BATCH = 8;
      while (index < wanted && !opts.signal?.aborted) {
        const pts = tpe.propose(Math.min(BATCH, wanted - index));
        if (!pts.length) break;
        const combos = pts.map((params) => ({ index: index++, params }));
        const before = results.length;
        await runJobs(makeJobs(combos));
        const got = results.slice(before).sort((a, b) => a.index - b.index);
        for (const t of got) {
          const s = t.excluded === "no_trades" || t.excluded === "undefined_objective" || t.objective === null
            ? null
            : minimize
            ? -t.objective
            : t.objective;
          tpe.tell(t.params, t.excluded === "min_trades" ? null : s);
        }
      }
    } else {
      const pts = method === "grid" ? gridPoints(space) : randomPoints(space, wanted, seed);
      keepStats ??= pts.length <= 20_000;
      await runJobs(makeJobs(pts.map((params, index) => ({ index, params }))));
    }
  } finally {
    if (ownRunner) runner.close();
    await writing.catch(() => {});
    await flush().catch(() => {});
    stream?.close();
  }
  const interrupted = opts.signal?.aborted ?? false;
  results.sort((a, b) => a.index - b.index);

  // Overfitting statistics over every trial run.
  const srs = results.map((t) => sharpeFromSums(t.moments[0], t.moments[1], t.moments[2]));
  const bestT = best as Trial | null;
  const bm = bestT ? describeMoments(bestT.moments) : null;
  const dsr = deflatedSharpe({
    sharpe: bestT ? sharpeFromSums(bestT.moments[0], bestT.moments[1], bestT.moments[2]) : NaN,
    trialSharpes: srs,
    observations: bm?.n ?? 0,
    skew: bm?.skew ?? NaN,
    kurtosis: bm?.kurtosis ?? NaN,
  });
  const pbo: PboResult = opts.overfit === false
    ? { pbo: null, partitions, trials: results.length, splits: 0, logits: [], note: "not computed" }
    : pboCscv(results.map((t) => t.parts), partitions, { seed });

  let bestRun: BacktestResult | null = null;
  let mc: MonteCarloResult | null = null;
  if (bestT) {
    const conversion = await conversionFor(
      dataset,
      opts.data.file,
      engineCfg,
      opts.config?.conversion ?? "data",
    );
    const bars = range ? sliceBars(dataset.bars, range.from, range.to) : dataset.bars;
    const features = range ? sliceFeatures(dataset.features, range.from, range.to) : dataset.features;
    bestRun = runBacktest({
      bars,
      meta: dataset.meta,
      strategy,
      params: bestT.params,
      features,
      config: engineCfg,
      conversion: range ? sliceConversion(conversion, range.from, range.to) : conversion,
      intrabar,
    });
    if (opts.monteCarlo && bestRun.trades.length >= 2) {
      mc = monteCarlo(tradeReturnsOnEquity(bestRun), { paths: opts.monteCarlo, seed, ruinPct: opts.ruinPct });
    }
    if (outDir) {
      // Trades only for the best few: top_1.json (the best) … top_3.json, re-run from their parameters.
      const ranked = results.filter((t) => !t.excluded).sort((a, b) =>
        a.objective === b.objective
          ? a.index - b.index
          : (minimize ? a.objective! - b.objective! : b.objective! - a.objective!)
      ).slice(0, 3);
      for (const [k, t] of ranked.entries()) {
        const run = k === 0 ? bestRun : runBacktest({
          bars,
          meta: dataset.meta,
          strategy,
          params: t.params,
          features,
          config: engineCfg,
          conversion: range ? sliceConversion(conversion, range.from, range.to) : conversion,
          intrabar,
        });
        const j = run.toJSON();
        await writeJsonAtomic(join(outDir, `top_${k + 1}.json`), {
          rank: k + 1,
          params: t.params,
          objective: t.objective,
          stats: j.stats,
          trades: j.trades,
        });
      }
    }
  }
  const res: OptimizeResult = {
    strategy: strategy.name,
    method,
    objective,
    minimize,
    space,
    results,
    best: bestT,
    trials: results.length,
    excluded: excludedBy.no_trades + excludedBy.undefined_objective + excludedBy.min_trades,
    excluded_by: excludedBy,
    deflated_sharpe: dsr,
    pbo,
    monte_carlo: mc,
    seconds: (performance.now() - t0) / 1000,
    interrupted,
    bestRun,
    outDir,
    model: modelSummary(intrabar, nBars),
  };
  if (outDir) await writeJsonAtomic(join(outDir, "summary.json"), optimizeJson(res, { results: false }));
  return res;
}

/** Each trade's pnl over the equity just before its entry bar (fractions), in closing order. */
export function tradeReturnsOnEquity(r: BacktestResult): number[] {
  const eq = r.equity;
  return r.trades.map((t) => {
    const e = eq[Math.max(0, t.entry_bar - 1)];
    return e > 0 ? t.pnl / e : NaN;
  }).filter((x) => Number.isFinite(x));
}

/** Finite numbers or null. */
function clean(v: unknown): unknown {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (Array.isArray(v)) return v.map(clean);
  if (v && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = clean(x);
    return o;
  }
  return v;
}

/**
 * The documented `--json` object of `deno task optimize` (docs/RESEARCH.md). With `results: false`
 * the per-trial list is left out (summary.json; the trials are in results.jsonl).
 */
export function optimizeJson(r: OptimizeResult, opts: { results?: boolean } = {}): Record<string, unknown> {
  const b = r.best;
  const out: Record<string, unknown> = {};
  if (opts.results !== false) {
    out.results = r.results.map((t) => ({
      index: t.index,
      params: t.params,
      objective: t.objective,
      excluded: t.excluded,
      stats: t.stats ?? null,
    }));
  }
  Object.assign(out, {
    best: b
      ? { params: b.params, objective: b.objective, stats: b.stats ?? r.bestRun?.toJSON().stats ?? null }
      : null,
    trials: r.trials,
    excluded: r.excluded,
    excluded_by: r.excluded_by,
    strategy: r.strategy,
    method: r.method,
    objective: r.objective,
    minimize: r.minimize,
    deflated_sharpe: r.deflated_sharpe,
    pbo: r.pbo,
    monte_carlo: r.monte_carlo,
    interrupted: r.interrupted,
    seconds: r.seconds,
    model: r.model,
  });
  return clean(out) as Record<string, unknown>;
}
