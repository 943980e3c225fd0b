/**
 * Statistics of a run: backtesting.py's set (computed exactly as its `compute_stats`, so the
 * compat profile reproduces its figures) plus Kinetra's own (Omega, Z-factor, MFE/MAE, MFE and
 * energy captured, CHS, costs). Formulas and units: docs/METRICS.md.
 *
 * @module
 */
import { ChsTracker, type ChsTrade } from "../risk/chs.ts";
import { DAY_MS } from "../market/costs.ts";
import type { TradeRecord } from "../execution/types.ts";
import { TradeLog } from "../execution/trade_log.ts";
import { isShared, memoIndicator } from "../strategies/memo.ts";

/** Stable snake_case statistics (NaN/Infinity become null in JSON). */
export interface BacktestStats {
  /** Any further statistic (names stay stable). */
  [key: string]: number | string | null;
  /** Profile of the run: `mt5` or `compat`. */
  profile: string;
  /** Time of the first bar (ISO 8601). */
  start: string;
  /** Time of the last bar (ISO 8601). */
  end: string;
  /** Number of bars. */
  bars: number;
  /** Last bar time − first bar time, in days. */
  duration_days: number;
  /** Share of bars inside a closed trade, %. */
  exposure_pct: number;
  /** Equity at the last bar (open trades marked to market), money. */
  equity_final: number;
  /** Highest equity, money. */
  equity_peak: number;
  /** Total return, %. */
  return_pct: number;
  /** Buy and hold from the first trading bar's close to the last close, %. */
  buy_hold_return_pct: number;
  /** Annualised geometric return of the day returns, %. */
  return_ann_pct: number;
  /** Annualised volatility of the day returns (backtesting.py's formula), %. */
  volatility_ann_pct: number;
  /** Compound annual growth rate over calendar years (365.25 days), %. */
  cagr_pct: number;
  /** return_ann_pct / volatility_ann_pct (risk-free rate 0). */
  sharpe: number;
  /** Annualised return over annualised downside deviation of the day returns. */
  sortino: number;
  /** Annualised return over the maximum drawdown (fractions). */
  calmar: number;
  /** return_pct − beta × buy_hold_return_pct, %. */
  alpha_pct: number;
  /** Beta of the equity's log returns to the close's log returns. */
  beta: number;
  /** Deepest drawdown, % (negative). */
  max_drawdown_pct: number;
  /** Mean of the deepest drawdown of each drawdown period, % (negative). */
  avg_drawdown_pct: number;
  /** Longest drawdown period, bars. */
  max_drawdown_duration_bars: number;
  /** Longest drawdown period, days. */
  max_drawdown_duration_days: number;
  /** Mean drawdown period, bars. */
  avg_drawdown_duration_bars: number;
  /** Mean drawdown period, days. */
  avg_drawdown_duration_days: number;
  /** Number of closed trades. */
  trades: number;
  /** Share of trades with a positive pnl, %. */
  win_rate_pct: number;
  /** Best trade return, %. */
  best_trade_pct: number;
  /** Worst trade return, %. */
  worst_trade_pct: number;
  /** Geometric mean of the trade returns, %. */
  avg_trade_pct: number;
  /** Arithmetic mean of the trade returns, %. */
  expectancy_pct: number;
  /** Longest trade, days. */
  max_trade_duration_days: number;
  /** Mean trade duration, days. */
  avg_trade_duration_days: number;
  /** Sum of positive trade returns over the absolute sum of negative ones. */
  profit_factor: number;
  /** System quality number: √trades × mean(pnl) / std(pnl). */
  sqn: number;
  /** Kelly criterion: win rate − (1 − win rate) / (mean win / mean loss). */
  kelly: number;
  /** Omega ratio (threshold 0) of the per-bar equity returns. */
  omega: number;
  /** Omega ratio (threshold 0) of the trade returns. */
  omega_trades: number;
  /** Mean trade return / its standard deviation × √trades. */
  z_factor: number;
  /** Mean maximum favourable excursion, price units. */
  avg_mfe: number;
  /** Mean maximum adverse excursion, price units. */
  avg_mae: number;
  /** Mean share of the MFE captured by the exit, %. */
  mfe_captured_pct: number;
  /** Energy at entry of winning trades over that of all trades, %. */
  energy_captured_pct: number;
  /** Composite health score in [0, 1] (NaN under 10 trades). */
  chs: number;
  /** Risk of losing half the equity, from the trade returns, in [0, 1]. */
  risk_of_ruin: number;
  /** commissions + spread_costs + slippage_costs − swap, money. */
  total_costs: number;
  /** Commission paid, money. */
  commissions: number;
  /** Money lost to the spread (inside the prices). */
  spread_costs: number;
  /** Money lost to slippage (inside the prices). */
  slippage_costs: number;
  /** Swap accrued (negative = paid), money. */
  swap: number;
  /** Trades still open at the end. */
  open_trades: number;
  /** Orders the broker refused. */
  rejected_orders: number;
  /** All-in orders that could not buy one unit (compat). */
  cancelled_orders: number;
  /** Periods per year used to annualise (252, 365, 52, 12 or 1). */
  annual_periods: number;
}

