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
import { basename, dirname, join, resolve } from "node:path";
import { isKinetraError, KinetraError } from "../errors.ts";
import { assertNotInside, exists, utcStamp, writeJsonAtomic } from "../util/fs.ts";
import { categorizeAll } from "./categorize.ts";
import { runChild } from "./child.ts";
import { createEventLog, type EventLog } from "./event_log.ts";
import { writeFixGuides } from "./guides.ts";
import {
  readRepairManifest,
  recordExclusion,
  recordRepair,
  repairFile,
  type RepairResult,
  revertRepair,
  sha256File,
} from "./repair.ts";
import { defaultStages, type Stage, type StageContext } from "./stages.ts";
import type {
  FixRecord,
  PipelineError,
  PipelineReport,
  Severity,
  StageName,
  StageResult,
  TestRun,
} from "./types.ts";
import { failsRun, SEVERITY_ORDER } from "./types.ts";
import { WorkingSet } from "./working_set.ts";
import { onStopSignal } from "../util/signals.ts";

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

/** Categories repaired by rewriting a data file. */
const DATA_FIXES = new Set([
  "quarantine_non_numeric_rows",
  "quarantine_malformed_rows",
  "rewrite_canonical",
  "file_under_detected_timeframe",
  "rename_to_actual_range",
  "remove_duplicates",
  "sort_rows",
  "quarantine_invalid_price_rows",
]);

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

function countBy<T>(list: readonly T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of list) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}

