/** Test fixtures: backtesting.py's reference CSVs (lib/util/paths.ts referenceDataDir) read into BarArrays. */
import type { BarArrays } from "../../lib/data/types.ts";
import { referenceDataDir } from "../../lib/util/paths.ts";

/** Folder of the published reference data (backtesting.py's GOOG, EURUSD). */
export const REFERENCE_DIR: string = referenceDataDir();

/** Read a backtesting.py CSV (`,Open,High,Low,Close,Volume`, naive timestamps) into BarArrays. */
export function readReferenceCsv(name: string, limit = Infinity): BarArrays {
  const text = Deno.readTextFileSync(`${REFERENCE_DIR}/${name}`);
  const lines = text.trim().split(/\r?\n/).slice(1);
  const n = Math.min(lines.length, limit);
  const time = new Float64Array(n), open = new Float64Array(n), high = new Float64Array(n);
  const low = new Float64Array(n), close = new Float64Array(n), volume = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = lines[i].split(",");
    const ts = p[0].length === 10 ? p[0] + "T00:00:00Z" : p[0].replace(" ", "T") + "Z";
    time[i] = Date.parse(ts);
    open[i] = +p[1];
    high[i] = +p[2];
    low[i] = +p[3];
    close[i] = +p[4];
    volume[i] = +p[5];
  }
  return { length: n, time, open, high, low, close, tickVolume: volume, volume, spread: null };
}

/** Build BarArrays from plain arrays (daily bars from 2024-01-01 unless times are given). */
export function makeBars(
  o: number[],
  h: number[],
  l: number[],
  c: number[],
  opts: { time?: number[]; spread?: number[]; stepMs?: number } = {},
): BarArrays {
  const n = c.length;
  const step = opts.stepMs ?? 86_400_000;
  const t0 = Date.UTC(2024, 0, 1);
  return {
    length: n,
    time: Float64Array.from(opts.time ?? Array.from({ length: n }, (_, i) => t0 + i * step)),
    open: Float64Array.from(o),
    high: Float64Array.from(h),
    low: Float64Array.from(l),
    close: Float64Array.from(c),
    tickVolume: new Float64Array(n),
    volume: new Float64Array(n),
    spread: opts.spread ? Float64Array.from(opts.spread) : null,
  };
}

/** Relative closeness check used for the reference figures (rtol like numpy's isclose). */
export function assertClose(actual: number, expected: number, rtol = 1e-8, what = ""): void {
  const ok = Math.abs(actual - expected) <= rtol * Math.abs(expected) + 1e-12;
  if (!ok) throw new Error(`${what}: expected ${expected}, got ${actual} (rtol ${rtol})`);
}

import type { OrderIntent, PositionView, Strategy, StrategyContext } from "../../lib/strategies/contract.ts";

/** A strategy whose decisions are a plain function (for scripted scenarios). */
export function scripted(
  decide: (i: number, pos: PositionView, out: OrderIntent[], ctx: StrategyContext) => void,
  warmup = 0,
): Strategy {
  return {
    name: "scripted",
    description: "test script",
    params: {},
    features: [],
    warmup: () => warmup,
    init: () => null,
    decide: (i, ctx, _s, pos, out) => decide(i, pos, out, ctx),
  };
}
