/**
 * The pipeline's exit status follows severity (CRITICAL, HIGH and MEDIUM fail the run; LOW is
 * reported), the stages count as failed only what fails, a guide is written only for a problem that
 * is still there at the end of the run, and the unit-test stage runs only when asked, once per run.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  allStages,
  defaultStages,
  realDataStage,
  runPipeline,
  type Stage,
  type StageResult,
} from "../../lib/pipeline/mod.ts";

function stage(
  name: Stage["name"],
  run: (limit: number, call: number) => Partial<StageResult>,
  extra: Partial<Stage> = {},
): Stage & { calls: () => number } {
  let call = 0;
  return {
    name,
    title: name,
    timeoutMs: 50,
    ...extra,
    run(ctx) {
      call++;
      return Promise.resolve({
        stage: name,
        status: "passed",
        passed: 1,
        failed: 0,
        duration_ms: 1,
        errors: [],
        notes: [],
        ...run(ctx.timeoutMs, call),
      });
    },
    calls: () => call,
  };
}

async function withTmp(f: (dir: string, src: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "kinetra-exit-policy-" });
  const src = join(dir, "src");
  await Deno.mkdir(src);
  try {
    await f(dir, src);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("LOW findings only (holiday gaps): reported, the run ends clean with exit 0", async () => {
  await withTmp(async (dir, src) => {
    const gaps = stage("real_data", () => ({
      status: "passed",
      errors: [{ stage: "real_data", code: "gaps", file: "forex/X_H4.csv", message: "3 gaps (holidays)" }],
    }));
    const { report, exitCode } = await runPipeline({
      source: src,
      logDir: join(dir, "logs"),
      repairedDir: join(dir, "rep"),
      stages: [gaps],
      quiet: true,
    });
    assert.equal(exitCode, 0);
    assert.equal(report.errors_remaining, 1);
    assert.equal(report.errors_failing, 0);
    assert.equal(report.errors_reported, 1);
  });
});

Deno.test("a HIGH finding fails the run (exit 1) and is counted as failing", async () => {
  await withTmp(async (dir, src) => {
    const bad = stage("real_data", () => ({
      status: "failed",
      errors: [
        { stage: "real_data", code: "duplicate_bars", file: "forex/X_H4.csv", message: "2 duplicate bars" },
        { stage: "real_data", code: "gaps", file: "forex/Y_H4.csv", message: "3 gaps" },
      ],
    }));
    const { report, exitCode } = await runPipeline({
      source: src,
      logDir: join(dir, "logs"),
      repairedDir: join(dir, "rep"),
      stages: [bad],
      quiet: true,
    });
    assert.equal(exitCode, 1);
    assert.equal(report.errors_failing, 1);
    assert.equal(report.errors_reported, 1);
  });
});

Deno.test("no guide for a problem that went away in the same run", async () => {
  await withTmp(async (dir, src) => {
    // First run: a timeout (fixed by the retry) and a test failure that the retried run no longer shows.
    const flaky = stage("menu_exerciser", (limit) =>
      limit < 80
        ? {
          status: "timeout",
          errors: [
            {
              stage: "menu_exerciser",
              code: "timeout",
              message: `menu exerciser timed out after ${limit} ms`,
            },
            {
              stage: "menu_exerciser",
              code: "test_failure",
              message: "x => tests/a_test.ts:3:6 AssertionError",
            },
          ],
        }
        : {});
    const { report, exitCode } = await runPipeline({
      source: src,
      logDir: join(dir, "logs"),
      repairedDir: join(dir, "rep"),
      stages: [flaky],
      autoFix: true,
      quiet: true,
    });
    assert.equal(report.errors_remaining, 0);
    assert.equal(exitCode, 0);
    assert.deepEqual(report.outputs.guides, []);
    const files = [...Deno.readDirSync(join(dir, "logs"))].map((e) => e.name);
    assert.ok(!files.some((f) => f.startsWith("fix_guide_")), files.join(", "));
  });
});

Deno.test("the unit-test stage runs only when asked, and then once per run (not per cycle)", async () => {
  assert.ok(!defaultStages().some((s) => s.name === "unit_tests"), "not in the default stages");
  assert.ok(allStages().some((s) => s.name === "unit_tests" && s.oncePerRun), "in allStages, once per run");
  await withTmp(async (dir, src) => {
    const unit = stage("unit_tests", () => ({}), { oncePerRun: true });
    // A timeout fixed by its retry makes a second cycle.
    const slow = stage("menu_exerciser", (limit) =>
      limit < 80
        ? {
          status: "timeout",
          errors: [{ stage: "menu_exerciser", code: "timeout", message: `timed out after ${limit} ms` }],
        }
        : {});
    const { report } = await runPipeline({
      source: src,
      logDir: join(dir, "logs"),
      repairedDir: join(dir, "rep"),
      stages: [unit, slow],
      autoFix: true,
      quiet: true,
    });
    assert.equal(report.cycles, 2);
    assert.equal(unit.calls(), 1);
  });
});

Deno.test("real_data on the sample: LOW gaps do not mark files failed", async () => {
  const r = await realDataStage().run({
    root: Deno.cwd(),
    source: "data/sample",
    workingSet: await (await import("../../lib/pipeline/working_set.ts")).WorkingSet.open("data/sample"),
    preparedDir: "/nonexistent",
    workDir: "/nonexistent",
    timeoutMs: 120_000,
    cycle: 1,
    progress: () => {},
  });
  assert.ok(r.errors.length > 0, "the sample has gap findings");
  assert.equal(r.failed, 0);
  assert.equal(r.passed, 6);
  assert.equal(r.status, "passed");
});

Deno.test("the menu's every-stage choice names every stage of the pipeline", async () => {
  const { ALL_FIX_STAGES } = await import("../../lib/menu/actions/data.ts");
  assert.deepEqual(ALL_FIX_STAGES.split(","), allStages().map((s) => s.name));
});

Deno.test("the menu counts honestly: LOW gaps on the sample are reported, nothing fails", async () => {
  const { runScripted, tempOptions } = await import("../menu/_helpers.ts");
  const opts = await tempOptions();
  try {
    // Data Management > Run the Fix Pipeline, quick stages, 1 cycle, no automatic fixes.
    const { out } = await runScripted(["5", "3", "", "1", "n"], opts);
    assert.match(
      out,
      /The pipeline finished: nothing that fails the run remains\. 0 failing \(CRITICAL\/HIGH\/MEDIUM\), 6 LOW finding\(s\) reported/,
    );
  } finally {
    await Deno.remove(opts.work, { recursive: true });
  }
});
