/** CHS: the incremental tracker (live runner) and the batch form (backtest stats) are one formula. */
import assert from "node:assert/strict";
import { ChsTracker, computeChs, healthGatedFraction, riskOfRuin } from "../../lib/risk/mod.ts";
import type { ChsTrade } from "../../lib/risk/mod.ts";

/** Deterministic pseudo-random trades (LCG) with a given edge. */
function trades(n: number, edge: number, seed = 7): ChsTrade[] {
  let s = seed;
  const rnd = () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, () => {
    const r = (rnd() - 0.5) * 4 + edge; // percent
    const mfe = Math.abs(r) + rnd() * 2;
    return { returnPct: r, pnl: r * 100, mfe, captured: r, energy: rnd() };
  });
}

Deno.test("CHS is NaN until minTrades trades, then a number in [0, 1]", () => {
  const t = new ChsTracker({ minTrades: 5 });
  const ts = trades(5, 0.5);
  for (let k = 0; k < 4; k++) {
    t.addTrade(ts[k]);
    assert.ok(Number.isNaN(t.value()));
    assert.equal(t.ready, false);
  }
  t.addTrade(ts[4]);
  assert.ok(t.ready);
  const v = t.value();
  assert.ok(v >= 0 && v <= 1, `CHS ${v}`);
});

/**
 * CHS written out from its definition (docs/METRICS.md) over whole arrays, with two-pass
 * statistics: independent of the tracker's running sums.
 */
function referenceChs(ts: readonly ChsTrade[], rets: readonly number[], periodsPerYear: number) {
  const clip = (x: number) => Math.min(1, Math.max(0, x));
  const n = ts.length;
  const wins = ts.filter((t) => t.pnl > 0), losses = ts.filter((t) => t.pnl < 0);
  const winRate = wins.length / n;
  const avg = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const payoff = avg(wins.map((t) => t.pnl)) / avg(losses.map((t) => -t.pnl));
  const r = ts.map((t) => t.returnPct / 100);
  const omega = r.filter((x) => x > 0).reduce((a, b) => a + b, 0) /
    r.filter((x) => x < 0).reduce((a, b) => a - b, 0);
  const mu = avg(r);
  const sd = Math.sqrt(r.reduce((a, x) => a + (x - mu) ** 2, 0) / (n - 1));
  const ror = mu <= 0 ? 1 : clip(Math.exp(-2 * mu * 0.5 / (sd * sd)));
  let curve = 1, peak = 1, maxDd = 0;
  for (const x of rets) {
    curve *= 1 + x;
    peak = Math.max(peak, curve);
    maxDd = Math.max(maxDd, 1 - curve / peak);
  }
  const rm = avg(rets);
  const vol = Math.sqrt(rets.reduce((a, x) => a + (x - rm) ** 2, 0) / (rets.length - 1) * periodsPerYear);
  const mfeCap = avg(ts.filter((t) => t.mfe! > 0).map((t) => clip(t.captured! / t.mfe!)));
  const energyCap = wins.reduce((a, t) => a + t.energy!, 0) / ts.reduce((a, t) => a + t.energy!, 0);
  const edge = 0.4 * winRate + 0.3 * clip(payoff / 3) + 0.3 * clip(omega / 5);
  const risk = 0.5 * (1 - ror) + 0.3 * (1 - clip(maxDd / 0.2)) + 0.2 * (1 - clip(vol / 0.5));
  const efficiency = (mfeCap + energyCap) / 2;
  return { chs: clip(0.4 * edge + 0.3 * risk + 0.3 * efficiency), edge, risk, efficiency, ror, maxDd, vol };
}

