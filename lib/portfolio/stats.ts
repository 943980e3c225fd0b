/**
 * Statistics of a portfolio run: the backtest's statistics for the account (on the union of the
 * times; buy and hold = an equal-weight basket of the symbols), the same per symbol (its
 * contribution on its own bars), the account's own figures (balance, margin used, lowest margin
 * level, stop-outs), the correlation matrix of the symbols' daily returns, exposure by asset class
 * (mean and peak, and over time, downsampled), and the JSON of `deno task portfolio --json`.
 *
 * @module
 */
import { type BacktestStats, computeStatsWithDrawdown } from "../backtest/stats.ts";
import type { TradeRecord } from "../execution/types.ts";
import type { PortfolioRun } from "./engine.ts";
import type { PortfolioReportInput } from "../plot/portfolio.ts";
import {
  MONEY_DECIMALS,
  roundDecimals,
  roundStatsForOutput,
  roundTradeForOutput,
} from "../backtest/output_rounding.ts";

/** The correlation matrix of the symbols' daily close-to-close returns (pairwise complete days). */
export interface CorrelationMatrix {
  /** The symbols, in the matrix's order. */
  symbols: string[];
  /** matrix[a][b] in [-1, 1]; NaN (null in JSON) when fewer than 3 common days. */
  matrix: number[][];
}

/** One symbol's figures. */
export interface SymbolSummary {
  /** Symbol name. */
  symbol: string;
  /** Its asset class. */
  asset_class: string;
  /** Statistics of its contribution (cash + its P&L on its own bars). */
  stats: BacktestStats;
  /** Closed trades. */
  trades: number;
  /** Sum of the closed trades' net profit, account currency. */
  net_profit: number;
  /** Realised plus unrealised P&L at the end, account currency. */
  contribution: number;
  /** Share of its own bars with a trade open, %. */
  exposure_pct: number;
}

/** A trade with its symbol. */
export type PortfolioTrade = TradeRecord & { symbol: string };

/**
 * The account's own figures, beside the backtest statistics (the same names in the JSON's `stats`
 * and in the HTML report's statistics table).
 */
export interface AccountStats {
  /** Cash at the end (after finalize), account currency. */
  balance_final: number;
  /** Equity at the end (the backtest field of the same name), account currency. */
  equity_final: number;
  /** Largest margin of the open trades at any union time, account currency. */
  margin_used_max: number;
  /** Mean margin of the open trades over the union times, account currency. */
  margin_used_mean: number;
  /**
   * Lowest margin level (equity ÷ margin × 100) at any mark while margin was used, before that
   * time's stop-out closes (below the stop-out level when one happened); null if no margin was used.
   */
  margin_level_min_pct: number | null;
  /** Times at which a stop-out closed positions. */
  stop_outs: number;
  /** Trades those stop-outs closed (exit reason `stop_out`). */
  stop_out_closes: number;
}

/** Exposure per asset class over time, downsampled to buckets of consecutive union times. */
export interface ExposureSeries {
  /** Union times per bucket (1 when the run has no more times than the points asked for). */
  bucket_times: number;
  /** Start time of each bucket (its first union time), epoch ms. */
  time: number[];
  /** Per asset class: the mean and the peak exposure within each bucket, % of equity. */
  classes: Record<string, { mean_pct: number[]; max_pct: number[] }>;
}

/** Points of the exposure series at most (`portfolioStats`' default). */
export const EXPOSURE_SERIES_POINTS = 500;

/** Account statistics and the per-symbol breakdown. */
export interface PortfolioStats {
  /** The account's statistics (every backtest field). */
  stats: BacktestStats;
  /** The account's balance, margin, margin level and stop-outs. */
  account: AccountStats;
  /** Drawdown of the account equity, % per union time. */
  drawdownPct: Float64Array;
  /** Per symbol, in the run's order. */
  symbols: SymbolSummary[];
  /** Every closed trade, in exit-time order (ties by symbol order). */
  trades: PortfolioTrade[];
  /** Correlation of the symbols' daily returns. */
  correlation: CorrelationMatrix;
  /** Mean and peak of each asset class's exposure, % of equity. */
  exposureByClass: Record<string, { mean_pct: number; max_pct: number }>;
  /** Each asset class's exposure over time (at most `EXPOSURE_SERIES_POINTS` buckets). */
  exposureSeries: ExposureSeries;
}