/** What `computeStats` needs. */
export interface StatsInput {
  /** Profile name, copied into the stats. */
  profile: string;
  /** Bar open times, epoch ms. */
  time: Float64Array;
  /** Close prices. */
  close: Float64Array;
  /** Equity per bar. */
  equity: Float64Array;
  /** Closed trades: records, or the engine's column-wise log. */
  trades: readonly TradeRecord[] | TradeLog;
  /** Number of trades still open at the end. */
  openTrades: number;
  /** First bar of the loop (buy & hold starts at `start − 1`, as backtesting.py's first trading bar). */
  start: number;
  /** Number of rejected orders. */
  rejected: number;
  /** Number of cancelled orders. */
  cancelled: number;
  /** Drawdown of `equity` in percent when already computed (`drawdownPercent`). */
  drawdownPct?: Float64Array;
  /** Trades needed for CHS (default 10). */
  chsMinTrades?: number;
  /** An array to write the drawdown into when `drawdownPct` is not given (used when its length is the bars'). */
  drawdownBuffer?: Float64Array | null;
}

function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** backtesting.py's geometric mean: NaN → 0, any return <= −100 % → 0. */
export function geometricMean(returns: ArrayLike<number>): number {
  const n = returns.length;
  if (!n) return NaN;
  let s = 0;
  for (let k = 0; k < n; k++) {
    const r = returns[k] === returns[k] ? returns[k] + 1 : 1;
    if (r <= 0) return 0;
    s += Math.log(r);
  }
  return Math.exp(s / n) - 1;
}

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < xs.length; k++) s += xs[k];
  return xs.length ? s / xs.length : NaN;
}

function varDdof1(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (let k = 0; k < n; k++) s += (xs[k] - m) ** 2;
  return s / (n - 1);
}

/** Omega ratio at threshold 0: Σ gains / Σ |losses| (Infinity with gains and no losses, NaN when empty). */
export function omegaRatio(returns: ArrayLike<number>): number {
  let up = 0, down = 0;
  for (let k = 0; k < returns.length; k++) {
    const r = returns[k];
    if (r > 0) up += r;
    else if (r < 0) down -= r;
  }
  if (down > 0) return up / down;
  return up > 0 ? Infinity : NaN;
}

/** Periods per year from the median spacing of the last 100 bars, and the calendar grouping (0 day, 1 week, 2 month, 3 year). */
function periodMode(time: Float64Array): number {
  const n = time.length;
  const from = Math.max(0, n - 100);
  const diffs: number[] = [];
  for (let k = from + 1; k < n; k++) diffs.push(time[k] - time[k - 1]);
  const freqDays = Math.floor(median(diffs) / DAY_MS);
  return freqDays === 7 ? 1 : freqDays >= 28 && freqDays <= 31 ? 2 : freqDays >= 365 ? 3 : 0;
}

/** Drawdown in fractions (0 at peaks) of an equity curve. */
export function drawdownFraction(equity: Float64Array): Float64Array {
  const dd = new Float64Array(equity.length);
  let peak = -Infinity;
  for (let k = 0; k < equity.length; k++) {
    const e = equity[k];
    if (e > peak) peak = e;
    dd[k] = 1 - e / peak;
  }
  return dd;
}

