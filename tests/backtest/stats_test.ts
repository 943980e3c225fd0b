/** Kinetra's own statistics (Omega, Z-factor, MFE/MAE, MFE and energy captured, CHS) and annualisation. */
import assert from "node:assert/strict";
import { runBacktest } from "../../lib/backtest/mod.ts";
import { getStrategy } from "../../lib/strategies/mod.ts";
import { assertClose, makeBars, readReferenceCsv, scripted } from "./_fixtures.ts";

// Three scripted long trades on hand-made bars: +10, −5 and +2 price units.
const o = [100, 100, 100, 110, 110, 110, 105, 105, 107, 107];
const h = [100, 100, 100, 112, 115, 110, 106, 105, 108, 107];
const l = [100, 100, 100, 99, 108, 104, 101, 104, 104, 107];
const bars = makeBars(o, h, l, o);
const plan: Record<number, "buy" | "close"> = {
  1: "buy",
  2: "close",
  4: "buy",
  5: "close",
  6: "buy",
  7: "close",
};
const strat = scripted((i, _p, out) => {
  if (plan[i] === "buy") out.push({ kind: "entry", side: 1, size: 10 });
  if (plan[i] === "close") out.push({ kind: "close" });
});
// Energy at the decision bars 1, 4 and 6 (the bar the strategy saw, not the fill bar).
const energy = new Float64Array([0, 3, 0, 0, 1, 0, 0, 0, 0, 0]);
const r = runBacktest({
  bars,
  strategy: strat,
  features: { energy },
  config: { profile: "compat", cash: 10_000 },
});

Deno.test("three trades: pnl, MFE/MAE in price units, captured and energy shares", () => {
  const t = r.trades;
  assert.deepEqual(t.map((x) => [x.entry_price, x.exit_price, x.pnl]), [[100, 110, 100], [110, 105, -50], [
    105,
    107,
    20,
  ]]);
  // Trade 1: entered at bar 2's open 100 (bar 2: H 100, L 100), exited at bar 3's open 110 -> MFE 10, MAE 0.
  // Trade 2: 110 at bar 5 (H 110, L 104), out at 105 -> MFE 0, MAE 6. Trade 3: 105 at bar 7 (H 105, L 104),
  // out at 107 -> MFE 2, MAE 1. Bars after the exit open are not counted.
  assert.deepEqual(t.map((x) => [x.mfe, x.mae]), [[10, 0], [0, 6], [2, 1]]);
  assert.deepEqual(t.map((x) => x.energy_at_entry), [3, 1, 0]);
  const s = r.stats;
  // captured / MFE clipped to [0, 1] over trades with MFE > 0: 10/10 and 2/2.
  assertClose(s.mfe_captured_pct, 100, 1e-12, "mfe captured");
  // Energy of winners / energy of all: (3 + 0) / (3 + 1 + 0).
  assertClose(s.energy_captured_pct, 75, 1e-12, "energy captured");
  const rets = t.map((x) => x.return_pct / 100);
  const pos = rets.filter((x) => x > 0).reduce((a, b) => a + b, 0);
  const neg = -rets.filter((x) => x < 0).reduce((a, b) => a + b, 0);
  assertClose(s.omega_trades, pos / neg, 1e-12, "omega on trades");
  const mean = rets.reduce((a, b) => a + b, 0) / 3;
  const sd = Math.sqrt(rets.reduce((a, b) => a + (b - mean) ** 2, 0) / 2);
  assertClose(s.z_factor, mean / sd * Math.sqrt(3), 1e-12, "z-factor");
  assertClose(s.win_rate_pct, 200 / 3, 1e-12, "win rate");
  assert.ok(Number.isNaN(s.chs), "CHS needs 10 trades");
  assert.equal(r.toJSON().stats.chs, null);
});

Deno.test("omega on bar returns: sum of gains over sum of losses of the equity curve", () => {
  let up = 0, down = 0;
  for (let k = 1; k < r.equity.length; k++) {
    const x = r.equity[k] / r.equity[k - 1] - 1;
    if (x > 0) up += x;
    else down -= x;
  }
  assertClose(r.stats.omega, up / down, 1e-12, "omega");
});

Deno.test("equity and trades frames are polars frames with one row per bar / trade", () => {
  const ef = r.equityFrame();
  assert.equal(ef.height, bars.length);
  assert.deepEqual(ef.columns, ["time", "equity", "drawdown_pct"]);
  const tf = r.tradesFrame();
  assert.equal(tf.height, 3);
  assert.ok(
    tf.columns.includes("entry_time") && tf.columns.includes("mfe") && tf.columns.includes("exit_reason"),
  );
  assert.deepEqual(tf.getColumn("pnl").toArray(), [100, -50, 20]);
});

Deno.test("CHS is defined once there are enough trades and matches the risk room's bounds", () => {
  const g = runBacktest({
    bars: readReferenceCsv("GOOG.csv"),
    strategy: getStrategy("sma_cross"),
    config: { profile: "compat" },
  });
  assert.ok(g.stats.chs >= 0 && g.stats.chs <= 1);
  assert.ok(g.stats.risk_of_ruin >= 0 && g.stats.risk_of_ruin <= 1);
});

Deno.test("annualisation: 252 for weekday data, 365 with weekends, 52 for weekly bars", () => {
  const goog = readReferenceCsv("GOOG.csv", 300);
  assert.equal(
    runBacktest({ bars: goog, strategy: strat, config: { profile: "compat" } }).stats.annual_periods,
    252,
  );
  const n = 60, c = Array.from({ length: n }, (_, i) => 100 + i);
  const daily = makeBars(c, c, c, c);
  assert.equal(
    runBacktest({ bars: daily, strategy: strat, config: { profile: "compat" } }).stats.annual_periods,
    365,
  );
  const weekly = makeBars(c, c, c, c, { stepMs: 7 * 86_400_000 });
  assert.equal(
    runBacktest({ bars: weekly, strategy: strat, config: { profile: "compat" } }).stats.annual_periods,
    52,
  );
});
