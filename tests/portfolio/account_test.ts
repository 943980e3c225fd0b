/**
 * The shared account, measured: the account's own statistics (balance, margin used, lowest margin
 * level, stop-outs and their closes), exposure by asset class over time (downsampled), risk sizing
 * against the SHARED equity, the per-class exposure cap, and margin at the data's conversion rates.
 * Synthetic bars (exact expectations) and the committed fixtures of tests/fixtures/portfolio.
 */
import assert from "node:assert/strict";
import type { BarArrays } from "../../lib/data/types.ts";
import { readBars } from "../../lib/data/read_bars.ts";
import { toArrays } from "../../lib/data/arrays.ts";
import { symbolSpec, valuePerPriceUnit } from "../../lib/market/instrument.ts";
import { getStrategy } from "../../lib/strategies/registry.ts";
import type { OrderIntent, Strategy } from "../../lib/strategies/contract.ts";
import type { PortfolioIntent, PortfolioStrategy } from "../../lib/portfolio/contract.ts";
import { type PortfolioSymbol, runPortfolio } from "../../lib/portfolio/engine.ts";
import { loadBasket } from "../../lib/portfolio/load.ts";
import { accountStats, exposureSeries, portfolioJson, portfolioStats } from "../../lib/portfolio/stats.ts";

const EURJPY = "tests/fixtures/portfolio/forex/EURJPY+_H1_202401020000_202402120300.csv";
const AUDJPY = "tests/fixtures/portfolio/forex/AUDJPY+_H1_202401020000_202402120300.csv";
const AUDUSD = "tests/fixtures/portfolio/forex/AUDUSD+_H1_202401020000_202402120300.csv";
const T0 = Date.UTC(2024, 0, 1), H = 3_600_000;

/** Synthetic hourly bars from opens and closes (high/low ±0.0001 around them). */
function barsOC(open: number[], close: number[]): BarArrays {
  const n = close.length;
  return {
    length: n,
    time: Float64Array.from({ length: n }, (_, i) => T0 + i * H),
    open: Float64Array.from(open),
    high: Float64Array.from(close.map((c, i) => Math.max(open[i], c) + 0.0001)),
    low: Float64Array.from(close.map((c, i) => Math.min(open[i], c) - 0.0001)),
    close: Float64Array.from(close),
    tickVolume: new Float64Array(n),
    volume: new Float64Array(n),
    spread: null,
  };
}

/** Bars whose open is the previous close. */
function barsOf(close: number[]): BarArrays {
  return barsOC(close.map((_, i) => (i ? close[i - 1] : close[0])), close);
}

const flat = (n: number, v: number) => Array.from({ length: n }, () => v);
const NO_COSTS = { spread: 0, commission: 0, swap: false } as const;

function near(a: number, b: number, what = ""): void {
  assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);
}

/** A portfolio strategy sending fixed orders at fixed union times. */
function scripted(at: Record<number, { symbol: number; intent: OrderIntent }[]>): PortfolioStrategy {
  return {
    kind: "portfolio",
    name: "scripted",
    description: "test: fixed orders at fixed times",
    params: {},
    features: [],
    init: () => null,
    decide(u: number, _ctx, _s, _view, out: PortfolioIntent[]) {
      for (const o of at[u] ?? []) out.push(o);
    },
  };
}

/** Buys `lots` once, at the first decision. */
const buyOnce = (lots: number): Strategy => ({
  name: "buy_once",
  description: "test",
  params: {},
  features: [],
  warmup: () => 1,
  init: () => null,
  decide(_i, _ctx, _s, pos, out) {
    if (pos.size === 0 && pos.openTrades === 0) out.push({ kind: "entry", side: 1, size: lots });
  },
});