/** Drawdown in percent (0 at peaks, negative below), computed without an intermediate array. */
export function drawdownPercent(equity: Float64Array): Float64Array {
  const out = new Float64Array(equity.length);
  let peak = -Infinity;
  for (let from = 0; from < equity.length; from += STATS_CHUNK) {
    peak = drawdownChunk(equity, out, peak, from, Math.min(equity.length, from + STATS_CHUNK));
  }
  return out;
}

function drawdownChunk(
  equity: Float64Array,
  out: Float64Array,
  peak: number,
  from: number,
  to: number,
): number {
  for (let k = from; k < to; k++) {
    const e = equity[k];
    if (e > peak) peak = e;
    const d = 1 - e / peak;
    out[k] = d === 0 ? 0 : -d * 100;
  }
  return peak;
}

const STATS_CHUNK = 8192;

/**
 * Running state of the one pass over the equity curve (`scanEquity`): drawdown and its periods
 * (as backtesting.py counts them: between zero-drawdown bars and the last bar), the last equity of
 * each calendar period, the per-bar Omega sums and beta's sums.
 */
class EquityScan {
  /** Highest equity so far. */
  peak = -Infinity;
  /** Deepest drawdown so far, % (<= 0). */
  deepest = 0;
  /** Deepest drawdown of the current period, %. */
  p = 0;
  prevZero = -1;
  /** Omega: sums of the positive returns and of the absolute negative ones. */
  up = 0;
  down = 0;
  /** Beta: sums of the shifted log returns (equity e, close m). */
  se = 0;
  sm = 0;
  sem = 0;
  smm = 0;
  /** First log returns (the shift). */
  e0 = 0;
  m0 = 0;
  weekend = 0;
  lastKey = NaN;
  day = NaN;
  dayEnd = -Infinity;
  isWeekend = false;
  key = NaN;
  /** Drawdown periods: length in ms and bars, depth (positive fraction). */
  durMs: number[] = [];
  durBars: number[] = [];
  peaks: number[] = [];
  /** Last equity of each calendar period. */
  dayEq: number[] = [];
}

/**
 * ln(b·(1 + x) / b) given x = a / b − 1. For ratios within 5 % of 1 (nearly every bar return) the
 * series ln(1 + x) = 2·atanh(z) = 2(z + z³/3 + z⁵/5 + z⁷/7 + z⁹/9), z = x / (2 + x), is used:
 * accurate to a few ulps (checked against Math.log) and about twice as fast.
 */
function logRatio(x: number, a: number, b: number): number {
  if (x > -0.05 && x < 0.05) {
    const z = x / (2 + x), z2 = z * z;
    return 2 * z * (1 + z2 * (1 / 3 + z2 * (1 / 5 + z2 * (1 / 7 + z2 * (1 / 9)))));
  }
  return Math.log(a / b);
}

/**
 * One chunk [from, to) of the fused pass. `ddGiven`: `dd` already holds the drawdown in percent
 * (else it is written here). Omega counts returns from bar `first + 1`; beta runs when n > 2.
 */
