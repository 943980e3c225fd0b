/**
 * What one fix-pipeline run accumulates across its stages, cycles and fixes: the latest result of
 * each stage, time limits, retries, every error seen, the fixes and their verification, the
 * per-stage test runs and the guides written.
 *
 * @module
 */
import { categorizeAll } from "./categorize.ts";
import type { EventLog } from "./event_log.ts";
import type { Stage } from "./stages.ts";
import type { FixRecord, PipelineError, StageName, StageResult, TestRun } from "./types.ts";

/** The state of a run, shared by its parts (stage runner, fixes, report). */
export class RunState {
  /** The latest result of each stage. */
  readonly latest: Map<StageName, StageResult> = new Map();
  /** Current time limit of each stage, ms. */
  readonly limits: Map<StageName, number>;
  /** Stages that only finished under a longer limit. */
  readonly slowStages: Set<StageName> = new Set();
  /** Stages already retried with a longer limit. */
  readonly retried: Set<StageName> = new Set();
  /** Every error seen in the run, by key. */
  readonly allErrors: Map<string, PipelineError> = new Map();
  /** Keys of the errors a verified fix removed. */
  readonly fixedKeys: Set<string> = new Set();
  /** Every fix attempt. */
  readonly fixes: FixRecord[] = [];
  /** Every stage run (check and verify phases). */
  readonly testRuns: TestRun[] = [];
  /** Fix guides written. */
  readonly guides: Set<string> = new Set();

  /** A run over `stages`, their default limits multiplied by `timeoutScale`. */
  constructor(readonly stages: readonly Stage[], timeoutScale = 1) {
    this.limits = new Map(stages.map((s) => [s.name, s.timeoutMs * timeoutScale]));
  }

  /** The categorised errors of the latest result of every stage. */
  currentErrors(): PipelineError[] {
    return categorizeAll([...this.latest.values()].flatMap((r) => r.errors));
  }

  /** A proposed fix of `errs` (not yet recorded). */
  newFix(cycle: number, errs: PipelineError[], action: string, description: string): FixRecord {
    return {
      error_keys: errs.map((e) => e.key),
      error: errs[0],
      category: [...new Set(errs.map((e) => e.category))].join("+"),
      action,
      description,
      status: "proposed",
      verification: "not_run",
      cycle,
    };
  }

  /**
   * Record a fix's verification (`ok`: applied and verified, else failed) with `detail`; its errors
   * count as fixed when it passed. Returns 1 when verified, else 0.
   */
  finish(rec: FixRecord, ok: boolean, detail: string, log: EventLog): number {
    rec.status = ok ? "applied" : "failed";
    rec.verification = ok ? "passed" : "failed";
    rec.verification_detail = detail;
    this.fixes.push(rec);
    if (ok) { for (const k of rec.error_keys) this.fixedKeys.add(k); }
    void log.event(ok ? "info" : "warn", "fix_verified", {
      action: rec.action,
      category: rec.category,
      ok,
      detail,
      errors: rec.error_keys,
    });
    log.progress(
      `  fix ${rec.action} (${rec.category}${rec.error.file ? `, ${rec.error.file}` : ""}): ${
        ok ? "verified" : "verification failed"
      }`,
    );
    return ok ? 1 : 0;
  }
}
