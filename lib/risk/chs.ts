/**
 * Composite health score (CHS): one number in [0, 1] saying how healthy a strategy's recent
 * trading is. One implementation serves the backtest statistics and the live runner: the live
 * runner feeds a `ChsTracker` as trades close and bars pass; `computeChs` is the same tracker fed
 * with a whole backtest.
 *
 * CHS = 0.4·edge + 0.3·risk + 0.3·efficiency (formula and units in docs/METRICS.md), where
 * - edge = 0.4·win rate + 0.3·min(payoff/3, 1) + 0.3·min(Ω_trades/5, 1)
 * - risk = 0.5·(1 − risk of ruin) + 0.3·(1 − min(maxDD/0.20, 1)) + 0.2·(1 − min(vol_ann/0.50, 1))
 * - efficiency = mean of MFE captured (fraction) and, when known, energy captured (fraction)
 *
 * It keeps the ideas of the original RiskManager (agents/risk/class pillars, risk of ruin) and
 * fixes its defects: Omega is normalised, every input has one unit, nothing is random, and the
 * score is NaN (not a made-up 0.75) until `minTrades` trades exist.
 *
 * @example
 * ```ts
 * import { ChsTracker } from "./chs.ts";
 * const chs = new ChsTracker({ minTrades: 2, periodsPerYear: 252 });
 * chs.addTrade({ returnPct: 2, pnl: 200, mfe: 3, captured: 2 });
 * chs.addTrade({ returnPct: -1, pnl: -100, mfe: 1, captured: -1 });
 * chs.addReturn(0.01);
 * console.log(chs.value()); // a number in [0, 1]
 * ```
 *
 * @module
 */
import { riskOfRuin } from "./ruin.ts";
import type { TradeRecord } from "../execution/types.ts";

/** Options of a tracker. */
export interface ChsOptions {
  /** Trades needed before the score is defined (default 10). */
  minTrades?: number;
  /** Periods per year of the returns given to `addReturn` (default 252: daily). */
  periodsPerYear?: number;
  /** Drawdown (fraction of equity) at which the account counts as ruined (default 0.5). */
  ruinDrawdown?: number;
  /** Keep only the last N trades (default: all; the live runner may use a window). */
  window?: number;
}

/** One closed trade as the tracker sees it. */
export interface ChsTrade {
  /** Net return of the trade in percent of its entry value. */
  returnPct: number;
  /** Net profit in money. */
  pnl: number;
  /** Maximum favourable excursion in price units (>= 0); optional. */
  mfe?: number;
  /** Captured move in price units: side·(exit − entry); optional. */
  captured?: number;
  /** Energy at entry (any non-negative unit); optional. */
  energy?: number;
}

/** A closed trade record as the tracker scores it (the captured move is side·(exit − entry)). */
export function chsTradeOf(t: TradeRecord): ChsTrade {
  return {
    returnPct: t.return_pct,
    pnl: t.pnl,
    mfe: t.mfe,
    captured: t.side === "long" ? t.exit_price - t.entry_price : t.entry_price - t.exit_price,
    energy: t.energy_at_entry,
  };
}

/** The score and its parts. */
export interface ChsComponents {
  /** The score in [0, 1] (NaN until ready). */
  chs: number;
  /** Edge pillar in [0, 1] (win rate, payoff, Omega). */
  edge: number;
  /** Risk pillar in [0, 1] (risk of ruin, drawdown, volatility). */
  risk: number;
  /** Efficiency pillar in [0, 1] (MFE and energy captured). */
  efficiency: number;
  /** Share of trades with pnl > 0. */
  win_rate: number;
  /** Mean winning pnl / mean absolute losing pnl. */
  payoff: number;
  /** Omega ratio of the trade returns. */
  omega_trades: number;
  /** Risk of losing `ruinDrawdown` of the equity, [0, 1]. */
  risk_of_ruin: number;
  /** Deepest drawdown of the compounded returns, fraction. */
  max_drawdown: number;
  /** Annualised volatility of the returns, fraction. */
  volatility_ann: number;
  /** Mean share of MFE captured, fraction. */
  mfe_captured: number;
  /** Energy of winners over energy of all trades, fraction. */
  energy_captured: number;
  /** Trades counted. */
  trades: number;
}

const clip01 = (x: number): number => (x !== x ? 0 : x < 0 ? 0 : x > 1 ? 1 : x);

/** Incremental CHS: O(1) per `addReturn`, O(1) amortised per `addTrade` without a window. */
export class ChsTracker {
  private readonly minTrades: number;
  private readonly periodsPerYear: number;
  private readonly ruinDrawdown: number;
  private readonly window: number;
  private readonly buf: ChsTrade[] = [];
  // Running sums over the trades in the window.
  private n = 0;
  private wins = 0;
  private sumWin = 0;
  private sumLoss = 0;
  private nWin = 0;
  private nLoss = 0;
  private retPos = 0;
  private retNeg = 0;
  private retSum = 0;
  private retSq = 0;
  private capSum = 0;
  private capN = 0;
  private enWin = 0;
  private enAll = 0;
  // Returns (Welford) and drawdown on the compounded curve.
  private rN = 0;
  private rMean = 0;
  private rM2 = 0;
  private curve = 1;
  private peak = 1;
  private maxDd = 0;

