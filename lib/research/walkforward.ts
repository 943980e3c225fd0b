/**
 * Walk-forward analysis: rolling or anchored windows, sized in bars (`5000`) or calendar units
 * (`6M`: h hours, D days, W weeks, M months, Y years). In each window the parameters are optimised
 * on the training part only, then run on the following test part (indicators warm up on the bars
 * before it, no position is opened before it or carried after it). The test parts are stitched
 * into one out-of-sample equity curve (each part starts with the equity the previous one ended
 * with) whose statistics, the walk-forward efficiency and the parameter stability are reported,
 * with the deflated Sharpe ratio and PBO of the out-of-sample returns of every parameter set tried.
 *
 * @module
 */
import { computeStats } from "../backtest/stats.ts";
import { type ModelSummary, modelSummary } from "../backtest/intrabar.ts";
import { roundTradeForOutput } from "../backtest/output_rounding.ts";
import type { TradeRecord } from "../execution/types.ts";
import { KinetraError } from "../errors.ts";
import type { Params } from "../strategies/contract.ts";
import { getStrategy } from "../strategies/registry.ts";
import { type DataRef, type Dataset, loadDataset, lowerBound } from "./data.ts";
import {
  barReturns,
  conversionFor,
  engineConfig,
  evaluateTestPart,
  intrabarFor,
  jsonStats,
  type SweepConfig,
  type Trial,
  type TrialContext,
} from "./evaluate.ts";
import { type Job, type JobResult, type JobRunner, makeRunner } from "./jobs.ts";
import { defaultWorkers, optimize, prepareSearch } from "./optimize.ts";
import {
  type DeflatedSharpe,
  deflatedSharpe,
  describeMoments,
  momentSums,
  pboCscv,
  type PboResult,
  sharpeFromSums,
} from "./overfit.ts";
import type { Method } from "./sampler.ts";
import { makeRng } from "./rng.ts";
import { paramsKey } from "./space.ts";
import { type PromotionCheck, promotionCheck } from "./cli.ts";

/** A window size: a number of bars, or a count of calendar units. */
export type WindowSize = { bars: number } | { count: number; unit: "h" | "D" | "W" | "M" | "Y" };

/** Parse `5000` (bars) or `6M` (calendar: h, D, W, M, Y). */
export function parseWindowSize(text: string | number, flag: string): WindowSize {
  const s = String(text).trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n < 2) throw new KinetraError("bad_argument", `--${flag} needs at least 2 bars, got ${s}`);
    return { bars: n };
  }
  const m = s.match(/^(\d+)\s*(h|D|d|W|w|M|Y|y)$/);
  if (!m || Number(m[1]) < 1) {
    throw new KinetraError(
      "bad_argument",
      `--${flag} needs a number of bars (e.g. 5000) or a calendar size (e.g. 6M, 2W, 30D, 1Y, 12h), got "${s}"`,
    );
  }
  const unit = m[2] === "d" ? "D" : m[2] === "w" ? "W" : m[2] === "y" ? "Y" : m[2];
  return { count: Number(m[1]), unit: unit as "h" | "D" | "W" | "M" | "Y" };
}

