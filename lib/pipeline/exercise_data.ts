/**
 * The real-data exerciser: load, validate and prepare every export of a folder and backtest a
 * sample of them, with per-operation and per-file timings, the errors found by lib/data's own
 * checks, and the bottlenecks. `deno task exercise:data` prints and saves its report; the fix
 * pipeline's `real_data` stage runs it in-process.
 *
 * @example
 * ```ts
 * import { exerciseData } from "./exercise_data.ts";
 * const report = await exerciseData({ source: "data/sample", backtestSample: 0, prepare: false });
 * console.log(report.data_files_found, report.data_files_loaded, report.total_rows_processed);
 * ```
 *
 * @module
 */
import { basename, join } from "node:path";
import { isKinetraError } from "../errors.ts";
import type { Bars } from "../data/types.ts";
import { scanPrepared } from "../data/catalog.ts";
import { BACKTEST, DATA, type DataFinding, type DataPart, FEATURES, STRATEGIES } from "./parts.ts";
import { type DataFile, materializeFiles, WorkingSet } from "./working_set.ts";
import { assertNotInside } from "../util/fs.ts";
import { checkBacktestInvariants } from "./invariants.ts";
import { type ProfileSummary, startCpuProfile } from "./profile.ts";
import { DEFAULT_TEST_RATIO } from "../util/defaults.ts";

/** Options of {@link exerciseData}. */
export interface ExerciseOptions {
  /** Source folder (read only). */
  source: string;
  /** The files to exercise (default: every export under `source`). */
  files?: DataFile[];
  /**
   * Prepare into this folder (a pipeline-owned output, never the source), or false to skip.
   * `viewDir` is where the working set is laid out for prepareDataset (default `<out>/../_view`).
   */
  prepare?: { out: string; viewDir?: string; testRatio?: number } | false;
  /** How many files to backtest with every registered strategy (default 4: one per asset class first). */
  backtestSample?: number;
  /** Record a CPU profile (node:inspector) and list the slowest functions. */
  profile?: boolean;
  /** Where the CPU profile is written (`.cpuprofile`, readable by Chrome DevTools). */
  profilePath?: string;
  /** Stop (reporting `timed_out`) when `performance.now()` passes this. */
  deadlineMs?: number;
  /** Aborted by a stop signal: finish the current file, skip the rest, report `interrupted`. */
  signal?: AbortSignal;
  /** Per-file progress lines. */
  progress?: (line: string) => void;
  /** Slow thresholds in ms (defaults: read 1000, validate 1000, backtest 5000, operation 60000). */
  slowMs?: { read?: number; validate?: number; backtest?: number; operation?: number };
}

/** An error the exerciser found. */
export interface ExerciseError {
  /** File relative to the source folder (null for whole-operation errors). */
  file: string | null;
  operation: string;
  code: string;
  /** Severity as lib/data reported it, when it did. */
  severity: string | null;
  message: string;
  details?: Record<string, unknown>;
}

/** One operation's totals. */
export interface OperationRecord {
  operation: string;
  /** False when the part it needs is missing (then it did not run). */
  available: boolean;
  files_tested: number;
  /** Files (or runs) that went through cleanly; for validation, files without findings. */
  successful: number;
  /** Files (or runs) that failed; for validation, files with at least one finding. */
  failed: number;
  total_ms: number;
  rows?: number;
  mb_per_s?: number;
  slowest: { file: string; ms: number }[];
  note?: string;
}

/** Per-file timings and what was found. */
export interface FileRecord {
  file: string;
  path: string;
  repaired: boolean;
  asset_class: string;
  size_bytes: number;
  rows: number | null;
  read_ms: number | null;
  validate_ms: number | null;
  format: string | null;
  encoding: string | null;
  delimiter: string | null;
  timeframe_declared: string | null;
  timeframe_detected: string | null;
  findings: { code: string; severity: string | null; message: string }[];
  error: { code: string; message: string } | null;
}

/** A slow spot. */
export interface Bottleneck {
  operation: string;
  file?: string;
  time_ms: number;
  issue: string;
}

