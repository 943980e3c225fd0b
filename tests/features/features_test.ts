/**
 * Feature definitions checked against direct, brute-force implementations of their formulas on
 * real bars, plus small hand-made cases.
 */
import assert from "node:assert/strict";
import {
  computeFeatures,
  FEATURE_NAMES,
  featureWarmup,
  listFeatures,
  REGIME,
  REGIME_NAMES,
  regimeName,
} from "../../lib/features/mod.ts";
import { isKinetraError } from "../../lib/errors.ts";
import type { BarArrays } from "../../lib/data/types.ts";
import { loadMt5Arrays } from "./_load.ts";

const FILE = "data/sample/indices/NAS100_H4_202401020000_202512262000.csv";
const bars = loadMt5Arrays(FILE);
const f = computeFeatures(bars, FEATURE_NAMES);
const n = bars.length;

function close(a: number, b: number, rel = 1e-9): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
}

function sampleStd(x: ArrayLike<number>, lo: number, hi: number): number {
  let s = 0;
  for (let k = lo; k <= hi; k++) s += x[k];
  const m = s / (hi - lo + 1);
  let ss = 0;
  for (let k = lo; k <= hi; k++) ss += (x[k] - m) ** 2;
  return Math.sqrt(ss / (hi - lo));
}

function mean(x: ArrayLike<number>, lo: number, hi: number): number {
  let s = 0;
  for (let k = lo; k <= hi; k++) s += x[k];
  return s / (hi - lo + 1);
}

Deno.test("velocity, acceleration, jerk and kinetic energy follow their definitions", () => {
  assert.ok(Number.isNaN(f.velocity[0]));
  for (let t = 1; t < n; t++) {
    const v = Math.log(bars.close[t]) - Math.log(bars.close[t - 1]);
    assert.ok(close(f.velocity[t], v), `velocity[${t}]`);
    assert.ok(close(f.kinetic_energy[t], 0.5 * v * v, 1e-12));
    if (t >= 3) {
      const a = f.velocity[t] - f.velocity[t - 1];
      assert.ok(close(f.acceleration[t], a, 1e-12));
      assert.ok(close(f.jerk[t], a - (f.velocity[t - 1] - f.velocity[t - 2]), 1e-12));
    }
  }
});

Deno.test("damping, Reynolds number and potential energy match direct window formulas", () => {
  const v = f.velocity;
  for (let t = 80; t < n; t += 7) {
    const abs = Array.from(v.subarray(t - 63, t + 1), Math.abs);
    const zeta = sampleStd(v, t - 63, t) / (mean(abs, 0, 63) + 1e-12);
    assert.ok(close(f.damping[t], zeta, 1e-7), `damping[${t}] ${f.damping[t]} vs ${zeta}`);
    const re = Math.abs(mean(v, t - 23, t)) / (sampleStd(v, t - 5, t) + 1e-12);
    assert.ok(close(f.reynolds[t], re, 1e-6), `reynolds[${t}] ${f.reynolds[t]} vs ${re}`);
    const pe = 1 / (sampleStd(v, t - 71, t) + 1e-12);
    assert.ok(close(f.potential_energy[t], pe, 1e-7), `pe[${t}]`);
    assert.ok(close(f.eta[t], f.kinetic_energy[t] / (pe + 1e-12), 1e-6));
  }
  assert.ok(Number.isNaN(f.damping[63]) && Number.isFinite(f.damping[64]));
});

Deno.test("entropy is the normalised Shannon entropy of a 20-bin histogram of 64 velocities", () => {
  const v = f.velocity;
  for (let t = 64; t < n; t += 13) {
    const w = Array.from(v.subarray(t - 63, t + 1));
    const mn = Math.min(...w);
    const mx = Math.max(...w);
    const counts = new Array(20).fill(0);
    for (const x of w) counts[Math.min(19, Math.floor(((x - mn) / (mx - mn)) * 20))]++;
    let h = 0;
    for (const c of counts) if (c > 0) h -= (c / 64) * Math.log(c / 64);
    assert.ok(
      close(f.entropy[t], h / Math.log(20), 1e-9),
      `entropy[${t}] ${f.entropy[t]} vs ${h / Math.log(20)}`,
    );
    assert.ok(f.entropy[t] >= 0 && f.entropy[t] <= 1);
  }
});

