/**
 * On the untouched real data set (realDataDir(): ../shared/data/master here), the pipeline's
 * report lists the real defects, found by the checks themselves: the test computes the bar
 * spacing, repeated and out-of-order times of every file on its own (no file is named) and
 * compares, and checks that nothing in the source folder changed.
 */
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { realDataDir } from "../../lib/util/paths.ts";
import { TIMEFRAME_MINUTES } from "../../lib/data/types.ts";
import { listDataFiles, realDataStage, runPipeline } from "../../lib/pipeline/mod.ts";
import { hashTree } from "./_defects.ts";

interface Independent {
  tfMismatch: boolean;
  duplicates: boolean;
  unsorted: boolean;
}

/** A plain reader of MT5 tab exports: modal spacing against the name, repeated and backward times. */
async function independentCheck(path: string): Promise<Independent> {
  const text = await Deno.readTextFile(path);
  const lines = text.split("\n");
  const times: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i].split("\t");
    if (c.length < 2) continue;
    const [y, m, d] = c[0].split(".").map(Number);
    const [hh, mm, ss] = c[1].split(":").map(Number);
    times.push(Date.UTC(y, m - 1, d, hh, mm, ss || 0));
  }
  const counts = new Map<number, number>();
  let duplicates = false, unsorted = false;
  for (let i = 1; i < times.length; i++) {
    const dt = times[i] - times[i - 1];
    if (dt === 0) duplicates = true;
    if (dt < 0) unsorted = true;
    if (dt > 0) counts.set(dt, (counts.get(dt) ?? 0) + 1);
  }
  const modal = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  const declared = basename(path).split("_")[1];
  return {
    tfMismatch: TIMEFRAME_MINUTES[declared] !== undefined && modal !== TIMEFRAME_MINUTES[declared] * 60_000,
    duplicates,
    unsorted,
  };
}

Deno.test("real data: the report lists the defects the data really has, and the source is untouched", async () => {
  const { dir, which } = realDataDir();
  if (which === "sample") {
    console.warn("!!! real-data test running on the bundled sample: ../shared/data/master is absent");
  }
  const before = await hashTree(dir);
  const tmp = await Deno.makeTempDir({ prefix: "kinetra-fix-real-" });
  try {
    const { report } = await runPipeline({
      source: dir,
      logDir: join(tmp, "logs"),
      repairedDir: join(tmp, "repaired"),
      stages: [realDataStage()],
      quiet: true,
    });
    const rels = await listDataFiles(dir);
    const expected = {
      timeframe_mismatch: new Set<string>(),
      duplicate_bars: new Set<string>(),
      unsorted_bars: new Set<string>(),
    };
    for (const rel of rels) {
      const c = await independentCheck(join(dir, rel));
      if (c.tfMismatch) expected.timeframe_mismatch.add(rel);
      if (c.duplicates) expected.duplicate_bars.add(rel);
      if (c.unsorted) expected.unsorted_bars.add(rel);
    }
    for (const [cat, files] of Object.entries(expected)) {
      const got = new Set(report.errors.filter((e) => e.category === cat).map((e) => e.file));
      assert.deepEqual([...got].sort(), [...files].sort(), `${cat}: report vs independent check`);
    }
    if (which === "shared") {
      // ../shared/data/master does hold mislabelled exports (found above, by spacing): the report must show them.
      assert.ok(expected.timeframe_mismatch.size > 0, "the real data set has timeframe mismatches");
    }
    // Each defect counted once: one error per file and category.
    const keys = report.errors.map((e) => `${e.file}|${e.category}`);
    assert.equal(new Set(keys).size, keys.length);
    assert.equal(report.total_errors, report.errors.length);
    assert.equal(report.test_runs.length, 1, "one cycle: without --auto-fix the run only proposes");
    assert.equal(report.test_runs[0].status, "failed");
    // Proposals exist for the mislabelled files and nothing was written.
    for (const rel of expected.timeframe_mismatch) {
      assert.ok(
        report.fixes_applied.some((f) => f.status === "proposed" && f.error.file === rel),
        `proposal for ${rel}`,
      );
    }
    assert.deepEqual(await hashTree(dir), before, "source folder byte-identical");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
