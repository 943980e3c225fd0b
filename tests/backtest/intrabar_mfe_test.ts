/**
 * MFE/MAE along the path (issue 17): on bars with a `lower` (or `ticks`) path, a trade's excursions
 * on its entry bar count only the path after the fill, and on its exit bar only the path before the
 * exit; `ohlc` keeps the whole bar's high/low (unchanged figures). Hand-made M15 bars whose H1
 * aggregate is the backtested series, so every path is known.
 */
import assert from "node:assert/strict";
import type { BarArrays } from "../../lib/data/types.ts";
import { runBacktest } from "../../lib/backtest/run.ts";
import { aggregateBars, type IntrabarPath, lowerBarsPath, ticksPath } from "../../lib/backtest/intrabar.ts";
import type { Ticks } from "../../lib/data/ticks.ts";
import type { OrderIntent, Strategy } from "../../lib/strategies/contract.ts";

const H = 3_600_000, Q = 900_000;
const T0 = Date.UTC(2024, 0, 2, 0);
const FLAT = (p: number) => Array.from({ length: 4 }, () => [p, p + 0.5, p - 0.5, p]);

function quarterBars(rows: number[][]): BarArrays {
  const n = rows.length;
  const col = (k: number) => Float64Array.from(rows, (r) => r[k]);
  return {
    length: n,
    time: Float64Array.from({ length: n }, (_, i) => T0 + i * Q),
    open: col(0),
    high: col(1),
    low: col(2),
    close: col(3),
    tickVolume: new Float64Array(n).fill(1),
    volume: new Float64Array(n),
    spread: null,
  };
}

/** A buy stop at 102 with its stop-loss at 99, decided on bar 1 (the engine's first decision). */
const buyStop: Strategy = {
  name: "buy_stop_probe",
  description: "test",
  params: {},
  features: [],
  warmup: () => 0,
  init: () => null,
  decide(i: number, _c, _s, _pos, out: OrderIntent[]) {
    if (i === 1) out.push({ kind: "entry", side: 1, type: "stop", price: 102, sl: 99, size: 1 });
  },
};

/**
 * Hours 0-1 flat at 100; hour 2: down to 97, then up through the stop at 102 to 104 (the fill is
 * after the low); hour 3 flat at 103; hour 4 (`exitHour`): the stop-loss at 99 is hit; hour 5 flat.
 */
function series(exitHour: number[][]): { h1: BarArrays; m15: BarArrays } {
  const rows = [
    ...FLAT(100),
    ...FLAT(100),
    [100, 100, 97, 97.5],
    [97.5, 104, 97.5, 103.5],
    [103.5, 103.8, 103, 103],
    [103, 103.2, 102.8, 103],
    ...FLAT(103),
    ...exitHour,
    ...FLAT(101),
  ];
  const m15 = quarterBars(rows);
  return { h1: aggregateBars(m15, H), m15 };
}

// Up to 106 first, then down through the stop-loss (the peak is before the exit).
const PEAK_FIRST = [[103, 106, 103, 105.5], [105.5, 105.5, 98, 98.5], [98.5, 99, 98, 98.5], [
  98.5,
  99,
  98,
  99,
]];
// Down through the stop-loss first, then up to 106 (the peak is after the exit).
const SL_FIRST = [[103, 103, 98, 98.5], [98.5, 106, 98.5, 105.5], [105.5, 105.5, 99, 99], [
  99,
  99.5,
  98.5,
  99,
]];

function run(b: BarArrays, path: IntrabarPath | null) {
  const r = runBacktest({
    bars: b,
    strategy: buyStop,
    config: { profile: "compat", cash: 10_000, commission: 0 },
    intrabar: path,
  });
  assert.equal(r.trades.length, 1);
  return r.trades[0];
}

Deno.test("ohlc: excursions use the whole entry bar (low before the fill) and nothing of the exit bar before the exit", () => {
  for (const exitHour of [PEAK_FIRST, SL_FIRST]) {
    const { h1 } = series(exitHour);
    const t = run(h1, null);
    assert.equal(t.entry_price, 102);
    assert.equal(t.exit_reason, "sl");
    assert.equal(t.exit_price, 99);
    assert.equal(t.mae, 5, "102 − the entry bar's low 97 (before the fill)");
    assert.equal(t.mfe, 2, "104 on the entry bar; the exit bar's 106 is not counted");
  }
});

Deno.test("lower: the entry bar counts only the path after the fill; the exit bar only the path before the exit", () => {
  const peak = series(PEAK_FIRST);
  const t1 = run(peak.h1, lowerBarsPath(peak.h1, peak.m15, H, { point: 0.01 }));
  assert.equal(t1.entry_price, 102);
  assert.equal(t1.exit_reason, "sl");
  assert.equal(t1.exit_price, 99);
  assert.equal(t1.mfe, 4, "106 reached on the exit bar before the stop-loss");
  assert.equal(t1.mae, 3, "the low 97 came before the fill: the worst is the exit at 99");
  const slFirst = series(SL_FIRST);
  const t2 = run(slFirst.h1, lowerBarsPath(slFirst.h1, slFirst.m15, H, { point: 0.01 }));
  assert.equal(t2.exit_price, 99);
  assert.equal(t2.mfe, 2, "106 came after the exit: only the entry bar's 104 counts");
  assert.equal(t2.mae, 3);
});

Deno.test("ticks: the same rule with a tick path (ticks at the lower bars' walk points)", () => {
  const { h1, m15 } = series(PEAK_FIRST);
  // One tick per open / nearer extreme / farther extreme / close of each quarter (ticks are separate quotes).
  const time: number[] = [], bid: number[] = [];
  for (let i = 0; i < m15.length; i++) {
    const o = m15.open[i], h = m15.high[i], l = m15.low[i], c = m15.close[i];
    const hf = h - o < o - l || (h - o === o - l && c < o);
    for (const [k, p] of [o, hf ? h : l, hf ? l : h, c].entries()) {
      time.push(m15.time[i] + k * 1000);
      bid.push(p);
    }
  }
  const ticks: Ticks = {
    digits: 2,
    length: time.length,
    time: Float64Array.from(time),
    bid: Float64Array.from(bid),
    ask: Float64Array.from(bid),
    last: new Float64Array(time.length).fill(NaN),
    volume: new Float64Array(time.length),
    flags: new Float64Array(time.length),
  };
  const t = run(h1, ticksPath(h1, ticks, H));
  // Ticks are separate quotes: the stop fills at the first tick at or above 102 (104), the exit at
  // the first tick at or below 99 (98).
  assert.equal(t.entry_price, 104);
  assert.equal(t.exit_price, 98);
  assert.equal(t.mfe, 2, "106 − 104 before the exit");
  assert.equal(t.mae, 6, "104 − 98 at the exit; the 97 before the fill is not counted");
});
