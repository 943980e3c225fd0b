/**
 * The continuous fix pipeline: run every stage, categorise the errors (pattern table), apply the
 * safe fixes (with `autoFix`), verify each fix by re-running the stages that failed, and iterate
 * until no error remains, no fix applies, or the cycle limit is reached. Writes a structured log
 * and a JSON report; never writes inside the source folder.
 *
 * @example
 * ```ts
 * import { dataStages, runPipeline } from "./mod.ts";
 * const { report, exitCode } = await runPipeline({
 *   source: "data/sample", logDir: "/tmp/fixlog", repairedDir: "/tmp/fixlog/repaired",
 *   preparedDir: "/tmp/fixlog/prepared", autoFix: true, stages: dataStages(), quiet: true,
 * });
 * console.log(report.errors_remaining, exitCode);
 * ```
 *
 * @module
 */
import { join, resolve } from "node:path";
import { isKinetraError, KinetraError } from "../errors.ts";
import { assertNotInside, exists, utcStamp, writeJsonAtomic } from "../util/fs.ts";
import { onStopSignal } from "../util/signals.ts";
import { createEventLog, type EventLog } from "./event_log.ts";
import { type FixEnv, handleFixes } from "./fixes.ts";
import { assembleReport, countBy } from "./run_report.ts";
import { runStageRecorded } from "./run_stage.ts";
import { RunState } from "./run_state.ts";
import { defaultStages, type Stage, type StageContext } from "./stages.ts";
import type { PipelineReport, StageResult } from "./types.ts";
import { SEVERITY_ORDER } from "./types.ts";
import { WorkingSet } from "./working_set.ts";

/** Options of {@link runPipeline}. Paths are relative to `root` unless absolute. */
export interface PipelineOptions {
  /** Project root (default: the current directory). */
  root?: string;
  /** Source data folder (read only). */
  source: string;
  /** Log and report folder (default logs/continuous_pipeline). */
  logDir?: string;
  /** Repaired copies (default data/repaired). */
  repairedDir?: string;
  /** Prepared output of the preparation stage (default data/repaired/prepared). */
  preparedDir?: string;
  /** Cycle limit (default 10). */
  maxCycles?: number;
  /** Apply the safe fixes (otherwise only propose them). */
  autoFix?: boolean;
  /** Show what would be done; write nothing but the log and the report. */
  dryRun?: boolean;
  /** The stages to run (default: all of them). */
  stages?: Stage[];
  /**
   * Largest share of a file's rows a repair may move to quarantine (default 0.05, at least 10
   * rows); a repair that would drop more fails and the file is left for a person.
   */
  maxQuarantineShare?: number;
  /** Factor for a timed-out stage's retry limit (default 2). */
  retryFactor?: number;
  /** Multiply every stage's default time limit (default 1). */
  timeoutScale?: number;
  /** Ask a person (fixes that need consent). Default: a y/N question on a terminal, else no. */
  ask?: (question: string) => Promise<boolean>;
  /** Command used to install missing npm packages (default `deno install`). */
  installCommand?: string[];
  /** No progress lines. */
  quiet?: boolean;
  /** Progress lines on stderr (for `--json`). */
  progressToStderr?: boolean;
}

/** The outcome of a run. */
export interface PipelineOutcome {
  report: PipelineReport;
  reportPath: string;
  logPath: string;
  /** 0 when no failing error (CRITICAL, HIGH, MEDIUM) remains; 1 otherwise; 130 when interrupted. */
  exitCode: number;
}