/** The exerciser's report (logs/real_data_exercise_report.json). */
export interface ExerciseReport {
  start_time: string;
  end_time: string;
  source: string;
  data_files_found: number;
  data_files_loaded: number;
  total_rows_processed: number;
  total_size_mb: number;
  files_by_asset_class: Record<string, number>;
  operations: OperationRecord[];
  files: FileRecord[];
  errors: ExerciseError[];
  bottlenecks: Bottleneck[];
  unavailable: string[];
  profile: ProfileSummary | null;
  /** True when the deadline passed before every file was done. */
  timed_out: boolean;
  /** True when a stop signal (SIGINT, SIGTERM, SIGHUP) ended it early; the report holds what finished. */
  interrupted: boolean;
}

function assetClass(rel: string): string {
  const i = rel.indexOf("/");
  return i > 0 ? rel.slice(0, i) : "(root)";
}

function top(list: { file: string; ms: number }[], n = 5): { file: string; ms: number }[] {
  return [...list].sort((a, b) => b.ms - a.ms).slice(0, n).map((x) => ({
    file: x.file,
    ms: Math.round(x.ms),
  }));
}

/** Findings as lib/data returns them: an array, or an object with `findings`. */
export function findingsOf(v: unknown): DataFinding[] {
  const arr = Array.isArray(v) ? v : (v as { findings?: unknown })?.findings;
  if (!Array.isArray(arr)) return [];
  return arr.filter((f) =>
    f && typeof f === "object" && typeof (f as DataFinding).code === "string"
  ) as DataFinding[];
}

/**
 * Checks on what the reader reported while reading (it repairs some defects silently on read:
 * the pipeline still reports them, so the source gets fixed for every other tool). Format
 * variants (UTF-16, non-tab MT5 exports) always; with `dataChecks` (used only when lib/data's
 * validateFile is unavailable) also duplicates, order and timeframe.
 */
export function readReportFindings(bars: Bars, dataChecks = true): DataFinding[] {
  const out: DataFinding[] = [];
  const r = bars.meta.report;
  const m = bars.meta;
  if (r) {
    if (/utf-16/i.test(r.encoding)) {
      out.push({ code: "utf16_encoding", message: `file is ${r.encoding}; MT5's default export is UTF-8` });
    }
    if (r.delimiter !== "tab" && m.format === "mt5_bars") {
      out.push({
        code: "non_tab_delimiter",
        message: `${r.delimiter}-separated MT5 export; the canonical layout is tab`,
      });
    }
    if (dataChecks && r.duplicates_dropped > 0) {
      out.push({
        code: "duplicate_bars",
        message: `${r.duplicates_dropped} duplicate bar time(s) (dropped on read)`,
      });
    }
    if (dataChecks && r.sorted_on_read) {
      out.push({
        code: "unsorted_bars",
        message: r.newest_first
          ? "rows are newest-first (sorted on read)"
          : "rows out of order (sorted on read)",
      });
    }
  }
  if (dataChecks && m.timeframe && m.timeframeDetected && m.timeframe !== m.timeframeDetected) {
    out.push({
      code: "timeframe_mismatch",
      message: `name declares ${m.timeframe} but bar spacing shows ${m.timeframeDetected}`,
      timeframe_declared: m.timeframe,
      timeframe_detected: m.timeframeDetected,
    });
  }
  return out;
}

function pickSample(files: FileRecord[], n: number): FileRecord[] {
  const ok = files.filter((f) => f.error === null && (f.rows ?? 0) > 0);
  // One per asset class first (smallest file of each, to keep the sample quick), then the rest.
  const byClass = new Map<string, FileRecord>();
  for (const f of [...ok].sort((a, b) => a.size_bytes - b.size_bytes)) {
    if (!byClass.has(f.asset_class)) byClass.set(f.asset_class, f);
  }
  const chosen = [...byClass.values()];
  for (const f of [...ok].sort((a, b) => a.size_bytes - b.size_bytes)) {
    if (chosen.length >= n) break;
    if (!chosen.includes(f)) chosen.push(f);
  }
  return chosen.slice(0, n);
}