Deno.test("account statistics: balance, margin used (max/mean), lowest margin level, stop-outs and their closes", () => {
  // The shared stop-out of portfolio_test.ts: 1 lot each of GBPUSD+ (loses a little), AUDUSD+ (crashes
  // at bar 5) and XAUUSD+ (gains); the crash closes AUDUSD+ then GBPUSD+, XAUUSD+ stays open.
  const b = [...flat(5, 1.0), ...flat(5, 0.995)];
  const a = [...flat(5, 1.0), ...flat(5, 0.9)];
  const c = [...flat(5, 100), ...flat(5, 101)];
  const cash = 10_600;
  const syms: PortfolioSymbol[] = [["GBPUSD+", b], ["AUDUSD+", a], ["XAUUSD+", c]].map(([s, x]) => ({
    symbol: s as string,
    bars: barsOf(x as number[]),
    overrides: NO_COSTS,
  }));
  const run = runPortfolio({
    symbols: syms,
    strategy: buyOnce(1),
    config: { leverage: 100, stopOutLevelPct: 50, cash },
  });
  const ps = portfolioStats(run, syms.map((s) => s.bars));
  const acc = ps.account;
  const mult = (s: string) => valuePerPriceUnit(symbolSpec(s));
  // Margin = lots × price × value per price unit ÷ leverage, at each mark.
  const marginAt = (i: number, open: string[]) =>
    open.reduce((m, s) => m + [b, a, c][["GBPUSD+", "AUDUSD+", "XAUUSD+"].indexOf(s)][i] * mult(s) / 100, 0);
  const all = ["GBPUSD+", "AUDUSD+", "XAUUSD+"];
  assert.ok(Math.abs(run.margin[3] - marginAt(3, all)) < 1e-9, `${run.margin[3]}`);
  assert.ok(Math.abs(acc.margin_used_max - marginAt(3, all)) < 1e-9);
  // After the stop-out only XAUUSD+ is open.
  assert.ok(Math.abs(run.margin[5] - marginAt(5, ["XAUUSD+"])) < 1e-9);
  let sum = 0;
  for (let u = 0; u < run.time.length; u++) sum += run.margin[u];
  assert.ok(Math.abs(acc.margin_used_mean - sum / run.time.length) < 1e-9);
  assert.ok(acc.margin_used_mean < acc.margin_used_max);
  // Lowest level: at bar 5's close, before the stop-out closes: equity ÷ margin of all three.
  const eqBefore = cash + (a[5] - 1) * mult("AUDUSD+") + (b[5] - 1) * mult("GBPUSD+") +
    (c[5] - 100) * mult("XAUUSD+");
  assert.ok(
    Math.abs(acc.margin_level_min_pct! - eqBefore / marginAt(5, all) * 100) < 1e-9,
    `${acc.margin_level_min_pct}`,
  );
  assert.ok(acc.margin_level_min_pct! < 50, "below the stop-out level");
  assert.equal(acc.stop_outs, 1, "one stop-out event");
  assert.equal(acc.stop_out_closes, 2, "it closed two positions");
  // Balance = cash + closed P&L (no costs); equity adds the open trade.
  const closed = run.symbols.flatMap((s) => s.trades).reduce((s, t) => s + t.pnl, 0);
  const open = run.symbols.flatMap((s) => s.openTrades).reduce((s, t) => s + t.pnl, 0);
  assert.ok(Math.abs(acc.balance_final - (cash + closed)) < 1e-9);
  assert.ok(Math.abs(acc.equity_final - acc.balance_final - open) < 1e-9);
  assert.ok(open > 0);
  // The JSON carries them in "stats", beside the backtest fields, money in cents.
  const j = JSON.parse(JSON.stringify(portfolioJson(run, ps)));
  assert.equal(j.stats.stop_outs, 1);
  assert.equal(j.stats.stop_out_closes, 2);
  assert.equal(j.stats.balance_final, Math.round(acc.balance_final * 100) / 100);
  assert.equal(j.stats.margin_used_max, Math.round(acc.margin_used_max * 100) / 100);
  assert.equal(typeof j.stats.return_pct, "number");

  // Without the crash: no stop-out, the level stays high, nothing closed by a stop-out.
  const calm = runPortfolio({
    symbols: syms.map((s, k) => k === 1 ? { ...s, bars: barsOf(flat(10, 1.0)) } : s),
    strategy: buyOnce(1),
    config: { leverage: 100, stopOutLevelPct: 50, cash },
  });
  const ca = accountStats(calm);
  assert.equal(ca.stop_outs, 0);
  assert.equal(ca.stop_out_closes, 0);
  assert.ok(ca.margin_level_min_pct! > 400);
  // Nothing traded: no margin, no level.
  const idle = runPortfolio({ symbols: syms, strategy: scripted({}), config: { cash } });
  const ia = accountStats(idle);
  assert.equal(ia.margin_used_max, 0);
  assert.equal(ia.margin_level_min_pct, null);
  assert.equal(ia.balance_final, cash);
});