function scanChunk(
  s: EquityScan,
  time: Float64Array,
  close: Float64Array,
  equity: Float64Array,
  dd: Float64Array,
  ddGiven: boolean,
  mode: number,
  first: number,
  from: number,
  to: number,
): void {
  const n = equity.length;
  const betaOn = n > 2;
  const ln = Math.log;
  let peak = s.peak, deepest = s.deepest, p = s.p, prevZero = s.prevZero;
  let up = s.up, down = s.down, se = s.se, sm = s.sm, sem = s.sem, smm = s.smm;
  const e0 = s.e0, m0 = s.m0;
  let weekend = s.weekend, lastKey = s.lastKey;
  let day = s.day, dayEnd = s.dayEnd, isWeekend = s.isWeekend, key = s.key;
  const durMs = s.durMs, durBars = s.durBars, peaks = s.peaks, dayEq = s.dayEq;
  for (let k = from; k < to; k++) {
    const e = equity[k];
    // Drawdown (percent) and its periods.
    if (e > peak) peak = e;
    let d: number;
    if (ddGiven) d = dd[k];
    else {
      const f = 1 - e / peak;
      d = f === 0 ? 0 : -f * 100;
      dd[k] = d;
    }
    if (d < deepest) deepest = d;
    if (d < p) p = d;
    if (d === 0 || k === n - 1) {
      if (prevZero >= 0 && k > prevZero + 1) {
        durMs.push(time[k] - time[prevZero]);
        durBars.push(k - prevZero);
        peaks.push(-p / 100);
      }
      prevZero = k;
      p = d;
    }
    // Calendar periods: the day changes rarely, so it is recomputed only when a bar crosses its end.
    const t = time[k];
    if (t >= dayEnd || t < dayEnd - DAY_MS) {
      day = Math.floor(t / DAY_MS);
      dayEnd = (day + 1) * DAY_MS;
      const dow = ((day + 4) % 7 + 7) % 7; // 1970-01-01 was a Thursday
      isWeekend = dow === 6 || dow === 0;
      if (mode === 0) key = day;
      else if (mode === 1) key = Math.floor((day + 3) / 7);
      else {
        const dt = new Date(t);
        key = mode === 2 ? dt.getUTCFullYear() * 12 + dt.getUTCMonth() : dt.getUTCFullYear();
      }
    }
    if (isWeekend) weekend++;
    if (key === lastKey) dayEq[dayEq.length - 1] = e;
    else {
      dayEq.push(e);
      lastKey = key;
    }
    if (k === 0) continue;
    // Bar returns: Omega of the simple returns, beta of the log returns (the same ratio).
    const prev = equity[k - 1];
    const x = e / prev - 1;
    if (k > first) {
      const r = prev > 0 ? x : 0;
      if (r > 0) up += r;
      else if (r < 0) down -= r;
    }
    if (betaOn) {
      // logRatio inlined by hand (V8 did not inline it here and the call cost more than the series).
      let ev: number, mv: number;
      if (x > -0.05 && x < 0.05) {
        const z = x / (2 + x), z2 = z * z;
        ev = 2 * z * (1 + z2 * (1 / 3 + z2 * (1 / 5 + z2 * (1 / 7 + z2 * (1 / 9))))) - e0;
      } else ev = ln(e / prev) - e0;
      const c = close[k], cp = close[k - 1];
      const y = c / cp - 1;
      if (y > -0.05 && y < 0.05) {
        const z = y / (2 + y), z2 = z * z;
        mv = 2 * z * (1 + z2 * (1 / 3 + z2 * (1 / 5 + z2 * (1 / 7 + z2 * (1 / 9))))) - m0;
      } else mv = ln(c / cp) - m0;
      se += ev;
      sm += mv;
      sem += ev * mv;
      smm += mv * mv;
    }
  }
  s.peak = peak;
  s.deepest = deepest;
  s.p = p;
  s.prevZero = prevZero;
  s.up = up;
  s.down = down;
  s.se = se;
  s.sm = sm;
  s.sem = sem;
  s.smm = smm;
  s.weekend = weekend;
  s.lastKey = lastKey;
  s.day = day;
  s.dayEnd = dayEnd;
  s.isWeekend = isWeekend;
  s.key = key;
}

/**
 * What the pass over the bars needs from the bars alone (time and close), computed once per bar
 * series in a sweep (`barsPass`) and shared by every run on those bars: the calendar grouping,
 * weekend bars, the last bar of each calendar period, and beta's close log returns (shifted by the
 * first one) with their sums. Each number is computed by the same expressions in the same order as
 * in `scanChunk`, so the statistics are bit for bit the same either way.
 */
interface BarsPass {
  /** The time array these were computed for. */
  time: Float64Array;
  /** Calendar grouping (`periodMode`). */
  mode: number;
  /** Weekend bars. */
  weekend: number;
  /** Last bar of each calendar period, in order. */
  ends: Int32Array;
  /** Shifted close log return of bar k (k >= 1; empty when n <= 2). */
  mv: Float64Array;
  /** Σ mv and Σ mv² over bars 1 … n−1. */
  sm: number;
  smm: number;
}