  /** A tracker with the given options (all optional). */
  constructor(opts: ChsOptions = {}) {
    this.minTrades = opts.minTrades ?? 10;
    this.periodsPerYear = opts.periodsPerYear ?? 252;
    this.ruinDrawdown = opts.ruinDrawdown ?? 0.5;
    this.window = opts.window ?? Infinity;
  }

  /** Number of trades currently counted. */
  get trades(): number {
    return this.n;
  }

  /** True once `minTrades` trades were added. */
  get ready(): boolean {
    return this.n >= this.minTrades;
  }

  /** Add (s = 1) or remove (s = -1) a trade from the running sums. */
  private apply(t: ChsTrade, s: 1 | -1): void {
    const r = t.returnPct / 100;
    this.n += s;
    if (t.pnl > 0) {
      this.wins += s;
      this.sumWin += s * t.pnl;
      this.nWin += s;
    } else if (t.pnl < 0) {
      this.sumLoss += s * -t.pnl;
      this.nLoss += s;
    }
    if (r > 0) this.retPos += s * r;
    else this.retNeg += s * -r;
    this.retSum += s * r;
    this.retSq += s * r * r;
    if (t.mfe !== undefined && t.captured !== undefined && t.mfe > 0 && Number.isFinite(t.captured)) {
      this.capSum += s * clip01(t.captured / t.mfe);
      this.capN += s;
    }
    if (t.energy !== undefined && Number.isFinite(t.energy) && t.energy >= 0) {
      this.enAll += s * t.energy;
      if (t.pnl > 0) this.enWin += s * t.energy;
    }
  }

  /** Add a closed trade. */
  addTrade(t: ChsTrade): void {
    if (!Number.isFinite(t.returnPct) || !Number.isFinite(t.pnl)) return;
    this.apply(t, 1);
    if (this.window !== Infinity) {
      this.buf.push(t);
      if (this.buf.length > this.window) this.apply(this.buf.shift()!, -1);
    }
  }

  /** Add one period's equity return (a fraction, e.g. 0.01 = +1 %). */
  addReturn(r: number): void {
    if (!Number.isFinite(r)) return;
    this.rN++;
    const d = r - this.rMean;
    this.rMean += d / this.rN;
    this.rM2 += d * (r - this.rMean);
    this.curve *= 1 + r;
    if (this.curve > this.peak) this.peak = this.curve;
    const dd = this.peak > 0 ? 1 - this.curve / this.peak : 1;
    if (dd > this.maxDd) this.maxDd = dd;
  }

  /** The score and its parts (all NaN until ready). */
  components(): ChsComponents {
    const n = this.n;
    const winRate = n > 0 ? this.wins / n : NaN;
    const avgWin = this.nWin > 0 ? this.sumWin / this.nWin : 0;
    const avgLoss = this.nLoss > 0 ? this.sumLoss / this.nLoss : 0;
    const payoff = avgLoss > 0 ? avgWin / avgLoss : avgWin > 0 ? Infinity : 0;
    const omega = this.retNeg > 0 ? this.retPos / this.retNeg : this.retPos > 0 ? Infinity : 0;
    const mean = n > 0 ? this.retSum / n : NaN;
    const variance = n > 1 ? Math.max(0, (this.retSq - n * mean * mean) / (n - 1)) : NaN;
    const ror = riskOfRuin(mean, Math.sqrt(variance), this.ruinDrawdown);
    const vol = this.rN > 1 ? Math.sqrt(this.rM2 / (this.rN - 1) * this.periodsPerYear) : 0;
    const mfeCap = this.capN > 0 ? this.capSum / this.capN : NaN;
    const energyCap = this.enAll > 0 ? this.enWin / this.enAll : NaN;
    const edge = 0.4 * clip01(winRate) + 0.3 * clip01(payoff / 3) + 0.3 * clip01(omega / 5);
    const risk = 0.5 * (1 - clip01(ror)) + 0.3 * (1 - clip01(this.maxDd / 0.2)) +
      0.2 * (1 - clip01(vol / 0.5));
    const effParts = [mfeCap, energyCap].filter((x) => x === x);
    const efficiency = effParts.length ? effParts.reduce((a, b) => a + b, 0) / effParts.length : 0;
    const ready = this.ready;
    return {
      chs: ready ? clip01(0.4 * edge + 0.3 * risk + 0.3 * efficiency) : NaN,
      edge: ready ? edge : NaN,
      risk: ready ? risk : NaN,
      efficiency: ready ? efficiency : NaN,
      win_rate: winRate,
      payoff,
      omega_trades: omega,
      risk_of_ruin: ror,
      max_drawdown: this.maxDd,
      volatility_ann: vol,
      mfe_captured: mfeCap,
      energy_captured: energyCap,
      trades: n,
    };
  }

  /** The score in [0, 1], NaN until `minTrades` trades were added. */
  value(): number {
    return this.components().chs;
  }
}

/** Input of `computeChs`: a whole run. */
export interface ChsInput {
  /** Every closed trade, in order. */
  trades: readonly ChsTrade[];
  /** Period returns (fractions) of the equity curve, in order. */
  returns: ArrayLike<number>;
  /** Tracker options (minTrades, periodsPerYear, ruinDrawdown). */
  options?: ChsOptions;
}

/** CHS of a whole run: a `ChsTracker` fed with every trade and return. */
export function computeChs(input: ChsInput): ChsComponents {
  const t = new ChsTracker(input.options);
  for (const tr of input.trades) t.addTrade(tr);
  for (let k = 0; k < input.returns.length; k++) t.addReturn(input.returns[k]);
  return t.components();
}