Deno.test("exposure by asset class over time: buckets of consecutive times with their mean and peak", () => {
  const n = 1_203;
  const wave = (p: number, base: number) =>
    Array.from({ length: n }, (_, i) => base * (1 + 0.02 * Math.sin(i / 15 + p)));
  const syms = [
    { symbol: "AUDUSD+", bars: barsOf(wave(0, 1)) },
    { symbol: "GBPUSD+", bars: barsOf(wave(1, 1.2)) },
    { symbol: "XAUUSD+", bars: barsOf(wave(2, 2000)) },
  ];
  const run = runPortfolio({
    symbols: syms,
    strategy: getStrategy("sma_cross"),
    config: { sizing: { mode: "lots", lots: 0.1 }, cash: 100_000 },
  });
  const ps = portfolioStats(run, syms.map((s) => s.bars), { exposurePoints: 100 });
  const es = ps.exposureSeries;
  const per = Math.ceil(n / 100);
  assert.equal(es.bucket_times, per);
  assert.equal(es.time.length, Math.ceil(n / per));
  assert.ok(es.time.length <= 100);
  assert.deepEqual(Object.keys(es.classes).sort(), ["forex", "metals"]);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  for (const [c, v] of Object.entries(run.exposureByClass)) {
    const { mean_pct, max_pct } = es.classes[c];
    assert.equal(mean_pct.length, es.time.length);
    for (let k = 0; k < es.time.length; k++) {
      const slice = [...v.subarray(k * per, Math.min(n, (k + 1) * per))];
      assert.equal(es.time[k], run.time[k * per]);
      assert.equal(mean_pct[k], r2(slice.reduce((s, x) => s + x, 0) / slice.length), `${c} bucket ${k}`);
      assert.equal(max_pct[k], r2(Math.max(...slice)));
    }
    // The peak of the buckets is the run's peak; some exposure was taken in each class.
    assert.equal(Math.max(...max_pct), r2(ps.exposureByClass[c].max_pct));
    assert.ok(ps.exposureByClass[c].max_pct > 0, c);
  }
  // The JSON: at most 500 points by default (1 203 times → buckets of 3), ISO times.
  const j = portfolioJson(run, portfolioStats(run, syms.map((s) => s.bars))) as {
    exposure_by_class_series: { bucket_times: number; time: string[]; classes: Record<string, unknown> };
  };
  assert.equal(j.exposure_by_class_series.bucket_times, 3);
  assert.equal(j.exposure_by_class_series.time.length, 401);
  assert.equal(j.exposure_by_class_series.time[0], new Date(T0).toISOString());
  // A short run is not downsampled.
  const short = exposureSeries(run.time.subarray(0, 50), {
    forex: run.exposureByClass.forex.subarray(0, 50),
  });
  assert.equal(short.bucket_times, 1);
  assert.deepEqual(short.classes.forex.mean_pct, short.classes.forex.max_pct);
  assert.deepEqual(short.classes.forex.mean_pct, [...run.exposureByClass.forex.subarray(0, 50)].map(r2));
});