function barsPass(time: Float64Array, close: Float64Array): BarsPass {
  const n = time.length;
  const mode = periodMode(time);
  const ln = Math.log;
  let weekend = 0, lastKey = NaN, day = NaN, dayEnd = -Infinity, isWeekend = false, key = NaN;
  const ends: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = time[k];
    if (t >= dayEnd || t < dayEnd - DAY_MS) {
      day = Math.floor(t / DAY_MS);
      dayEnd = (day + 1) * DAY_MS;
      const dow = ((day + 4) % 7 + 7) % 7;
      isWeekend = dow === 6 || dow === 0;
      if (mode === 0) key = day;
      else if (mode === 1) key = Math.floor((day + 3) / 7);
      else {
        const dt = new Date(t);
        key = mode === 2 ? dt.getUTCFullYear() * 12 + dt.getUTCMonth() : dt.getUTCFullYear();
      }
    }
    if (isWeekend) weekend++;
    if (key === lastKey) ends[ends.length - 1] = k;
    else {
      ends.push(k);
      lastKey = key;
    }
  }
  const betaOn = n > 2;
  const mv = new Float64Array(betaOn ? n : 0);
  let sm = 0, smm = 0;
  if (betaOn) {
    const m0 = logRatio(close[1] / close[0] - 1, close[1], close[0]);
    for (let k = 1; k < n; k++) {
      const c = close[k], cp = close[k - 1];
      const y = c / cp - 1;
      let v: number;
      if (y > -0.05 && y < 0.05) {
        const z = y / (2 + y), z2 = z * z;
        v = 2 * z * (1 + z2 * (1 / 3 + z2 * (1 / 5 + z2 * (1 / 7 + z2 * (1 / 9))))) - m0;
      } else v = ln(c / cp) - m0;
      mv[k] = v;
      sm += v;
      smm += v * v;
    }
  }
  return { time, mode, weekend, ends: Int32Array.from(ends), mv, sm, smm };
}

/**
 * `scanChunk` with the bars' part precomputed (`BarsPass`): drawdown and its periods, Omega and
 * the equity's side of beta. The calendar periods are read at the end from `BarsPass.ends`.
 */
function scanChunkPass(
  s: EquityScan,
  time: Float64Array,
  equity: Float64Array,
  dd: Float64Array,
  ddGiven: boolean,
  mv: Float64Array,
  first: number,
  from: number,
  to: number,
): void {
  const n = equity.length;
  const betaOn = n > 2;
  const ln = Math.log;
  let peak = s.peak, deepest = s.deepest, p = s.p, prevZero = s.prevZero;
  let up = s.up, down = s.down, se = s.se, sem = s.sem;
  const e0 = s.e0;
  const durMs = s.durMs, durBars = s.durBars, peaks = s.peaks;
  for (let k = from; k < to; k++) {
    const e = equity[k];
    if (e > peak) peak = e;
    let d: number;
    if (ddGiven) d = dd[k];
    else {
      const f = 1 - e / peak;
      d = f === 0 ? 0 : -f * 100;
      dd[k] = d;
    }
    if (d < deepest) deepest = d;
    if (d < p) p = d;
    if (d === 0 || k === n - 1) {
      if (prevZero >= 0 && k > prevZero + 1) {
        durMs.push(time[k] - time[prevZero]);
        durBars.push(k - prevZero);
        peaks.push(-p / 100);
      }
      prevZero = k;
      p = d;
    }
    if (k === 0) continue;
    const prev = equity[k - 1];
    const x = e / prev - 1;
    if (k > first) {
      const r = prev > 0 ? x : 0;
      if (r > 0) up += r;
      else if (r < 0) down -= r;
    }
    if (betaOn) {
      let ev: number;
      if (x > -0.05 && x < 0.05) {
        const z = x / (2 + x), z2 = z * z;
        ev = 2 * z * (1 + z2 * (1 / 3 + z2 * (1 / 5 + z2 * (1 / 7 + z2 * (1 / 9))))) - e0;
      } else ev = ln(e / prev) - e0;
      const mvk = mv[k];
      se += ev;
      sem += ev * mvk;
    }
  }
  s.peak = peak;
  s.deepest = deepest;
  s.p = p;
  s.prevZero = prevZero;
  s.up = up;
  s.down = down;
  s.se = se;
  s.sem = sem;
}

/** The shared `BarsPass` of these bars while a sweep shares indicators on `close` (memo.ts), else null. */
function sharedBarsPass(time: Float64Array, close: Float64Array): BarsPass | null {
  if (!isShared(close)) return null;
  const pass = memoIndicator(close, "stats:bars-pass", () => barsPass(time, close));
  // A pass is for one time array (the close array of a sweep's bars always comes with the same one).
  return pass.time === time && time.length === close.length ? pass : null;
}

