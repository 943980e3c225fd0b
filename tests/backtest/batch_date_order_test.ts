import assert from "node:assert/strict";
import { runTaskFile } from "../data/_helpers.ts";
import { AMBIGUOUS_SOURCE, writeAmbiguousFile } from "../_date_order.ts";

Deno.test("backtest:batch --date-order: an ambiguous file fails (ambiguous_date) without it, is read in the worker jobs with it; a bad value exits 2", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kinetra_batch_dates_" });
  try {
    await Deno.mkdir(`${tmp}/src/forex`, { recursive: true });
    const bars = await writeAmbiguousFile(AMBIGUOUS_SOURCE, `${tmp}/src/forex/GBPUSD_H4.csv`);
    const base = ["--source", `${tmp}/src`, "--out", `${tmp}/runs`, "--strategies", "sma_cross", "--json"];
    const no = await runTaskFile("backtest_batch.ts", [...base, "--workers", "1"]);
    assert.equal(no.code, 1, no.stderr);
    const r0 = JSON.parse(no.stdout).results[0];
    assert.equal(r0.error.code, "ambiguous_date");
    assert.match(r0.error.message, /--date-order dmy or --date-order mdy/);

    // In a Worker job (--workers 1) and in this thread (--workers 0): the same run.
    const runs = [];
    for (const w of ["1", "0"]) {
      const r = await runTaskFile("backtest_batch.ts", [...base, "--workers", w, "--date-order", "dmy"]);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      const res = out.results[0];
      assert.equal(res.error, null, JSON.stringify(res.error));
      assert.ok(res.bars > 0 && res.bars <= bars.length);
      const config = JSON.parse(await Deno.readTextFile(`${out.run_dir}/config.json`));
      assert.equal(config.date_order, "dmy");
      runs.push({ ...res, run_dir: out.run_dir });
    }
    assert.deepEqual(runs[0].stats, runs[1].stats);
    // --resume takes the order from config.json: a run whose jobs are lost is finished day-first.
    const runDir = runs[1].run_dir;
    await Deno.remove(`${runDir}/jobs.jsonl`);
    const resumed = await runTaskFile("backtest_batch.ts", ["--resume", runDir, "--workers", "0", "--json"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const rr = JSON.parse(resumed.stdout).results[0];
    assert.equal(rr.error, null, JSON.stringify(rr.error));
    assert.deepEqual(rr.stats, runs[0].stats);
    const both = await runTaskFile("backtest_batch.ts", ["--resume", runDir, "--date-order", "mdy"]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--resume takes the run's own settings.*--date-order/);
    // mdy reads the same text as other dates: not the dmy run.
    const mdy = await runTaskFile("backtest_batch.ts", [...base, "--workers", "0", "--date-order", "mdy"]);
    const rm = JSON.parse(mdy.stdout).results[0];
    assert.ok(rm.error !== null || JSON.stringify(rm.stats) !== JSON.stringify(runs[0].stats));

    const bad = await runTaskFile("backtest_batch.ts", [...base, "--date-order", "ydm"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--date-order "ydm": expected dmy/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, "no stack trace");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