/**
 * Exposure per class over time in at most `maxPoints` buckets of `ceil(times ÷ maxPoints)`
 * consecutive union times, each with the mean and the peak of its times (so a short spike stays
 * visible in `max_pct` while `mean_pct` keeps the average). Values rounded to 0.01 %.
 */
export function exposureSeries(
  time: Float64Array,
  byClass: Readonly<Record<string, Float64Array>>,
  maxPoints = EXPOSURE_SERIES_POINTS,
): ExposureSeries {
  const U = time.length;
  const per = Math.max(1, Math.ceil(U / Math.max(1, Math.floor(maxPoints))));
  const t: number[] = [];
  for (let a = 0; a < U; a += per) t.push(time[a]);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const classes: ExposureSeries["classes"] = {};
  for (const [c, v] of Object.entries(byClass)) {
    const mean: number[] = [], max: number[] = [];
    for (let a = 0; a < U; a += per) {
      const b = Math.min(U, a + per);
      let s = 0, m = -Infinity;
      for (let u = a; u < b; u++) {
        s += v[u];
        if (v[u] > m) m = v[u];
      }
      mean.push(r2(s / (b - a)));
      max.push(r2(m));
    }
    classes[c] = { mean_pct: mean, max_pct: max };
  }
  return { bucket_times: per, time: t, classes };
}

/** The account's balance, margin, margin level and stop-outs of a run. */
export function accountStats(run: PortfolioRun): AccountStats {
  const U = run.time.length;
  let max = 0, sum = 0;
  for (let u = 0; u < U; u++) {
    const m = run.margin[u];
    sum += m;
    if (m > max) max = m;
  }
  let closes = 0;
  for (const s of run.symbols) for (const t of s.trades) if (t.exit_reason === "stop_out") closes++;
  return {
    balance_final: run.balance,
    equity_final: U ? run.equity[U - 1] : run.config.cash,
    margin_used_max: max,
    margin_used_mean: U ? sum / U : 0,
    margin_level_min_pct: Number.isFinite(run.marginLevelMinPct) ? run.marginLevelMinPct : null,
    stop_outs: run.stopOutTimes.length,
    stop_out_closes: closes,
  };
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m] < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** Equal-weight basket: mean over the symbols of last close ÷ first close, per union time. */
export function basketIndex(run: PortfolioRun, closes: readonly Float64Array[]): Float64Array {
  const U = run.time.length;
  const out = new Float64Array(U);
  const K = closes.length;
  for (let u = 0; u < U; u++) {
    let s = 0, m = 0;
    for (let k = 0; k < K; k++) {
      const j = run.barIndex[k][u];
      if (j < 0) continue;
      s += closes[k][j] / closes[k][0];
      m++;
    }
    out[u] = m ? s / m : 1;
  }
  return out;
}

/** Daily (UTC day) close-to-close returns of one series: day key → return. */
function dailyReturns(time: Float64Array, close: Float64Array): Map<number, number> {
  const out = new Map<number, number>();
  let prevDay = NaN, prevClose = NaN, lastClose = NaN, day = NaN;
  for (let i = 0; i < time.length; i++) {
    const d = Math.floor(time[i] / 86_400_000);
    if (d !== day) {
      if (day === day) {
        if (prevClose === prevClose) out.set(day, lastClose / prevClose - 1);
        prevClose = lastClose;
        prevDay = day;
      }
      day = d;
    }
    lastClose = close[i];
  }
  if (day === day && prevClose === prevClose && prevDay === prevDay) out.set(day, lastClose / prevClose - 1);
  return out;
}

