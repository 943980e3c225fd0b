/**
 * Test data for the modelling modes: a seeded synthetic M15 random walk (with occasional long wicks)
 * and its H1 aggregate, written as MT5 exports to a temporary folder, so the lower file sits beside
 * the H1 file as in the master data.
 */
import { join } from "node:path";
import type { BarArrays } from "../../lib/data/types.ts";
import { aggregateBars } from "../../lib/backtest/intrabar.ts";
import { makeRng } from "../../lib/research/rng.ts";

const Q = 900_000;
/** One hour in ms. */
export const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 2, 0);

/** A seeded M15 random walk with wide bars (so brackets often see both levels in one H1 bar). */
export function m15(n: number, seed = 7): BarArrays {
  const rng = makeRng(seed);
  const t = new Float64Array(n), o = new Float64Array(n), h = new Float64Array(n), l = new Float64Array(n);
  const c = new Float64Array(n);
  let p = 1.25;
  for (let i = 0; i < n; i++) {
    const open = p;
    const close = Math.round((open + (rng.next() - 0.5) * 0.004) * 1e5) / 1e5;
    // Now and then a long wick on both sides: H1 bars touching both a stop and a target.
    const wick = rng.next() < 0.15 ? 0.006 : 0.002;
    const hi = Math.round((Math.max(open, close) + rng.next() * wick) * 1e5) / 1e5;
    const lo = Math.round((Math.min(open, close) - rng.next() * wick) * 1e5) / 1e5;
    t[i] = T0 + i * Q;
    o[i] = open;
    h[i] = hi;
    l[i] = lo;
    c[i] = close;
    p = close;
  }
  return {
    length: n,
    time: t,
    open: o,
    high: h,
    low: l,
    close: c,
    tickVolume: new Float64Array(n).fill(10),
    volume: new Float64Array(n),
    spread: new Float64Array(n).fill(5),
  };
}

const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[-T:]/g, "");

/** Write bars as an MT5 export named SYMBOL_TF_FIRST_LAST.csv in `dir`; returns the path. */
export function writeMt5(dir: string, symbol: string, tf: string, b: BarArrays): string {
  const lines = ["<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>"];
  for (let i = 0; i < b.length; i++) {
    const iso = new Date(b.time[i]).toISOString();
    lines.push(
      [
        iso.slice(0, 10).replaceAll("-", "."),
        iso.slice(11, 19),
        b.open[i].toFixed(5),
        b.high[i].toFixed(5),
        b.low[i].toFixed(5),
        b.close[i].toFixed(5),
        b.tickVolume[i],
        0,
        b.spread ? b.spread[i] : 0,
      ].join("\t"),
    );
  }
  const path = join(dir, `${symbol}_${tf}_${stamp(b.time[0])}_${stamp(b.time[b.length - 1])}.csv`);
  Deno.writeTextFileSync(path, lines.join("\r\n") + "\r\n");
  return path;
}

/** A folder with GBPUSD+ M15 and its H1 aggregate (`days` days), and the H1 file's path. */
export function synthetic(days: number): { dir: string; h1: string; m15: string } {
  const dir = Deno.makeTempDirSync({ prefix: "kinetra_model_" });
  const low = m15(days * 96);
  const m15File = writeMt5(dir, "GBPUSD+", "M15", low);
  const h1 = writeMt5(dir, "GBPUSD+", "H1", aggregateBars(low, H));
  return { dir, h1, m15: m15File };
}