/** Run the exerciser (see the module doc). Never throws for a bad file: it is an error in the report. */
export async function exerciseData(opts: ExerciseOptions): Promise<ExerciseReport> {
  const start = new Date();
  const progress = opts.progress ?? (() => {});
  const slow = { read: 1000, validate: 1000, backtest: 5000, operation: 60_000, ...opts.slowMs };
  const prof = opts.profile ? await startCpuProfile() : null;
  const errors: ExerciseError[] = [];
  const bottlenecks: Bottleneck[] = [];
  const operations: OperationRecord[] = [];
  const unavailable: string[] = [];
  let timedOut = false;

  // 1. Catalog.
  let t0 = performance.now();
  const files = opts.files ?? (await WorkingSet.open(opts.source)).files();
  const data = DATA;
  let catalogNote = "own recursive listing";
  {
    try {
      await data.scanCatalog(opts.source);
      catalogNote = "lib/data scanCatalog";
    } catch (e) {
      errors.push({
        file: null,
        operation: "catalog",
        code: isKinetraError(e) ? e.code : "catalog_failed",
        severity: null,
        message: `scanCatalog(${opts.source}) failed: ${(e as Error).message}`,
      });
    }
  }
  operations.push({
    operation: "catalog",
    available: true,
    files_tested: files.length,
    successful: files.length,
    failed: 0,
    total_ms: Math.round(performance.now() - t0),
    slowest: [],
    note: catalogNote,
  });

  const records: FileRecord[] = [];
  for (const f of files) {
    const st = await Deno.stat(f.path).catch(() => null);
    records.push({
      file: f.rel,
      path: f.path,
      repaired: f.repaired,
      asset_class: assetClass(f.rel),
      size_bytes: st?.size ?? 0,
      rows: null,
      read_ms: null,
      validate_ms: null,
      format: null,
      encoding: null,
      delimiter: null,
      timeframe_declared: null,
      timeframe_detected: null,
      findings: [],
      error: null,
    });
  }

  // 2. Loading (readBars) and the checks on what the reader saw.
  t0 = performance.now();
  const times: { file: string; ms: number }[] = [];
  let ok = 0, rows = 0, bytes = 0;
  for (const rec of records) {
    if (opts.deadlineMs && performance.now() > opts.deadlineMs) {
      timedOut = true;
      break;
    }
    if (opts.signal?.aborted) break;
    const t = performance.now();
    try {
      const bars = await data.readBars(rec.path);
      rec.read_ms = performance.now() - t;
      rec.rows = bars.frame.height;
      rec.format = bars.meta.format;
      rec.encoding = bars.meta.report?.encoding ?? null;
      rec.delimiter = bars.meta.report?.delimiter ?? null;
      rec.timeframe_declared = bars.meta.timeframe;
      rec.timeframe_detected = bars.meta.timeframeDetected;
      for (const fd of readReportFindings(bars, !data.validateFile)) {
        rec.findings.push({ code: fd.code, severity: null, message: fd.message });
        errors.push({
          file: rec.file,
          operation: "data_loading",
          code: fd.code,
          severity: null,
          message: `${basename(rec.file)}: ${fd.message}`,
          details: { ...fd, path: rec.path },
        });
      }
      ok++;
      rows += rec.rows;
      bytes += rec.size_bytes;
    } catch (e) {
      rec.read_ms = performance.now() - t;
      const code = isKinetraError(e) ? e.code : "read_failed";
      rec.error = { code, message: (e as Error).message };
      errors.push({
        file: rec.file,
        operation: "data_loading",
        code,
        severity: null,
        message: (e as Error).message,
        details: { path: rec.path },
      });
    }
    times.push({ file: rec.file, ms: rec.read_ms });
    if (rec.read_ms > slow.read) {
      bottlenecks.push({
        operation: "data_loading",
        file: rec.file,
        time_ms: Math.round(rec.read_ms),
        issue: "slow file load",
      });
    }
    progress(
      `  load ${rec.file}: ${rec.error ? `error ${rec.error.code}` : `${rec.rows} rows`} (${
        Math.round(rec.read_ms)
      } ms)`,
    );
  }
  const ms = performance.now() - t0;
  operations.push({
    operation: "data_loading",
    available: true,
    files_tested: records.length,
    successful: ok,
    failed: records.length - ok,
    total_ms: Math.round(ms),
    rows,
    mb_per_s: ms > 0 ? Math.round(bytes / 1e6 / (ms / 1000) * 10) / 10 : undefined,
    slowest: top(times),
  });

  const stopped = (): boolean => opts.signal?.aborted === true;
  // 3. Validation (lib/data's checks).
  if (!stopped()) {
    await validateAll(data, records, errors, bottlenecks, operations, slow.validate, progress);
  }

  // 4. Preparation.
  if (opts.prepare && !stopped()) {
    const r = await prepareFiles(data, opts.source, files, opts.prepare);
    operations.push(r.operation);
    errors.push(...r.errors);
    if (!r.operation.available) unavailable.push(`preparation: ${r.operation.note}`);
  }

  // 5. Backtest a sample.
  const n = opts.backtestSample ?? 4;
  if (n > 0 && !stopped()) {
    const r = await backtestSample(data, pickSample(records, n), slow.backtest, progress);
    operations.push(r.operation);
    errors.push(...r.errors);
    bottlenecks.push(...r.bottlenecks);
    if (!r.operation.available) unavailable.push(`backtest sample: ${r.operation.note}`);
  }

  for (const op of operations) {
    if (op.total_ms > slow.operation) {
      bottlenecks.push({ operation: op.operation, time_ms: op.total_ms, issue: "slow operation" });
    }
  }
  const profile = prof ? await prof.stop(opts.profilePath) : null;
  if (profile) {
    for (const f of profile.slowest.filter((x) => !x.function.startsWith("(")).slice(0, 5)) {
      bottlenecks.push({
        operation: "cpu_profile",
        time_ms: f.self_ms,
        issue: `hot function ${f.function} (${f.url})`,
      });
    }
  }
  bottlenecks.sort((a, b) => b.time_ms - a.time_ms);
  const byClass: Record<string, number> = {};
  for (const r of records) byClass[r.asset_class] = (byClass[r.asset_class] ?? 0) + 1;
  const loaded = records.filter((r) => r.rows !== null);
  for (const r of records) {
    if (r.read_ms !== null) r.read_ms = Math.round(r.read_ms * 10) / 10;
    if (r.validate_ms !== null) r.validate_ms = Math.round(r.validate_ms * 10) / 10;
  }
  return {
    start_time: start.toISOString(),
    end_time: new Date().toISOString(),
    source: opts.source,
    data_files_found: records.length,
    data_files_loaded: loaded.length,
    total_rows_processed: loaded.reduce((s, r) => s + (r.rows ?? 0), 0),
    total_size_mb: Math.round(records.reduce((s, r) => s + r.size_bytes, 0) / 1e4) / 100,
    files_by_asset_class: byClass,
    operations,
    files: records,
    errors,
    bottlenecks,
    unavailable,
    profile,
    timed_out: timedOut,
    interrupted: stopped(),
  };
}

