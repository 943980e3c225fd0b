/**
 * The end of a fix-pipeline run: the errors still there, fix guides for those a person must handle
 * (errors the pipeline does not change, fixes that could not be done), and the JSON report with its
 * counts. Exit policy (docs/FIX_PIPELINE.md): CRITICAL, HIGH and MEDIUM errors fail the run.
 *
 * @module
 */
import { writeFixGuides } from "./guides.ts";
import { readRepairManifest } from "./repair.ts";
import type { RunState } from "./run_state.ts";
import { failsRun, type PipelineReport, type Severity } from "./types.ts";
import type { WorkingSet } from "./working_set.ts";

/** What the report says about the run besides its state. */
export interface RunSummary {
  /** The run's state. */
  state: RunState;
  /** Start of the run. */
  start: Date;
  /** Source folder. */
  source: string;
  /** The working set (for the files left out). */
  ws: WorkingSet;
  /** Log and report folder (fix guides go there). */
  logDir: string;
  /** Paths of the log and of the report. */
  logPath: string;
  reportPath: string;
  /** Output folders. */
  repairedDir: string;
  preparedDir: string;
  /** Options of the run. */
  autoFix: boolean;
  dryRun: boolean;
  maxCycles: number;
  /** Cycles run and why the loop stopped. */
  cycles: number;
  stopReason: string;
}

/** Count `list` by `key`. */
export function countBy<T>(list: readonly T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of list) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}

/**
 * Write the fix guides of what is left and build the report; `failing` is the number of remaining
 * errors that fail the run.
 */
export async function assembleReport(run: RunSummary): Promise<{ report: PipelineReport; failing: number }> {
  const { state, logDir, dryRun, repairedDir } = run;
  const remaining = state.currentErrors();
  for (const e of remaining) if (!state.allErrors.has(e.key)) state.allErrors.set(e.key, e);
  // Guides, written at the end for what is still there (a problem gone in the same run gets none):
  // errors the pipeline does not change itself, and those whose fix could not be done.
  const skippedKeys = new Set(state.fixes.filter((f) => f.status === "skipped").flatMap((f) => f.error_keys));
  const needPerson = remaining.filter((e) => !e.auto_fixable || skippedKeys.has(e.key));
  if (needPerson.length && !dryRun) {
    for (const g of await writeFixGuides(logDir, needPerson)) state.guides.add(g);
  }
  const failing = remaining.filter(failsRun);
  const all = [...state.allErrors.values()];
  const remainingKeys = new Set(remaining.map((e) => e.key));
  const fixedCount =
    [...state.fixedKeys].filter((k) => !remainingKeys.has(k) && state.allErrors.has(k)).length;
  const bySeverity: Record<Severity, number> = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0 };
  for (const e of all) bySeverity[e.severity]++;
  const manifest = dryRun ? null : await readRepairManifest(repairedDir);
  const report: PipelineReport = {
    start_time: run.start.toISOString(),
    end_time: new Date().toISOString(),
    source: run.source,
    auto_fix: run.autoFix,
    dry_run: dryRun,
    max_cycles: run.maxCycles,
    cycles: run.cycles,
    stop_reason: run.stopReason,
    total_errors: all.length,
    errors_fixed: fixedCount,
    errors_remaining: remaining.length,
    errors_failing: failing.length,
    errors_reported: remaining.length - failing.length,
    errors_by_category: countBy(all, (e) => e.category),
    errors_by_severity: bySeverity,
    remaining_by_category: countBy(remaining, (e) => e.category),
    auto_fixable_remaining: remaining.filter((e) => e.auto_fixable).length,
    errors: all,
    remaining_errors: remaining,
    fixes_applied: state.fixes,
    test_runs: state.testRuns,
    stages_unavailable: [...state.latest.values()].filter((r) => r.status === "unavailable").map((r) =>
      r.stage
    ),
    outputs: {
      log: run.logPath,
      report: run.reportPath,
      repaired_dir: repairedDir,
      prepared_dir: run.preparedDir,
      guides: [...state.guides],
      ...(manifest
        ? { repaired_files: Object.values(manifest.files).filter((m) => m.output).map((m) => m.output) }
        : {}),
      excluded_files: run.ws.excluded(),
    },
  };
  return { report, failing: failing.length };
}