/** Bars inside [entry_bar, exit_bar] of any trade (0 … n−1). */
function exposedBars(trades: TradeLog, n: number): number {
  // Entries in order (one position at a time): merge the intervals as they come.
  let count = 0, end = -1, lastStart = -Infinity;
  for (let k = 0; k < trades.length; k++) {
    const a = Math.max(0, trades.entryBar[k]), b = Math.min(trades.exitBar[k], n - 1);
    if (a < lastStart) return exposedByMarks(trades, n);
    lastStart = a;
    if (b >= a && b > end) {
      count += b - Math.max(a, end + 1) + 1;
      end = b;
    }
  }
  return count;
}

/** `exposedBars` for trades whose entries are not in order: mark the bars, then count them. */
function exposedByMarks(trades: TradeLog, n: number): number {
  const have = new Uint8Array(n);
  for (let k = 0; k < trades.length; k++) {
    const e = Math.min(trades.exitBar[k], n - 1);
    for (let b = Math.max(0, trades.entryBar[k]); b <= e; b++) have[b] = 1;
  }
  let c = 0;
  for (let k = 0; k < n; k++) c += have[k];
  return c;
}

/**
 * Everything the statistics need from the per-bar series, in one pass (chunked: V8 optimises a
 * small function called many times sooner than one long loop).
 */
function scanEquity(
  time: Float64Array,
  close: Float64Array,
  equity: Float64Array,
  dd: Float64Array | undefined,
  first: number,
  ddBuf?: Float64Array | null,
): { scan: EquityScan; mode: number; ddPct: Float64Array } {
  const n = equity.length;
  const s = new EquityScan();
  if (n > 2) {
    const x0 = equity[1] / equity[0] - 1, c0 = close[1] / close[0] - 1;
    s.e0 = logRatio(x0, equity[1], equity[0]);
    s.m0 = logRatio(c0, close[1], close[0]);
  }
  const ddGiven = dd !== undefined;
  // Every element of the drawdown is written in the pass (a reused buffer needs no clearing).
  const ddPct = dd ?? (ddBuf && ddBuf.length === n ? ddBuf : new Float64Array(n));
  const pass = n > 0 && n === time.length ? sharedBarsPass(time, close) : null;
  if (pass) {
    for (let from = 0, to = Math.min(n, 256); from < n; from = to, to = Math.min(n, to + STATS_CHUNK)) {
      scanChunkPass(s, time, equity, ddPct, ddGiven, pass.mv, first, from, to);
    }
    s.sm = pass.sm;
    s.smm = pass.smm;
    s.weekend = pass.weekend;
    const ends = pass.ends;
    for (let j = 0; j < ends.length; j++) s.dayEq.push(equity[ends[j]]);
    return { scan: s, mode: pass.mode, ddPct };
  }
  const mode = periodMode(time);
  // The first chunk is short: the function then returns (and records type feedback for its last
  // lines) before V8 optimises it in the middle of a loop; with a long first call V8 compiled it
  // without that feedback, and the compiled code bailed out at the end of every later chunk.
  for (let from = 0, to = Math.min(n, 256); from < n; from = to, to = Math.min(n, to + STATS_CHUNK)) {
    scanChunk(s, time, close, equity, ddPct, ddGiven, mode, first, from, to);
  }
  return { scan: s, mode, ddPct };
}

/** Compute every statistic. */
export function computeStats(inp: StatsInput): BacktestStats {
  return computeStatsWithDrawdown(inp).stats;
}

/**
 * Every statistic and the drawdown in percent per bar (`inp.drawdownPct` when given, else computed
 * in the same pass over the bars as the statistics).
 */
