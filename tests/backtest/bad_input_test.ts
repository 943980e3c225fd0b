/** Bad input gets a clear KinetraError or a documented, recorded behaviour; equity is never NaN. */
import assert from "node:assert/strict";
import { runBacktest } from "../../lib/backtest/mod.ts";
import { computeFeatures } from "../../lib/features/mod.ts";
import { symbolSpec } from "../../lib/market/mod.ts";
import { KinetraError } from "../../lib/errors.ts";
import { getStrategy } from "../../lib/strategies/mod.ts";
import { makeBars, readReferenceCsv, scripted } from "./_fixtures.ts";

const GOOG = readReferenceCsv("GOOG.csv", 200);
const sma = getStrategy("sma_cross");

function withChange(mutate: (b: ReturnType<typeof readReferenceCsv>) => void) {
  const b = readReferenceCsv("GOOG.csv", 200);
  mutate(b);
  return b;
}

const isCode = (code: string, re?: RegExp) => (e: unknown) =>
  e instanceof KinetraError && e.code === code && (!re || re.test(e.message));

Deno.test("NaN, infinite or non-positive prices are refused with the bar and its time", () => {
  for (const v of [NaN, Infinity, 0, -1]) {
    const bars = withChange((b) => (b.close as Float64Array)[57] = v);
    assert.throws(
      () => runBacktest({ bars, strategy: sma, config: { profile: "compat" } }),
      isCode("bad_bars", /bar 57 \(2004-11-09/),
    );
  }
  const hl = withChange((b) => (b.high as Float64Array)[10] = 1);
  assert.throws(() => runBacktest({ bars: hl, strategy: sma }), isCode("bad_bars", /high 1 below low/));
});

Deno.test("unsorted or duplicate bar times are refused", () => {
  const dup = withChange((b) => (b.time as Float64Array)[20] = b.time[19]);
  assert.throws(() => runBacktest({ bars: dup, strategy: sma }), isCode("bad_bars", /not sorted/));
  const back = withChange((b) => (b.time as Float64Array)[30] = b.time[5]);
  assert.throws(() => runBacktest({ bars: back, strategy: sma }), isCode("bad_bars", /bar 30/));
});

Deno.test("too few bars, zero cash, bad margin or profile are configuration errors", () => {
  const one = makeBars([1], [1], [1], [1]);
  assert.throws(() => runBacktest({ bars: one, strategy: sma }), isCode("bad_bars", /at least 2/));
  assert.throws(
    () => runBacktest({ bars: GOOG, strategy: sma, config: { cash: 0 } }),
    isCode("bad_config", /cash/),
  );
  assert.throws(
    () => runBacktest({ bars: GOOG, strategy: sma, config: { margin: 0 } }),
    isCode("bad_config"),
  );
  assert.throws(
    () => runBacktest({ bars: GOOG, strategy: sma, config: { leverage: 0.5 } }),
    isCode("bad_config"),
  );
  assert.throws(
    () => runBacktest({ bars: GOOG, strategy: sma, config: { profile: "nope" as "mt5" } }),
    isCode("bad_config"),
  );
  assert.throws(
    () => runBacktest({ bars: GOOG, strategy: sma, params: { fast: 0 } }),
    isCode("bad_parameter"),
  );
});

Deno.test("a strategy that throws becomes strategy_error naming the bar and time", () => {
  const boom = scripted((i) => {
    if (i === 42) throw new Error("division by zero in my indicator");
  });
  assert.throws(
    () => runBacktest({ bars: GOOG, strategy: boom, config: { profile: "compat" } }),
    isCode("strategy_error", /bar 42 \(2004-10-19T00:00:00.000Z\).*division by zero/),
  );
});

Deno.test("declared features are computed when absent; unknown or misaligned ones are refused before the run", () => {
  const needs = { ...sma, name: "needs_energy", features: ["energy"] }; // not a catalog feature
  assert.throws(() => runBacktest({ bars: GOOG, strategy: needs }), isCode("missing_features", /energy/));
  const declared = { ...sma, name: "needs_damping", features: ["damping"] };
  const config = { profile: "compat" as const, energyFeature: "damping" };
  const damping = computeFeatures(GOOG, ["damping"]);
  const computed = runBacktest({ bars: GOOG, strategy: declared, config });
  const supplied = runBacktest({ bars: GOOG, strategy: declared, features: damping, config });
  assert.ok(computed.trades.length > 0);
  assert.deepEqual(computed.stats, supplied.stats);
  for (const t of computed.trades) assert.equal(t.energy_at_entry, damping.damping[t.entry_bar - 1]);
  assert.throws(
    () => runBacktest({ bars: GOOG, strategy: needs, features: { energy: new Float64Array(3) } }),
    isCode("bad_features"),
  );
});

Deno.test("orders the broker cannot take are recorded, not fatal: wrong-side stop, zero units, bad size", () => {
  const strat = scripted((i, _p, out) => {
    if (i === 5) out.push({ kind: "entry", side: 1, sl: 10_000 }); // SL above price
    if (i === 6) out.push({ kind: "entry", side: -1, tp: 10_000 }); // TP above price for a short
    if (i === 7) out.push({ kind: "entry", side: 1, size: -3 });
    if (i === 8) out.push({ kind: "entry", side: 1, size: 2.5 }); // compat sizes >= 1 are whole units
    if (i === 9) out.push({ kind: "entry", side: 1, type: "limit" }); // no price
  });
  const r = runBacktest({ bars: GOOG, strategy: strat, config: { profile: "compat" } });
  assert.deepEqual(r.rejections.map((x) => [x.bar, x.reason]), [
    [5, "invalid_stops"],
    [6, "invalid_stops"],
    [7, "invalid_volume"],
    [8, "invalid_volume"],
    [9, "invalid_price"],
  ]);
  assert.equal(r.stats.rejected_orders, 5);
  assert.equal(r.trades.length + r.openTrades.length, 0);
  // An all-in order that cannot buy one unit is cancelled (backtesting.py's behaviour) and counted.
  const poor = runBacktest({
    bars: GOOG,
    strategy: scripted((i, _p, out) => {
      if (i === 1) out.push({ kind: "entry", side: 1 });
    }),
    config: { profile: "compat", cash: 50 },
  });
  assert.equal(poor.stats.cancelled_orders, 1);
  assert.equal(poor.trades.length + poor.openTrades.length, 0);
});

Deno.test("mt5: an order below the volume minimum is rejected with retcode 10014 and a clear message", () => {
  const r = runBacktest({
    bars: GOOG,
    strategy: scripted((i, _p, out) => {
      if (i === 3) out.push({ kind: "entry", side: 1 });
    }),
    config: { profile: "mt5", symbol: symbolSpec("NAS100"), sizing: { mode: "lots", lots: 0.01 } },
  });
  assert.equal(r.rejections[0].retcode, 10014);
  assert.match(r.rejections[0].message, /minimum volume/);
});

Deno.test("running out of money stops the run: positions closed, equity 0 from there, never NaN", () => {
  // Always long with 10x leverage into a crash.
  const o = [100, 100, 100, 100, 80, 60, 40, 40, 40];
  const bars = makeBars(o, o, o, o);
  const r = runBacktest({
    bars,
    strategy: scripted((_i, pos, out) => {
      if (pos.size === 0) out.push({ kind: "entry", side: 1 });
    }),
    config: { profile: "compat", margin: 0.1 },
  });
  assert.equal(r.trades.at(-1)!.exit_reason, "out_of_money");
  assert.ok(r.equity.every((e) => Number.isFinite(e) && e >= 0));
  assert.equal(r.stats.equity_final, 0);
  assert.equal(r.equity[r.equity.length - 1], 0);
  const json = JSON.parse(JSON.stringify(r.toJSON()));
  assert.equal(json.stats.trades, r.trades.length);
});