Deno.test("rolling percentiles are the share of the last 500 values <= the current one", () => {
  const checks: [string, Float64Array][] = [
    ["energy_pct", f.kinetic_energy],
    ["damping_pct", f.damping],
    ["velocity_pct", f.velocity.map(Math.abs)],
    ["eta_pct", f.eta],
    ["buying_pressure_pct", f.buying_pressure],
  ];
  for (const [name, src] of checks) {
    const w = featureWarmup([name]);
    assert.ok(Number.isNaN(f[name][w - 1]), `${name} must be undefined before a full window`);
    for (let t = w; t < n; t += 11) {
      let le = 0;
      for (let k = t - 499; k <= t; k++) if (src[k] <= src[t]) le++;
      assert.equal(f[name][t], le / 500, `${name}[${t}]`);
    }
  }
});

Deno.test("v7 energy, damping and entropy follow their definitions", () => {
  // EWMA(span 10, recursive) of tick volume, its 100-bar mean, body ratio.
  const alpha = 2 / 11;
  const ev = new Float64Array(n);
  ev[0] = bars.tickVolume[0];
  for (let t = 1; t < n; t++) ev[t] = alpha * bars.tickVolume[t] + (1 - alpha) * ev[t - 1];
  for (let t = 99; t < n; t += 5) {
    const br = Math.min(1, Math.abs(bars.close[t] - bars.open[t]) / (bars.high[t] - bars.low[t] + 1e-10));
    assert.ok(close(f.body_ratio[t], br, 1e-12));
    const e = br * br * ev[t] / (mean(ev, t - 99, t) + 1e-10);
    assert.ok(close(f.energy_v7[t], e, 1e-9), `energy_v7[${t}]`);
    const d = (bars.high[t] - bars.low[t]) / (bars.high[t - 1] - bars.low[t - 1] + 1e-10);
    assert.ok(close(f.damping_v7[t], Math.min(10, Math.max(0.01, d)), 1e-12));
    const cv = sampleStd(bars.tickVolume, t - 19, t) / (mean(bars.tickVolume, t - 19, t) + 1e-10);
    assert.ok(close(f.entropy_v7[t], cv, 1e-7), `entropy_v7[${t}]`);
  }
  assert.ok(Number.isNaN(f.energy_v7[98]));
});

Deno.test("dominant period and agent signal agree with a brute-force implementation", () => {
  const r = f.velocity;
  const w = 128;
  let periodMismatch = 0;
  let signalMismatch = 0;
  let checked = 0;
  const counts = [0, 0, 0];
  for (let t = featureWarmup(["agent_signal"]); t < n; t++) {
    // dominant period: argmax_k |Σ r_s r_{s−k} − w·μ²| over the last 128 returns
    let s = 0;
    for (let k = t - w + 1; k <= t; k++) s += r[k];
    const mu = s / w;
    let best = 2;
    let bestAbs = -1;
    for (let lag = 2; lag <= 63; lag++) {
      let c = 0;
      for (let k = t - w + 1; k <= t; k++) c += r[k] * r[k - lag];
      const a = Math.abs(c - w * mu * mu);
      if (a > bestAbs) {
        bestAbs = a;
        best = lag;
      }
    }
    if (best !== f.dominant_period[t]) periodMismatch++;
    // agent signal from two-pass moments over [t − T, t]
    const T = f.dominant_period[t];
    const st = (x: Float64Array) => {
      const m = mean(x, t - T, t);
      let m2 = 0, m4 = 0;
      for (let k = t - T; k <= t; k++) {
        m2 += (x[k] - m) ** 2;
        m4 += (x[k] - m) ** 4;
      }
      const p2 = m2 / (T + 1);
      const kurt = p2 > 0 ? (m4 / (T + 1)) / (p2 * p2) - 3 : 0;
      return { m, sd: Math.sqrt(m2 / T), k: 1 / (1 + Math.max(0.1, kurt) / 3) };
    };
    const E = st(f.energy_v7), D = st(f.direction_score), Z = st(f.damping_v7);
    const e = f.energy_v7[t], d = f.direction_score[t], z = f.damping_v7[t];
    let sig = 0;
    if (e > E.m + E.k * E.sd && d > D.m + D.k * D.sd && z < Z.m - Z.k * Z.sd) sig = 2;
    else if (e > E.m && d > D.m && z > Z.m - Z.k * Z.sd && z < Z.m + Z.k * Z.sd) sig = 1;
    if (sig !== f.agent_signal[t]) signalMismatch++;
    counts[f.agent_signal[t]]++;
    checked++;
  }
  // Incremental sums may flip exact near-ties; anything beyond a handful of bars is a real bug.
  assert.ok(
    periodMismatch <= checked * 0.002,
    `dominant period differs on ${periodMismatch}/${checked} bars`,
  );
  assert.ok(signalMismatch <= checked * 0.002, `agent signal differs on ${signalMismatch}/${checked} bars`);
  assert.ok(counts[1] > 0 && counts[2] > 0, `both agents should fire on real data: ${counts}`);
});

