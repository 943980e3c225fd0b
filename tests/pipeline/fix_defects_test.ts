/**
 * The proof: a copy of real sample files with injected defects (duplicated rows, a UTF-16
 * copy, a comma-separated copy, a truncated file, text in a price column, an empty file, a name
 * with the wrong timeframe) goes through `deno task fix --auto-fix`: every defect is reported
 * once in its category, no auto-fixable error is left, and the source files are byte-identical.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildDefectiveCopy, hashTree } from "./_defects.ts";
import type { PipelineReport } from "../../lib/pipeline/mod.ts";

const DATA_STAGES = "real_data,data_preparation,backtest_validation";

async function runFix(
  source: string,
  out: string,
  extra: string[] = [],
): Promise<{ code: number; report: PipelineReport; stderr: string }> {
  const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete (env as Record<string, string>).RUST_BACKTRACE;
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "task",
      "fix",
      "--source",
      source,
      "--log-dir",
      join(out, "logs"),
      "--out",
      join(out, "repaired"),
      "--stages",
      DATA_STAGES,
      "--json",
      ...extra,
    ],
    env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const stdout = new TextDecoder().decode(r.stdout);
  const stderr = new TextDecoder().decode(r.stderr);
  let report: PipelineReport;
  try {
    report = JSON.parse(stdout);
  } catch {
    throw new Error(
      `deno task fix printed no JSON (exit ${r.code}):\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`,
    );
  }
  return { code: r.code, report, stderr };
}

/** Categories per file, gaps aside (gaps are the market's own closures, present before injection too). */
function categoriesByFile(report: PipelineReport): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const e of report.errors) {
    if (!e.file) continue;
    m.set(e.file, [...(m.get(e.file) ?? []), e.category]);
  }
  return m;
}

