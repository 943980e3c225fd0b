/**
 * Batch backtests: every strategy on every matching file of a folder, in parallel Deno Workers,
 * written to a new `logs/backtests/run_<UTC stamp>/` folder that is never overwritten
 * (config.json, results.json, trades/<file>__<strategy>.csv). A failure on one file is recorded
 * with its error and the batch goes on.
 *
 * ```ts ignore
 * import { runBatch } from "kinetra/backtest/batch.ts";
 * const run = await runBatch({ source: "data/sample", strategies: ["berserker", "sniper"] });
 * console.log(run.runDir, run.summary);
 * ```
 *
 * @module
 */
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { parseFileName, scanCatalog, scanPrepared } from "../data/mod.ts";
import { KinetraError } from "../errors.ts";
import { assertNotInside, utcStamp, writeJsonAtomic, writeTextAtomic } from "../util/fs.ts";
import { LOGS_DIR } from "../util/paths.ts";
import { getStrategy } from "../strategies/registry.ts";
import { resolveParams } from "../strategies/contract.ts";
import { paramsFor } from "./batch_job.ts";
import { summarizeBatch, type SummaryRow, summaryTable } from "./batch_summary.ts";
import type { BatchJob, BatchResult, Split } from "./batch_types.ts";
import type { BatchJobResult, BatchPayload } from "../cluster/batch_kind.ts";
import { ENGINE_VERSION, type JobEnvelope, makeJob, sha256Hex } from "../cluster/job.ts";
import "../cluster/kinds.ts";
import { type JobRunner, LocalRunner, makeRunner } from "../cluster/runner.ts";
import { JobStore } from "../cluster/store.ts";
import { DEFAULT_TEST_RATIO } from "../util/defaults.ts";

/** Options of `runBatch` (and `planBatch`). */
export interface BatchOptions {
  /** Folder scanned recursively for exports (a prepared folder with train/ and test/ works too). */
  source: string;
  /** Strategy names (registry). Default: berserker, sniper, multi_agent_v7. */
  strategies?: readonly string[];
  /** Timeframes to keep (e.g. ["H1", "H4"]); empty/absent = all. */
  timeframes?: readonly string[];
  /** Default "all". */
  split?: Split;
  /** Share of each raw file's bars in its test part (default 0.2, as `deno task prepare`). */
  testRatio?: number;
  /** Parallel workers; 0 runs in the calling thread. Default: hardware threads (at least 1). */
  workers?: number;
  /** Parent folder of the run folders. Default logs/backtests. */
  outDir?: string;
  /** Engine profile. Default mt5. */
  profile?: "mt5" | "compat";
  /** Backtest files whose validation has CRITICAL findings too (default: they are refused). */
  allowCritical?: boolean;
  /** Settles `NN/NN/YYYY` dates no row of a file settles (`dmy` or `mdy`; `--date-order`). */
  dateOrder?: "dmy" | "mdy";
  /**
   * Refuse (error `timeframe_mismatch`) a file whose name and bar spacing disagree on the
   * timeframe. Default false: the detected timeframe is used and the result carries a warning.
   */
  strictTimeframe?: boolean;
  /** Modelling mode (default ohlc): `open`, or `lower` from each file's lower timeframe in its folder. */
  model?: "open" | "ohlc" | "lower";
  /**
   * Parameter overrides by name (default: every strategy's defaults). Each applies to the
   * strategies that declare it; a name no chosen strategy declares is refused.
   */
  params?: Readonly<Record<string, number>>;
  /** Called after each file (all its strategies) finishes. */
  onProgress?: (p: BatchProgress) => void;
  /**
   * Stops the batch when aborted (e.g. Ctrl+C): running workers are terminated, unfinished files
   * are recorded with the error code `interrupted`, and results.json is still written.
   */
  signal?: AbortSignal;
  /** redis:// URL: run the jobs on BullMQ workers (`deno task worker`) instead of local threads. */
  cluster?: string | null;
  /** An earlier run folder: run only its missing jobs, with its own settings. */
  resume?: string;
  /** A runner to use instead of making one (tests); not closed by runBatch. */
  runner?: JobRunner;
}