/** A y/N question on the terminal; false without one. */
export async function askOnTerminal(question: string): Promise<boolean> {
  if (!Deno.stdin.isTerminal()) return false;
  await Deno.stdout.write(new TextEncoder().encode(`${question} [y/N] `));
  const reader = Deno.stdin.readable.getReader();
  try {
    const { value } = await reader.read();
    const answer = value ? new TextDecoder().decode(value).trim().toLowerCase() : "";
    return answer === "y" || answer === "yes";
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** The folders of a run, resolved against its root. */
export interface PipelinePaths {
  root: string;
  source: string;
  logDir: string;
  repairedDir: string;
  preparedDir: string;
}

/**
 * Resolve a run's folders (relative to `root`, default the current directory) and refuse any
 * output folder inside the source (`write_into_source`).
 */
export function pipelinePaths(opts: PipelineOptions): PipelinePaths {
  const root = resolve(opts.root ?? Deno.cwd());
  const abs = (p: string) => resolve(root, p);
  const paths = {
    root,
    source: abs(opts.source),
    logDir: abs(opts.logDir ?? "logs/continuous_pipeline"),
    repairedDir: abs(opts.repairedDir ?? "data/repaired"),
    preparedDir: abs(opts.preparedDir ?? join(opts.repairedDir ?? "data/repaired", "prepared")),
  };
  for (
    const [what, dir] of [
      ["log folder", paths.logDir],
      ["repaired folder", paths.repairedDir],
      ["prepared folder", paths.preparedDir],
    ]
  ) {
    try {
      assertNotInside(dir, paths.source);
    } catch {
      throw new KinetraError(
        "write_into_source",
        `the ${what} ${dir} is inside the source folder ${paths.source}; choose another`,
      );
    }
  }
  return paths;
}

/**
 * Run the pipeline (see the module doc): set-up, then per cycle the check of every stage
 * (`runStageRecorded`), the fixes of what is fixable (`handleFixes`, each verified), and at the end
 * the report (`assembleReport`).
 */
export async function runPipeline(opts: PipelineOptions): Promise<PipelineOutcome> {
  const { root, source, logDir, repairedDir, preparedDir } = pipelinePaths(opts);
  const maxCycles = Math.max(1, opts.maxCycles ?? 10);
  const autoFix = !!opts.autoFix;
  const dryRun = !!opts.dryRun;
  const stages = opts.stages ?? defaultStages();
  const ws = await WorkingSet.open(source); // throws file_not_found for a missing source

  const start = new Date();
  const stamp = utcStamp(start);
  const logPath = join(logDir, `pipeline_${stamp}.log`);
  const reportPath = join(logDir, `report_${stamp}.json`);
  await Deno.mkdir(logDir, { recursive: true });
  const log = createEventLog({ path: logPath, quiet: opts.quiet, progressToStderr: opts.progressToStderr });
  await log.event("info", "start", {
    source,
    log_dir: logDir,
    repaired_dir: repairedDir,
    prepared_dir: preparedDir,
    auto_fix: autoFix,
    dry_run: dryRun,
    max_cycles: maxCycles,
    stages: stages.map((s) => s.name),
  });
  // Missing folders the pipeline writes to are created (a fix that needs no verification beyond existing).
  for (const dir of dryRun ? [] : [repairedDir, preparedDir]) {
    if (!(await exists(dir))) {
      await Deno.mkdir(dir, { recursive: true });
      await log.event("info", "folder_created", { path: dir });
    }
  }
  const workDir = await Deno.makeTempDir({ prefix: "kinetra-fix-" });
  const state = new RunState(stages, opts.timeoutScale ?? 1);
  let cycles = 0;
  let stopReason = "max cycles reached";
  let interrupted = false;

  // Ctrl-C between stages (in-process stages finish first; children are stopped by runChild):
  // stop, keeping the log and the report. A second Ctrl-C exits at once.
  let interruptRequested = false;
  const disposeSignals = onStopSignal(() => {
    if (interruptRequested) Deno.exit(130);
    interruptRequested = true;
    log.progress("interrupted: stopping after the current step (Ctrl-C again to quit at once)");
  });
  const runStage = async (
    stage: Stage,
    cycle: number,
    phase: "check" | "verify",
    timeoutMs?: number,
  ): Promise<StageResult> => {
    const ctx: StageContext = {
      root,
      source,
      workingSet: ws,
      preparedDir: dryRun ? join(workDir, "prepared") : preparedDir,
      workDir,
      timeoutMs: timeoutMs ?? state.limits.get(stage.name)!,
      cycle,
      progress: (l) => log.progress(l),
    };
    const r = await runStageRecorded(stage, ctx, phase, state, log);
    if (interruptRequested) {
      throw new KinetraError("interrupted", "interrupted by a signal (Ctrl-C)", { exitCode: 130 });
    }
    return r;
  };
  const env: FixEnv = {
    state,
    log,
    ws,
    root,
    source,
    repairedDir,
    retryFactor: opts.retryFactor ?? 2,
    maxQuarantineShare: opts.maxQuarantineShare ?? 0.05,
    installCommand: opts.installCommand,
    ask: opts.ask ?? askOnTerminal,
    runStage,
  };

  try {
    for (let cycle = 1; cycle <= maxCycles; cycle++) {
      cycles = cycle;
      log.progress(`── cycle ${cycle} of at most ${maxCycles} ──`);
      await log.event("info", "cycle_start", { cycle });
      for (const s of stages) {
        // A once-per-run stage (the unit-test suite) keeps its first result for the later cycles.
        if (cycle > 1 && s.oncePerRun && state.latest.has(s.name)) {
          log.progress(`cycle ${cycle} ${s.title}: result of cycle 1 kept (runs once per run)`);
          continue;
        }
        await runStage(s, cycle, "check");
      }
      const errors = state.currentErrors();
      for (const e of errors) if (!state.allErrors.has(e.key)) state.allErrors.set(e.key, e);
      await log.event("info", "cycle_errors", {
        cycle,
        errors: errors.length,
        by_category: countBy(errors, (e) => e.category),
      });
      if (!errors.length) {
        stopReason = "no errors";
        break;
      }
      const fixable = errors.filter((e) => e.auto_fixable)
        .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
      if (!fixable.length) {
        stopReason = "no fix applies (remaining errors need a person; see the fix guides)";
        break;
      }
      const apply = autoFix && !dryRun;
      const verified = await handleFixes(env, fixable, cycle, apply);
      if (!apply) {
        const proposed = state.fixes.some((f) => f.cycle === cycle && f.status === "proposed");
        stopReason = !proposed
          ? "no fix applies (remaining errors need a person; see the fix guides)"
          : dryRun
          ? "dry run: fixes proposed, nothing changed"
          : "fixes proposed (run with --auto-fix to apply them)";
        break;
      }
      if (!verified) {
        stopReason = "no fix applies (no fix passed its verification)";
        break;
      }
      if (cycle === maxCycles) stopReason = "max cycles reached";
    }
  } catch (e) {
    if (!(isKinetraError(e) && e.code === "interrupted")) throw e;
    // Ctrl-C: stop, but still leave the log and the report of what was done.
    interrupted = true;
    stopReason = `interrupted: ${e.message}`;
    await log.event("warn", "interrupted", { message: e.message });
  } finally {
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
    disposeSignals();
  }

  const { report, failing } = await assembleReport({
    state,
    start,
    source,
    ws,
    logDir,
    logPath,
    reportPath,
    repairedDir,
    preparedDir,
    autoFix,
    dryRun,
    maxCycles,
    cycles,
    stopReason,
  });
  await log.event("info", "end", {
    cycles,
    stop_reason: stopReason,
    total_errors: report.total_errors,
    errors_fixed: report.errors_fixed,
    errors_remaining: report.errors_remaining,
  });
  await writeJsonAtomic(reportPath, report);
  // Exit policy (docs/FIX_PIPELINE.md): CRITICAL, HIGH and MEDIUM fail the run, LOW is reported.
  return { report, reportPath, logPath, exitCode: interrupted ? 130 : failing ? 1 : 0 };
}

/** The console summary: one row per category with found, fixed and remaining counts. */
export function formatSummary(r: PipelineReport): string {
  const cats = [...new Set([...Object.keys(r.errors_by_category), ...Object.keys(r.remaining_by_category)])];
  const fixedBy = countBy(
    r.errors.filter((e) =>
      !r.remaining_errors.some((x) => x.key === e.key) &&
      r.fixes_applied.some((f) => f.status === "applied" && f.error_keys.includes(e.key))
    ),
    (e) => e.category,
  );
  const sev = (c: string) => r.errors.find((e) => e.category === c)?.severity ?? "LOW";
  cats.sort((a, b) => SEVERITY_ORDER[sev(a)] - SEVERITY_ORDER[sev(b)] || a.localeCompare(b));
  const rows = [["category", "severity", "found", "fixed", "remaining"]];
  for (const c of cats) {
    rows.push([
      c,
      sev(c),
      String(r.errors_by_category[c] ?? 0),
      String(fixedBy[c] ?? 0),
      String(r.remaining_by_category[c] ?? 0),
    ]);
  }
  rows.push(["total", "", String(r.total_errors), String(r.errors_fixed), String(r.errors_remaining)]);
  const verdict = r.errors_failing
    ? `${r.errors_failing} remaining error(s) fail the run (CRITICAL/HIGH/MEDIUM)`
    : "nothing that fails the run remains";
  const w = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((c, i) => i === 0 ? c.padEnd(w[i]) : c.padStart(w[i])).join("  ");
  const out = [
    line(rows[0]),
    w.map((n) => "-".repeat(n)).join("  "),
    ...rows.slice(1, -1).map(line),
    w.map((n) => "-".repeat(n)).join("  "),
    line(rows[rows.length - 1]),
  ];
  out.push(
    "",
    `${verdict}; ${r.errors_reported} LOW finding(s) reported`,
    `cycles: ${r.cycles} (${r.stop_reason}); fixes verified: ${
      r.fixes_applied.filter((f) => f.status === "applied").length
    }, failed: ${r.fixes_applied.filter((f) => f.status === "failed").length}, proposed: ${
      r.fixes_applied.filter((f) => f.status === "proposed").length
    }, skipped: ${r.fixes_applied.filter((f) => f.status === "skipped").length}`,
  );
  if (r.stages_unavailable.length) out.push(`stages unavailable: ${r.stages_unavailable.join(", ")}`);
  if (r.outputs.guides.length) out.push(`fix guides: ${r.outputs.guides.join(", ")}`);
  out.push(`report: ${r.outputs.report}`, `log: ${r.outputs.log}`);
  return out.join("\n");
}

export type { EventLog };
