/**
 * The fixes of the fix pipeline for one cycle's fixable errors, each verified by re-running the
 * stages that reported them: a timed-out stage retried once with a longer limit, missing npm
 * packages installed (system packages only with a person's consent), missing folders created, and
 * data files repaired into the repaired folder (or left out as duplicates), reverted when the
 * verification still finds them.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { KinetraError } from "../errors.ts";
import { assertNotInside } from "../util/fs.ts";
import { runChild } from "./child.ts";
import type { EventLog } from "./event_log.ts";
import {
  recordExclusion,
  recordRepair,
  repairFile,
  type RepairResult,
  revertRepair,
  sha256File,
} from "./repair.ts";
import type { RunState } from "./run_state.ts";
import type { Stage } from "./stages.ts";
import type { FixRecord, PipelineError, StageName, StageResult } from "./types.ts";
import type { WorkingSet } from "./working_set.ts";

/** Categories repaired by rewriting a data file. */
export const DATA_FIXES: ReadonlySet<string> = new Set([
  "quarantine_non_numeric_rows",
  "quarantine_malformed_rows",
  "rewrite_canonical",
  "file_under_detected_timeframe",
  "rename_to_actual_range",
  "remove_duplicates",
  "sort_rows",
  "quarantine_invalid_price_rows",
]);

/** What the fixes need from the run. */
export interface FixEnv {
  /** The run's state (stages, limits, fixes, errors). */
  state: RunState;
  /** The run's event log. */
  log: EventLog;
  /** The files the run checks (repaired copies swap in, duplicates drop out). */
  ws: WorkingSet;
  /** Project root (relative folders in errors resolve against it). */
  root: string;
  /** The source folder (never written). */
  source: string;
  /** Where repaired copies go. */
  repairedDir: string;
  /** Factor for a timed-out stage's retry limit. */
  retryFactor: number;
  /** Largest share of a file's rows a repair may quarantine. */
  maxQuarantineShare: number;
  /** Command that installs missing npm packages (default `deno install`). */
  installCommand?: string[];
  /** Ask a person (fixes that need consent). */
  ask: (question: string) => Promise<boolean>;
  /** Run a stage and record it (phase `verify` for verifications). */
  runStage: (
    stage: Stage,
    cycle: number,
    phase: "check" | "verify",
    timeoutMs?: number,
  ) => Promise<StageResult>;
}

/**
 * Apply (with `apply`) or propose the fixes of `fixable` for `cycle`; returns how many were
 * applied and verified.
 */
export async function handleFixes(
  env: FixEnv,
  fixable: PipelineError[],
  cycle: number,
  apply: boolean,
): Promise<number> {
  let verified = await fixTimeouts(env, fixable, cycle, apply);
  verified += await fixDependencies(env, fixable, cycle, apply);
  verified += await fixMissingFolders(env, fixable, cycle, apply);
  verified += await fixDataFiles(env, fixable, cycle, apply);
  recordUnhandled(env, fixable, cycle);
  return verified;
}

/** A timed-out stage is re-run once with a longer limit (reported as slow when it then finishes). Returns how many fixes were applied and verified. */
async function fixTimeouts(
  env: FixEnv,
  fixable: PipelineError[],
  cycle: number,
  apply: boolean,
): Promise<number> {
  const { state, log } = env;
  const { stages, limits, retried, slowStages, testRuns, fixes } = state;
  const runStage = env.runStage;
  const retryFactor = env.retryFactor;
  const newFix = state.newFix.bind(state);
  const finish = (rec: FixRecord, ok: boolean, detail: string) => state.finish(rec, ok, detail, log);
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
  return verifiedCount;
}

/** Missing npm packages are installed with `deno install`; system packages only with a person's consent. Returns how many fixes were applied and verified. */
async function fixDependencies(
  env: FixEnv,
  fixable: PipelineError[],
  cycle: number,
  apply: boolean,
): Promise<number> {
  const { state, log, root, ask } = env;
  const { fixes } = state;
  const newFix = state.newFix.bind(state);
  const verifyByRerun = (rec: FixRecord, errs: PipelineError[], c: number) =>
    verifyFixByRerun(env, rec, errs, c);
  let verifiedCount = 0;
  // 2. Missing dependencies: npm packages with `deno install`; system programs need consent.
  const deps = fixable.filter((x) => x.fix === "install_missing_dependency");
  const npm = deps.filter((d) => d.details?.kind !== "apt");
  const apt = deps.filter((d) => d.details?.kind === "apt");
  if (npm.length) {
    const cmd = env.installCommand ?? [Deno.execPath(), "install"];
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
  return verifiedCount;
}

/** Missing folders are created (never inside the source). Returns how many fixes were applied and verified. */
async function fixMissingFolders(
  env: FixEnv,
  fixable: PipelineError[],
  cycle: number,
  apply: boolean,
): Promise<number> {
  const { state, source, root } = env;
  const { fixes } = state;
  const abs = (p: string) => resolve(root, p);
  const newFix = state.newFix.bind(state);
  const verifyByRerun = (rec: FixRecord, errs: PipelineError[], c: number) =>
    verifyFixByRerun(env, rec, errs, c);
  let verifiedCount = 0;
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
  return verifiedCount;
}

/** Data files are repaired into the repaired folder (or left out as duplicates of another export), and reverted when the verification still finds their errors. Returns how many fixes were applied and verified. */
async function fixDataFiles(
  env: FixEnv,
  fixable: PipelineError[],
  cycle: number,
  apply: boolean,
): Promise<number> {
  const { state, log, ws, repairedDir } = env;
  const { stages, fixes, latest } = state;
  const runStage = env.runStage;
  const maxQuarantineShare = env.maxQuarantineShare;
  const newFix = state.newFix.bind(state);
  const finish = (rec: FixRecord, ok: boolean, detail: string) => state.finish(rec, ok, detail, log);
  const currentErrors = () => state.currentErrors();
  let verifiedCount = 0;
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
  return verifiedCount;
}

/** Fixable errors no fix handled this cycle are recorded as skipped. */
function recordUnhandled(env: FixEnv, fixable: PipelineError[], cycle: number): void {
  const { state } = env;
  const { fixes } = state;
  const newFix = state.newFix.bind(state);
  const handled = new Set(fixes.filter((f) => f.cycle === cycle).flatMap((f) => f.error_keys));
  for (const e of fixable.filter((x) => !handled.has(x.key))) {
    const rec = newFix(cycle, [e], e.fix, `no applicable fix for ${e.file ?? e.stage}`);
    rec.status = "skipped";
    fixes.push(rec);
  }
}

/** Verify a fix by re-running the stages its errors came from. Returns 1 when none is left. */
export async function verifyFixByRerun(
  env: FixEnv,
  rec: FixRecord,
  errs: PipelineError[],
  cycle: number,
): Promise<number> {
  const { state, log } = env;
  const names = new Set(errs.map((e) => e.stage));
  const rerun = state.stages.filter((s) => names.has(s.name));
  for (const s of rerun) await env.runStage(s, cycle, "verify");
  const keys = new Set(state.currentErrors().map((e) => e.key));
  const left = errs.filter((e) => keys.has(e.key));
  return state.finish(
    rec,
    left.length === 0,
    left.length
      ? `still failing after re-running ${rerun.map((s) => s.name).join(", ")}: ${
        left.map((e) => e.message.slice(0, 120)).join("; ")
      }`
      : `re-ran ${rerun.map((s) => s.name).join(", ")}: fixed`,
    log,
  );
}
