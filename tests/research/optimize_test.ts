/**
 * optimize(): compat results equal single backtests bit for bit (inline and in workers), backtesting.py's
 * published GOOG SmaCross(10, 30) figures in the heatmap cell, exclusions, seeds, interruption.
 * Data: backtesting.py's reference CSVs (lib/util/paths.ts referenceDataDir).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runBacktest } from "../../lib/backtest/run.ts";
import { loadDataset } from "../../lib/research/data.ts";
import { engineConfig, jsonStats } from "../../lib/research/evaluate.ts";
import { optimize, optimizeJson } from "../../lib/research/optimize.ts";
import { objectiveGrid } from "../../lib/research/report.ts";
import { getStrategy } from "../../lib/strategies/registry.ts";
import { referenceDataDir } from "../../lib/util/paths.ts";

const GOOG = join(referenceDataDir(), "GOOG.csv");
const EURUSD = join(referenceDataDir(), "EURUSD.csv");
const grid = ["fast=5:20:5", "slow=10:40:10"];

Deno.test("compat: every result equals the single backtest of its parameters, bit for bit (inline and 2 workers)", async () => {
  const config = { profile: "compat" as const, commission: 0.002, finalize: true };
  const inline = await optimize({
    data: { file: GOOG },
    strategy: "sma_cross",
    grid,
    constraints: ["fast<slow"],
    config,
    workers: 0,
  });
  const workers = await optimize({
    data: { file: GOOG },
    strategy: "sma_cross",
    grid,
    constraints: ["fast<slow"],
    config,
    workers: 2,
  });
  assert.equal(inline.trials, 12);
  assert.deepEqual(workers.results.map((t) => t.stats), inline.results.map((t) => t.stats));
  const ds = await loadDataset({ file: GOOG }, []);
  const strategy = getStrategy("sma_cross");
  for (const t of inline.results) {
    const single = runBacktest({
      bars: ds.bars,
      meta: ds.meta,
      strategy,
      params: t.params,
      features: ds.features,
      config: engineConfig(config, ds.meta.symbol, ds.meta),
    });
    assert.deepEqual(t.stats, jsonStats(single.stats), `params ${JSON.stringify(t.params)}`);
    assert.equal(t.objective, single.stats.sharpe);
  }
});

Deno.test("heatmap cell fast=10, slow=30 on GOOG equals backtesting.py's published SmaCross figures", async () => {
  const r = await optimize({
    data: { file: GOOG },
    strategy: "sma_cross",
    grid: ["fast=5,10,15", "slow=20,30"],
    config: { profile: "compat", finalize: true },
    objective: "return_pct",
    workers: 0,
  });
  const cell = r.results.find((t) => t.params.fast === 10 && t.params.slow === 30)!;
  // backtesting.py test_compute_stats: Return 414.2299 %, Sharpe 0.5806232244485349, 66 trades.
  assert.ok(Math.abs(cell.objective! - 414.2299) < 5e-5, `return ${cell.objective}`);
  assert.ok(Math.abs(Number(cell.stats!.sharpe) - 0.5806232244485349) < 1e-8 * 0.58);
  assert.equal(cell.stats!.trades, 66);
  const g = objectiveGrid(r)!;
  assert.deepEqual(g.x.values, [5, 10, 15]);
  assert.deepEqual(g.y.values, [20, 30]);
  assert.equal(g.z[1][1], cell.objective);
});

Deno.test("min-trades and no-trade results are counted and excluded, never ranked", async () => {
  const r = await optimize({
    data: { file: GOOG, end: "2005-06-30" },
    strategy: "sma_cross",
    grid: ["fast=5,10", "slow=30,200"],
    config: { profile: "compat" },
    minTrades: 5,
    workers: 0,
  });
  assert.equal(r.trials, 4);
  // slow=200 over ~220 bars: no trade at all; fast=10/slow=30 trades fewer than 5 times? counted either way.
  assert.ok(r.excluded_by.no_trades >= 1, JSON.stringify(r.excluded_by));
  assert.equal(r.excluded, r.results.filter((t) => t.excluded).length);
  assert.ok(r.best === null || (r.best.excluded === null && Number(r.best.stats!.trades) >= 5));
  const j = optimizeJson(r);
  assert.equal((j.results as unknown[]).length, 4);
  assert.equal(j.excluded, r.excluded);
});

Deno.test("random and bayes: the same seed gives the same search; results stream to results.jsonl", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const opts = {
      data: { file: EURUSD },
      strategy: "sma_cross",
      grid: ["fast=2:30:2", "slow=10:100:5"],
      constraints: ["fast<slow"],
      config: { profile: "compat" as const },
      trials: 20,
      workers: 0,
    };
    for (const method of ["random", "bayes"] as const) {
      const a = await optimize({ ...opts, method, seed: 5, outDir: join(dir, method) });
      const b = await optimize({ ...opts, method, seed: 5, workers: 2 });
      assert.equal(a.trials, 20);
      assert.deepEqual(
        a.results.map((t) => [t.params, t.objective]),
        b.results.map((t) => [t.params, t.objective]),
      );
      const lines = (await Deno.readTextFile(join(dir, method, "results.jsonl"))).trim().split("\n");
      assert.equal(lines.length, 20);
      assert.deepEqual(lines.map((l) => JSON.parse(l).index).sort((x, y) => x - y), [...Array(20).keys()]);
      const top = JSON.parse(await Deno.readTextFile(join(dir, method, "top_1.json")));
      assert.deepEqual(top.params, a.best!.params);
      assert.equal(top.trades.length, top.stats.trades);
      await Deno.stat(join(dir, method, "top_3.json"));
      const summary = JSON.parse(await Deno.readTextFile(join(dir, method, "summary.json")));
      assert.equal(summary.trials, 20);
      assert.equal(summary.pbo.partitions, 16);
      for (
        const k of [
          "sharpe",
          "trials",
          "sharpe_variance",
          "skew",
          "kurtosis",
          "observations",
          "expected_max_sharpe",
          "dsr",
          "psr",
        ]
      ) {
        assert.ok(k in summary.deflated_sharpe, k);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an abort keeps the finished trials and says interrupted", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ac = new AbortController();
    const r = await optimize({
      data: { file: EURUSD },
      strategy: "sma_cross",
      grid: ["fast=2:40:2", "slow=10:100:10"],
      config: { profile: "compat" },
      workers: 0,
      outDir: dir,
      signal: ac.signal,
      onProgress: (done) => {
        if (done === 2) ac.abort();
      },
    });
    assert.equal(r.interrupted, true);
    assert.ok(r.trials > 0 && r.trials < 200, `${r.trials} trials`);
    const lines = (await Deno.readTextFile(join(dir, "results.jsonl"))).trim().split("\n");
    assert.equal(lines.length, r.trials);
    assert.equal(JSON.parse(await Deno.readTextFile(join(dir, "summary.json"))).interrupted, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Monte Carlo of the best result is seeded and uses its trades", async () => {
  const opts = {
    data: { file: GOOG },
    strategy: "sma_cross",
    grid: ["fast=10", "slow=30"],
    config: { profile: "compat" as const },
    monteCarlo: 200,
    seed: 4,
    workers: 0,
  };
  const a = await optimize(opts), b = await optimize(opts);
  assert.ok(a.monte_carlo);
  assert.equal(a.monte_carlo.trades, a.bestRun!.trades.length);
  assert.deepEqual(a.monte_carlo, b.monte_carlo);
});

Deno.test("a SmaCross heatmap's cells equal an independent implementation of backtesting.py's semantics", async () => {
  const { simpleSmaCross } = await import("../../lib/backtest/simple_reference.ts");
  const r = await optimize({
    data: { file: GOOG },
    strategy: "sma_cross",
    grid: ["fast=5,10,20", "slow=30,50,100"],
    config: { profile: "compat", finalize: true }, // the reference closes what is open at the end
    objective: "equity_final",
    workers: 0,
  });
  const g = objectiveGrid(r)!;
  const ds = await loadDataset({ file: GOOG }, []);
  for (const [i, slow] of g.y.values.entries()) {
    for (const [j, fast] of g.x.values.entries()) {
      const ref = simpleSmaCross(ds.bars, fast, slow, 10_000);
      const cell = g.z[i][j]!;
      assert.ok(
        Math.abs(cell - ref.finalEquity) <= 1e-9 * ref.finalEquity,
        `fast ${fast} slow ${slow}: ${cell} vs ${ref.finalEquity}`,
      );
    }
  }
});
