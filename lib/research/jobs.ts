/**
 * Sweep execution as a list of self-contained, serialisable jobs run by a `JobRunner`.
 *
 * A job names its data (file + time bounds), strategy, costs, objective and a chunk of parameter
 * sets, and optionally a bar range of that data (a walk-forward window's training part) or a test
 * part (a walk-forward window's out-of-sample run). Results are keyed by the job's stable `id`.
 * Today's runners: `InlineRunner` (the calling thread) and `WorkerRunner` (Deno Workers, each
 * reading the data once and sharing indicators between its jobs). A cluster runner (issue 19,
 * BullMQ) implements the same interface: it ships the job JSON and returns the `JobResult` JSON.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import type { Params } from "../strategies/contract.ts";
import { getStrategy } from "../strategies/registry.ts";
import { shareIndicators, unshareIndicators } from "../strategies/memo.ts";
import type { BarArrays } from "../data/types.ts";
import type { BacktestConversion } from "../backtest/run.ts";
import type { IntrabarPath } from "../backtest/intrabar.ts";
import { type DataRef, type Dataset, loadDataset, sliceBars } from "./data.ts";
import {
  conversionFor,
  engineConfig,
  evaluateTestPart,
  evaluateTrial,
  intrabarFor,
  type SweepConfig,
  type Trial,
  type TrialContext,
} from "./evaluate.ts";

/** One unit of work. */
export interface Job {
  /** Stable id (unique within a sweep), e.g. `opt-000003` or `wf-02-train-0001`. */
  id: string;
  /** `train`: run `combos` on bars `range` (all when null) of the data; `test`: run them on a walk-forward test part. */
  kind: "train" | "test";
  /** The data file and its time bounds. */
  data: DataRef;
  /** Strategy name. */
  strategy: string;
  /** Costs and account. */
  config: SweepConfig;
  /** Statistic ranked. */
  objective: string;
  /** Fewer closed trades than this excludes a result. */
  minTrades: number;
  /** PBO partitions of the bars. */
  partitions: number;
  /** Parameter sets and their trial indices. */
  combos: { index: number; params: Params }[];
  /** `train`: bars [from, to) of the (time-bounded) data, or null for all. */
  range?: { from: number; to: number } | null;
  /** `test`: the test part, its starting cash and where its returns sit in the stitched series. */
  test?: { from: number; to: number; cash?: number; offset: number; total: number };
  /** Drop the full statistics from the result (only objective and moments; for very large sweeps). */
  statsOff?: boolean;
  /** Do not share indicators between the combinations (for measurements). */
  noShare?: boolean;
}

/** What a job returns. */
export interface JobResult {
  /** The job's id. */
  id: string;
  /** One trial per combination of the job. */
  trials: Trial[];
  /** Set when the job failed (a KinetraError's code and message). */
  error?: { code: string; message: string };
}

/** Executes jobs; `onResult` is called once per job as it finishes (in any order). */
export interface JobRunner {
  /** Parallel slots (for chunking; 1 for the inline runner). */
  readonly slots: number;
  /**
   * Run `jobs`. Resolves when every job finished, or as soon as possible after `signal` aborts
   * (jobs not finished then are simply not reported).
   */
  run(jobs: readonly Job[], onResult: (r: JobResult) => void, signal?: AbortSignal): Promise<void>;
  /** Release workers. */
  close(): void;
}

const datasets = new Map<string, Promise<Dataset>>();
const ranges = new Map<string, BarArrays>();
const conversions = new Map<string, Promise<BacktestConversion | null>>();
const intrabars = new Map<string, Promise<IntrabarPath | null>>();

function dataKey(j: Job, features: readonly string[]): string {
  return JSON.stringify([j.data.file, j.data.start ?? null, j.data.end ?? null, features]);
}

