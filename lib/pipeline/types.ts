/**
 * The fix pipeline's shared types: raw errors as stages report them, categorised errors, stage
 * results, fix records and the run report.
 *
 * @module
 */

/** Error severities, most severe first. */
export type Severity = "CRITICAL" | "HIGH" | "MEDIUM" | "LOW";

/** Severity order used to sort fixes and tables (0 = most severe). */
export const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3 };

/**
 * The exit policy: a remaining error of these severities fails the run (exit 1); LOW findings
 * (holiday gaps, format variants, a range in the name that differs) are reported only. MEDIUM fails
 * too: it holds timeouts, type errors and empty files, which are problems rather than notes.
 */
export const FAILING_SEVERITIES: readonly Severity[] = ["CRITICAL", "HIGH", "MEDIUM"];

/** True when an error fails the run under {@link FAILING_SEVERITIES} (an uncategorised one does too). */
export function failsRun(e: { severity: Severity; category: string }): boolean {
  return FAILING_SEVERITIES.includes(e.severity) || e.category === "unknown";
}

/** The stages of one cycle, in the order they run. */
export type StageName =
  | "unit_tests"
  | "import_check"
  | "real_data"
  | "data_preparation"
  | "backtest_validation"
  | "menu_exerciser";

/** How a stage ended. `unavailable`: the part it exercises is missing (never counted as passed). */
export type StageStatus = "passed" | "failed" | "unavailable" | "timeout";

/** An error as a stage reports it, before categorisation. */
export interface RawError {
  /** Stage that found it. */
  stage: StageName;
  /** Machine code when the source has one (a data finding code, `timeout`, `missing_dependency`...). */
  code?: string;
  /** Human message (also matched by the pattern table's regexes). */
  message: string;
  /** File the error is about (data file, source location `path:line:col`), when known. */
  file?: string;
  /** Extra facts (counts, command, module, detected timeframe...). */
  details?: Record<string, unknown>;
}

/** A categorised error. */
export interface PipelineError extends RawError {
  /** Category from the pattern table (lib/pipeline/patterns.json). */
  category: string;
  /** CRITICAL, HIGH, MEDIUM or LOW. */
  severity: Severity;
  /** True when a fix strategy can repair it without a person. */
  auto_fixable: boolean;
  /** The fix strategy named in the pattern table. */
  fix: string;
  /** Identity of the error within a run: the same defect seen again has the same key. */
  key: string;
}

/** What one stage run produced. */
export interface StageResult {
  /** The stage. */
  stage: StageName;
  /** How the stage ended. */
  status: StageStatus;
  /** Checks that passed / failed inside the stage (tests, files, paths, runs). */
  passed: number;
  /** Checks that failed. */
  failed: number;
  /** Wall time of the stage, ms. */
  duration_ms: number;
  /** Errors the stage found. */
  errors: RawError[];
  /** Free notes (why unavailable, what was skipped, retried...). */
  notes: string[];
  /** True when the stage only finished after a timeout retry with a longer limit. */
  slow?: boolean;
}

/** One fix attempt and its verification. */
export interface FixRecord {
  /** Keys of the errors this fix addresses. */
  error_keys: string[];
  /** The first error addressed (full record), for readers of the report. */
  error: PipelineError;
  /** Category from the pattern table (lib/pipeline/patterns.json). */
  category: string;
  /** The fix strategy. */
  action: string;
  /** What was done (or would be done with --dry-run / without --auto-fix). */
  description: string;
  /** applied: done and verified; failed: done but verification failed (reverted); proposed; skipped. */
  status: "applied" | "failed" | "proposed" | "skipped";
  /** `passed`, `failed`, or `not_run`. */
  verification: "passed" | "failed" | "not_run";
  /** Verification detail (what was re-run, what remained). */
  verification_detail?: string;
  /** Cycle number (1-based). */
  cycle: number;
  /** Files written by the fix (repaired copy, quarantine, guide...). */
  outputs?: string[];
}

/** Per-cycle, per-stage record in the report. */
export interface TestRun {
  /** Cycle number (1-based). */
  cycle: number;
  /** `check` for the cycle's full pass, `verify` for a verification re-run. */
  phase: "check" | "verify";
  /** The stage. */
  stage: StageName;
  /** How the stage ended. */
  status: StageStatus;
  /** Checks that passed. */
  passed: number;
  /** Checks that failed. */
  failed: number;
  /** Wall time of the stage, ms. */
  duration_ms: number;
  /** True when it only finished after a timeout retry. */
  slow: boolean;
  /** Free notes of the stage. */
  notes: string[];
  /** Errors the stage found. */
  errors: {
    /** The stage. */
    stage: StageName;
    /** File the error is about, or null. */
    file: string | null;
    /** Category from the pattern table (lib/pipeline/patterns.json). */
    category: string;
    /** CRITICAL, HIGH, MEDIUM or LOW. */
    severity: Severity;
    /** Stable error code, or null. */
    code: string | null;
    /** The error message. */
    message: string;
  }[];
}

/** The JSON report written at the end of a run. */
export interface PipelineReport {
  /** Start of the run (ISO 8601). */
  start_time: string;
  /** End of the run (ISO 8601). */
  end_time: string;
  /** The data folder checked. */
  source: string;
  /** Whether fixes were applied (--auto-fix). */
  auto_fix: boolean;
  /** Whether this was a dry run (nothing changed). */
  dry_run: boolean;
  /** Cycle limit of the run. */
  max_cycles: number;
  /** Cycles run. */
  cycles: number;
  /** Why the loop stopped. */
  stop_reason: string;
  /** Distinct errors seen during the run. */
  total_errors: number;
  /** Errors fixed and verified. */
  errors_fixed: number;
  /** Errors still present at the end. */
  errors_remaining: number;
  /** Remaining errors that fail the run (CRITICAL, HIGH, MEDIUM): exit 1 when above 0. */
  errors_failing: number;
  /** Remaining LOW findings: reported, they do not fail the run. */
  errors_reported: number;
  /** Distinct errors per category. */
  errors_by_category: Record<string, number>;
  /** Distinct errors per severity. */
  errors_by_severity: Record<Severity, number>;
  /** Remaining errors per category. */
  remaining_by_category: Record<string, number>;
  /** Remaining errors a fix could still repair. */
  auto_fixable_remaining: number;
  /** Errors the stage found. */
  errors: PipelineError[];
  /** The errors still present at the end. */
  remaining_errors: PipelineError[];
  /** Every fix attempt and its verification. */
  fixes_applied: FixRecord[];
  /** Every stage run, per cycle and phase. */
  test_runs: TestRun[];
  /** Stages that could not run. */
  stages_unavailable: StageName[];
  /** Files the run wrote. */
  outputs: {
    /** The event log (NDJSON). */
    log: string;
    /** This report. */
    report: string;
    /** Folder of repaired copies. */
    repaired_dir: string;
    /** Folder of prepared splits. */
    prepared_dir: string;
    /** Fix guides written for remaining problems. */
    guides: string[];
    /** Repaired copies in use (from the repaired folder's manifest). */
    repaired_files?: string[];
    /** Files left out of the working set (relative path → reason). */
    excluded_files: Record<string, string>;
  };
}