/** `t` plus `count` calendar units (UTC; months and years keep the day, clamped to the month's end). */
export function addCalendar(t: number, count: number, unit: "h" | "D" | "W" | "M" | "Y"): number {
  if (unit === "h") return t + count * 3_600_000;
  if (unit === "D") return t + count * 86_400_000;
  if (unit === "W") return t + count * 7 * 86_400_000;
  const d = new Date(t);
  const months = unit === "M" ? count : 12 * count;
  const y = d.getUTCFullYear(), mo = d.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, mo + 1, 0)).getUTCDate();
  return Date.UTC(
    y,
    mo,
    Math.min(d.getUTCDate(), last),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

/** One window as bar index ranges [from, to). */
export interface WindowRange {
  /** Training bars [from, to). */
  train: { from: number; to: number };
  /** Test bars [from, to). */
  test: { from: number; to: number };
}

function sizeText(s: WindowSize): string {
  return "bars" in s ? `${s.bars} bars` : `${s.count}${s.unit}`;
}

/**
 * The windows over bars with times `time`. Rolling: each training part has the given size and the
 * windows move by the test size; anchored: every training part starts at the first bar. Only
 * complete test parts are kept. Throws `bad_argument` when not even one window fits.
 */
export function planWindows(
  time: Float64Array,
  train: WindowSize,
  test: WindowSize,
  anchored = false,
): WindowRange[] {
  const n = time.length;
  let spacing = Infinity;
  for (let i = 1; i < Math.min(n, 200); i++) spacing = Math.min(spacing, time[i] - time[i - 1]);
  const advance = (i: number, s: WindowSize): number | null => {
    if ("bars" in s) return i + s.bars <= n ? i + s.bars : null;
    const end = addCalendar(time[i], s.count, s.unit);
    const j = lowerBound(time, end);
    if (j < n) return j;
    // The data ends inside the part: complete only when its last bar is the one before `end`.
    return time[n - 1] + spacing >= end ? n : null;
  };
  const back = (i: number, s: WindowSize): number => {
    if ("bars" in s) return Math.max(0, i - s.bars);
    return lowerBound(time, addCalendar(time[i], -s.count, s.unit));
  };
  // Test parts follow each other; each training part is the `train` span just before its test part
  // (anchored: everything before it).
  const out: WindowRange[] = [];
  let testFrom = n ? advance(0, train) : null;
  while (testFrom !== null && testFrom < n) {
    const testTo = advance(testFrom, test);
    if (testTo === null) break;
    const trainFrom = anchored ? 0 : back(testFrom, train);
    if (testFrom - trainFrom >= 2 && testTo - testFrom >= 2) {
      out.push({ train: { from: trainFrom, to: testFrom }, test: { from: testFrom, to: testTo } });
    }
    testFrom = testTo;
  }
  if (!out.length) {
    const span = n ? `${new Date(time[0]).toISOString()} … ${new Date(time[n - 1]).toISOString()}` : "none";
    throw new KinetraError(
      "window_too_large",
      `the walk-forward window (train ${sizeText(train)} + test ${
        sizeText(test)
      }) is larger than the data (${n} bars, ${span})`,
    );
  }
  return out;
}

/** Options of `walkForward`. */
export interface WalkForwardOptions {
  /** The data file and its time bounds. */
  data: DataRef;
  /** Strategy name. */
  strategy: string;
  /** Grid specs. */
  grid: readonly string[];
  /** Constraint expressions. */
  constraints?: readonly string[];
  /** Statistic to optimise (default sharpe). */
  objective?: string;
  /** Minimise instead of maximise. */
  minimize?: boolean;
  /** Search method per window (default grid). */
  method?: Method;
  /** Trials per window for random/bayes. */
  trials?: number;
  /** Seed (default 0). */
  seed?: number;
  /** Minimum closed trades of a ranked result. */
  minTrades?: number;
  /** Costs and account. */
  config?: SweepConfig;
  /** Worker threads (0 = calling thread). */
  workers?: number;
  /** Training part size: bars (number or "5000") or calendar ("6M"). */
  train: string | number;
  /** Test part size. */
  test: string | number;
  /** Training parts all start at the first bar. */
  anchored?: boolean;
  /** PBO partitions (default 16). */
  partitions?: number;
  /** Largest number of parameter sets re-run on every test part for DSR/PBO (default 2000; a seeded sample beyond). */
  maxOosTrials?: number;
  /** Stops the analysis after the running window. */
  signal?: AbortSignal;
  /** Called after each window. */
  onProgress?: (window: number, windows: number) => void;
  /** A dataset already loaded for `data`. */
  dataset?: Dataset;
  /** A job runner (e.g. the cluster's); default `makeRunner(workers)`. Closed by `walkForward` only when it made it. */
  runner?: JobRunner;
}

/** One window's outcome (JSON names). */
export interface WindowResult {
  /** First and last bar of the training part. */
  train: { start: string; end: string };
  /** First and last bar of the test part. */
  test: { start: string; end: string };
  /** Parameters chosen on the training part (null when none ranked). */
  best_params: Params | null;
  /** In-sample statistics of the chosen parameters. */
  is_stats: Record<string, number | string | null> | null;
  /** Statistics of the test part. */
  oos_stats: Record<string, number | string | null>;
  /** Trials run on the training part. */
  trials: number;
}

/** Statistics of one parameter across windows. */
export interface ParamStability {
  /** The chosen value per window. */
  values: (number | null)[];
  /** Mean. */
  mean: number | null;
  /** Standard deviation (n − 1). */
  std: number | null;
  /** std / |mean|. */
  cv: number | null;
  /** Number of distinct values chosen. */
  distinct: number;
  /** Most frequent value and the share of windows that chose it. */
  mode: number | null;
  /** Share of windows that chose the mode. */
  mode_share: number;
  /** Windows whose choice differs from the previous window's. */
  changes: number;
}

/** What `walkForward` returns. */
export interface WalkForwardResult {
  /** Strategy name. */
  strategy: string;
  /** Statistic ranked. */
  objective: string;
  /** True when every training part starts at the first bar. */
  anchored: boolean;
  /** Names of the swept parameters. */
  swept: string[];
  /** Price digits of the symbol (for rounding prices in the JSON output). */
  digits: number;
  /** Each window's outcome. */
  windows: WindowResult[];
  /** The stitched out-of-sample result. */
  oos: {
    stats: Record<string, number | string | null>;
    trades: TradeRecord[];
    time: Float64Array;
    equity: Float64Array;
  };
  /** Annualised out-of-sample return over the mean annualised in-sample return of the chosen parameters. */
  wfe: number | null;
  /** Stability of each swept parameter across windows. */
  param_stability: Record<string, ParamStability>;
  /** Deflated Sharpe ratio of the selected result. */
  deflated_sharpe: DeflatedSharpe;
  /** Probability of backtest overfitting (CSCV). */
  pbo: PboResult;
  /** The promotion targets judged on the stitched out-of-sample statistics. */
  promotion: PromotionCheck;
  /** Wall time, seconds. */
  seconds: number;
  /** True when stopped early (what finished is kept). */
  interrupted: boolean;
  /** The modelling mode of every run, over the whole (time-bounded) data. */
  model: ModelSummary;
}

const iso = (t: number) => new Date(t).toISOString();

function stability(values: (number | null)[]): ParamStability {
  const v = values.filter((x): x is number => x !== null);
  const mean = v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
  const std = v.length > 1
    ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1))
    : v.length
    ? 0
    : NaN;
  const counts = new Map<number, number>();
  for (const x of v) counts.set(x, (counts.get(x) ?? 0) + 1);
  let mode: number | null = null, mc = 0;
  for (const [x, c] of counts) if (c > mc) [mode, mc] = [x, c];
  let changes = 0;
  for (let k = 1; k < values.length; k++) if (values[k] !== values[k - 1]) changes++;
  const f = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    values,
    mean: f(mean),
    std: f(std),
    cv: f(mean !== 0 ? std / Math.abs(mean) : NaN),
    distinct: counts.size,
    mode,
    mode_share: values.length ? mc / values.length : 0,
    changes,
  };
}