async function validateAll(
  data: DataPart,
  records: FileRecord[],
  errors: ExerciseError[],
  bottlenecks: Bottleneck[],
  operations: OperationRecord[],
  slowMs: number,
  progress: (line: string) => void,
): Promise<void> {
  const t0 = performance.now();
  const times: { file: string; ms: number }[] = [];
  let clean = 0, failed = 0;
  for (const rec of records) {
    const t = performance.now();
    let findings: DataFinding[] = [];
    try {
      findings = findingsOf(await data.validateFile(rec.path));
    } catch (e) {
      const code = isKinetraError(e) ? e.code : "validate_failed";
      findings = [{ code, message: (e as Error).message, severity: "CRITICAL" }];
    }
    rec.validate_ms = performance.now() - t;
    times.push({ file: rec.file, ms: rec.validate_ms });
    if (rec.validate_ms > slowMs) {
      bottlenecks.push({
        operation: "validation",
        file: rec.file,
        time_ms: Math.round(rec.validate_ms),
        issue: "slow validation",
      });
    }
    // INFO-level notes are not defects.
    const real = findings.filter((f) => String(f.severity ?? "").toUpperCase() !== "INFO");
    if (real.length) failed++;
    else clean++;
    for (const f of real) {
      rec.findings.push({ code: f.code, severity: (f.severity as string) ?? null, message: f.message });
      if (rec.error && rec.error.code === f.code) continue; // already reported by loading
      const { code: _c, message: _m, ...rest } = f;
      errors.push({
        file: rec.file,
        operation: "validation",
        code: f.code,
        severity: (f.severity as string) ?? null,
        message: f.message,
        details: { ...rest, path: rec.path },
      });
    }
    progress(`  validate ${rec.file}: ${real.length ? real.map((f) => f.code).join(", ") : "clean"}`);
  }
  const byCode: Record<string, number> = {};
  for (const r of records) for (const f of r.findings) byCode[f.code] = (byCode[f.code] ?? 0) + 1;
  operations.push({
    operation: "validation",
    available: true,
    files_tested: records.length,
    successful: clean,
    failed,
    total_ms: Math.round(performance.now() - t0),
    slowest: top(times),
    note: failed
      ? `files with findings: ${Object.entries(byCode).map(([c, n]) => `${c} ${n}`).join(", ")}`
      : "every file clean",
  });
}