Deno.test("--risk sizing uses the SHARED equity: a loss on one symbol shrinks the next order on another", () => {
  const n = 12, d = 0.001, riskPct = 1, cash = 10_000;
  const spec = symbolSpec("GBPUSD+");
  const mult = valuePerPriceUnit(spec);
  const lots = (equity: number) =>
    Math.floor(equity * riskPct / 100 / (d * mult) / spec.volumeStep + 1e-9) * spec.volumeStep;
  // GBPUSD+ flat at 1.0; its buy (SL d below) is decided at union time 6, filled at bar 7's open.
  const gbp = { symbol: "GBPUSD+", bars: barsOf(flat(n, 1.0)), overrides: NO_COSTS };
  const gbpOrder = { symbol: 1, intent: { kind: "entry", side: 1, sl: 1.0 - d } as OrderIntent };
  const config = { cash, leverage: 100, sizing: { mode: "risk" as const, riskPct } };

  // (a) A realised loss: AUDUSD+ is bought at 1.0 (SL d below) and gaps down to 0.95 at bar 4.
  const audOpen = [...flat(4, 1.0), ...flat(n - 4, 0.95)];
  const aud = { symbol: "AUDUSD+", bars: barsOC(audOpen, audOpen), overrides: NO_COSTS };
  const run = runPortfolio({
    symbols: [aud, gbp],
    strategy: scripted({
      1: [{ symbol: 0, intent: { kind: "entry", side: 1, sl: 1.0 - d } }],
      6: [gbpOrder],
    }),
    config,
  });
  const lossTrade = run.symbols[0].trades[0];
  assert.equal(lossTrade.exit_reason, "sl");
  near(lossTrade.size, lots(cash), "the first order is sized on the starting equity");
  assert.ok(
    lossTrade.pnl < -cash * riskPct / 100 * 2,
    `a gap loss beyond the planned risk: ${lossTrade.pnl}`,
  );
  const g = run.symbols[1].openTrades[0];
  assert.equal(g.entry_bar, 7);
  near(g.size, lots(cash + lossTrade.pnl), `GBPUSD+ sized on ${cash + lossTrade.pnl}`);
  // Alone (or with a symbol that did not lose) GBPUSD+ would have bought more.
  const alone = runPortfolio({
    symbols: [gbp],
    strategy: scripted({ 6: [{ ...gbpOrder, symbol: 0 }] }),
    config,
  });
  near(alone.symbols[0].openTrades[0].size, lots(cash));
  assert.ok(g.size < alone.symbols[0].openTrades[0].size);

  // (b) An open loss counts too: AUDUSD+ (1 lot, no SL) stays open at 0.97 when GBPUSD+ fills.
  const aud2 = {
    symbol: "AUDUSD+",
    bars: barsOf([...flat(4, 1.0), ...flat(n - 4, 0.97)]),
    overrides: NO_COSTS,
  };
  const run2 = runPortfolio({
    symbols: [aud2, gbp],
    strategy: scripted({ 1: [{ symbol: 0, intent: { kind: "entry", side: 1, size: 1 } }], 6: [gbpOrder] }),
    config,
  });
  const openLoss = run2.symbols[0].openTrades[0].pnl;
  assert.ok(
    Math.abs(openLoss - (0.97 - 1.0) * valuePerPriceUnit(symbolSpec("AUDUSD+"))) < 1e-6,
    `${openLoss}`,
  );
  near(run2.symbols[1].openTrades[0].size, lots(cash + openLoss));
});

Deno.test("--max-class-exposure: an entry that would take its class over the cap is refused and counted", () => {
  const n = 10;
  const syms = [
    { symbol: "AUDUSD+", bars: barsOf(flat(n, 1.0)), overrides: NO_COSTS },
    { symbol: "GBPUSD+", bars: barsOf(flat(n, 1.0)), overrides: NO_COSTS },
    { symbol: "XAUUSD+", bars: barsOf(flat(n, 100)), overrides: NO_COSTS },
  ];
  // Fixed 0.1-lot orders (the account's sizing; an intent's size in (0, 1) would be a fraction).
  const buy = (symbol: number) => ({ symbol, intent: { kind: "entry", side: 1 } as OrderIntent });
  // 0.1 lot of a forex pair at 1.0 = 10 000 notional = 100 % of 10 000; 0.1 lot of gold at 100 = 10 %.
  const strategy = scripted({ 1: [buy(0)], 3: [buy(1), buy(2)] });
  const run = (cap: number | Record<string, number>) =>
    runPortfolio({
      symbols: syms,
      strategy,
      config: { cash: 10_000, sizing: { mode: "lots", lots: 0.1 } },
      limits: { maxClassExposurePct: cap },
    });
  const capped = run(150);
  const [au, gb, xau] = capped.symbols;
  assert.equal(au.openTrades.length, 1);
  assert.equal(au.openTrades[0].size, 0.1);
  assert.equal(gb.openTrades.length + gb.trades.length, 0, "the second forex entry is refused");
  assert.equal(gb.rejections.length, 1);
  assert.equal(gb.rejections[0].reason, "portfolio_limit");
  assert.match(gb.rejections[0].message, /forex exposure would exceed 150% of equity/);
  assert.equal(xau.openTrades.length, 1, "another class is not held back by forex");
  assert.ok(Math.max(...capped.exposureByClass.forex) <= 150);
  // Counted in the statistics and the JSON.
  const ps = portfolioStats(capped, syms.map((s) => s.bars));
  assert.equal(ps.stats.rejected_orders, 1);
  const j = portfolioJson(capped, ps) as { symbols: Record<string, { rejected_orders: number }> };
  assert.equal(j.symbols["GBPUSD+"].rejected_orders, 1);
  assert.equal(j.symbols["AUDUSD+"].rejected_orders, 0);
  // A cap that leaves room, or a cap on another class only, lets it through.
  for (const cap of [250, { metals: 5 }]) {
    const free = run(cap);
    assert.equal(free.symbols[1].openTrades.length, 1, JSON.stringify(cap));
  }
  // Entries decided at the same time: the first one is pending (not filled) when the second is
  // checked, and still counts: the second forex entry is refused, in total as per class.
  for (const limits of [{ maxClassExposurePct: 150 }, { maxExposurePct: 150 }]) {
    const same = runPortfolio({
      symbols: syms,
      strategy: scripted({ 1: [buy(0), buy(1)] }),
      config: { cash: 10_000, sizing: { mode: "lots", lots: 0.1 } },
      limits,
    });
    assert.equal(same.symbols[0].openTrades.length, 1, JSON.stringify(limits));
    assert.equal(same.symbols[1].openTrades.length, 0, JSON.stringify(limits));
    assert.match(same.symbols[1].rejections[0].message, /exposure would exceed 150% of equity/);
  }
  // Per class: metals capped at 5 % refuses the gold order (10 %), forex uncapped.
  const metals = run({ metals: 5 }).symbols[2];
  assert.equal(metals.openTrades.length, 0);
  assert.match(metals.rejections[0].message, /metals exposure would exceed 5% of equity/);
});