/** Pearson correlation of the symbols' daily returns over the days both have. */
export function correlationMatrix(
  series: readonly { symbol: string; time: Float64Array; close: Float64Array }[],
): CorrelationMatrix {
  const rets = series.map((s) => dailyReturns(s.time, s.close));
  const K = series.length;
  const matrix = Array.from({ length: K }, () => new Array<number>(K).fill(NaN));
  for (let a = 0; a < K; a++) {
    for (let b = a; b < K; b++) {
      let n = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (const [d, x] of rets[a]) {
        const y = rets[b].get(d);
        if (y === undefined) continue;
        n++;
        sa += x;
        sb += y;
        saa += x * x;
        sbb += y * y;
        sab += x * y;
      }
      let r = NaN;
      if (n >= 3) {
        const cov = sab - sa * sb / n, va = saa - sa * sa / n, vb = sbb - sb * sb / n;
        r = va > 0 && vb > 0 ? Math.max(-1, Math.min(1, cov / Math.sqrt(va * vb))) : NaN;
      }
      matrix[a][b] = matrix[b][a] = r;
    }
  }
  return { symbols: series.map((s) => s.symbol), matrix };
}

/** Statistics of a portfolio run. `bars` are the symbols' bars (same order as the run's symbols). */
export function portfolioStats(
  run: PortfolioRun,
  bars: readonly { time: Float64Array; close: Float64Array }[],
  opts: { exposurePoints?: number } = {},
): PortfolioStats {
  const U = run.time.length;
  const cash = run.config.cash;
  // Account trades: bar indexes on the union axis for the account's exposure and durations.
  const all: { t: PortfolioTrade; k: number }[] = [];
  const accountTrades: TradeRecord[] = [];
  run.symbols.forEach((s, k) => {
    for (const t of s.trades) all.push({ t: { ...t, symbol: s.symbol }, k });
  });
  all.sort((a, b) => a.t.exit_time < b.t.exit_time ? -1 : a.t.exit_time > b.t.exit_time ? 1 : a.k - b.k);
  for (const { t, k } of all) {
    const ub = (j: number) => lowerBound(run.time, bars[k].time[j]);
    const entry = ub(t.entry_bar), exit = ub(t.exit_bar);
    accountTrades.push({ ...t, entry_bar: entry, exit_bar: exit, duration_bars: exit - entry });
  }
  let openCount = 0, rejected = 0, cancelled = 0;
  for (const s of run.symbols) {
    openCount += s.openTrades.length;
    rejected += s.rejections.length;
    cancelled += s.output.cancelledOrders;
  }
  const { stats, drawdownPct } = computeStatsWithDrawdown({
    profile: run.config.profile,
    time: run.time,
    close: basketIndex(run, bars.map((b) => b.close)),
    equity: run.equity,
    trades: accountTrades,
    openTrades: openCount,
    start: run.start,
    rejected,
    cancelled,
  });
  const symbols: SymbolSummary[] = run.symbols.map((s, k) => {
    const b = bars[k];
    const eq = new Float64Array(b.time.length);
    for (let j = 0; j < b.time.length; j++) {
      const u = lowerBound(run.time, b.time[j]);
      eq[j] = cash + (u < U ? s.contributionSeries[u] : 0);
    }
    const st = computeStatsWithDrawdown({
      profile: run.config.profile,
      time: b.time,
      close: b.close,
      equity: eq,
      trades: s.output.log,
      openTrades: s.openTrades.length,
      start: s.output.start,
      rejected: s.rejections.length,
      cancelled: s.output.cancelledOrders,
    }).stats;
    return {
      symbol: s.symbol,
      asset_class: s.asset_class,
      stats: st,
      trades: s.trades.length,
      net_profit: s.net_profit,
      contribution: s.contribution,
      exposure_pct: s.exposure_pct,
    };
  });
  const exposureByClass: Record<string, { mean_pct: number; max_pct: number }> = {};
  for (const [c, series] of Object.entries(run.exposureByClass)) {
    let sum = 0, max = 0;
    for (let u = 0; u < U; u++) {
      sum += series[u];
      if (series[u] > max) max = series[u];
    }
    exposureByClass[c] = { mean_pct: U ? sum / U : 0, max_pct: max };
  }
  return {
    stats,
    account: accountStats(run),
    drawdownPct,
    symbols,
    trades: all.map((a) => a.t),
    correlation: correlationMatrix(run.symbols.map((s, k) => ({ symbol: s.symbol, ...bars[k] }))),
    exposureByClass,
    exposureSeries: exposureSeries(run.time, run.exposureByClass, opts.exposurePoints),
  };
}

function clean(v: unknown): unknown {
  return typeof v === "number" && !Number.isFinite(v) ? null : v;
}