Deno.test("the tracker, fed as a live runner feeds it, equals the CHS computed from its definition", () => {
  const ts = trades(60, 0.3);
  const rets = Array.from({ length: 200 }, (_, k) => Math.sin(k / 7) * 0.01 + 0.0005);
  const t = new ChsTracker({ periodsPerYear: 252 });
  // Interleave as a live runner would.
  for (let k = 0; k < 200; k++) {
    t.addReturn(rets[k]);
    if (k % 3 === 0 && k / 3 < ts.length) t.addTrade(ts[k / 3]);
  }
  for (let k = Math.ceil(200 / 3); k < ts.length; k++) t.addTrade(ts[k]);
  const ref = referenceChs(ts, rets, 252);
  const inc = t.components();
  const close = (a: number, b: number, what: string) =>
    assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
  close(inc.chs, ref.chs, "chs");
  close(inc.edge, ref.edge, "edge");
  close(inc.risk, ref.risk, "risk");
  close(inc.efficiency, ref.efficiency, "efficiency");
  close(inc.risk_of_ruin, ref.ror, "risk of ruin");
  close(inc.max_drawdown, ref.maxDd, "max drawdown");
  close(inc.volatility_ann, ref.vol, "volatility");
  assert.ok(ref.chs > 0 && ref.chs < 1 && ref.ror > 0 && ref.ror < 1, "a case where every pillar matters");
  // computeChs (the backtest's batch form) gives the same as the definition too.
  close(
    computeChs({ trades: ts, returns: rets, options: { periodsPerYear: 252 } }).chs,
    ref.chs,
    "computeChs",
  );
});

Deno.test("a windowed tracker scores only its last N trades", () => {
  const ts = trades(80, 0.2, 11);
  const rets = [0.01, -0.004, 0.002, 0.003];
  const w = new ChsTracker({ window: 30, periodsPerYear: 252 });
  for (const r of rets) w.addReturn(r);
  for (const x of ts) w.addTrade(x);
  const ref = referenceChs(ts.slice(-30), rets, 252);
  assert.ok(Math.abs(w.value() - ref.chs) <= 1e-9, `${w.value()} vs ${ref.chs}`);
});

Deno.test("a strong edge scores higher than a losing one; components follow their definitions", () => {
  const good = computeChs({ trades: trades(50, 1.5), returns: Array(100).fill(0.002) });
  const bad = computeChs({
    trades: trades(50, -1.5),
    returns: Array.from({ length: 100 }, (_, k) => k % 2 ? -0.03 : 0.01),
  });
  assert.ok(good.chs > bad.chs + 0.2, `${good.chs} vs ${bad.chs}`);
  assert.ok(good.win_rate > bad.win_rate);
  assert.equal(bad.risk_of_ruin, 1); // negative mean: certain ruin
  assert.equal(good.max_drawdown, 0); // constant positive returns
  // CHS = 0.4 edge + 0.3 risk + 0.3 efficiency.
  assert.ok(Math.abs(good.chs - (0.4 * good.edge + 0.3 * good.risk + 0.3 * good.efficiency)) < 1e-12);
});

Deno.test("a window keeps only the last N trades", () => {
  const ts = [...trades(30, -2, 1), ...trades(20, 2, 2)];
  const w = new ChsTracker({ window: 20, minTrades: 5 });
  for (const t of ts) w.addTrade(t);
  const last = new ChsTracker({ minTrades: 5 });
  for (const t of ts.slice(-20)) last.addTrade(t);
  assert.equal(w.trades, 20);
  assert.ok(Math.abs(w.value() - last.value()) < 1e-9);
});

Deno.test("risk of ruin: exp(−2μX/σ²) clipped, certain ruin without an edge", () => {
  assert.equal(riskOfRuin(-0.01, 0.02, 0.5), 1);
  assert.equal(riskOfRuin(0, 0.02, 0.5), 1);
  assert.ok(Math.abs(riskOfRuin(0.01, 0.1, 0.5) - Math.exp(-2 * 0.01 * 0.5 / 0.01)) < 1e-15);
  assert.equal(riskOfRuin(0.01, 0, 0.5), 0);
  assert.ok(Number.isNaN(riskOfRuin(NaN, 0.1, 0.5)));
});

Deno.test("health-gated size: zero below the CHS gate or above the RoR gate, scaled in between", () => {
  assert.equal(healthGatedFraction(0.5, 0), 0);
  assert.equal(healthGatedFraction(0.9, 0.2), 0);
  assert.equal(healthGatedFraction(NaN, 0), 0);
  assert.ok(Math.abs(healthGatedFraction(1, 0) - 0.02) < 1e-15);
  assert.ok(Math.abs(healthGatedFraction(0.775, 0.05) - 0.02 * 0.5 * 0.5) < 1e-15);
});