Deno.test("margin at the data's conversion rates: a JPY-quoted symbol's margin at the USDJPY of the moment", async () => {
  const [eurjpy] = await loadBasket({ files: [EURJPY] });
  assert.equal(eurjpy.conversion?.info.source, "data");
  assert.deepEqual(eurjpy.conversion?.info.via, ["AUDJPY+", "AUDUSD+"]);
  const lots = 1, leverage = 100;
  const sym = { ...eurjpy, overrides: NO_COSTS };
  const run = runPortfolio({
    symbols: [sym],
    strategy: buyOnce(lots),
    config: { cash: 1_000_000, leverage },
  });
  assert.equal(run.symbols[0].trades.length, 0);
  assert.equal(run.symbols[0].openTrades.length, 1, "held to the end");
  const entry = run.symbols[0].openTrades[0].entry_bar;
  const aj = toArrays(await readBars(AUDJPY)), au = toArrays(await readBars(AUDUSD));
  const ajAt = new Map([...aj.time].map((t, i) => [t, i])),
    auAt = new Map([...au.time].map((t, i) => [t, i]));
  const contract = eurjpy.spec.contractSize;
  let checked = 0, maxStaticGap = 0;
  const bars = eurjpy.bars;
  for (let i = entry; i < bars.length; i++) {
    const a = ajAt.get(bars.time[i]), b = auAt.get(bars.time[i]);
    if (a === undefined || b === undefined) continue;
    // USD per JPY at this bar's close = AUDUSD ÷ AUDJPY closes of the pairs' bars at that time.
    const usdPerJpy = au.close[b] / aj.close[a];
    const expected = lots * contract * bars.close[i] * usdPerJpy / leverage;
    const u = i; // one symbol: the union axis is its own
    assert.ok(
      Math.abs(run.margin[u] - expected) < 1e-6 * expected,
      `bar ${i}: ${run.margin[u]} vs ${expected}`,
    );
    maxStaticGap = Math.max(
      maxStaticGap,
      Math.abs(lots * bars.close[i] * valuePerPriceUnit(eurjpy.spec) / leverage - expected),
    );
    checked++;
  }
  assert.ok(checked > 500, `checked ${checked} bars`);
  // The static table (1/150) would say otherwise (USDJPY was ~141–150 then).
  assert.ok(maxStaticGap > 1, `static and data margins agree within ${maxStaticGap}`);
  const acc = accountStats(run);
  let peak = 0;
  for (const m of run.margin) peak = Math.max(peak, m);
  assert.equal(acc.margin_used_max, peak);

  // At static rates the same run's margin is the table's.
  const [stat] = await loadBasket({ files: [EURJPY], conversion: "static" });
  assert.equal(stat.conversion?.info.source, "static");
  const sRun = runPortfolio({
    symbols: [{ ...stat, overrides: NO_COSTS }],
    strategy: buyOnce(lots),
    config: { cash: 1_000_000, leverage },
  });
  const last = bars.length - 1;
  assert.ok(
    Math.abs(sRun.margin[last] - lots * bars.close[last] * valuePerPriceUnit(stat.spec) / leverage) < 1e-6,
  );
});
