/**
 * MT5 tick exports (`<DATE> <TIME> <BID> <ASK> <LAST> <VOLUME> <FLAGS>`) and resampling to bars.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import type { BarArrays } from "./types.ts";
import { timeframeMs } from "./timeframe.ts";

/** Ticks as typed arrays; bid/ask are forward-filled (MT5 leaves unchanged sides empty). */
export interface Ticks {
  /** Number of ticks. */
  readonly length: number;
  /** Epoch ms in the export's clock. */
  readonly time: Float64Array;
  /** Bid, forward-filled. */
  readonly bid: Float64Array;
  /** Ask, forward-filled. */
  readonly ask: Float64Array;
  /** Last deal price (NaN when the export has none). */
  readonly last: Float64Array;
  /** Deal volume (0 when empty). */
  readonly volume: Float64Array;
  /** MT5 tick flags (0 when empty). */
  readonly flags: Float64Array;
  /** Price digits inferred from the quotes (points = 10^-digits). */
  readonly digits: number;
}

/** Build forward-filled Ticks from parsed columns (file order must already be ascending). */
export function ticksFromColumns(
  time: Float64Array,
  bidIn: Float64Array,
  askIn: Float64Array,
  lastIn: Float64Array | undefined,
  volIn: Float64Array | undefined,
  flagsIn: Float64Array | undefined,
): Ticks {
  const n = time.length;
  const bid = bidIn.slice();
  const ask = askIn.slice();
  for (let i = 1; i < n; i++) {
    if (bid[i] !== bid[i]) bid[i] = bid[i - 1];
    if (ask[i] !== ask[i]) ask[i] = ask[i - 1];
  }
  const last = lastIn ? lastIn.slice() : new Float64Array(n).fill(NaN);
  const volume = zeroForNaN(volIn, n);
  const flags = zeroForNaN(flagsIn, n);
  return { length: n, time, bid, ask, last, volume, flags, digits: inferDigits(bid) };
}

/** A copy with NaN (empty cells) as 0; zeros when absent. Plain loops: `Float64Array.from(x, fn)` is slow. */
function zeroForNaN(a: Float64Array | undefined, n: number): Float64Array {
  const out = new Float64Array(n);
  if (a) {
    for (let i = 0; i < n; i++) {
      const v = a[i];
      out[i] = v === v ? v : 0;
    }
  }
  return out;
}

/** Smallest number of decimals (0–8) that represents the sampled prices. */
export function inferDigits(prices: Float64Array): number {
  let digits = 0;
  const n = Math.min(prices.length, 2000);
  for (let i = 0; i < n; i++) {
    const v = prices[i];
    if (v !== v) continue;
    let k = digits;
    while (k < 8 && Math.abs(v * 10 ** k - Math.round(v * 10 ** k)) > 1e-6 * 10 ** k * Math.abs(v) + 1e-9) {
      k++;
    }
    if (k > digits) digits = k;
  }
  return digits;
}

const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** Open time of the bar of `tf` that contains `t` (W1 bars open on Sunday, MN1 on the 1st). */
export function bucketStart(t: number, tf: string, tfMs: number): number {
  if (tf === "MN1") {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  if (tf === "W1") return Math.floor((t - 3 * DAY) / WEEK) * WEEK + 3 * DAY;
  return Math.floor(t / tfMs) * tfMs;
}

/**
 * Resample ticks to bars of `timeframe` built from the bid (as MT5 does): open/high/low/close of
 * the bid, `tickVolume` = number of ticks, `volume` = summed deal volume, `spread` = the smallest
 * ask−bid in the bar in points. Bars with no ticks are not created.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resampleTicks, ticksFromColumns } from "./ticks.ts";
 * const t = Float64Array.from([0, 30_000, 61_000]);
 * const ticks = ticksFromColumns(t, Float64Array.from([1.1, 1.2, 1.15]), Float64Array.from([1.2, 1.3, 1.25]),
 *   undefined, undefined, undefined);
 * const bars = resampleTicks(ticks, "M1");
 * assert.ok(bars.length === 2 && bars.high[0] === 1.2 && bars.tickVolume[0] === 2);
 * ```
 */
export function resampleTicks(ticks: Ticks, timeframe: string): BarArrays {
  const tf = timeframe.toUpperCase();
  const tfMs = timeframeMs(tf);
  if (tfMs === null) {
    throw new KinetraError(
      "unknown_timeframe",
      `unknown timeframe '${timeframe}'; expected one of M1, M5, M15, M30, H1, H4, D1, W1, MN1.`,
    );
  }
  const n = ticks.length;
  const point = 10 ** -ticks.digits;
  const time: number[] = [];
  const o: number[] = [], h: number[] = [], l: number[] = [], c: number[] = [];
  const tv: number[] = [], v: number[] = [], sp: number[] = [];
  let cur = NaN;
  for (let i = 0; i < n; i++) {
    const p = ticks.bid[i] === ticks.bid[i] ? ticks.bid[i] : ticks.last[i];
    if (p !== p) continue;
    const b = bucketStart(ticks.time[i], tf, tfMs);
    const spread = ticks.ask[i] === ticks.ask[i] && ticks.bid[i] === ticks.bid[i]
      ? Math.round((ticks.ask[i] - ticks.bid[i]) / point)
      : NaN;
    if (b !== cur) {
      cur = b;
      time.push(b);
      o.push(p);
      h.push(p);
      l.push(p);
      c.push(p);
      tv.push(1);
      v.push(ticks.volume[i]);
      sp.push(spread === spread ? spread : Infinity);
    } else {
      const k = time.length - 1;
      if (p > h[k]) h[k] = p;
      if (p < l[k]) l[k] = p;
      c[k] = p;
      tv[k]++;
      v[k] += ticks.volume[i];
      if (spread === spread && spread < sp[k]) sp[k] = spread;
    }
  }
  return {
    length: time.length,
    time: Float64Array.from(time),
    open: Float64Array.from(o),
    high: Float64Array.from(h),
    low: Float64Array.from(l),
    close: Float64Array.from(c),
    tickVolume: Float64Array.from(tv),
    volume: Float64Array.from(v),
    spread: Float64Array.from(sp, (x) => (x === Infinity ? 0 : x)),
  };
}
