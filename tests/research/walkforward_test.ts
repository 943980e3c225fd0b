/**
 * Walk-forward: window planning (bars, calendar, anchored), windows larger than the data, test bars
 * never influence the chosen parameters, no position outside a test part, stitched equity.
 * Data: backtesting.py's EURUSD H1 reference CSV (lib/util/paths.ts referenceDataDir).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { computeStrategyFeatures, type Dataset, loadDataset } from "../../lib/research/data.ts";
import {
  addCalendar,
  parseWindowSize,
  planWindows,
  walkForward,
  walkForwardJson,
} from "../../lib/research/walkforward.ts";
import { isKinetraError } from "../../lib/errors.ts";
import { makeRng } from "../../lib/research/rng.ts";
import { referenceDataDir } from "../../lib/util/paths.ts";

const EURUSD = join(referenceDataDir(), "EURUSD.csv");
const H = 3_600_000;

Deno.test("window sizes: bars or calendar units; bad sizes refused", () => {
  assert.deepEqual(parseWindowSize("5000", "train"), { bars: 5000 });
  assert.deepEqual(parseWindowSize("6M", "train"), { count: 6, unit: "M" });
  assert.deepEqual(parseWindowSize("2w", "test"), { count: 2, unit: "W" });
  for (const bad of ["1", "6X", "M", "-3", "0D"]) {
    assert.throws(
      () => parseWindowSize(bad, "train"),
      (e) => isKinetraError(e) && e.code === "bad_argument",
      bad,
    );
  }
  assert.equal(
    new Date(addCalendar(Date.UTC(2024, 0, 31), 1, "M")).toISOString(),
    "2024-02-29T00:00:00.000Z",
  );
});

Deno.test("rolling and anchored windows in bars: contiguous complete test parts", () => {
  const time = Float64Array.from({ length: 100 }, (_, i) => i * H);
  const roll = planWindows(time, { bars: 30 }, { bars: 20 });
  assert.deepEqual(roll.map((w) => [w.train.from, w.train.to, w.test.from, w.test.to]), [
    [0, 30, 30, 50],
    [20, 50, 50, 70],
    [40, 70, 70, 90],
  ]);
  const anch = planWindows(time, { bars: 30 }, { bars: 20 }, true);
  assert.deepEqual(anch.map((w) => [w.train.from, w.train.to, w.test.from, w.test.to]), [
    [0, 30, 30, 50],
    [0, 50, 50, 70],
    [0, 70, 70, 90],
  ]);
});

Deno.test("calendar windows follow month boundaries of the bar times", () => {
  // Hourly bars for 2024.
  const n = 366 * 24;
  const time = Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * H);
  const w = planWindows(time, { count: 3, unit: "M" }, { count: 1, unit: "M" });
  assert.equal(w.length, 9); // tests April … December
  const iso = (i: number) => new Date(time[i]).toISOString().slice(0, 10);
  assert.equal(iso(w[0].test.from), "2024-04-01");
  assert.equal(iso(w[0].train.from), "2024-01-01");
  assert.equal(iso(w[1].train.from), "2024-02-01");
  assert.equal(iso(w[8].test.from), "2024-12-01");
  assert.equal(w[8].test.to, n);
});

Deno.test("a window larger than the data is a clear error", () => {
  const time = Float64Array.from({ length: 100 }, (_, i) => i * H);
  assert.throws(
    () => planWindows(time, { bars: 90 }, { bars: 20 }),
    (e) =>
      isKinetraError(e) && e.code === "window_too_large" && /larger than the data \(100 bars/.test(e.message),
  );
  assert.throws(
    () => planWindows(time, { count: 1, unit: "Y" }, { count: 1, unit: "M" }),
    (e) => isKinetraError(e),
  );
});

const base = {
  data: { file: EURUSD },
  strategy: "sma_cross",
  grid: ["fast=5:25:5", "slow=10:60:10"],
  constraints: ["fast<slow"],
  config: { profile: "compat" as const },
  train: 1500,
  test: 500,
  workers: 0,
};

Deno.test("changing only one test part's bars leaves the parameters chosen up to that window unchanged", async () => {
  const ds = await loadDataset(base.data, []);
  const a = await walkForward({ ...base, dataset: ds });
  assert.equal(a.windows.length, 7);
  // Distort the bars of window 3's test part (1500 + 3·500 = 3000 … 3500).
  const from = 3000, to = 3500;
  const rng = makeRng(1);
  const copy = (x: Float64Array) => Float64Array.from(x);
  const bars = {
    ...ds.bars,
    open: copy(ds.bars.open),
    high: copy(ds.bars.high),
    low: copy(ds.bars.low),
    close: copy(ds.bars.close),
  };
  for (let i = from; i < to; i++) {
    const f = 1 + 0.01 * rng.normal();
    bars.open[i] *= f;
    bars.close[i] *= f;
    bars.high[i] = Math.max(bars.open[i], bars.close[i], bars.high[i] * f);
    bars.low[i] = Math.min(bars.open[i], bars.close[i], bars.low[i] * f);
  }
  const ds2: Dataset = { ...ds, bars, features: computeStrategyFeatures(bars, []) };
  const b = await walkForward({ ...base, dataset: ds2 });
  for (let k = 0; k <= 3; k++) {
    assert.deepEqual(b.windows[k].best_params, a.windows[k].best_params, `window ${k}`);
  }
  for (let k = 0; k < 3; k++) {
    assert.deepEqual(b.windows[k].oos_stats, a.windows[k].oos_stats, `window ${k} OOS`);
  }
  // The distortion is real: window 3's out-of-sample result changed.
  assert.notDeepEqual(b.windows[3].oos_stats, a.windows[3].oos_stats);
});

Deno.test("no position outside a test part; the stitched equity chains the parts", async () => {
  const r = await walkForward({ ...base, anchored: true });
  const j = walkForwardJson(r) as {
    windows: { test: { start: string; end: string } }[];
    oos: { trades: { entry_time: string; exit_time: string }[] };
  };
  assert.equal(j.oos.trades.length, Number(r.oos.stats.trades));
  for (const t of j.oos.trades) {
    const w = j.windows.find((w) => t.entry_time >= w.test.start && t.entry_time <= w.test.end);
    assert.ok(w, `trade entered at ${t.entry_time} outside every test part`);
    assert.ok(t.exit_time <= w.test.end, `trade ${t.entry_time} → ${t.exit_time} carried past ${w.test.end}`);
    assert.ok(t.entry_time > w.test.start, "the first decision is at the first test bar, the fill after it");
  }
  assert.equal(r.oos.equity.length, 7 * 500);
  assert.ok(Math.abs(Number(r.oos.stats.equity_final) - r.oos.equity.at(-1)!) <= 0.005);
  assert.equal(r.pbo.partitions, 16);
  assert.ok(r.deflated_sharpe.trials > 1);
  for (const name of ["fast", "slow"]) assert.equal(r.param_stability[name].values.length, 7);
  assert.ok(r.wfe === null || Number.isFinite(r.wfe));
});
