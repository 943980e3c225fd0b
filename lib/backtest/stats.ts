/**
 * Statistics of a run: backtesting.py's set (computed exactly as its `compute_stats`, so the
 * compat profile reproduces its figures) plus Kinetra's own (Omega, Z-factor, MFE/MAE, MFE and
 * energy captured, CHS, costs). Formulas and units: docs/METRICS.md.
 *
 * @module
 */
import { ChsTracker, type ChsTrade } from "../risk/chs.ts";
import { DAY_MS } from "./costs.ts";
import type { TradeRecord } from "./engine.ts";
import { TradeLog } from "./trade_log.ts";

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

/**
 * Periods per year and the last equity of each calendar period (day; Monday-based week, month or
 * year for coarser data), in one pass over the bars.
 */
function periodEquity(time: Float64Array, equity: Float64Array): { annual: number; values: Float64Array } {
  const n = time.length;
  const from = Math.max(0, n - 100);
  const diffs: number[] = [];
  for (let k = from + 1; k < n; k++) diffs.push(time[k] - time[k - 1]);
  const freqDays = Math.floor(median(diffs) / DAY_MS);
  const mode = freqDays === 7 ? 1 : freqDays >= 28 && freqDays <= 31 ? 2 : freqDays >= 365 ? 3 : 0;
  const out: number[] = [];
  let weekend = 0;
  let lastKey = NaN;
  // The calendar day changes rarely: recompute it only when a bar crosses the current day's end.
  let day = NaN, dayEnd = -Infinity, isWeekend = false, key = NaN;
  for (let k = 0; k < n; k++) {
    const t = time[k];
    if (t >= dayEnd || t < dayEnd - DAY_MS) {
      day = Math.floor(t / DAY_MS);
      dayEnd = (day + 1) * DAY_MS;
      const dow = ((day + 4) % 7 + 7) % 7; // 1970-01-01 was a Thursday
      isWeekend = dow === 6 || dow === 0;
      if (mode === 0) key = day;
      else if (mode === 1) key = Math.floor((day + 3) / 7);
      else {
        const d = new Date(t);
        key = mode === 2 ? d.getUTCFullYear() * 12 + d.getUTCMonth() : d.getUTCFullYear();
      }
    }
    if (isWeekend) weekend++;
    if (key === lastKey) out[out.length - 1] = equity[k];
    else {
      out.push(equity[k]);
      lastKey = key;
    }
  }
  const haveWeekends = n > 0 && weekend / n > 2 / 7 * 0.6;
  const annual = mode === 1 ? 52 : mode === 2 ? 12 : mode === 3 ? 1 : haveWeekends ? 365 : 252;
  return { annual, values: Float64Array.from(out) };
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

function maxOf(x: Float64Array): number {
  let m = -Infinity;
  for (let k = 0; k < x.length; k++) if (x[k] > m) m = x[k];
  return m;
}

/**
 * Drawdown periods between zero-drawdown bars (and the last bar), as backtesting.py counts them,
 * from the drawdown in percent (<= 0). Depths are returned as positive fractions.
 */
function drawdownPeriods(
  time: Float64Array,
  ddPct: Float64Array,
): { maxDd: number; durMs: number[]; durBars: number[]; peaks: number[] } {
  const n = ddPct.length;
  let deepest = 0;
  const durMs: number[] = [], durBars: number[] = [], peaks: number[] = [];
  let prevZero = -1;
  let p = 0;
  for (let k = 0; k < n; k++) {
    const d = ddPct[k];
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
  }
  return { maxDd: -deepest / 100, durMs, durBars, peaks };
}

/**
 * ln(a / b). For ratios within 5 % of 1 (nearly every bar return) the series
 * ln(1 + x) = 2·atanh(z) = 2(z + z³/3 + z⁵/5 + z⁷/7 + z⁹/9), z = x / (2 + x), is used: accurate to
 * a few ulps (checked against Math.log) and about twice as fast.
 */
function logRatio(a: number, b: number): number {
  const x = a / b - 1;
  if (x > -0.05 && x < 0.05) {
    const z = x / (2 + x), z2 = z * z;
    return 2 * z * (1 + z2 * (1 / 3 + z2 * (1 / 5 + z2 * (1 / 7 + z2 * (1 / 9)))));
  }
  return Math.log(a / b);
}

/**
 * Beta of the equity's log returns to the close's log returns (sample covariance / variance), in
 * one pass over shifted data (no arrays, no division per bar).
 */
function betaOf(equity: Float64Array, close: Float64Array): number {
  const n = equity.length;
  if (n <= 2) return NaN;
  // Sums of the data shifted by the first return (keeps the one-pass formula accurate), in chunks
  // (a small function called often is optimised sooner than one long loop).
  const acc = new Float64Array(6);
  acc[4] = logRatio(equity[1], equity[0]);
  acc[5] = logRatio(close[1], close[0]);
  for (let from = 1; from < n; from += STATS_CHUNK) {
    betaChunk(equity, close, acc, from, Math.min(n, from + STATS_CHUNK));
  }
  const [se, sm, sem, smm] = acc;
  const c = n - 1;
  const cov = sem - se * sm / c;
  const vm = smm - sm * sm / c;
  return cov / vm;
}

const STATS_CHUNK = 8192;

function betaChunk(
  equity: Float64Array,
  close: Float64Array,
  acc: Float64Array,
  from: number,
  to: number,
): void {
  let se = acc[0], sm = acc[1], sem = acc[2], smm = acc[3];
  const e0 = acc[4], m0 = acc[5];
  for (let k = from; k < to; k++) {
    const e = logRatio(equity[k], equity[k - 1]) - e0;
    const m = logRatio(close[k], close[k - 1]) - m0;
    se += e;
    sm += m;
    sem += e * m;
    smm += m * m;
  }
  acc[0] = se;
  acc[1] = sm;
  acc[2] = sem;
  acc[3] = smm;
}

/** Bars inside [entry_bar, exit_bar] of any trade. */
function exposedBars(trades: TradeLog, n: number): number {
  const have = new Uint8Array(n);
  for (let k = 0; k < trades.length; k++) {
    const e = Math.min(trades.exitBar[k], n - 1);
    for (let b = Math.max(0, trades.entryBar[k]); b <= e; b++) have[b] = 1;
  }
  let c = 0;
  for (let k = 0; k < n; k++) c += have[k];
  return c;
}

/** Omega of the per-bar equity returns from bar `first` on (returns after a non-positive equity count as 0). */
function barOmega(equity: Float64Array, first: number): number {
  let up = 0, down = 0;
  for (let k = first + 1; k < equity.length; k++) {
    const p = equity[k - 1];
    const r = p > 0 ? equity[k] / p - 1 : 0;
    if (r > 0) up += r;
    else if (r < 0) down -= r;
  }
  if (down > 0) return up / down;
  return up > 0 ? Infinity : NaN;
}

/** Compute every statistic. */
export function computeStats(inp: StatsInput): BacktestStats {
  const { time, close, equity, trades } = inp;
  const n = equity.length;
  const e0 = n ? equity[0] : NaN;
  const eLast = n ? equity[n - 1] : NaN;
  const peak = maxOf(equity);
  const ddPct = inp.drawdownPct ?? drawdownPercent(equity);
  const { maxDd, durMs: ddDurMs, durBars: ddDurBars, peaks: ddPeaks } = drawdownPeriods(time, ddPct);

  // "Day" returns: last equity per calendar period, percentage change.
  const { annual, values: dayEq } = periodEquity(time, equity);
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

  const beta = betaOf(equity, close);

  // Trades.
  const nt = trades.length;
  const first = Math.max(0, inp.start - 1);
  const bh = n ? (close[n - 1] - close[first]) / close[first] * 100 : NaN;
  const returnPct = (eLast - e0) / e0 * 100;
  const rets = new Float64Array(nt), pnls = new Float64Array(nt);
  let wins = 0, sumPos = 0, sumNeg = 0, pnlWin = 0, nWin = 0, pnlLoss = 0, nLoss = 0;
  let best = -Infinity, worst = Infinity, maxDur = -Infinity, sumDur = 0;
  let commissions = 0, spreadCosts = 0, slippage = 0, swap = 0;
  let mfeSum = 0, maeSum = 0, capSum = 0, capN = 0, enWin = 0, enAll = 0, enN = 0;
  const chsTracker = new ChsTracker({ periodsPerYear: annual, minTrades: inp.chsMinTrades ?? 10 });
  const chsTrade: ChsTrade = { returnPct: 0, pnl: 0, mfe: 0, captured: 0, energy: NaN };
  const L = trades instanceof TradeLog ? trades : TradeLog.fromRecords(trades);
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
  return {
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
    omega: barOmega(equity, first),
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
}