/** Progress after a file finished. */
export interface BatchProgress {
  /** Files finished so far. */
  done: number;
  /** Files in the batch. */
  total: number;
  /** Name of the file that just finished. */
  file: string;
  /** Failed runs so far. */
  errors: number;
  /** Time since the batch started. */
  elapsedMs: number;
}

/** What `runBatch` returns (results.json holds the same). */
export interface BatchRun {
  /** The new run folder. */
  runDir: string;
  /** One result per file × strategy, in plan order. */
  results: BatchResult[];
  /** Rows per strategy × asset class (see `summarizeBatch`). */
  summary: SummaryRow[];
  /** Wall time of the whole batch. */
  wallMs: number;
  /** Sums over files of the per-step times measured inside the workers. */
  totalsMs: { read: number; features: number; simulate: number };
  /** Files in the batch. */
  files: number;
  /** Workers used (0 = the calling thread). */
  workers: number;
  /** True when the batch was stopped (through `signal`, or the cluster was lost). */
  interrupted: boolean;
  /** Why the batch stopped early, or null. */
  stopped: { code: string; message: string } | null;
  /** Jobs taken from an earlier run of the same folder (`resume`). */
  resumedJobs: number;
  /** "local" or "cluster". */
  runner: string;
}

/** The default strategies of a batch. */
export const DEFAULT_BATCH_STRATEGIES: readonly string[] = ["berserker", "sniper", "multi_agent_v7"];

async function isDir(p: string): Promise<boolean> {
  try {
    return (await Deno.stat(p)).isDirectory;
  } catch {
    return false;
  }
}

/** Asset class of a file: the first folder under the source (skipping train/ and test/). */
function assetClassOf(file: string, root: string): string {
  const parts = relative(root, dirname(file)).split(sep).filter((p) =>
    p && p !== "." && p !== "train" && p !== "test"
  );
  return parts[0] ?? "other";
}

/**
 * Refuse overrides no chosen strategy declares, and out-of-range values, before anything runs.
 * (Unknown strategy names are not refused here: they fail their own results, as a batch does.)
 */
function checkParams(strategies: readonly string[], params: Readonly<Record<string, number>>): void {
  const known = strategies.flatMap((name) => {
    try {
      return [getStrategy(name)];
    } catch {
      return [];
    }
  });
  for (const k of Object.keys(params)) {
    if (!known.some((s) => k in s.params)) {
      throw new KinetraError(
        "bad_parameter",
        `no chosen strategy has a parameter "${k}"; known: ${
          [...new Set(known.flatMap((s) => Object.keys(s.params)))].sort().join(", ")
        }`,
      );
    }
  }
  for (const s of known) resolveParams(s, paramsFor(s, params));
}

