/**
 * Causality: every feature computed on a full real file equals, bit for bit (NaN included), the
 * same feature computed on the file cut at many points, for every bar before the cut.
 */
import assert from "node:assert/strict";
import { computeFeatures, FEATURE_NAMES, featureWarmup } from "../../lib/features/mod.ts";
import { cutBars, loadMt5Arrays } from "./_load.ts";

const FILES = [
  "data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv",
  "data/sample/crypto/BTCUSD_H4_202401020000_202512282000.csv",
];

/** Cut points: the first bars, around every warm-up, around the 1024-bar refreshes, and a spread. */
function cutPoints(n: number): number[] {
  const pts = new Set<number>([1, 2, 3, 4, 5, 7, 13, 64, 99, 100, n - 1]);
  for (const name of FEATURE_NAMES) {
    const w = featureWarmup([name]);
    for (const d of [-1, 0, 1, 2]) pts.add(w + d);
  }
  for (const r of [1024, 2048, 3072]) for (const d of [-1, 0, 1, 5]) pts.add(r + d);
  for (let k = 1; k < 12; k++) pts.add(Math.floor((n * k) / 12) + (k % 3));
  return [...pts].filter((p) => p >= 1 && p < n).sort((a, b) => a - b);
}

for (const file of FILES) {
  Deno.test(`every feature is causal on ${file.split("/").pop()}`, () => {
    const bars = loadMt5Arrays(file);
    const full = computeFeatures(bars, FEATURE_NAMES);
    const cuts = cutPoints(bars.length);
    assert.ok(cuts.length > 40, `expected many cut points, got ${cuts.length}`);
    for (const cut of cuts) {
      const part = computeFeatures(cutBars(bars, cut), FEATURE_NAMES);
      for (const name of FEATURE_NAMES) {
        const a = full[name];
        const b = part[name];
        assert.equal(b.length, cut);
        for (let t = 0; t < cut; t++) {
          if (!Object.is(a[t], b[t])) {
            assert.fail(`${name}[${t}] differs after a cut at ${cut}: full ${a[t]} vs cut ${b[t]}`);
          }
        }
      }
    }
    // The comparison is not vacuous: after the warm-ups every feature holds real values.
    for (const name of FEATURE_NAMES) {
      const w = featureWarmup([name]);
      assert.ok(Number.isFinite(full[name][w]), `${name} should be defined at its warm-up bar ${w}`);
      assert.ok(Number.isFinite(full[name][bars.length - 1]), `${name} should be defined at the last bar`);
    }
  });
}

Deno.test("a change to a later bar never changes earlier feature values", () => {
  const bars = loadMt5Arrays(FILES[0]);
  const base = computeFeatures(bars, FEATURE_NAMES);
  const at = 1500;
  const bumped = cutBars(bars, bars.length);
  (bumped.close as Float64Array)[at] *= 1.05;
  (bumped.high as Float64Array)[at] = Math.max(bumped.high[at], bumped.close[at]);
  (bumped.tickVolume as Float64Array)[at] *= 3;
  const after = computeFeatures(bumped, FEATURE_NAMES);
  let changedLater = 0;
  for (const name of FEATURE_NAMES) {
    for (let t = 0; t < at; t++) assert.ok(Object.is(base[name][t], after[name][t]), `${name}[${t}] changed`);
    if (!Object.is(base[name][at], after[name][at]) || !Object.is(base[name][at + 1], after[name][at + 1])) {
      changedLater++;
    }
  }
  // The bump is visible from its own bar on (so the test would notice a feature ignoring its input).
  assert.ok(changedLater > FEATURE_NAMES.length / 2, `only ${changedLater} features reacted to the bump`);
});