/** Run the pipeline (see the module doc). */
export async function runPipeline(opts: PipelineOptions): Promise<PipelineOutcome> {
  const root = resolve(opts.root ?? Deno.cwd());
  const abs = (p: string) => resolve(root, p);
  const source = abs(opts.source);
  const logDir = abs(opts.logDir ?? "logs/continuous_pipeline");
  const repairedDir = abs(opts.repairedDir ?? "data/repaired");
  const preparedDir = abs(opts.preparedDir ?? join(opts.repairedDir ?? "data/repaired", "prepared"));
  const maxCycles = Math.max(1, opts.maxCycles ?? 10);
  const autoFix = !!opts.autoFix;
  const dryRun = !!opts.dryRun;
  const retryFactor = opts.retryFactor ?? 2;
  const maxQuarantineShare = opts.maxQuarantineShare ?? 0.05;
  const stages = opts.stages ?? defaultStages();
  const ask = opts.ask ?? askOnTerminal;

  for (
    const [what, dir] of [["log folder", logDir], ["repaired folder", repairedDir], [
      "prepared folder",
      preparedDir,
    ]]
  ) {
    try {
      assertNotInside(dir, source);
    } catch {
      throw new KinetraError(
        "write_into_source",
        `the ${what} ${dir} is inside the source folder ${source}; choose another`,
      );
    }
  }
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

  const latest = new Map<StageName, StageResult>();
  const limits = new Map<StageName, number>(
    stages.map((s) => [s.name, s.timeoutMs * (opts.timeoutScale ?? 1)]),
  );
  const slowStages = new Set<StageName>();
  const retried = new Set<StageName>();
  const allErrors = new Map<string, PipelineError>();
  const fixedKeys = new Set<string>();
  const fixes: FixRecord[] = [];
  const testRuns: TestRun[] = [];
  const guides = new Set<string>();
  let cycles = 0;
  let stopReason = "max cycles reached";
  let interrupted = false;

  const ctxFor = (_stage: Stage, cycle: number, timeoutMs: number): StageContext => ({
    root,
    source,
    workingSet: ws,
    preparedDir: dryRun ? join(workDir, "prepared") : preparedDir,
    workDir,
    timeoutMs,
    cycle,
    progress: (l) => log.progress(l),
  });

  async function runStage(
    stage: Stage,
    cycle: number,
    phase: "check" | "verify",
    timeoutMs?: number,
  ): Promise<StageResult> {
    const i = stages.indexOf(stage) + 1;
    const limit = timeoutMs ?? limits.get(stage.name)!;
    let r: StageResult;
    try {
      r = await stage.run(ctxFor(stage, cycle, limit));
    } catch (e) {
      if (isKinetraError(e) && e.code === "interrupted") throw e;
      // A stage that crashes is itself an error of that stage (a bug in the part it exercises).
      r = {
        stage: stage.name,
        status: "failed",
        passed: 0,
        failed: 1,
        duration_ms: 0,
        errors: [{
          stage: stage.name,
          message: `stage crashed: ${(e as Error).stack ?? e}`,
          code: isKinetraError(e) ? e.code : e instanceof TypeError ? "type_error" : undefined,
        }],
        notes: [],
      };
    }
    if (slowStages.has(stage.name)) r.slow = true;
    latest.set(stage.name, r);
    const cat = categorizeAll(r.errors);
    testRuns.push({
      cycle,
      phase,
      stage: stage.name,
      status: r.status,
      passed: r.passed,
      failed: r.failed,
      duration_ms: r.duration_ms,
      slow: !!r.slow,
      notes: r.notes,
      errors: cat.map((e) => ({
        stage: e.stage,
        file: e.file ?? null,
        category: e.category,
        severity: e.severity,
        code: e.code ?? null,
        message: e.message,
      })),
    });
    const tag = phase === "verify" ? "verify" : `${i}/${stages.length}`;
    log.progress(
      `cycle ${cycle} [${tag}] ${stage.title}: ${r.status}` +
        ` (${r.passed} passed, ${r.failed} failed, ${cat.length} errors, ${
          (r.duration_ms / 1000).toFixed(1)
        } s)`,
    );
    await log.event(r.status === "passed" ? "info" : "warn", "stage_end", {
      cycle,
      phase,
      stage: stage.name,
      status: r.status,
      passed: r.passed,
      failed: r.failed,
      duration_ms: r.duration_ms,
      errors: cat.length,
      notes: r.notes,
    });
    for (const e of cat) {
      await log.event("debug", "error", {
        cycle,
        phase,
        stage: e.stage,
        file: e.file ?? null,
        category: e.category,
        severity: e.severity,
        code: e.code ?? null,
        message: e.message.slice(0, 500),
      });
    }
    checkInterrupt();
    return r;
  }

  // Ctrl-C between stages (in-process stages finish first; children are stopped by runChild):
  // stop, keeping the log and the report. A second Ctrl-C exits at once.
  let interruptRequested = false;
  const onInterrupt = () => {
    if (interruptRequested) Deno.exit(130);
    interruptRequested = true;
    log.progress("interrupted: stopping after the current step (Ctrl-C again to quit at once)");
  };
  const disposeSignals = onStopSignal(onInterrupt);
  const checkInterrupt = () => {
    if (interruptRequested) {
      throw new KinetraError("interrupted", "interrupted by a signal (Ctrl-C)", { exitCode: 130 });
    }
  };

  const currentErrors = (): PipelineError[] => categorizeAll([...latest.values()].flatMap((r) => r.errors));

  try {
    for (let cycle = 1; cycle <= maxCycles; cycle++) {
      cycles = cycle;
      log.progress(`── cycle ${cycle} of at most ${maxCycles} ──`);
      await log.event("info", "cycle_start", { cycle });
      for (const s of stages) {
        // A once-per-run stage (the unit-test suite) keeps its first result for the later cycles.
        if (cycle > 1 && s.oncePerRun && latest.has(s.name)) {
          log.progress(`cycle ${cycle} ${s.title}: result of cycle 1 kept (runs once per run)`);
          continue;
        }
        await runStage(s, cycle, "check");
      }
      const errors = currentErrors();
      for (const e of errors) if (!allErrors.has(e.key)) allErrors.set(e.key, e);
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
      const verified = await handleFixes(fixable, cycle, apply);
      if (!apply) {
        const proposed = fixes.some((f) => f.cycle === cycle && f.status === "proposed");
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

  // -------------------------------------------------------------------------------------------
  async function handleFixes(fixable: PipelineError[], cycle: number, apply: boolean): Promise<number> {
    let verifiedCount = 0;
    // 1. Timeouts: retry once with a longer limit.
    for (const e of fixable.filter((x) => x.fix === "retry_with_longer_limit")) {
      const stage = stages.find((s) => s.name === e.stage);
      if (!stage) continue;
      const limit = limits.get(stage.name)! * retryFactor;
      const rec = newFix(
        cycle,
        [e],
        "retry_with_longer_limit",
        `re-run ${stage.name} once with a ${Math.round(limit / 1000)} s limit`,
      );
      if (!apply) {
        fixes.push(rec);
        continue;
      }
      if (retried.has(stage.name)) {
        rec.status = "skipped";
        rec.description =
          `${stage.name} was already retried once with a longer limit in this run; it stays too slow`;
        fixes.push(rec);
        continue;
      }
      retried.add(stage.name);
      const r = await runStage(stage, cycle, "verify", limit);
      const ok = r.status !== "timeout";
      if (ok) {
        limits.set(stage.name, limit);
        slowStages.add(stage.name);
        r.slow = true;
        testRuns[testRuns.length - 1].slow = true;
      }
      verifiedCount += finish(
        rec,
        ok,
        ok
          ? `${stage.name} finished in ${
            (r.duration_ms / 1000).toFixed(1)
          } s under the longer limit (reported as slow)`
          : `${stage.name} timed out again`,
      );
    }
    // 2. Missing dependencies: npm packages with `deno install`; system programs need consent.
    const deps = fixable.filter((x) => x.fix === "install_missing_dependency");
    const npm = deps.filter((d) => d.details?.kind !== "apt");
    const apt = deps.filter((d) => d.details?.kind === "apt");
    if (npm.length) {
      const cmd = opts.installCommand ?? [Deno.execPath(), "install"];
      const rec = newFix(cycle, npm, "install_missing_dependency", `run \`${cmd.join(" ")}\` in ${root}`);
      if (!apply) fixes.push(rec);
      else {
        const r = await runChild(cmd[0], cmd.slice(1), { cwd: root, timeoutMs: 600_000 });
        await log.event(r.code === 0 ? "info" : "warn", "install", {
          command: cmd.join(" "),
          code: r.code,
          stderr: r.stderr.slice(-1000),
        });
        verifiedCount += await verifyByRerun(rec, npm, cycle);
      }
    }
    if (apt.length) {
      const pkgs = [...new Set(apt.map((d) => String(d.details?.package)))];
      // Root needs no sudo (and containers often have none).
      const sudo = Deno.uid() === 0 ? [] : ["sudo"];
      const cmd = [...sudo, "apt-get", "install", "-y", "--no-install-recommends", ...pkgs];
      const rec = newFix(
        cycle,
        apt,
        "install_missing_dependency",
        `install system packages: ${cmd.join(" ")} (needs your consent)`,
      );
      if (!apply) fixes.push(rec);
      else if (!(await ask(`Kinetra's fix pipeline wants to run: ${cmd.join(" ")}. Allow?`))) {
        rec.status = "skipped";
        rec.verification_detail = "needs a person's consent on a terminal; none given";
        fixes.push(rec);
        await log.event("warn", "fix_skipped", { action: rec.action, reason: rec.verification_detail });
      } else {
        const r = await runChild(cmd[0], cmd.slice(1), { timeoutMs: 900_000, processGroup: false });
        await log.event(r.code === 0 ? "info" : "warn", "install", {
          command: cmd.join(" "),
          code: r.code,
          stderr: r.stderr.slice(-1000),
        });
        verifiedCount += await verifyByRerun(rec, apt, cycle);
      }
    }
    // 3. Folders that are missing.
    for (const e of fixable.filter((x) => x.fix === "create_missing_folder")) {
      const dir = typeof e.details?.folder === "string" ? abs(e.details.folder as string) : null;
      const rec = newFix(
        cycle,
        [e],
        "create_missing_folder",
        dir ? `create folder ${dir}` : "nothing to create: a missing source file must be provided by you",
      );
      if (!dir) {
        rec.status = "skipped";
        fixes.push(rec);
        continue;
      }
      if (!apply) {
        fixes.push(rec);
        continue;
      }
      assertNotInside(dir, source);
      await Deno.mkdir(dir, { recursive: true });
      rec.outputs = [dir];
      verifiedCount += await verifyByRerun(rec, [e], cycle);
    }
    // 4. Data repairs, one per file.
    const byFile = new Map<string, PipelineError[]>();
    for (const e of fixable.filter((x) => DATA_FIXES.has(x.fix) && x.file && ws.file(x.file))) {
      byFile.set(e.file!, [...(byFile.get(e.file!) ?? []), e]);
    }
    const pending: { rel: string; rec: FixRecord; errs: PipelineError[]; before: Set<string> }[] = [];
    const beforeKeys = new Set(currentErrors().map((e) => e.key));
    for (const [rel, errs] of byFile) {
      const f = ws.file(rel)!;
      const tfErr = errs.find((e) => e.category === "timeframe_mismatch");
      const detected = (tfErr?.details?.timeframe_detected as string | undefined) ??
        (tfErr?.message.match(/shows (\w+)/)?.[1]);
      const actions = [...new Set(errs.map((e) => e.fix))].join("+");
      const rec = newFix(cycle, errs, actions, "");
      let r: RepairResult;
      try {
        r = await repairFile({
          source: f.sourcePath,
          relPath: rel,
          outDir: repairedDir,
          fileUnderTimeframe: detected ?? null,
          dryRun: true,
        });
        // Filed under its detected timeframe, the copy may take the name of another export: when
        // that export holds the very same bytes, this file is a mislabelled duplicate of it.
        const clash = ws.files().find((o) =>
          o.rel !== rel && dirname(o.rel) === dirname(rel) && basename(o.path) === basename(r.output)
        );
        if (clash) {
          const same = r.sourceSha256 === await sha256File(clash.sourcePath);
          if (!same) {
            throw new KinetraError(
              "name_collision",
              `filed under ${detected}, ${rel} would take the name of ${clash.rel}, which holds different data`,
            );
          }
          rec.action = "exclude_duplicate";
          rec.description =
            `${rel} holds the same bytes as ${clash.rel}: once filed under ${detected} it is a duplicate of it, so it is left out of the working set (recorded in ${
              join(repairedDir, "manifest.json")
            })`;
          rec.outputs = [join(repairedDir, "manifest.json"), join(repairedDir, "repair_log.jsonl")];
          if (!apply) {
            fixes.push(rec);
            continue;
          }
          await recordExclusion(repairedDir, {
            relPath: rel,
            source: f.sourcePath,
            sourceSha256: r.sourceSha256,
            duplicateOf: clash.rel,
            reason: rec.description,
            timeframeDeclared: r.timeframeDeclared,
            timeframeDetected: r.timeframeDetected,
          });
          ws.exclude(rel, rec.description);
          // Every other error of the left-out file goes with it (its data stays, counted once, in the
          // export it duplicates).
          const others = currentErrors().filter((x) => x.file === rel && !rec.error_keys.includes(x.key));
          rec.error_keys.push(...others.map((x) => x.key));
          if (others.length) {
            rec.category = [...new Set([rec.category, ...others.map((x) => x.category)])].join("+");
          }
          await log.event("info", "fix_applied", { file: rel, action: rec.action, duplicate_of: clash.rel });
          pending.push({ rel, rec, errs, before: beforeKeys });
          continue;
        }
        // A repair is only safe when it keeps (nearly) all the data: dropping more than a few rows
        // means the file is not what the parser expects, and a person must look at it.
        const maxDrop = Math.max(10, Math.floor(r.rowsIn * maxQuarantineShare));
        if (r.rowsOut === 0 || r.quarantined.length > maxDrop) {
          throw new KinetraError(
            "unsafe_repair",
            `the repair would drop ${r.quarantined.length} of ${r.rowsIn} rows (limit ${maxDrop}); ` +
              `first reason: ${r.quarantined[0]?.reason ?? "no rows left"}. Repair it by hand`,
          );
        }
        if (apply) {
          r = await repairFile({
            source: f.sourcePath,
            relPath: rel,
            outDir: repairedDir,
            fileUnderTimeframe: detected ?? null,
          });
        }
      } catch (e) {
        rec.description = `cannot repair ${rel}: ${(e as Error).message}`;
        rec.status = apply ? "failed" : "proposed";
        fixes.push(rec);
        await log.event("warn", "fix_failed", { file: rel, reason: rec.description });
        continue;
      }
      rec.description = `repaired copy ${r.output}: ` +
        (r.changes.length
          ? r.changes.map((c) =>
            c.rows ? `${c.action} (${c.rows} rows: ${c.reason})` : `${c.action} (${c.reason})`
          ).join("; ")
          : "no change needed") +
        (r.quarantine ? `; ${r.quarantined.length} row(s) in ${r.quarantine}` : "");
      rec.outputs = [
        r.output,
        ...(r.quarantine ? [r.quarantine] : []),
        join(repairedDir, "manifest.json"),
        join(repairedDir, "repair_log.jsonl"),
      ];
      if (!apply) {
        fixes.push(rec);
        continue;
      }
      await recordRepair(repairedDir, r, detected ?? null);
      ws.useRepaired(rel, r.output);
      await log.event("info", "fix_applied", {
        file: rel,
        action: actions,
        output: r.output,
        changes: r.changes,
      });
      pending.push({ rel, rec, errs, before: beforeKeys });
    }
    if (pending.length) {
      // Verification: re-run the data stages that failed (in cycle order, so preparation sees the repairs).
      const failedStages = new Set(
        pending.flatMap((p) =>
          p.errs.flatMap((e) => [e.stage, ...((e.details?.also_reported_by as StageName[]) ?? [])])
        ),
      );
      const rerun = stages.filter((s) =>
        failedStages.has(s.name) ||
        ["real_data", "data_preparation", "backtest_validation"].includes(s.name) &&
          latest.get(s.name)?.status !== "passed"
      );
      if (!rerun.some((s) => s.name === "real_data")) {
        const rd = stages.find((s) => s.name === "real_data");
        if (rd) rerun.unshift(rd);
      }
      for (const s of rerun) await runStage(s, cycle, "verify");
      const now = currentErrors();
      let reverted = 0;
      for (const p of pending) {
        // Not fixed: an auto-fixable error left, one of those addressed, or a serious one the repair created.
        const still = now.filter((e) =>
          e.file === p.rel &&
          (e.auto_fixable || p.errs.some((x) => x.key === e.key) ||
            // New and above LOW (a copy that cannot be read, or holds no bars): the repair broke it.
            // New LOW findings (gaps) are the data's own, visible once the file reads.
            (!p.before.has(e.key) && e.severity !== "LOW"))
        );
        const ok = still.length === 0;
        if (!ok) {
          await revertRepair(
            repairedDir,
            p.rel,
            `verification failed: ${still.map((e) => e.category).join(", ")}`,
          );
          ws.useSource(p.rel);
          ws.include(p.rel);
          reverted++;
        }
        verifiedCount += finish(
          p.rec,
          ok,
          ok
            ? `re-ran ${rerun.map((s) => s.name).join(", ")}: no ${
              p.errs.map((e) => e.category).join("/")
            } error left for ${p.rel}`
            : `still found after repair: ${
              still.map((e) => `${e.category} (${e.message.slice(0, 120)})`).join("; ")
            }; repair reverted`,
        );
      }
      if (reverted) { for (const s of rerun) await runStage(s, cycle, "verify"); }
    }
    const handled = new Set(fixes.filter((f) => f.cycle === cycle).flatMap((f) => f.error_keys));
    for (const e of fixable.filter((x) => !handled.has(x.key))) {
      const rec = newFix(cycle, [e], e.fix, `no applicable fix for ${e.file ?? e.stage}`);
      rec.status = "skipped";
      fixes.push(rec);
    }
    return verifiedCount;
  }

  function newFix(cycle: number, errs: PipelineError[], action: string, description: string): FixRecord {
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

  function finish(rec: FixRecord, ok: boolean, detail: string): number {
    rec.status = ok ? "applied" : "failed";
    rec.verification = ok ? "passed" : "failed";
    rec.verification_detail = detail;
    fixes.push(rec);
    if (ok) { for (const k of rec.error_keys) fixedKeys.add(k); }
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

  async function verifyByRerun(rec: FixRecord, errs: PipelineError[], cycle: number): Promise<number> {
    const names = new Set(errs.map((e) => e.stage));
    const rerun = stages.filter((s) => names.has(s.name));
    for (const s of rerun) await runStage(s, cycle, "verify");
    const keys = new Set(currentErrors().map((e) => e.key));
    const left = errs.filter((e) => keys.has(e.key));
    return finish(
      rec,
      left.length === 0,
      left.length
        ? `still failing after re-running ${rerun.map((s) => s.name).join(", ")}: ${
          left.map((e) => e.message.slice(0, 120)).join("; ")
        }`
        : `re-ran ${rerun.map((s) => s.name).join(", ")}: fixed`,
    );
  }

  // -------------------------------------------------------------------------------------------
  const remaining = currentErrors();
  for (const e of remaining) if (!allErrors.has(e.key)) allErrors.set(e.key, e);
  // Guides, written at the end for what is still there (a problem gone in the same run gets none):
  // errors the pipeline does not change itself, and those whose fix could not be done.
  const skippedKeys = new Set(fixes.filter((f) => f.status === "skipped").flatMap((f) => f.error_keys));
  const needPerson = remaining.filter((e) => !e.auto_fixable || skippedKeys.has(e.key));
  if (needPerson.length && !dryRun) {
    for (const g of await writeFixGuides(logDir, needPerson)) guides.add(g);
  }
  const failing = remaining.filter(failsRun);
  const all = [...allErrors.values()];
  const remainingKeys = new Set(remaining.map((e) => e.key));
  const fixedCount = [...fixedKeys].filter((k) => !remainingKeys.has(k) && allErrors.has(k)).length;
  const bySeverity: Record<Severity, number> = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0 };
  for (const e of all) bySeverity[e.severity]++;
  const manifest = dryRun ? null : await readRepairManifest(repairedDir);
  const report: PipelineReport = {
    start_time: start.toISOString(),
    end_time: new Date().toISOString(),
    source,
    auto_fix: autoFix,
    dry_run: dryRun,
    max_cycles: maxCycles,
    cycles,
    stop_reason: stopReason,
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
    fixes_applied: fixes,
    test_runs: testRuns,
    stages_unavailable: [...latest.values()].filter((r) => r.status === "unavailable").map((r) => r.stage),
    outputs: {
      log: logPath,
      report: reportPath,
      repaired_dir: repairedDir,
      prepared_dir: preparedDir,
      guides: [...guides],
      ...(manifest
        ? { repaired_files: Object.values(manifest.files).filter((m) => m.output).map((m) => m.output) }
        : {}),
      excluded_files: ws.excluded(),
    },
  };
  await log.event("info", "end", {
    cycles,
    stop_reason: stopReason,
    total_errors: report.total_errors,
    errors_fixed: report.errors_fixed,
    errors_remaining: report.errors_remaining,
  });
  await writeJsonAtomic(reportPath, report);
  // Exit policy (docs/FIX_PIPELINE.md): CRITICAL, HIGH and MEDIUM fail the run, LOW is reported.
  return { report, reportPath, logPath, exitCode: interrupted ? 130 : failing.length ? 1 : 0 };
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
