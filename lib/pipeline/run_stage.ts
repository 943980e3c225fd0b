/**
 * One stage run of the fix pipeline, recorded: a crash becomes a failed result of that stage (a
 * bug in the part it exercises), the errors are categorised, and the run, its progress line and its
 * log events are recorded in the run's state.
 *
 * @module
 */
import { isKinetraError } from "../errors.ts";
import { categorizeAll } from "./categorize.ts";
import type { EventLog } from "./event_log.ts";
import type { RunState } from "./run_state.ts";
import type { Stage, StageContext } from "./stages.ts";
import type { StageResult } from "./types.ts";

/** Run `stage` in `ctx` (cycle `ctx.cycle`, `phase`) and record it in `state` and `log`. */
export async function runStageRecorded(
  stage: Stage,
  ctx: StageContext,
  phase: "check" | "verify",
  state: RunState,
  log: EventLog,
): Promise<StageResult> {
  const cycle = ctx.cycle;
  let r: StageResult;
  try {
    r = await stage.run(ctx);
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
  if (state.slowStages.has(stage.name)) r.slow = true;
  state.latest.set(stage.name, r);
  const cat = categorizeAll(r.errors);
  state.testRuns.push({
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
  const i = state.stages.indexOf(stage) + 1;
  const tag = phase === "verify" ? "verify" : `${i}/${state.stages.length}`;
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
  return r;
}
