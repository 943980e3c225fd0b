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

Deno.test("incremental tracker == computeChs on the same inputs", () => {
  const ts = trades(60, 0.3);
  const rets = Array.from({ length: 200 }, (_, k) => Math.sin(k / 7) * 0.01 + 0.0005);
  const t = new ChsTracker({ periodsPerYear: 252 });
  // Interleave as a live runner would.
  for (let k = 0; k < 200; k++) {
    t.addReturn(rets[k]);
    if (k % 3 === 0 && k / 3 < ts.length) t.addTrade(ts[k / 3]);
  }
  for (let k = Math.ceil(200 / 3); k < ts.length; k++) t.addTrade(ts[k]);
  const batch = computeChs({ trades: ts, returns: rets, options: { periodsPerYear: 252 } });
  const inc = t.components();
  for (const key of Object.keys(batch) as (keyof typeof batch)[]) {
    assert.ok(Math.abs(inc[key] - batch[key]) <= 1e-12 * Math.max(1, Math.abs(batch[key])), key);
  }
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