function cleanRecord(o: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = clean(v);
  return out;
}

/**
 * The `--json` document of `deno task portfolio` (money in cents and prices to each symbol's digits,
 * as `deno task backtest --json`): `{ stats (every backtest field and the account's: balance_final,
 * margin_used_max, margin_used_mean, margin_level_min_pct, stop_outs, stop_out_closes), symbols: { SYM:
 * { stats, trades, net_profit, … } }, trades: [{ …, symbol }], conversion: { SYM: {…} }, correlation,
 * exposure_by_class, exposure_by_class_series }`.
 */
export function portfolioJson(run: PortfolioRun, ps: PortfolioStats): Record<string, unknown> {
  const symbols: Record<string, unknown> = {};
  const conversion: Record<string, unknown> = {};
  const digits = new Map(run.symbols.map((s) => [s.symbol, s.spec.digits]));
  ps.symbols.forEach((s, k) => {
    symbols[s.symbol] = {
      asset_class: s.asset_class,
      stats: cleanRecord(roundStatsForOutput(s.stats)),
      trades: s.trades,
      net_profit: clean(Math.round(s.net_profit * 100) / 100),
      contribution: clean(Math.round(s.contribution * 100) / 100),
      exposure_pct: clean(s.exposure_pct),
      open_trades: run.symbols[k].openTrades.length,
      rejected_orders: run.symbols[k].rejections.length,
    };
    const c = run.symbols[k].conversion;
    const compat = run.config.profile === "compat";
    conversion[s.symbol] = c ?? {
      profit_currency: run.symbols[k].spec.currency,
      source: compat ? "none" : "static",
      via: [],
      note: compat
        ? "compat profile: profits in price units, no currency conversion"
        : "static rates of the symbol table (no conversion given)",
    };
  });
  return {
    stats: cleanRecord({
      ...roundStatsForOutput(ps.stats),
      balance_final: roundDecimals(ps.account.balance_final, MONEY_DECIMALS),
      margin_used_max: roundDecimals(ps.account.margin_used_max, MONEY_DECIMALS),
      margin_used_mean: roundDecimals(ps.account.margin_used_mean, MONEY_DECIMALS),
      margin_level_min_pct: ps.account.margin_level_min_pct,
      stop_outs: ps.account.stop_outs,
      stop_out_closes: ps.account.stop_out_closes,
    }),
    symbols,
    trades: ps.trades.map((t) => cleanRecord(roundTradeForOutput(t, digits.get(t.symbol) ?? 10))),
    conversion,
    correlation: {
      symbols: ps.correlation.symbols,
      matrix: ps.correlation.matrix.map((r) => r.map((v) => clean(v))),
    },
    exposure_by_class: ps.exposureByClass,
    exposure_by_class_series: {
      bucket_times: ps.exposureSeries.bucket_times,
      time: ps.exposureSeries.time.map((t) => new Date(t).toISOString()),
      classes: ps.exposureSeries.classes,
    },
  };
}

/**
 * What the portfolio report (lib/plot/portfolio.ts `portfolioReportHtml`) shows for a run: the
 * account's equity, drawdown and statistics of `doc` (its `portfolioJson`), each symbol's
 * contribution, the correlation heatmap, exposure by class and one row per symbol.
 */
export function portfolioReportInput(
  run: PortfolioRun,
  ps: PortfolioStats,
  doc: Record<string, unknown>,
  heading: { title: string; subtitle: string },
): PortfolioReportInput {
  return {
    title: heading.title,
    subtitle: heading.subtitle,
    time: run.time,
    equity: run.equity,
    drawdownPct: ps.drawdownPct,
    stats: doc.stats as Record<string, number | string | null>,
    contributions: run.symbols.map((s) => ({ symbol: s.symbol, values: s.contributionSeries })),
    correlation: doc.correlation as { symbols: string[]; matrix: (number | null)[][] },
    exposureByClass: run.exposureByClass,
    symbolRows: ps.symbols.map((s, k) => ({
      symbol: s.symbol,
      asset_class: s.asset_class,
      trades: s.trades,
      net_profit: s.net_profit,
      contribution: s.contribution,
      exposure_pct: s.exposure_pct,
      conversion: run.symbols[k].conversion?.note ?? "static",
    })),
  };
}
