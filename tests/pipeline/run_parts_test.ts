// The fix pipeline's main loop split by stage: set-up (paths), the recorded stage run, the fixes
// and the report, each tested on its own.
import assert from "node:assert/strict";
import { join } from "node:path";
import { KinetraError } from "../../lib/errors.ts";
import { createEventLog } from "../../lib/pipeline/event_log.ts";
import { type FixEnv, handleFixes } from "../../lib/pipeline/fixes.ts";
import { pipelinePaths } from "../../lib/pipeline/pipeline.ts";
import { assembleReport } from "../../lib/pipeline/run_report.ts";
import { runStageRecorded } from "../../lib/pipeline/run_stage.ts";
import { RunState } from "../../lib/pipeline/run_state.ts";
import type { Stage, StageContext } from "../../lib/pipeline/stages.ts";
import type { PipelineError, StageResult } from "../../lib/pipeline/types.ts";
import { WorkingSet } from "../../lib/pipeline/working_set.ts";

/**
 * Remove a test folder; a log line still being appended by the stage under test can make one
 * attempt fail with "Directory not empty", so retry briefly.
 */
async function removeTree(dir: string): Promise<void> {
  for (let k = 0;; k++) {
    try {
      return await Deno.remove(dir, { recursive: true });
    } catch (e) {
      if (k >= 20 || !String((e as Error).message).includes("not empty")) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function stage(run: (ctx: StageContext) => Promise<StageResult>): Stage {
  return { name: "real_data", title: "fake real-data stage", timeoutMs: 1000, run };
}

const passed = (): Promise<StageResult> =>
  Promise.resolve({
    stage: "real_data",
    status: "passed",
    passed: 1,
    failed: 0,
    duration_ms: 1,
    errors: [],
    notes: [],
  });

function error(over: Partial<PipelineError>): PipelineError {
  return {
    stage: "real_data",
    message: "problem",
    category: "missing_folder",
    severity: "HIGH",
    auto_fixable: true,
    fix: "create_missing_folder",
    key: "k1",
    ...over,
  };
}

async function setup(dir: string, stages: Stage[]) {
  const src = join(dir, "src");
  await Deno.mkdir(join(src, "forex"), { recursive: true });
  await Deno.copyFile(
    "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv",
    join(src, "forex", "GBPUSD+_H4_202401020000_202512262000.csv"),
  );
  const ws = await WorkingSet.open(src);
  const state = new RunState(stages);
  const log = createEventLog({ path: join(dir, "log.ndjson"), quiet: true });
  const ctx = (cycle: number): StageContext => ({
    root: dir,
    source: src,
    workingSet: ws,
    preparedDir: join(dir, "prepared"),
    workDir: dir,
    timeoutMs: 1000,
    cycle,
    progress: () => {},
  });
  return { src, ws, state, log, ctx };
}

Deno.test("set-up: folders resolve against the root, and an output inside the source is refused", () => {
  const p = pipelinePaths({ root: "/r", source: "data/in", logDir: "out/logs" });
  assert.equal(p.source, "/r/data/in");
  assert.equal(p.logDir, "/r/out/logs");
  assert.equal(p.preparedDir, "/r/data/repaired/prepared");
  assert.throws(
    () => pipelinePaths({ root: "/r", source: "data", logDir: "data/logs" }),
    (e) => e instanceof KinetraError && e.code === "write_into_source",
  );
});

Deno.test("a recorded stage run: a crash becomes a failed result of that stage, categorised and logged", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const crash = stage(() => {
      throw new TypeError("x is not a function");
    });
    const { state, log, ctx } = await setup(dir, [crash]);
    const r = await runStageRecorded(crash, ctx(1), "check", state, log);
    assert.equal(r.status, "failed");
    assert.equal(r.errors[0].code, "type_error");
    assert.equal(state.latest.get("real_data"), r);
    assert.equal(state.testRuns.length, 1);
    assert.equal(state.testRuns[0].errors.length, 1);
    assert.ok(state.currentErrors().length === 1);
    assert.ok(log.events.some((e) => e.event === "stage_end" && e.status === "failed"));
  } finally {
    await removeTree(dir);
  }
});

Deno.test("fixes: a missing folder is created only when applying, and verified by re-running its stage", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let reruns = 0;
    const s = stage(() => {
      reruns++;
      return passed();
    });
    const { src, ws, state, log, ctx } = await setup(dir, [s]);
    const env = (): FixEnv => ({
      state,
      log,
      ws,
      root: dir,
      source: src,
      repairedDir: join(dir, "rep"),
      retryFactor: 2,
      maxQuarantineShare: 0.05,
      ask: () => Promise.resolve(false),
      runStage: (st, cycle, phase) => runStageRecorded(st, ctx(cycle), phase, state, log),
    });
    const e = error({ details: { folder: "made/here" } });
    assert.equal(await handleFixes(env(), [e], 1, false), 0);
    assert.equal(state.fixes[0].status, "proposed");
    assert.equal(reruns, 0);
    assert.ok(!(await Deno.stat(join(dir, "made/here")).catch(() => null)));
    assert.equal(await handleFixes(env(), [e], 2, true), 1);
    assert.ok((await Deno.stat(join(dir, "made/here"))).isDirectory);
    assert.equal(reruns, 1);
    const applied = state.fixes.find((f) => f.cycle === 2)!;
    assert.equal(applied.status, "applied");
    assert.equal(applied.verification, "passed");
    assert.ok(state.fixedKeys.has("k1"));
  } finally {
    await removeTree(dir);
  }
});

Deno.test("report: LOW findings are reported, CRITICAL/HIGH/MEDIUM fail the run; guides for what needs a person", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = stage(() =>
      Promise.resolve({
        stage: "real_data",
        status: "failed",
        passed: 0,
        failed: 2,
        duration_ms: 1,
        errors: [
          { stage: "real_data", code: "gap_in_series", message: "a gap of 3 bars", file: "forex/a.csv" },
          { stage: "real_data", code: "file_not_found", message: "no such file", file: "forex/b.csv" },
        ],
        notes: [],
      })
    );
    const { src, ws, state, log, ctx } = await setup(dir, [s]);
    await runStageRecorded(s, ctx(1), "check", state, log);
    const { report, failing } = await assembleReport({
      state,
      start: new Date(),
      source: src,
      ws,
      logDir: join(dir, "logs"),
      logPath: join(dir, "log.ndjson"),
      reportPath: join(dir, "report.json"),
      repairedDir: join(dir, "rep"),
      preparedDir: join(dir, "prep"),
      autoFix: false,
      dryRun: false,
      maxCycles: 1,
      cycles: 1,
      stopReason: "test",
    });
    assert.equal(report.errors_remaining, 2);
    assert.equal(report.errors_failing + report.errors_reported, 2);
    assert.equal(failing, report.errors_failing);
    const sev = report.remaining_errors.map((e) => e.severity);
    assert.equal(report.errors_failing, sev.filter((x) => x !== "LOW").length);
    assert.equal(report.total_errors, 2);
    assert.ok(report.errors_failing >= 1 && report.errors_reported >= 1, JSON.stringify(sev));
  } finally {
    await removeTree(dir);
  }
});
