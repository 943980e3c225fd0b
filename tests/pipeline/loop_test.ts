/**
 * The fix loop with injected stages: a stage that times out is retried once with a longer limit
 * and reported slow; a missing part is `unavailable` (never passed) and keeps the exit code
 * non-zero; errors are counted once per cycle; a crashing stage is an error of that stage.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPipeline, type Stage, type StageResult } from "../../lib/pipeline/mod.ts";

function stage(
  name: Stage["name"],
  run: (limit: number, call: number) => Promise<Partial<StageResult>>,
): Stage {
  let call = 0;
  return {
    name,
    title: name,
    timeoutMs: 50,
    async run(ctx) {
      call++;
      const r = await run(ctx.timeoutMs, call);
      return {
        stage: name,
        status: "passed",
        passed: 1,
        failed: 0,
        duration_ms: 1,
        errors: [],
        notes: [],
        ...r,
      };
    },
  };
}

async function withTmp(f: (dir: string, src: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "kinetra-loop-" });
  const src = join(dir, "src");
  await Deno.mkdir(src);
  try {
    await f(dir, src);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a timed-out stage is retried once with a longer limit, counts as fixed and is reported slow", async () => {
  await withTmp(async (dir, src) => {
    const limits: number[] = [];
    const slowStage = stage("menu_exerciser", (limit) => {
      limits.push(limit);
      // Work that needs 80 ms: over the 50 ms limit, under the 100 ms retry.
      return Promise.resolve(
        limit < 80
          ? {
            status: "timeout",
            errors: [{
              stage: "menu_exerciser",
              code: "timeout",
              message: `menu exerciser timed out after ${limit} ms`,
            }],
          }
          : {},
      );
    });
    const { report, exitCode } = await runPipeline({
      source: src,
      logDir: join(dir, "logs"),
      repairedDir: join(dir, "rep"),
      stages: [slowStage],
      autoFix: true,
      quiet: true,
    });
    assert.deepEqual(limits.slice(0, 2), [50, 100]);
    assert.equal(report.errors_by_category.timeout, 1);
    assert.equal(report.errors_fixed, 1);
    assert.equal(report.errors_remaining, 0);
    assert.equal(exitCode, 0);
    const fix = report.fixes_applied.find((f) => f.action === "retry_with_longer_limit")!;
    assert.equal(fix.verification, "passed");
    assert.ok(report.test_runs.some((t) => t.phase === "verify" && t.slow));
    // Cycle 2 runs with the raised limit and is still marked slow.
    const cycle2 = report.test_runs.find((t) => t.cycle === 2)!;
    assert.equal(cycle2.status, "passed");
    assert.equal(cycle2.slow, true);
  });
});

Deno.test("a stage whose part is missing is unavailable, never passed, and the exit code stays non-zero", async () => {
  await withTmp(async (dir, src) => {
    const missing = stage("backtest_validation", () =>
      Promise.resolve({
        status: "unavailable",
        errors: [{
          stage: "backtest_validation",
          code: "stage_unavailable",
          message: "backtest_validation unavailable: lib/backtest/mod.ts does not exist yet",
        }],
      }));
    const { report, exitCode } = await runPipeline({
      source: src,
      logDir: join(dir, "logs"),
      repairedDir: join(dir, "rep"),
      stages: [missing],
      autoFix: true,
      quiet: true,
    });
    assert.deepEqual(report.stages_unavailable, ["backtest_validation"]);
    assert.equal(report.test_runs[0].status, "unavailable");
    assert.equal(report.errors_remaining, 1);
    assert.equal(report.remaining_errors[0].category, "stage_unavailable");
    assert.equal(exitCode, 1);
    assert.match(report.stop_reason, /no fix applies/);
    assert.ok(report.outputs.guides.some((g) => g.endsWith("fix_guide_stage_unavailable.md")));
  });
});

Deno.test("errors are counted once per cycle, not accumulated by repetition across cycles or stages", async () => {
  await withTmp(async (dir, src) => {
    const err = {
      stage: "unit_tests" as const,
      code: "test_failure",
      message: "x => tests/a_test.ts:3:6 AssertionError",
      file: "tests/a_test.ts:3:6",
    };
    const twice = stage("unit_tests", () => Promise.resolve({ status: "failed", errors: [err, { ...err }] }));
    const again = stage(
      "menu_exerciser",
      () => Promise.resolve({ status: "failed", errors: [{ ...err, stage: "menu_exerciser" }] }),
    );
    const { report } = await runPipeline({
      source: src,
      logDir: join(dir, "logs"),
      repairedDir: join(dir, "rep"),
      stages: [twice, again],
      autoFix: true,
      maxCycles: 3,
      quiet: true,
    });
    assert.equal(report.total_errors, 1);
    assert.equal(report.errors_by_category.test_failure, 1);
    assert.deepEqual(report.errors[0].details?.also_reported_by, ["menu_exerciser"]);
    // Code errors are not rewritten: a guide lists the location and the suggested change.
    const guide = await Deno.readTextFile(join(dir, "logs", "fix_guide_test_failure.md"));
    assert.match(guide, /tests\/a_test\.ts:3:6/);
    assert.match(guide, /Suggested change/);
  });
});

Deno.test("a crashing stage becomes an error of that stage, categorised from its message", async () => {
  await withTmp(async (dir, src) => {
    const crash: Stage = {
      name: "import_check",
      title: "crash",
      timeoutMs: 1000,
      run: () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'x')")),
    };
    const { report, exitCode } = await runPipeline({
      source: src,
      logDir: join(dir, "logs"),
      repairedDir: join(dir, "rep"),
      stages: [crash],
      quiet: true,
    });
    assert.equal(report.errors[0].category, "type_error");
    assert.equal(exitCode, 1);
  });
});

Deno.test("the pipeline refuses output folders inside the source folder", async () => {
  await withTmp(async (dir, src) => {
    await assert.rejects(
      runPipeline({
        source: src,
        logDir: join(src, "logs"),
        repairedDir: join(dir, "rep"),
        stages: [],
        quiet: true,
      }),
      /inside the source folder/,
    );
    await assert.rejects(
      runPipeline({ source: join(dir, "nope"), logDir: join(dir, "logs"), stages: [], quiet: true }),
      /does not exist/,
    );
  });
});

Deno.test("a missing npm package is installed with the install command and counts only once verified", async () => {
  await withTmp(async (dir, src) => {
    const marker = join(dir, "installed");
    const deps = stage("import_check", async () => {
      const ok = await Deno.stat(marker).then(() => true, () => false);
      return ok ? {} : {
        status: "failed",
        errors: [{
          stage: "import_check",
          code: "missing_dependency",
          message: "npm package left-pad is not installed in node_modules",
          details: { kind: "npm", package: "left-pad" },
        }],
      };
    });
    const { report, exitCode } = await runPipeline({
      source: src,
      logDir: join(dir, "logs"),
      repairedDir: join(dir, "rep"),
      stages: [deps],
      autoFix: true,
      installCommand: ["touch", marker],
      quiet: true,
    });
    const fix = report.fixes_applied.find((f) => f.action === "install_missing_dependency")!;
    assert.equal(fix.status, "applied");
    assert.equal(fix.verification, "passed");
    assert.equal(report.errors_fixed, 1);
    assert.equal(exitCode, 0);

    // An install that does not help is recorded as failed and not counted.
    const { report: r2 } = await runPipeline({
      source: src,
      logDir: join(dir, "logs2"),
      repairedDir: join(dir, "rep2"),
      stages: [stage("import_check", () =>
        Promise.resolve({
          status: "failed",
          errors: [{
            stage: "import_check",
            code: "missing_dependency",
            message: "npm package x is not installed",
            details: { kind: "npm", package: "x" },
          }],
        }))],
      autoFix: true,
      installCommand: ["true"],
      quiet: true,
    });
    assert.equal(r2.fixes_applied[0].status, "failed");
    assert.equal(r2.errors_fixed, 0);
    assert.equal(r2.errors_remaining, 1);
  });
});

Deno.test("installing a system program needs a person's consent: without it the fix is skipped", async () => {
  await withTmp(async (dir, src) => {
    const questions: string[] = [];
    const chromium = stage("import_check", () =>
      Promise.resolve({
        status: "failed",
        errors: [{
          stage: "import_check",
          code: "missing_dependency",
          message: "chromium is not installed (/usr/bin/chromium not found)",
          details: { kind: "apt", package: "chromium" },
        }],
      }));
    const { report, exitCode } = await runPipeline({
      source: src,
      logDir: join(dir, "logs"),
      repairedDir: join(dir, "rep"),
      stages: [chromium],
      autoFix: true,
      ask: (q) => {
        questions.push(q);
        return Promise.resolve(false);
      },
      quiet: true,
    });
    assert.equal(questions.length, 1);
    assert.match(questions[0], /apt-get install -y --no-install-recommends chromium/);
    assert.equal(report.fixes_applied[0].status, "skipped");
    assert.equal(report.errors_fixed, 0);
    assert.equal(exitCode, 1);
    assert.ok(report.outputs.guides.some((g) => g.endsWith("fix_guide_missing_dependency.md")));
  });
});

Deno.test("a repair that would drop most of a file is refused, and the file is left for a person", async () => {
  await withTmp(async (dir, src) => {
    // A generic CSV with epoch times: every row has an unreadable date for the MT5 repairer.
    await Deno.mkdir(join(src, "forex"));
    const rel = "forex/EURUSD_H1_202401010000_202401010500.csv";
    const rows = ["<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>"];
    for (let i = 0; i < 40; i++) rows.push(`${1704067200 + i * 3600}\t00:00:00\t1.1\t1.2\t1.0\t1.1\t5\t0\t1`);
    await Deno.writeTextFile(join(src, rel), rows.join("\r\n") + "\r\n");
    const dataStage = stage("real_data", () =>
      Promise.resolve({
        status: "failed",
        errors: [{ stage: "real_data", code: "unsorted_bars", message: "rows out of order", file: rel }],
      }));
    const { report } = await runPipeline({
      source: src,
      logDir: join(dir, "logs"),
      repairedDir: join(dir, "rep"),
      stages: [dataStage],
      autoFix: true,
      quiet: true,
    });
    const fix = report.fixes_applied.find((f) => f.error.file === rel)!;
    assert.equal(fix.status, "failed");
    assert.match(fix.description, /would drop 40 of 40 rows/);
    assert.equal(report.errors_fixed, 0);
    assert.deepEqual(
      await Array.fromAsync(Deno.readDir(join(dir, "rep"))).then((l) => l.map((e) => e.name)),
      ["prepared"],
    );
  });
});
