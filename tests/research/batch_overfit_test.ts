/**
 * The batch reports DSR and PBO of choosing among its strategies on each file, beside the promotion
 * targets, and says whether the figures are out of sample. Data: the bundled sample.
 */
import assert from "node:assert/strict";
import { runBatch } from "../../lib/backtest/batch.ts";
import { summaryTable } from "../../lib/backtest/batch_summary.ts";
import { fileOverfit, partitionSums } from "../../lib/research/overfit.ts";
import { makeRng } from "../../lib/research/rng.ts";

Deno.test("fileOverfit: DSR deflates by the number of strategies; PBO needs two of them", () => {
  const rng = makeRng(2);
  const mk = (mu: number) => {
    const r = Float64Array.from({ length: 1600 }, () => mu + 0.01 * rng.normal());
    let n = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    for (const x of r) [n, s1, s2, s3, s4] = [n + 1, s1 + x, s2 + x * x, s3 + x ** 3, s4 + x ** 4];
    return { moments: [n, s1, s2, s3, s4], parts: Array.from(partitionSums(r, 16)) };
  };
  const one = fileOverfit([mk(0.001)]);
  assert.equal(one[0].trials, 1);
  assert.equal(one[0].pbo, null);
  assert.equal(one[0].dsr, one[0].psr, "with one trial the DSR is the PSR against 0");
  const three = fileOverfit([mk(0.001), mk(0), mk(-0.001)]);
  assert.equal(three[0].trials, 3);
  assert.ok(three[0].dsr! < three[0].psr!, "deflated below the PSR");
  assert.ok(three[0].pbo !== null && three[0].pbo >= 0 && three[0].pbo <= 1);
});

Deno.test("batch on the test split: overfit figures per result, dsr/pbo in the summary, judged out of sample", async () => {
  const out = await Deno.makeTempDir();
  try {
    const run = await runBatch({
      source: "data/sample/forex",
      strategies: ["sma_cross", "berserker"],
      split: "test",
      workers: 0,
      outDir: out,
    });
    const ok = run.results.filter((r) => !r.error);
    assert.ok(ok.length >= 2);
    for (const r of ok) {
      assert.ok(r.overfit, `${r.file} ${r.strategy}`);
      assert.equal(r.overfit.trials, 2);
      assert.ok(r.overfit.pbo === null || (r.overfit.pbo >= 0 && r.overfit.pbo <= 1));
    }
    const all = run.summary.find((s) => s.strategy === "sma_cross" && s.asset_class === "all")!;
    assert.ok(Number.isFinite(all.dsr!));
    const text = summaryTable(run.summary, { split: "test" });
    assert.match(text, /judged out of sample/);
    assert.match(summaryTable(run.summary, { split: "all" }), /include in-sample bars \(--split all\)/);
    assert.match(await Deno.readTextFile(`${run.runDir}/summary.txt`), /judged out of sample/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
