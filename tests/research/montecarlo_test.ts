/** Monte Carlo on trade returns: seeded, reshuffle keeps the final return, intervals ordered, ruin. */
import assert from "node:assert/strict";
import { monteCarlo } from "../../lib/research/montecarlo.ts";
import { makeRng } from "../../lib/research/rng.ts";
import { isKinetraError } from "../../lib/errors.ts";

const rng = makeRng(11);
const trades = Array.from({ length: 80 }, () => 0.004 + 0.03 * rng.normal());

Deno.test("the same seed gives the same figures; another seed different ones", () => {
  const a = monteCarlo(trades, { paths: 300, seed: 42 });
  const b = monteCarlo(trades, { paths: 300, seed: 42 });
  const c = monteCarlo(trades, { paths: 300, seed: 43 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.bootstrap.final_return_pct, c.bootstrap.final_return_pct);
});

Deno.test("reshuffling keeps the final return and Omega of every path, not its drawdown", () => {
  const r = monteCarlo(trades, { paths: 200, seed: 1 });
  const fr = r.reshuffle.final_return_pct;
  const act = r.actual.final_return_pct;
  for (const v of [fr.low!, fr.median!, fr.high!]) {
    assert.ok(Math.abs(v - act) < 1e-9 * Math.max(1, Math.abs(act)));
  }
  assert.ok(r.reshuffle.max_drawdown_pct.low! < r.reshuffle.max_drawdown_pct.high!);
  assert.ok(Math.abs(r.reshuffle.omega.median! - r.actual.omega!) < 1e-12);
});

Deno.test("intervals are ordered and the fan starts at the first trade and ends at the last", () => {
  const r = monteCarlo(trades, { paths: 500, seed: 2, interval: [10, 90] });
  for (const m of [r.bootstrap, r.reshuffle]) {
    for (const iv of [m.final_return_pct, m.max_drawdown_pct, m.omega]) {
      assert.ok(iv.low! <= iv.median! && iv.median! <= iv.high!, JSON.stringify(iv));
    }
    assert.equal(m.fan.step[0], 1);
    assert.equal(m.fan.step.at(-1), trades.length);
    m.fan.low.forEach((lo, k) => assert.ok(lo <= m.fan.median[k] && m.fan.median[k] <= m.fan.high[k]));
  }
  assert.ok(r.bootstrap.max_drawdown_pct.high! <= 0);
});

Deno.test("probability of ruin: always-losing trades ruin every path; tiny losses none", () => {
  const lose = Array.from({ length: 30 }, () => -0.05);
  assert.equal(monteCarlo(lose, { paths: 50, ruinPct: 50 }).bootstrap.prob_ruin, 1);
  const small = Array.from({ length: 30 }, (_, i) => (i % 2 ? 0.001 : -0.001));
  assert.equal(monteCarlo(small, { paths: 50, ruinPct: 50 }).bootstrap.prob_ruin, 0);
});

Deno.test("bad input: fewer than 2 trades, bad path count, bad ruin level", () => {
  for (
    const f of [
      () => monteCarlo([0.1]),
      () => monteCarlo(trades, { paths: 0 }),
      () => monteCarlo(trades, { ruinPct: 0 }),
    ]
  ) {
    assert.throws(f, (e) => isKinetraError(e) && e.code === "bad_argument");
  }
});