/** Run one job in this thread (datasets are cached per thread; indicators are shared per bar range). */
export async function executeJob(job: Job): Promise<JobResult> {
  try {
    const strategy = getStrategy(job.strategy);
    const key = dataKey(job, strategy.features);
    let p = datasets.get(key);
    if (!p) {
      if (datasets.size >= 4) {
        datasets.clear();
        ranges.clear();
        conversions.clear();
        intrabars.clear();
      }
      p = loadDataset(job.data, strategy.features);
      datasets.set(key, p);
      p.catch(() => datasets.delete(key));
    }
    const dataset = await p;
    const config = engineConfig(job.config, dataset.meta.symbol, dataset.meta);
    const ck = key +
      JSON.stringify([
        config.profile,
        job.config.symbol ?? null,
        job.config.symbolsFile ?? null,
        job.config.conversion ?? "data",
      ]);
    let conv = conversions.get(ck);
    if (!conv) {
      conv = conversionFor(dataset, job.data.file, config, job.config.conversion ?? "data");
      conversions.set(ck, conv);
      conv.catch(() => conversions.delete(ck));
    }
    // The modelling mode's path over the whole dataset, built once per thread (ranges slice it).
    const ik = key +
      JSON.stringify([
        job.config.model ?? "ohlc",
        job.config.lower ?? null,
        job.config.ticks ?? null,
        config.symbol?.point ?? null,
      ]);
    let intrabar = intrabars.get(ik);
    if (!intrabar) {
      intrabar = intrabarFor(dataset, job.data.file, job.config, config, job.data.dateOrder);
      intrabars.set(ik, intrabar);
      intrabar.catch(() => intrabars.delete(ik));
    }
    const ctx: TrialContext = {
      dataset,
      strategy,
      config,
      objective: job.objective,
      minTrades: job.minTrades,
      partitions: job.partitions,
      conversion: await conv,
      intrabar: await intrabar,
    };
    const trials: Trial[] = [];
    if (job.kind === "test") {
      const t = job.test!;
      for (const c of job.combos) {
        trials.push(
          evaluateTestPart(ctx, c.params, c.index, t, { cash: t.cash, offset: t.offset, total: t.total })
            .trial,
        );
      }
    } else {
      const range = job.range ?? null;
      let bars = dataset.bars;
      if (range) {
        const rk = key + `|${range.from}:${range.to}`;
        bars = ranges.get(rk) ?? sliceBars(dataset.bars, range.from, range.to);
        if (!ranges.has(rk)) {
          if (ranges.size > 64) ranges.clear();
          ranges.set(rk, bars);
        }
      }
      if (job.noShare) unshareIndicators(bars.close);
      else shareIndicators(bars.close);
      for (const c of job.combos) trials.push(evaluateTrial(ctx, c.params, c.index, range, bars));
    }
    if (job.statsOff) { for (const t of trials) delete t.stats; }
    return { id: job.id, trials };
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string };
    if (err?.name === "KinetraError") {
      return { id: job.id, trials: [], error: { code: err.code!, message: err.message! } };
    }
    return { id: job.id, trials: [], error: { code: "internal", message: String(err?.message ?? e) } };
  }
}

/** Runs jobs one after the other in the calling thread. */
export class InlineRunner implements JobRunner {
  readonly slots = 1;
  async run(jobs: readonly Job[], onResult: (r: JobResult) => void, signal?: AbortSignal): Promise<void> {
    for (const j of jobs) {
      if (signal?.aborted) return;
      onResult(await executeJob(j));
      // Let signal handlers run between jobs.
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  close(): void {}
}

/** Runs jobs on `n` Deno Workers (lib/research/worker.ts); each worker keeps its data between jobs. */
export class WorkerRunner implements JobRunner {
  readonly slots: number;
  private workers: Worker[] = [];

  /** A runner with `n` workers (started on first use). */
  constructor(n: number) {
    if (!(Number.isInteger(n) && n >= 1)) {
      throw new KinetraError(
        "bad_argument",
        `--workers needs a whole number >= 1 (or 0 for the calling thread), got ${n}`,
      );
    }
    this.slots = n;
  }

  /** Worker `k`, started when first needed. */
  private worker(k: number): Worker {
    return this.workers[k] ??= new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" });
  }

  run(jobs: readonly Job[], onResult: (r: JobResult) => void, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      let next = 0, running = 0, finished = false;
      const done = () => {
        if (!finished) {
          finished = true;
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }
      };
      const onAbort = () => {
        // Stop at once: running jobs are dropped (their workers are terminated).
        this.close();
        done();
      };
      if (signal?.aborted) return done();
      signal?.addEventListener("abort", onAbort);
      const feed = (k: number) => {
        if (finished) return;
        if (next >= jobs.length) {
          if (running === 0) done();
          return;
        }
        const job = jobs[next++];
        running++;
        const w = this.worker(k);
        w.onmessage = (ev: MessageEvent<JobResult>) => {
          running--;
          if (finished) return;
          try {
            onResult(ev.data);
          } catch (e) {
            finished = true;
            reject(e);
            return;
          }
          feed(k);
        };
        w.onerror = (ev: ErrorEvent) => {
          ev.preventDefault();
          running--;
          if (finished) return;
          onResult({ id: job.id, trials: [], error: { code: "worker_failed", message: ev.message } });
          this.workers[k]?.terminate();
          delete this.workers[k];
          feed(k);
        };
        w.postMessage(job);
      };
      for (let k = 0; k < Math.min(this.slots, jobs.length); k++) feed(k);
      if (jobs.length === 0) done();
    });
  }

  close(): void {
    for (const w of this.workers) w?.terminate();
    this.workers = [];
  }
}

/** A runner for `workers` (0 = the calling thread). */
export function makeRunner(workers: number): JobRunner {
  return workers === 0 ? new InlineRunner() : new WorkerRunner(workers);
}