Deno.test("direction score: share of same-sign returns and run length over the dominant period", () => {
  const r = f.velocity;
  for (let t = featureWarmup(["direction_score"]); t < n; t += 3) {
    const T = f.dominant_period[t];
    const sg = Math.sign(r[t]);
    if (sg === 0) {
      assert.equal(f.direction_score[t], 0);
      continue;
    }
    let same = 0;
    for (let k = t - T + 1; k <= t; k++) if (Math.sign(r[k]) === sg) same++;
    let run = 0;
    for (let k = t; k >= 0 && Math.sign(r[k]) === sg; k--) run++;
    assert.ok(close(f.direction_score[t], (same / T + Math.min(run, T) / T) / 2, 1e-12), `direction[${t}]`);
  }
});

Deno.test("regimes follow the percentile rules and every regime occurs on real data", () => {
  const seen = new Set<number>();
  for (let t = featureWarmup(["regime"]); t < n; t++) {
    const z = f.damping_pct[t], re = f.reynolds_pct[t], hs = f.entropy_pct[t];
    const ke = f.energy_pct[t], et = f.eta_pct[t];
    const expected = z > 0.66 && re < 0.5
      ? "overdamped"
      : re > 0.66 && z < 0.33
      ? "underdamped"
      : re > 0.66 && hs < 0.33
      ? "laminar"
      : ke > 0.66 && et > 0.5 && hs > 0.5
      ? "breakout"
      : "critical";
    assert.equal(regimeName(f.regime[t]), expected, `regime at ${t}`);
    seen.add(f.regime[t]);
  }
  assert.equal(seen.size, REGIME_NAMES.length, `regimes seen: ${[...seen]}`);
  assert.equal(regimeName(NaN), "unknown");
  assert.equal(regimeName(REGIME.breakout), "breakout");
});

Deno.test("hand-made bars: flat market gives zero energy and entropy, 0.5 buying pressure", () => {
  const m = 700;
  const c = new Float64Array(m).fill(10);
  const bars0: BarArrays = {
    length: m,
    time: Float64Array.from({ length: m }, (_, i) => i * 60_000),
    open: c,
    high: c,
    low: c,
    close: c,
    tickVolume: new Float64Array(m).fill(5),
    volume: new Float64Array(m),
    spread: null,
  };
  const g = computeFeatures(bars0, [
    "kinetic_energy",
    "entropy",
    "buying_pressure",
    "entropy_v7",
    "damping_v7",
  ]);
  assert.equal(g.kinetic_energy[m - 1], 0);
  assert.equal(g.entropy[m - 1], 0);
  assert.equal(g.buying_pressure[10], 0.5);
  assert.equal(g.entropy_v7[m - 1], 0);
  assert.equal(g.damping_v7[5], 0.01); // 0 / (0 + ε), clipped at 0.01
});

Deno.test("catalog: names unique, descriptions present, unknown names rejected", () => {
  const list = listFeatures();
  assert.equal(new Set(list.map((x) => x.name)).size, list.length);
  for (const x of list) assert.ok(x.description.length > 10, x.name);
  for (
    const required of [
      "velocity",
      "kinetic_energy",
      "damping",
      "entropy",
      "reynolds",
      "potential_energy",
      "eta",
      "jerk",
      "buying_pressure",
      "energy_v7",
      "damping_v7",
      "entropy_v7",
      "direction_score",
      "regime",
    ]
  ) assert.ok(FEATURE_NAMES.includes(required), required);
  assert.throws(
    () => computeFeatures(bars, ["no_such_feature"]),
    (e) => isKinetraError(e) && e.code === "unknown_feature",
  );
  const only = computeFeatures(bars, ["eta_pct"]);
  assert.deepEqual(Object.keys(only), ["eta_pct"]);
});