/** Find the files of a batch and build its jobs (no run folder, nothing written). */
export async function planBatch(opts: BatchOptions, tradesDir = ""): Promise<BatchJob[]> {
  const split = opts.split ?? "all";
  if (!["train", "test", "all"].includes(split)) {
    throw new KinetraError("bad_argument", `--split must be train, test or all, got "${split}"`);
  }
  const testRatio = opts.testRatio ?? DEFAULT_TEST_RATIO;
  if (!(testRatio > 0 && testRatio < 1)) {
    throw new KinetraError("bad_argument", `test ratio must be in (0, 1), got ${testRatio}`);
  }
  const strategies = opts.strategies?.length ? [...opts.strategies] : [...DEFAULT_BATCH_STRATEGIES];
  checkParams(strategies, opts.params ?? {});
  const tfs = (opts.timeframes ?? []).map((t) => t.toUpperCase());
  const root = opts.source;
  if (!(await isDir(root))) {
    throw new KinetraError("file_not_found", `source folder ${root} does not exist or is not a folder`);
  }
  // A prepared folder (train/ + test/) is already split: pick the sub-folders.
  const presplit = (await isDir(join(root, "train"))) && (await isDir(join(root, "test")));
  const found: { file: string; size: number; assetClass: string }[] = [];
  if (presplit) {
    // The Parquet written by `deno task prepare`, or exports split by hand (lib/data's scanner).
    const files: string[] = [];
    for (const d of split === "all" ? ["train", "test"] : [split]) {
      files.push(...scanPrepared(join(root, d), { exports: true }));
    }
    for (const file of files) {
      found.push({ file, size: (await Deno.stat(file)).size, assetClass: assetClassOf(file, root) });
    }
  } else {
    const catalog = await scanCatalog(root);
    for (const e of catalog.files) {
      found.push({ file: e.path, size: e.size_bytes, assetClass: e.asset_class });
    }
  }
  // Largest first: the slowest files start early, so the workers finish together.
  const kept = found.filter(({ file }) => {
    const tf = parseFileName(file).timeframe;
    return !tfs.length || (tf !== null && tfs.includes(tf));
  }).sort((a, b) => b.size - a.size || a.file.localeCompare(b.file));
  const jobs: BatchJob[] = [];
  for (const { file, assetClass } of kept) {
    const p = parseFileName(file);
    jobs.push({
      id: jobs.length,
      file,
      symbol: p.symbol,
      timeframe: p.timeframe,
      assetClass,
      strategies,
      split,
      testRatio,
      presplit,
      tradesDir,
      engine: { profile: opts.profile ?? "mt5" },
      params: opts.params ?? {},
      strictTimeframe: opts.strictTimeframe ?? false,
      model: opts.model ?? "ohlc",
      allowCritical: opts.allowCritical ?? false,
      ...(opts.dateOrder ? { dateOrder: opts.dateOrder } : {}),
    });
  }
  if (!jobs.length) {
    throw new KinetraError(
      "no_files",
      `no export files found in ${root}${tfs.length ? ` for timeframes ${tfs.join(",")}` : ""}`,
    );
  }
  return jobs;
}

/**
 * The checked-out commit, read from .git without running git (tasks have no --allow-run); null
 * when there is no repository or it cannot be read.
 */
async function gitCommit(): Promise<string | null> {
  try {
    const head = (await Deno.readTextFile(".git/HEAD")).trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = head.match(/^ref: (.+)$/)?.[1];
    if (!ref) return null;
    try {
      return (await Deno.readTextFile(join(".git", ref))).trim();
    } catch {
      const packed = await Deno.readTextFile(".git/packed-refs");
      return packed.split("\n").find((l) => l.endsWith(` ${ref}`))?.split(" ")[0] ?? null;
    }
  } catch {
    return null;
  }
}

/** Create a fresh run folder; never reuses an existing one. */
async function freshRunDir(parent: string): Promise<string> {
  await Deno.mkdir(parent, { recursive: true });
  const stamp = utcStamp(new Date());
  for (let k = 0; k < 1000; k++) {
    const dir = join(parent, k === 0 ? `run_${stamp}` : `run_${stamp}_${k + 1}`);
    try {
      await Deno.mkdir(dir); // fails when it exists: no run folder is ever overwritten
      return dir;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
  }
  throw new KinetraError("run_dir_exists", `could not create a new run folder under ${parent}`);
}

function resultsOfCrash(job: BatchJob, message: string, code = "worker_crashed"): BatchResult[] {
  return job.strategies.map((strategy) => ({
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
    error: { code, message },
    timings_ms: { read: 0, features: 0, simulate: 0 },
  }));
}

/** Read a run folder's config.json for `--resume`. */
async function readRunConfig(runDir: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await Deno.readTextFile(join(runDir, "config.json")));
  } catch (e) {
    throw new KinetraError(
      "bad_argument",
      `--resume ${runDir}: not a batch run folder (no readable config.json: ${
        (e as Error).message.split("\n")[0]
      })`,
    );
  }
}