/** Run a walk-forward analysis. */
export async function walkForward(opts: WalkForwardOptions): Promise<WalkForwardResult> {
  const t0 = performance.now();
  const { space } = prepareSearch({ ...opts });
  const train = parseWindowSize(opts.train, "train"), test = parseWindowSize(opts.test, "test");
  const strategy = getStrategy(opts.strategy);
  const objective = opts.objective ?? "sharpe";
  const partitions = opts.partitions ?? 16;
  const dataset = opts.dataset ?? await loadDataset(opts.data, strategy.features);
  const time = dataset.bars.time;
  const plan = planWindows(time, train, test, opts.anchored ?? false);
  const engineCfg = engineConfig(opts.config ?? {}, dataset.meta.symbol, dataset.meta);
  // The modelling mode's path over the whole dataset: each window's runs take their slice of it.
  const intrabar = await intrabarFor(
    dataset,
    opts.data.file,
    opts.config ?? {},
    engineCfg,
    opts.data.dateOrder,
  );
  const ctx: TrialContext = {
    dataset,
    strategy,
    config: engineCfg,
    conversion: await conversionFor(dataset, opts.data.file, engineCfg, opts.config?.conversion ?? "data"),
    objective,
    minTrades: opts.minTrades ?? 1,
    partitions,
    intrabar,
  };
  const runner = opts.runner ?? makeRunner(opts.workers ?? defaultWorkers());
  const windows: WindowResult[] = [];
  const tried = new Map<string, Params>();
  // Stitched out-of-sample series (returns counted within each part: length − 1 per part).
  const total = plan.reduce((a, w) => a + (w.test.to - w.test.from - 1), 0);
  const eqParts: Float64Array[] = [], timeParts: Float64Array[] = [], closeParts: Float64Array[] = [];
  const trades: TradeRecord[] = [];
  let cash = engineCfg.cash ?? 10_000, offsetBars = 0;
  let interrupted = false;
  try {
    for (let k = 0; k < plan.length; k++) {
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      const w = plan[k];
      const opt = await optimize({
        ...opts,
        dataset,
        intrabar,
        range: w.train,
        runner,
        outDir: null,
        monteCarlo: 0,
        keepStats: true,
        overfit: false,
      });
      if (opt.interrupted) {
        interrupted = true;
        break;
      }
      for (const t of opt.results) tried.set(paramsKey(space, t.params), t.params);
      const best = opt.best;
      let oosStats: Record<string, number | string | null>;
      let eq: Float64Array;
      if (best) {
        const run = evaluateTestPart(ctx, best.params, 0, w.test, { cash });
        eq = run.equity;
        oosStats = run.trial.stats!;
        for (const t of run.trades) {
          trades.push({ ...t, entry_bar: t.entry_bar + offsetBars, exit_bar: t.exit_bar + offsetBars });
        }
      } else {
        // Nothing ranked in training: stay flat on the test part.
        eq = new Float64Array(w.test.to - w.test.from).fill(cash);
        oosStats = jsonStats(computeStats({
          profile: engineCfg.profile ?? "mt5",
          time: time.subarray(w.test.from, w.test.to),
          close: dataset.bars.close.subarray(w.test.from, w.test.to),
          equity: eq,
          trades: [],
          openTrades: 0,
          start: 1,
          rejected: 0,
          cancelled: 0,
        }));
      }
      eqParts.push(eq);
      timeParts.push(time.subarray(w.test.from, w.test.to));
      closeParts.push(dataset.bars.close.subarray(w.test.from, w.test.to));
      offsetBars += eq.length;
      cash = eq[eq.length - 1] > 0 ? eq[eq.length - 1] : cash;
      windows.push({
        train: { start: iso(time[w.train.from]), end: iso(time[w.train.to - 1]) },
        test: { start: iso(time[w.test.from]), end: iso(time[w.test.to - 1]) },
        best_params: best?.params ?? null,
        is_stats: best?.stats ?? null,
        oos_stats: oosStats,
        trials: opt.trials,
      });
      opts.onProgress?.(k + 1, plan.length);
    }

    // Every parameter set tried, re-run on every finished test part (a seeded sample when many).
    let combos = [...tried.values()];
    const maxOos = opts.maxOosTrials ?? 2000;
    if (combos.length > maxOos) {
      const rng = makeRng(opts.seed ?? 0);
      for (let i = combos.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [combos[i], combos[j]] = [combos[j], combos[i]];
      }
      combos = combos.slice(0, maxOos);
    }
    const sums = combos.map(() => ({ m: [0, 0, 0, 0, 0], p: new Array(3 * partitions).fill(0) }));
    const jobs: Job[] = [];
    let off = 0;
    const size = Math.max(1, Math.min(200, Math.ceil(combos.length / (runner.slots * 4))));
    windows.forEach((_, k) => {
      const w = plan[k];
      for (let c = 0; c < combos.length; c += size) {
        jobs.push({
          id: `wf-${String(k).padStart(3, "0")}-test-${String(c).padStart(6, "0")}`,
          kind: "test",
          data: opts.data,
          strategy: strategy.name,
          config: opts.config ?? {},
          objective,
          minTrades: ctx.minTrades,
          partitions,
          combos: combos.slice(c, c + size).map((params, i) => ({ index: c + i, params })),
          test: { from: w.test.from, to: w.test.to, offset: off, total },
          statsOff: true,
        });
      }
      off += w.test.to - w.test.from - 1;
    });
    let failure: JobResult["error"] | null = null;
    const done = new Map<string, Trial[]>();
    await runner.run(jobs, (r) => {
      if (r.error) failure ??= r.error;
      done.set(r.id, r.trials as Trial[]);
    }, opts.signal);
    // Summed in the jobs' order, not the order they finished in: the same figures to the last bit
    // whichever runner (threads or a cluster) ran them.
    for (const j of jobs) {
      for (const t of done.get(j.id) ?? []) {
        const s = sums[t.index];
        for (let q = 0; q < 5; q++) s.m[q] += t.moments[q];
        for (let q = 0; q < s.p.length; q++) s.p[q] += t.parts[q];
      }
    }
    if (failure) {
      throw new KinetraError((failure as { code: string }).code, (failure as { message: string }).message);
    }
    if (opts.signal?.aborted) interrupted = true;

    // Stitched series and its statistics.
    const n = eqParts.reduce((a, e) => a + e.length, 0);
    const sEq = new Float64Array(n), sTime = new Float64Array(n), sClose = new Float64Array(n);
    let o = 0;
    eqParts.forEach((e, k) => {
      sEq.set(e, o);
      sTime.set(timeParts[k], o);
      sClose.set(closeParts[k], o);
      o += e.length;
    });
    const oosStats = n >= 2
      ? jsonStats(computeStats({
        profile: engineCfg.profile ?? "mt5",
        time: sTime,
        close: sClose,
        equity: sEq,
        trades,
        openTrades: 0,
        start: 1,
        rejected: 0,
        cancelled: 0,
      }))
      : {};
    // Returns within each part (the same bars the re-runs' partitions cover).
    const rets: number[] = [];
    for (const e of eqParts) for (const x of barReturns(e)) rets.push(x);
    const m = describeMoments(momentSums(rets));
    const oosSharpe = sharpeFromSums(m.n, m.mean * m.n, momentSums(rets)[2]);
    const dsr = deflatedSharpe({
      sharpe: oosSharpe,
      trialSharpes: sums.map((s) => sharpeFromSums(s.m[0], s.m[1], s.m[2])),
      observations: m.n,
      skew: m.skew,
      kurtosis: m.kurtosis,
    });
    const pbo = pboCscv(sums.map((s) => s.p), partitions, { seed: opts.seed ?? 0 });
    const isAnn = windows.map((w) => Number(w.is_stats?.return_ann_pct)).filter((x) => Number.isFinite(x));
    const isMean = isAnn.length ? isAnn.reduce((a, b) => a + b, 0) / isAnn.length : NaN;
    const oosAnn = Number(oosStats.return_ann_pct);
    const wfe = isMean !== 0 && Number.isFinite(isMean) && Number.isFinite(oosAnn) ? oosAnn / isMean : null;
    const swept = space.dims.map((d) => d.name);
    const param_stability: Record<string, ParamStability> = {};
    for (const name of swept) {
      param_stability[name] = stability(windows.map((w) => w.best_params?.[name] ?? null));
    }
    return {
      strategy: strategy.name,
      objective,
      anchored: opts.anchored ?? false,
      swept,
      digits: engineCfg.symbol?.digits ?? 5,
      windows,
      oos: { stats: oosStats, trades, time: sTime, equity: sEq },
      wfe,
      param_stability,
      deflated_sharpe: dsr,
      pbo,
      promotion: promotionCheck(oosStats),
      seconds: (performance.now() - t0) / 1000,
      interrupted,
      model: modelSummary(intrabar, dataset.bars.length),
    };
  } finally {
    if (!opts.runner) runner.close();
  }
}

function clean(v: unknown): unknown {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (Array.isArray(v)) return v.map(clean);
  if (v && typeof v === "object" && !ArrayBuffer.isView(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = clean(x);
    return o;
  }
  return v;
}

/** The documented `--json` object of `deno task walkforward` (docs/RESEARCH.md). */
export function walkForwardJson(r: WalkForwardResult): Record<string, unknown> {
  return clean({
    windows: r.windows.map((w) => ({
      train: w.train,
      test: w.test,
      best_params: w.best_params,
      is_stats: w.is_stats,
      oos_stats: w.oos_stats,
      trials: w.trials,
    })),
    oos: { stats: r.oos.stats, trades: r.oos.trades.map((t) => roundTradeForOutput(t, r.digits)) },
    wfe: r.wfe,
    param_stability: r.param_stability,
    deflated_sharpe: r.deflated_sharpe,
    pbo: r.pbo,
    promotion: r.promotion,
    strategy: r.strategy,
    objective: r.objective,
    anchored: r.anchored,
    interrupted: r.interrupted,
    seconds: r.seconds,
    model: r.model,
  }) as Record<string, unknown>;
}
