/** DSR/PSR (Bailey & López de Prado 2014's numerical example), normal quantiles, PBO by CSCV. */
import assert from "node:assert/strict";
import {
  deflatedSharpe,
  describeMoments,
  equityReturnSums,
  expectedMaxSharpe,
  momentSums,
  normCdf,
  normPpf,
  partitionSums,
  pboCscv,
  probabilisticSharpe,
  sharpeFromSums,
} from "../../lib/research/overfit.ts";
import { makeRng } from "../../lib/research/rng.ts";

const near = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (±${tol})`);

Deno.test("normal cdf and quantile agree with tabulated values", () => {
  near(normCdf(0), 0.5, 1e-7, "Φ(0)");
  near(normCdf(1.959963984540054), 0.975, 1e-7, "Φ(1.96)");
  near(normCdf(-2.326347874040841), 0.01, 1e-7, "Φ(-2.326)");
  near(normPpf(0.975), 1.959963984540054, 1e-12, "Φ⁻¹(0.975)");
  near(normPpf(0.99), 2.326347874040841, 1e-12, "Φ⁻¹(0.99)");
  near(normPpf(1e-10), -6.361340902404056, 1e-9, "Φ⁻¹(1e-10)");
  for (const p of [0.001, 0.2, 0.5, 0.7, 0.999]) near(normCdf(normPpf(p)), p, 2e-7, `round trip ${p}`);
});

Deno.test("Deflated Sharpe ratio: the paper's numerical example (Bailey & López de Prado 2014, §6)", () => {
  // N = 100 trials, variance of the annualised Sharpe ratios 1/2, best annualised SR 2.5,
  // T = 1250 daily observations, skewness −3, kurtosis 10; 250 days a year.
  const annual = 250;
  const sr0Annual = expectedMaxSharpe(100, 0.5);
  near(sr0Annual / Math.sqrt(annual), 0.1132, 5e-5, "SR₀ per day");
  const srDay = 2.5 / Math.sqrt(annual);
  const dsr = probabilisticSharpe(srDay, sr0Annual / Math.sqrt(annual), 1250, -3, 10);
  near(dsr, 0.9004, 5e-4, "DSR");
  // The same through deflatedSharpe with 100 per-day trial Sharpes of variance 0.5/250.
  const rng = makeRng(1);
  const trial = Array.from({ length: 100 }, () => rng.normal());
  const m = trial.reduce((a, b) => a + b, 0) / 100;
  const sd = Math.sqrt(trial.reduce((a, b) => a + (b - m) ** 2, 0) / 99);
  const scaled = trial.map((x) => ((x - m) / sd) * Math.sqrt(0.5 / annual));
  const d = deflatedSharpe({
    sharpe: srDay,
    trialSharpes: scaled,
    observations: 1250,
    skew: -3,
    kurtosis: 10,
  });
  near(d.sharpe_variance!, 0.5 / annual, 1e-12, "variance");
  near(d.dsr!, dsr, 1e-9, "deflatedSharpe dsr");
  assert.equal(d.trials, 100);
  assert.ok(d.psr! > d.dsr!, "PSR against 0 exceeds DSR");
});

Deno.test("PSR grows with the Sharpe ratio and the sample length, falls with negative skew", () => {
  assert.ok(probabilisticSharpe(0.1, 0, 500, 0, 3) > probabilisticSharpe(0.05, 0, 500, 0, 3));
  assert.ok(probabilisticSharpe(0.05, 0, 2000, 0, 3) > probabilisticSharpe(0.05, 0, 500, 0, 3));
  assert.ok(probabilisticSharpe(0.1, 0, 500, -2, 3) < probabilisticSharpe(0.1, 0, 500, 0, 3));
  assert.equal(expectedMaxSharpe(1, 1), 0);
});

Deno.test("moments from sums match direct computation; partition sums give the union's Sharpe", () => {
  const rng = makeRng(7);
  const x = Float64Array.from({ length: 1001 }, () => 0.001 + 0.01 * rng.normal() ** 3);
  const d = describeMoments(momentSums(x));
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const c = (k: number) => x.reduce((a, b) => a + (b - mean) ** k, 0) / x.length;
  near(d.mean, mean, 1e-15, "mean");
  near(d.skew, c(3) / c(2) ** 1.5, 1e-8, "skew");
  near(d.kurtosis, c(4) / c(2) ** 2, 1e-7, "kurtosis");
  const p = partitionSums(x, 16);
  let n = 0, s1 = 0, s2 = 0;
  for (let s = 0; s < 16; s++) [n, s1, s2] = [n + p[3 * s], s1 + p[3 * s + 1], s2 + p[3 * s + 2]];
  assert.equal(n, x.length);
  near(sharpeFromSums(n, s1, s2), d.mean / d.std, 1e-12, "Sharpe of the union");
});

Deno.test("equityReturnSums equals the moment and partition sums of the return series", () => {
  const rng = makeRng(9);
  const eq = new Float64Array(1000);
  eq[0] = 100;
  for (let i = 1; i < eq.length; i++) eq[i] = eq[i - 1] * (1 + 0.01 * rng.normal());
  const r = Float64Array.from({ length: eq.length - 1 }, (_, i) => eq[i + 1] / eq[i] - 1);
  const got = equityReturnSums(eq, 16);
  const want = momentSums(r);
  got.moments.forEach((v, k) => near(v, want[k], 1e-12 * Math.max(1, Math.abs(want[k])), `moment ${k}`));
  const p = partitionSums(r, 16);
  got.parts.forEach((v, k) => near(v, p[k], 1e-13, `part ${k}`));
});

Deno.test("PBO: a trial better in every partition is never overfit; pure noise is about one half", () => {
  const rng = makeRng(3);
  const T = 1600, N = 20;
  const noise = Array.from({ length: N }, () => Float64Array.from({ length: T }, () => 0.01 * rng.normal()));
  const r = pboCscv(noise.map((x) => partitionSums(x, 16)), 16);
  assert.equal(r.splits, 12870);
  assert.equal(r.logits.length, 12870);
  assert.ok(r.pbo! > 0.3 && r.pbo! < 0.7, `noise PBO ${r.pbo}`);
  // Trial 0 has a clear edge in every partition: it wins in and out of sample.
  const edge = noise.map((x, k) => (k === 0 ? x.map((v) => v + 0.01) : x));
  const e = pboCscv(edge.map((x) => partitionSums(x, 16)), 16);
  assert.equal(e.pbo, 0);
  assert.ok(e.logits.every((l) => l > 0));
});

Deno.test("PBO: an in-sample winner that mean-reverts out of sample is flagged", () => {
  // Each trial has a strong result in exactly one partition and a matching loss spread over the others:
  // the in-sample best is whichever trial's lucky partition fell in sample — and it then loses out of sample.
  const S = 16, T = 1600, per = T / S;
  const rng = makeRng(5);
  const trials = Array.from({ length: S }, (_, k) =>
    Float64Array.from({ length: T }, (_, i) => {
      const part = Math.floor(i / per);
      return 0.001 * rng.normal() + (part === k ? 0.01 : -0.01 / (S - 1));
    }));
  const r = pboCscv(trials.map((x) => partitionSums(x, S)), S);
  assert.ok(r.pbo! > 0.9, `PBO ${r.pbo}`);
});