const TRADES_NAME = /^trades\/[A-Za-z0-9+._-]{1,200}\.csv$/;

/**
 * Run a batch. Writes `<outDir>/run_<stamp>/config.json` before starting, each finished job's
 * results to `jobs.jsonl` (keyed by job id) and its trades to `trades/` as it finishes, and
 * `results.json` and `summary.txt` at the end (also when stopped). The jobs run on local workers
 * or, with `cluster`, on BullMQ workers; `resume` finishes an earlier run folder's missing jobs.
 */
export async function runBatch(opts: BatchOptions): Promise<BatchRun> {
  const t0 = performance.now();
  let runDir: string;
  let prior: Record<string, unknown> | null = null;
  if (opts.resume) {
    runDir = opts.resume;
    prior = await readRunConfig(runDir);
    const p = prior;
    opts = {
      ...opts,
      source: String(p.source),
      strategies: p.strategies as string[],
      timeframes: (p.timeframes as string[] | null) ?? undefined,
      split: p.split as Split,
      testRatio: p.test_ratio as number,
      profile: p.profile as "mt5" | "compat",
      params: p.params === "defaults" ? {} : p.params as Record<string, number>,
      strictTimeframe: p.strict_timeframe === true,
      allowCritical: p.allow_critical === true,
      dateOrder: p.date_order === "dmy" || p.date_order === "mdy" ? p.date_order : undefined,
      model: (p.model as "open" | "ohlc" | "lower" | undefined) ?? "ohlc",
    };
  } else {
    const outDir = opts.outDir ?? join(LOGS_DIR, "backtests");
    assertNotInside(outDir, opts.source);
    await planBatch(opts); // validate before creating anything
    runDir = await freshRunDir(outDir);
  }
  const tradesDir = join(runDir, "trades");
  await Deno.mkdir(tradesDir, { recursive: true });
  const jobs = await planBatch(opts, tradesDir);
  const dataRoot = resolve(opts.source);
  // One envelope per file: its id derives from the file's bytes and the batch's settings.
  const envelopes: JobEnvelope<BatchPayload>[] = [];
  for (const j of jobs) {
    const sha = await sha256Hex(await Deno.readFile(j.file));
    envelopes.push(
      await makeJob<BatchPayload>("batch", {
        file: relative(dataRoot, resolve(j.file)).split(sep).join("/"),
        sha256: sha,
        symbol: j.symbol,
        timeframe: j.timeframe,
        assetClass: j.assetClass,
        strategies: j.strategies,
        split: j.split,
        testRatio: j.testRatio,
        presplit: j.presplit,
        profile: j.engine.profile,
        params: j.params,
        strictTimeframe: j.strictTimeframe ?? false,
        model: j.model ?? "ohlc",
        // Only when set, so the ids of ordinary jobs stay as they were.
        ...(j.allowCritical ? { allowCritical: true } : {}),
        // The date order is part of the content (the same bytes read another way are another job).
        ...(j.dateOrder ? { dateOrder: j.dateOrder } : {}),
      }),
    );
  }
  const hw = navigator.hardwareConcurrency || 1;
  const workers = Math.max(0, Math.min(opts.workers ?? hw, jobs.length));
  const runner = opts.runner ?? await makeRunner({ cluster: opts.cluster, workers, dataRoot });
  const startedAt = new Date().toISOString();
  const config = prior ?? {
    created_at: startedAt,
    run_dir: runDir,
    source: dataRoot,
    strategies: jobs[0].strategies,
    timeframes: opts.timeframes?.length ? opts.timeframes.map((t) => t.toUpperCase()) : null,
    split: jobs[0].split,
    test_ratio: jobs[0].testRatio,
    presplit: jobs[0].presplit,
    profile: jobs[0].engine.profile,
    strict_timeframe: opts.strictTimeframe ?? false,
    allow_critical: opts.allowCritical ?? false,
    date_order: opts.dateOrder ?? null,
    model: opts.model ?? "ohlc",
    workers,
    runner: runner.name,
    cluster: runner instanceof LocalRunner ? null : (runner as { address?: string }).address ?? "cluster",
    engine_version: ENGINE_VERSION,
    params: opts.params && Object.keys(opts.params).length ? opts.params : "defaults",
    git_commit: await gitCommit(),
    files: jobs.map((j) => j.file),
    job_ids: envelopes.map((e) => e.id),
  };
  if (!prior) await writeJsonAtomic(join(runDir, "config.json"), config);
  const store = await JobStore.open(runDir);
  const todo = envelopes.filter((e) => !store.has(e.id));
  const resumed = envelopes.length - todo.length;
  const fileOf = new Map(envelopes.map((e, k) => [e.id, jobs[k]]));
  let errors = 0;
  let done = resumed;
  let outcome;
  const writes: Promise<void>[] = [];
  try {
    outcome = await runner.run(todo, (id, result) => {
      const job = fileOf.get(id);
      if (!job || !store.put(id, stripTrades(result))) return;
      const rs = (result as Partial<BatchJobResult>).results;
      if (Array.isArray(rs)) {
        for (const r of rs) {
          if (
            typeof r.trades_csv === "string" && typeof r.trades_file === "string" &&
            TRADES_NAME.test(r.trades_file)
          ) {
            writes.push(writeTextAtomic(join(runDir, r.trades_file), r.trades_csv));
          }
          if (r.error) errors++;
        }
      } else errors += job.strategies.length;
      done++;
      opts.onProgress?.({
        done,
        total: jobs.length,
        file: basename(job.file),
        errors,
        elapsedMs: performance.now() - t0,
      });
    }, { signal: opts.signal });
  } finally {
    if (!opts.runner) await runner.close();
  }
  await Promise.all(writes);
  await store.flush();
  const stopped = outcome.stopped;
  const interrupted = stopped !== null;
  const results = jobs.flatMap((j, k) => {
    const r = store.get(envelopes[k].id) as Partial<BatchJobResult> & {
      error?: { code: string; message: string };
    };
    if (r && Array.isArray(r.results)) return r.results.map((x) => ({ ...x, file: j.file }));
    if (r?.error) return resultsOfCrash(j, r.error.message, r.error.code);
    return stopped
      ? resultsOfCrash(j, `the batch stopped before this file ran (${stopped.message})`, "interrupted")
      : resultsOfCrash(j, "no result");
  });
  const summary = summarizeBatch(results);
  const totalsMs = { read: 0, features: 0, simulate: 0 };
  for (const r of results) {
    totalsMs.read += r.timings_ms.read;
    totalsMs.features += r.timings_ms.features;
    totalsMs.simulate += r.timings_ms.simulate;
  }
  const wallMs = performance.now() - t0;
  await writeTextAtomic(join(runDir, "summary.txt"), summaryTable(summary, { split: jobs[0]?.split }) + "\n");
  await writeJsonAtomic(join(runDir, "results.json"), {
    run_dir: runDir,
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    wall_ms: wallMs,
    workers,
    runner: runner.name,
    interrupted,
    stopped,
    resumed_jobs: resumed,
    totals_ms: totalsMs,
    config,
    results,
    summary,
  });
  return {
    runDir,
    results,
    summary,
    wallMs,
    totalsMs,
    files: jobs.length,
    workers,
    interrupted,
    stopped,
    resumedJobs: resumed,
    runner: runner.name,
  };
}

/** A job result without its inline trades (they go to trades/, not into jobs.jsonl). */
function stripTrades(result: unknown): unknown {
  const rs = (result as Partial<BatchJobResult>)?.results;
  if (!Array.isArray(rs)) return result;
  return { results: rs.map(({ trades_csv: _t, ...r }) => r) };
}