Deno.test("fix --auto-fix on injected defects: each once in its category, none auto-fixable left, source untouched", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra-fix-test-" });
  try {
    const pristine = join(tmp, "pristine");
    await Deno.mkdir(pristine);
    // Baseline: the same real files without defects (what the checks find in the real data itself).
    for (
      const rel of [
        "forex/AUDUSD+_H4_202401020000_202512300800.csv",
        "forex/GBPUSD+_H4_202401020000_202512262000.csv",
        "crypto/BTCUSD_H4_202401020000_202512282000.csv",
        "energy/UKOUSD_H4_202401020000_202512262000.csv",
        "indices/NAS100_H4_202401020000_202512262000.csv",
        "metals/XAUUSD+_H4_202401020000_202512262000.csv",
      ]
    ) {
      await Deno.mkdir(join(pristine, rel, ".."), { recursive: true });
      await Deno.copyFile(join("data/sample", rel), join(pristine, rel));
    }
    const base = await runFix(pristine, join(tmp, "base"));
    const baseCats = categoriesByFile(base.report);
    for (const [file, cats] of baseCats) {
      assert.deepEqual(cats.filter((c) => c !== "gaps"), [], `pristine ${file} has only gaps, got ${cats}`);
    }

    const src = join(tmp, "src");
    const injected = await buildDefectiveCopy(src);
    const before = await hashTree(src);
    const { code, report } = await runFix(src, join(tmp, "run"), ["--auto-fix"]);

    // Every defect reported exactly once, in the right category, and nothing else but the gaps
    // the pristine files already had.
    const cats = categoriesByFile(report);
    for (const inj of injected) {
      const got = cats.get(inj.rel) ?? [];
      assert.deepEqual(got.filter((c) => c !== "gaps"), [inj.category], `${inj.defect} (${inj.rel}): ${got}`);
    }
    for (const [file, got] of cats) {
      assert.ok(injected.some((i) => i.rel === file), `unexpected file with errors: ${file} ${got}`);
    }
    const gapFiles = [...cats].filter(([, c]) => c.includes("gaps")).length;
    const baseGapFiles = [...baseCats].filter(([, c]) => c.includes("gaps")).length;
    // The truncated file loses its last bar, the empty file has no bars: gaps stay those of the originals.
    assert.equal(gapFiles, baseGapFiles, "gaps found in the defective copy are those of the real files");

    // No auto-fixable error left; what remains needs a person (empty file) or cannot be invented (gaps).
    assert.equal(
      report.auto_fixable_remaining,
      0,
      JSON.stringify(report.remaining_errors.filter((e) => e.auto_fixable), null, 1),
    );
    for (const e of report.remaining_errors) {
      assert.ok(
        ["empty_file", "gaps"].includes(e.category),
        `unexpected remaining error ${e.category}: ${e.message}`,
      );
    }
    assert.ok(
      report.remaining_errors.some((e) => e.category === "empty_file"),
      "the empty file is still reported",
    );
    const fixable = injected.filter((i) => i.category !== "empty_file");
    assert.equal(report.errors_fixed, fixable.length, "each auto-fixable defect fixed once");
    for (const f of report.fixes_applied.filter((x) => x.status === "applied")) {
      assert.equal(f.verification, "passed");
    }
    assert.equal(code, 1, "errors remain (gaps, the empty file), so the exit code is not 0");

    // Source byte-identical.
    assert.deepEqual(await hashTree(src), before);

    // The repairs are real: the copy filed under the detected timeframe, rows in quarantine with a reason.
    const manifest = JSON.parse(await Deno.readTextFile(join(tmp, "run", "repaired", "manifest.json")));
    const tf = manifest.files["metals/XAUUSD+_H1_202401020000_202512262000.csv"];
    assert.equal(tf.timeframe_detected, "H4");
    assert.match(tf.output, /XAUUSD\+_H4_/);
    const nas = manifest.files["indices/NAS100_H4_202401020000_202512262000.csv"];
    const q = await Deno.readTextFile(nas.quarantine);
    assert.match(q, /non-numeric value "n\/a" in <HIGH>/);
    const dup = manifest.files["forex/AUDUSD+_H4_202401020000_202512300800.csv"];
    assert.equal(dup.rows_in - dup.rows_out, 5);
    const prepared = JSON.parse(
      await Deno.readTextFile(join(tmp, "run", "repaired", "prepared", "manifest.json")),
    );
    assert.ok(
      prepared.files.some((f: { file: string }) => /XAUUSD\+_H4_/.test(f.file)),
      "prepared output filed under H4",
    );
    assert.ok(!prepared.files.some((f: { file: string }) => /XAUUSD\+_H1_/.test(f.file)));
    // Report and log exist where asked.
    assert.ok((await Deno.stat(report.outputs.report)).isFile);
    const logLines = (await Deno.readTextFile(report.outputs.log)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.ok(logLines.some((l) => l.event === "fix_verified" && l.ok === true));
    // Missing output folders were created, and said so.
    assert.ok(logLines.some((l) => l.event === "folder_created" && l.path === join(tmp, "run", "repaired")));
    // Every event line is structured: time, level, event.
    for (const l of logLines) assert.ok(l.time && l.level && l.event, JSON.stringify(l));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("fix without --auto-fix proposes and writes no repaired data; --dry-run neither", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra-fix-test-" });
  try {
    const src = join(tmp, "src");
    await buildDefectiveCopy(src);
    for (const extra of [[], ["--auto-fix", "--dry-run"]]) {
      const out = join(tmp, `run${extra.length}`);
      const { report } = await runFix(src, out, extra);
      assert.equal(report.cycles, 1);
      assert.equal(report.errors_fixed, 0);
      assert.ok(report.fixes_applied.length > 0 && report.fixes_applied.every((f) => f.status !== "applied"));
      assert.ok(
        report.fixes_applied.some((f) => f.status === "proposed" && /repaired copy/.test(f.description)),
      );
      const repaired = await Array.fromAsync(Deno.readDir(join(out, "repaired"))).catch(() => []);
      assert.deepEqual(repaired.filter((e) => e.name !== "prepared" && e.name !== "manifest.json"), []);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

for (const sig of ["SIGINT", "SIGHUP"] as const) {
  Deno.test(`${sig} stops the run after the current step, keeps the report, exits 130`, async () => {
    const tmp = await Deno.makeTempDir({ prefix: "kinetra-fix-test-" });
    try {
      const src = join(tmp, "src");
      await buildDefectiveCopy(src);
      const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
      delete (env as Record<string, string>).RUST_BACKTRACE;
      // Run the task's script directly (not through `deno task`) so the signal reaches it.
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "tasks/fix.ts",
          "--source",
          src,
          "--log-dir",
          join(tmp, "logs"),
          "--out",
          join(tmp, "rep"),
          "--stages",
          "real_data,menu_exerciser",
          "--json",
        ],
        env,
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      // Wait until the run is under way (its log exists), then interrupt it.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const started = await Array.fromAsync(Deno.readDir(join(tmp, "logs"))).catch(() => []);
        if (started.some((e) => e.name.startsWith("pipeline_"))) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 300));
      child.kill(sig);
      const out = await child.output();
      assert.equal(out.code, 130, new TextDecoder().decode(out.stderr).slice(-1500));
      const report = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.match(report.stop_reason, /^interrupted/);
      assert.ok((await Deno.stat(report.outputs.report)).isFile);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  });
}