export function computeStatsWithDrawdown(
  inp: StatsInput,
): { stats: BacktestStats; drawdownPct: Float64Array } {
  const { time, close, equity, trades } = inp;
  const n = equity.length;
  const e0 = n ? equity[0] : NaN;
  const eLast = n ? equity[n - 1] : NaN;
  const first = Math.max(0, inp.start - 1);
  const L = trades instanceof TradeLog ? trades : TradeLog.fromRecords(trades);
  // One pass over the bars: drawdown and its periods, calendar periods, Omega, beta, exposure.
  const { scan, mode, ddPct } = scanEquity(time, close, equity, inp.drawdownPct, first, inp.drawdownBuffer);
  const peak = scan.peak;
  const maxDd = -scan.deepest / 100;
  const { durMs: ddDurMs, durBars: ddDurBars, peaks: ddPeaks } = scan;

  // "Day" returns: last equity per calendar period, percentage change.
  const haveWeekends = n > 0 && scan.weekend / n > 2 / 7 * 0.6;
  const annual = mode === 1 ? 52 : mode === 2 ? 12 : mode === 3 ? 1 : haveWeekends ? 365 : 252;
  const dayEq = scan.dayEq;
  const dayRet = new Float64Array(Math.max(0, dayEq.length - 1));
  for (let k = 1; k < dayEq.length; k++) dayRet[k - 1] = dayEq[k] / dayEq[k - 1] - 1;
  const g = geometricMean(dayRet);
  const annRet = (1 + g) ** annual - 1;
  const v = varDdof1(dayRet);
  const annVol = Math.sqrt((v + (1 + g) ** 2) ** annual - (1 + g) ** (2 * annual));
  let dsq = 0;
  for (let k = 0; k < dayRet.length; k++) dsq += Math.min(dayRet[k], 0) ** 2;
  const downside = Math.sqrt(dsq / dayRet.length) * Math.sqrt(annual);
  const durationMs = n ? time[n - 1] - time[0] : NaN;
  const years = durationMs / DAY_MS / 365.25;
  const cagr = years ? (eLast / e0) ** (1 / years) - 1 : NaN;

  const c1 = n - 1;
  const beta = n <= 2 ? NaN : (scan.sem - scan.se * scan.sm / c1) / (scan.smm - scan.sm * scan.sm / c1);
  const omega = scan.down > 0 ? scan.up / scan.down : scan.up > 0 ? Infinity : NaN;

  // Trades.
  const nt = trades.length;
  const bh = n ? (close[n - 1] - close[first]) / close[first] * 100 : NaN;
  const returnPct = (eLast - e0) / e0 * 100;
  const rets = new Float64Array(nt), pnls = new Float64Array(nt);
  let wins = 0, sumPos = 0, sumNeg = 0, pnlWin = 0, nWin = 0, pnlLoss = 0, nLoss = 0;
  let best = -Infinity, worst = Infinity, maxDur = -Infinity, sumDur = 0;
  let commissions = 0, spreadCosts = 0, slippage = 0, swap = 0;
  let mfeSum = 0, maeSum = 0, capSum = 0, capN = 0, enWin = 0, enAll = 0, enN = 0;
  const chsTracker = new ChsTracker({ periodsPerYear: annual, minTrades: inp.chsMinTrades ?? 10 });
  const chsTrade: ChsTrade = { returnPct: 0, pnl: 0, mfe: 0, captured: 0, energy: NaN };
  for (let k = 0; k < nt; k++) {
    const retPct = L.returnPct[k], pnl = L.pnl[k], mfe = L.mfe[k], energy = L.energy[k];
    const r = retPct / 100;
    rets[k] = r;
    pnls[k] = pnl;
    if (pnl > 0) {
      wins++;
      pnlWin += pnl;
      nWin++;
    } else if (pnl < 0) {
      pnlLoss += pnl;
      nLoss++;
    }
    if (r > 0) sumPos += r;
    else if (r < 0) sumNeg += r;
    if (r > best) best = r;
    if (r < worst) worst = r;
    const eb = L.entryBar[k], xb = L.exitBar[k];
    const dur = xb < n && eb >= 0 ? (time[xb] - time[eb]) / DAY_MS : NaN;
    if (dur > maxDur) maxDur = dur;
    sumDur += dur;
    commissions += L.commission[k];
    spreadCosts += L.spreadCost[k];
    slippage += L.slippageCost[k];
    swap += L.swap[k];
    mfeSum += mfe;
    maeSum += L.mae[k];
    const captured = L.side[k] > 0 ? L.exitPrice[k] - L.entryPrice[k] : L.entryPrice[k] - L.exitPrice[k];
    if (mfe > 0) {
      capSum += Math.min(1, Math.max(0, captured / mfe));
      capN++;
    }
    if (Number.isFinite(energy) && energy >= 0) {
      enAll += energy;
      enN++;
      if (pnl > 0) enWin += energy;
    }
    // One reused object: the tracker keeps running sums, not the trades.
    chsTrade.returnPct = retPct;
    chsTrade.pnl = pnl;
    chsTrade.mfe = mfe;
    chsTrade.captured = captured;
    chsTrade.energy = energy;
    chsTracker.addTrade(chsTrade);
  }
  const exposed = exposedBars(L, n);
  const winRate = nt ? wins / nt : NaN;
  const pnlMean = mean(pnls);
  const pnlStd = Math.sqrt(varDdof1(pnls));
  const retMean = mean(rets);
  const retStd = Math.sqrt(varDdof1(rets));

  // CHS from the same tracker the live runner uses: every closed trade and the day returns.
  for (let k = 0; k < dayRet.length; k++) chsTracker.addReturn(dayRet[k]);
  const chs = chsTracker.components();

  const nz = (x: number) => (x ? x : NaN);
  const stats: BacktestStats = {
    profile: inp.profile,
    start: n ? new Date(time[0]).toISOString() : "",
    end: n ? new Date(time[n - 1]).toISOString() : "",
    bars: n,
    duration_days: durationMs / DAY_MS,
    exposure_pct: n ? exposed / n * 100 : NaN,
    equity_final: eLast,
    equity_peak: peak,
    return_pct: returnPct,
    buy_hold_return_pct: bh,
    return_ann_pct: annRet * 100,
    volatility_ann_pct: annVol * 100,
    cagr_pct: cagr * 100,
    sharpe: (annRet * 100) / nz(annVol * 100),
    sortino: annRet / downside,
    calmar: annRet / nz(maxDd),
    alpha_pct: returnPct - beta * bh,
    beta,
    max_drawdown_pct: maxDd ? -maxDd * 100 : 0,
    avg_drawdown_pct: ddPeaks.length ? -mean(ddPeaks) * 100 : NaN,
    max_drawdown_duration_bars: ddDurBars.length ? Math.max(...ddDurBars) : NaN,
    max_drawdown_duration_days: ddDurMs.length ? Math.max(...ddDurMs) / DAY_MS : NaN,
    avg_drawdown_duration_bars: ddDurBars.length ? mean(ddDurBars) : NaN,
    avg_drawdown_duration_days: ddDurMs.length ? mean(ddDurMs) / DAY_MS : NaN,
    trades: nt,
    win_rate_pct: winRate * 100,
    best_trade_pct: nt ? best * 100 : NaN,
    worst_trade_pct: nt ? worst * 100 : NaN,
    avg_trade_pct: geometricMean(rets) * 100,
    expectancy_pct: retMean * 100,
    max_trade_duration_days: nt ? maxDur : NaN,
    avg_trade_duration_days: nt ? sumDur / nt : NaN,
    profit_factor: sumPos / nz(Math.abs(sumNeg)),
    sqn: Math.sqrt(nt) * pnlMean / nz(pnlStd),
    kelly: winRate - (1 - winRate) / ((pnlWin / nWin) / (-pnlLoss / nLoss)),
    omega,
    omega_trades: omegaRatio(rets),
    z_factor: nt > 1 ? retMean / nz(retStd) * Math.sqrt(nt) : NaN,
    avg_mfe: nt ? mfeSum / nt : NaN,
    avg_mae: nt ? maeSum / nt : NaN,
    mfe_captured_pct: capN ? capSum / capN * 100 : NaN,
    energy_captured_pct: enN && enAll > 0 ? enWin / enAll * 100 : NaN,
    chs: chs.chs,
    risk_of_ruin: chs.risk_of_ruin,
    total_costs: commissions + spreadCosts + slippage - swap,
    commissions,
    spread_costs: spreadCosts,
    slippage_costs: slippage,
    swap,
    open_trades: inp.openTrades,
    rejected_orders: inp.rejected,
    cancelled_orders: inp.cancelled,
    annual_periods: annual,
  };
  return { stats, drawdownPct: ddPct };
}