/** Prepare the working set with lib/data's prepareDataset into a pipeline-owned folder. */
export async function prepareFiles(
  data: DataPart,
  source: string,
  files: DataFile[],
  opts: { out: string; viewDir?: string; testRatio?: number; signal?: AbortSignal },
): Promise<{ operation: OperationRecord; errors: ExerciseError[]; result: unknown }> {
  const t0 = performance.now();
  const errors: ExerciseError[] = [];
  const viewDir = opts.viewDir ?? join(opts.out, "..", "_view");
  assertNotInside(viewDir, source);
  const view = await materializeFiles(files, viewDir);
  let result: unknown = null;
  let ok = 0, failed = 0;
  try {
    result = await data.prepareDataset({
      source: view,
      out: opts.out,
      testRatio: opts.testRatio ?? DEFAULT_TEST_RATIO,
      // The pipeline owns this folder: its manifest lists exactly the working set.
      keepOtherEntries: false,
      // The exerciser diagnoses: CRITICAL findings are reported by its validation stage in their
      // own category, so preparation does not refuse those files a second time.
      allowCritical: true,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const perFile = preparedRecords(result);
    for (const r of perFile) {
      if (r.error) {
        failed++;
        errors.push({
          file: viewRelToSource(r.file, view, files),
          operation: "preparation",
          code: r.error.code,
          severity: null,
          message: r.error.message.replaceAll(view + "/", ""),
        });
      } else ok++;
    }
    if (!perFile.length) ok = files.length;
    await pruneStalePrepared(opts.out, result);
  } catch (e) {
    failed = files.length;
    errors.push({
      file: null,
      operation: "preparation",
      code: opts.signal?.aborted ? "timeout" : isKinetraError(e) ? e.code : "prepare_failed",
      severity: null,
      message: `prepareDataset failed: ${(e as Error).message}`,
    });
  }
  return {
    operation: {
      operation: "preparation",
      available: true,
      files_tested: files.length,
      successful: ok,
      failed,
      total_ms: Math.round(performance.now() - t0),
      slowest: [],
    },
    errors,
    result,
  };
}

/**
 * Remove prepared outputs the manifest no longer lists (a file filed under another name, or left
 * out of the working set, must not keep its old train/test files around).
 */
export async function pruneStalePrepared(out: string, manifest: unknown): Promise<string[]> {
  const files = (manifest as { files?: { train_path?: string | null; test_path?: string | null }[] } | null)
    ?.files;
  if (!Array.isArray(files)) return [];
  const keep = new Set<string>();
  for (const f of files) for (const p of [f.train_path, f.test_path]) if (p) keep.add(join(out, p));
  const removed: string[] = [];
  for (const split of ["train", "test"]) {
    for (const p of scanPrepared(join(out, split))) {
      if (keep.has(p)) continue;
      await Deno.remove(p);
      removed.push(p);
    }
  }
  return removed;
}

/** Per-file records of a prepareDataset result: `{ file, error? }` where an error was reported. */
export function preparedRecords(
  result: unknown,
): { file: string; error?: { code: string; message: string } }[] {
  const r = result as Record<string, unknown> | null;
  const list = (Array.isArray(r) ? r : (r?.files ?? r?.entries ?? r?.results)) as unknown;
  if (!Array.isArray(list)) return [];
  const out: { file: string; error?: { code: string; message: string } }[] = [];
  for (const x of list as Record<string, unknown>[]) {
    const file = String(x.file ?? x.source ?? x.path ?? "");
    const err = x.error as { code?: string; message?: string } | string | undefined | null;
    if (err) {
      out.push({
        file,
        error: typeof err === "string"
          ? { code: String(x.code ?? "prepare_failed"), message: err }
          : { code: err.code ?? "prepare_failed", message: err.message ?? String(err) },
      });
    } else out.push({ file });
  }
  return out;
}

function viewRelToSource(file: string, view: string, files: DataFile[]): string | null {
  const name = basename(file);
  const hit = files.find((f) => basename(f.path) === name || file.endsWith(f.rel));
  return hit?.rel ?? (file.startsWith(view) ? file.slice(view.length + 1) : file) ?? null;
}

async function backtestSample(
  data: DataPart,
  sample: FileRecord[],
  slowMs: number,
  progress: (line: string) => void,
): Promise<{ operation: OperationRecord; errors: ExerciseError[]; bottlenecks: Bottleneck[] }> {
  const t0 = performance.now();
  const bt = BACKTEST, st = STRATEGIES, ft = FEATURES;
  const errors: ExerciseError[] = [];
  const bottlenecks: Bottleneck[] = [];
  const times: { file: string; ms: number }[] = [];
  let ok = 0, failed = 0;
  const strategies = st.listStrategies();
  for (const rec of sample) {
    let bars: Bars;
    try {
      bars = await data.readBars(rec.path);
    } catch {
      continue; // loading already reported it
    }
    const arrays = data.toArrays(bars);
    for (const s of strategies) {
      const t = performance.now();
      const label = `${rec.file} × ${s.name}`;
      try {
        const features = s.features.length ? ft.computeFeatures(arrays, s.features) : {};
        const res = bt.runBacktest({ bars: arrays, meta: bars.meta, strategy: s, features });
        const bad = checkBacktestInvariants(res);
        for (const v of bad) {
          errors.push({
            file: rec.file,
            operation: "backtest_sample",
            code: v.code,
            severity: null,
            message: `${s.name}: ${v.message}`,
          });
        }
        bad.length ? failed++ : ok++;
      } catch (e) {
        failed++;
        errors.push({
          file: rec.file,
          operation: "backtest_sample",
          code: isKinetraError(e) ? e.code : (e instanceof TypeError ? "type_error" : "backtest_failed"),
          severity: null,
          message: `${s.name}: ${(e as Error).message}`,
          details: { strategy: s.name, stack: (e as Error).stack?.split("\n").slice(0, 6).join("\n") },
        });
      }
      const ms = performance.now() - t;
      times.push({ file: label, ms });
      if (ms > slowMs) {
        bottlenecks.push({
          operation: "backtest_sample",
          file: label,
          time_ms: Math.round(ms),
          issue: "slow backtest",
        });
      }
      progress(`  backtest ${label}: ${Math.round(ms)} ms`);
    }
  }
  return {
    operation: {
      operation: "backtest_sample",
      available: true,
      files_tested: sample.length,
      successful: ok,
      failed,
      total_ms: Math.round(performance.now() - t0),
      slowest: top(times),
      note: `${strategies.length} strategies: ${strategies.map((s) => s.name).join(", ")}`,
    },
    errors,
    bottlenecks,
  };
}
