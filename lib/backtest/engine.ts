/**
 * The event loop: one pass over typed arrays, orders filled by a simulated broker with the
 * semantics of docs/BACKTESTING.md (backtesting.py's in the compat profile, MetaTrader 5's in the
 * mt5 profile). Nothing is allocated per bar: orders and trades are objects created only when a
 * strategy trades. Trades are booked in the execution core's `Book` (lib/execution/trade_book.ts,
 * the live runner's book too): opening, FIFO netting (or hedging), closes and partial closes with
 * their records, swap, excursions and equity marks; the engine keeps the orders, the fills and the
 * intrabar path.
 *
 * Per bar i (from `start = max(1, warmup)`): (a) swap for nights crossed (mt5), (b) pending orders
 * are processed against bar i's open/high/low, (c) excursions of open trades are updated, (d)
 * equity is marked at bar i's close, (e) out of money / stop-out, (f) the strategy decides with data
 * up to bar i; its orders execute from bar i+1 (or at bar i's close with `tradeOnClose`).
 *
 * @module
 */
import type { IntrabarPath } from "./intrabar.ts";
import type { BarArrays } from "../data/types.ts";
import { KinetraError } from "../errors.ts";
import type {
  FeatureArrays,
  OrderIntent,
  Params,
  PositionView,
  Strategy,
  StrategyContext,
} from "../strategies/contract.ts";
import { type BacktestConfig, FULL_EQUITY, type Sizing } from "./config.ts";
import { pyFloorDiv } from "./py_math.ts";
import { type Instrument, valuePerPriceUnit } from "../market/instrument.ts";
import { normalizePrice, normalizeVolume } from "../market/normalize.ts";
import { isoTime as iso } from "../util/iso_time.ts";
import { TradeLog } from "../execution/trade_log.ts";
import { RETCODE } from "../market/mt5_constants.ts";
import { marginOfValue } from "../market/costs.ts";
import {
  checkMargin,
  checkNormalizedVolume,
  checkOrderPrice,
  checkStops,
  checkTradeMode,
  checkVolume,
  type Refusal,
} from "../execution/validation.ts";
import { fractionLots, riskLots } from "../execution/sizing.ts";
import { Book, type BookTrade, markTrades, updateExcursion } from "../execution/trade_book.ts";
import type { ExitReason, Rejection, TradeRecord } from "../execution/types.ts";
import { energyAt } from "./energy.ts";

export { isoTime } from "../util/iso_time.ts";

/** Raw output of the loop (before statistics). */
export interface EngineOutput {
  /** Closed trades, column-wise (`log.toRecords(time)` for objects). */
  log: TradeLog;
  /** Trades still open at the end (exit = last close, reason "open"; not in `trades`). */
  openTrades: TradeRecord[];
  /** Equity per bar. */
  equity: Float64Array;
  /** First bar the loop processed. */
  start: number;
  /** Bar index where the run stopped for lack of money (-1 if it did not). */
  ruinedAt: number;
  /** Orders the broker refused. */
  rejections: Rejection[];
  /** Orders cancelled because the size came out as zero (compat warning). */
  cancelledOrders: number;
  /** The symbol specification used. */
  spec: Instrument;
}

/**
 * The account an engine books into: its own for a lone run, or one shared by the symbols of a
 * portfolio (lib/portfolio), whose other symbols' open trades count in equity and margin.
 */
export interface EngineAccount {
  /** Balance: cash after closed trades, commissions and swaps. */
  cash: number;
  /** Unrealised P&L (swap included) of the other symbols' open trades at their last marks. */
  othersOpen(self: Engine): number;
  /** Margin of the other symbols' open trades at their entry prices (as MT5 accounts it). */
  othersMargin(self: Engine): number;
}

/** Inputs of an engine beyond the config (both optional; absent = a lone run at static rates). */
export interface EngineExtras {
  /**
   * Currency conversion at the rate of the moment: multipliers of the symbol's static value per
   * price unit at each bar's open and close (data rate ÷ static rate). Fills during bar i use the
   * open's, marks and closes at bar i's close (and swap of the night before) the close's.
   */
  valueScale?: { readonly open: Float64Array; readonly close: Float64Array } | null;
  /** A shared account (portfolio); absent = the run's own account starting with `cfg.cash`. */
  account?: EngineAccount;
  /**
   * The path inside each bar (lib/backtest/intrabar.ts: `open`, `lower` or `ticks` modelling);
   * absent or null = `ohlc`, the pessimistic rule on each bar's open, high and low.
   */
  intrabar?: IntrabarPath | null;
  /**
   * Reuse: the equity array to write (used when its length is the number of bars; `run` writes
   * every element) and a trade log to clear and fill, instead of allocating them (a sweep's runs).
   */
  reuse?: { equity?: Float64Array | null; log?: TradeLog | null };
}

/** Bars per call of the loop's inner function. */
const LOOP_CHUNK = 4096;

const ROLE_ENTRY = 0, ROLE_CLOSE = 1, ROLE_SL = 2, ROLE_TP = 3;
const KIND_FRACTION = 0, KIND_UNITS = 1, KIND_RISK = 2;

interface Order {
  /** Signed: fraction (KIND_FRACTION), engine units, or risk % (KIND_RISK). */
  size: number;
  kind: number;
  limit: number;
  stop: number;
  sl: number;
  tp: number;
  tag: string | undefined;
  parent: OpenTrade | null;
  role: number;
  reason: ExitReason;
  energy: number;
  active: boolean;
}

/** A trade in the execution core's book, with its contingent orders and intrabar path fields. */
interface OpenTrade extends BookTrade {
  /** The stop-loss order closing it (null = none). */
  slOrder: Order | null;
  /** The take-profit order closing it (null = none). */
  tpOrder: Order | null;
  /** Path segment of the fill on the entry bar (-1: no path, or filled with the whole bar). */
  entrySeg: number;
  /** The path's price (Bid) at the fill, when `entrySeg >= 0`. */
  entryAt: number;
}

/** The simulated broker and loop. Use through `runBacktest`. */
export class Engine {
  private readonly bars: BarArrays;
  private readonly cfg: BacktestConfig;
  private readonly spec: Instrument;
  /** The same spec as the live validator sees it (price grid of SL/TP and pending prices). */
  private readonly mt5: boolean;
  /**
   * The execution core's trade book: open trades, closes with their records (into the trade log),
   * FIFO netting, swap, excursions, equity marks, the position view. Its `mult` is the money per
   * 1.0 price move per engine unit at the moment being processed.
   */
  private readonly book: Book<OpenTrade>;
  /** Money per 1.0 price move per engine unit at the static rate. */
  private readonly baseMult: number;
  /** Data-rate multipliers of `baseMult` at bar opens/closes, or null (static: mult never changes). */
  private readonly valueScale: { readonly open: Float64Array; readonly close: Float64Array } | null;
  /** The account (own, or shared by a portfolio). */
  private readonly acct: EngineAccount;
  /** True when other symbols share the account (their trades count in equity and margin). */
  private readonly shared: boolean;
  private readonly leverage: number;
  private readonly spreadRel: number;
  private readonly spreadPts: number;
  private readonly point: number;
  private readonly slip: number;
  private readonly energyAt: (i: number) => number;
  private readonly defaultSizing: Sizing;
  /** Reused snapshot of the order queue (processOrders never runs nested inside its own loop). */
  private readonly snapshot: Order[] = [];

  private orders: Order[] = [];
  private deadOrders = 0;
  private readonly log: TradeLog;
  /** An equity array to reuse (`EngineExtras.reuse`), or null. */
  private readonly equityBuf: Float64Array | null;
  private rejections: Rejection[] = [];
  private cancelled = 0;
  private i = 0;
  /** The intrabar path (null = ohlc) and the segment being processed (-1 = the whole bar). */
  private readonly path: IntrabarPath | null;
  private seg = -1;
  /**
   * The path excursions follow (lower and ticks: they resolve the inside of a bar; null for ohlc
   * and open): on a bar with a path, a trade's MFE/MAE count the path's range, on its entry bar only
   * the part after the fill and on its exit bar only the part before the exit.
   */
  private readonly mfePath: IntrabarPath | null;
  /** The path's price (Bid) at the fill being processed (valid while `seg >= 0`). */
  private fillAt = NaN;
  /** Range of the path computed by `pathRange`. */
  private rHi = NaN;
  private rLo = NaN;
  /** True while the strategy's decide runs (to tell its errors from the engine's). */
  private inDecide = false;
  /** What the chunked loop needs (set by run). */
  private loop: {
    strategy: Strategy;
    ctx: StrategyContext;
    state: unknown;
    out: OrderIntent[];
    equity: Float64Array;
    swapOn: boolean;
    stopOut: number;
  } | null = null;

  /** An engine for one run over `bars` with a resolved config and symbol spec. */
  constructor(
    bars: BarArrays,
    cfg: BacktestConfig,
    spec: Instrument,
    features: FeatureArrays,
    extras: EngineExtras = {},
  ) {
    this.bars = bars;
    this.cfg = cfg;
    this.spec = spec;
    this.mt5 = cfg.profile === "mt5";
    this.baseMult = this.mt5 ? valuePerPriceUnit(spec) : 1;
    this.valueScale = this.mt5 ? extras.valueScale ?? null : null;
    this.shared = extras.account !== undefined;
    this.acct = extras.account ?? { cash: cfg.cash, othersOpen: () => 0, othersMargin: () => 0 };
    this.leverage = 1 / cfg.margin;
    this.spreadRel = this.mt5 ? 0 : (cfg.spread ?? 0);
    this.spreadPts = this.mt5 ? (cfg.spread ?? (bars.spread ? NaN : spec.spreadTypical)) : 0;
    this.point = spec.point;
    this.slip = this.mt5 ? cfg.slippagePoints * spec.point : 0;
    this.defaultSizing = cfg.sizing ??
      (this.mt5 ? { mode: "risk", riskPct: 1 } : { mode: "fraction", fraction: FULL_EQUITY });
    this.energyAt = energyAt(bars.close, features, cfg.energyFeature);
    this.path = extras.intrabar ?? null;
    const reuse = extras.reuse;
    if (reuse?.log) reuse.log.clear();
    this.log = reuse?.log ?? new TradeLog(256);
    this.book = new Book<OpenTrade>(
      { spec, profile: this.mt5 ? "mt5" : "compat", commission: cfg.commission },
      this.acct,
      this.log,
      {
        beforeClose: (t, bar) => this.beforeClose(t, bar),
        afterSplit: (t, part) => this.afterSplit(t, part),
      },
    );
    this.book.mult = this.baseMult;
    if (this.valueScale) this.book.mult = this.baseMult * this.valueScale.open[0];
    this.equityBuf = reuse?.equity && reuse.equity.length === bars.length ? reuse.equity : null;
    if (this.path && this.path.segStart.length !== bars.length + 1) {
      throw new KinetraError(
        "bad_model",
        `the intrabar path covers ${this.path.segStart.length - 1} bars, not ${bars.length}`,
      );
    }
    this.mfePath = this.path && (this.path.model === "lower" || this.path.model === "ticks")
      ? this.path
      : null;
  }

  /**
   * The price range of the path from segment `s0` at price `p0` (NaN: from the segment's open) to
   * segment `s1` at price `p1` (NaN: to the segment's end), into `rHi`/`rLo`. Each segment is a
   * monotonic leg from its open to its other extreme.
   */
  private pathRange(s0: number, p0: number, s1: number, p1: number): void {
    const p = this.path!;
    const o = p.segOpen, h = p.segHigh, l = p.segLow;
    const end = (s: number) => (o[s] === h[s] ? l[s] : h[s]);
    const a = p0 === p0 ? p0 : o[s0];
    if (s0 === s1) {
      const b = p1 === p1 ? p1 : end(s1);
      this.rHi = a > b ? a : b;
      this.rLo = a < b ? a : b;
      return;
    }
    const e0 = end(s0);
    let hi = a > e0 ? a : e0, lo = a < e0 ? a : e0;
    for (let s = s0 + 1; s < s1; s++) {
      if (h[s] > hi) hi = h[s];
      if (l[s] < lo) lo = l[s];
    }
    const b = p1 === p1 ? p1 : end(s1);
    const o1 = o[s1];
    if (o1 > hi) hi = o1;
    if (o1 < lo) lo = o1;
    if (b > hi) hi = b;
    if (b < lo) lo = b;
    this.rHi = hi;
    this.rLo = lo;
  }

  /** Bar i's range for trade t's excursions along the path (after its fill on its entry bar), into `rHi`/`rLo`. */
  private excursionRange(t: OpenTrade, i: number): void {
    const p = this.mfePath!;
    if (t.entrySeg >= 0 && t.entryBar === i) {
      this.pathRange(t.entrySeg, t.entryAt, p.segStart[i + 1] - 1, NaN);
    } else {
      this.rHi = p.pathHigh[i];
      this.rLo = p.pathLow[i];
    }
  }

  /** True when the excursions of bar i follow the intrabar path (lower/ticks, and the path covers the bar). */
  private onPath(i: number): boolean {
    const p = this.mfePath;
    return p !== null && p.segStart[i + 1] > p.segStart[i];
  }

  /** Excursions of every open trade over bar i's path (after its fill on its entry bar). */
  private pathExcursions(i: number): void {
    const tr = this.book.trades;
    for (let k = 0; k < tr.length; k++) {
      const t = tr[k];
      this.excursionRange(t, i);
      updateExcursion(t, this.rHi, this.rLo);
    }
  }

  /** Excursions of t on bar i before its exit at the path price `at` in segment `seg` (this bar's part up to the exit). */
  private excursionBeforeExit(t: OpenTrade, i: number, seg: number, at: number): void {
    const p = this.mfePath!;
    if (t.entrySeg >= 0 && t.entryBar === i) this.pathRange(t.entrySeg, t.entryAt, seg, at);
    else this.pathRange(p.segStart[i], NaN, seg, at);
    updateExcursion(t, this.rHi, this.rLo);
  }

  /**
   * Pending orders against bar i: its whole open/high/low (ohlc), or segment by segment along the
   * bar's path. Only a bar where some order's level lies within the path's range walks it: elsewhere
   * nothing but market orders can fill, and they fill at the bar's open either way.
   */
  private processBar(i: number): void {
    const p = this.path;
    if (p === null) return this.processOrders(i);
    const a = p.segStart[i], z = p.segStart[i + 1];
    if (z === a) return this.processOrders(i); // not covered: ohlc
    if (p.model !== "open" && !this.levelWithin(p.pathLow[i], p.pathHigh[i], i)) {
      // lower: the path aggregates to the bar, so the whole bar gives the same fills (markets at its open).
      this.seg = p.model === "lower" ? -1 : a;
      this.processOrders(i);
      this.seg = -1;
      return;
    }
    for (let s = a; s < z && this.orders.length !== 0; s++) {
      this.seg = s;
      this.processOrders(i);
    }
    this.seg = -1;
  }

  /** True when an order's trigger level (stop, limit, or a new entry's SL/TP) lies in [lo, hi] widened by the spread. */
  private levelWithin(lo: number, hi: number, i: number): boolean {
    const sp = this.spreadAt(i) * 4 + this.point;
    const L = lo - sp, H = hi + sp;
    for (const o of this.orders) {
      if (!o.active) continue;
      if (o.stop === o.stop && o.stop >= L && o.stop <= H) return true;
      if (o.limit === o.limit && o.limit >= L && o.limit <= H) return true;
      if (o.sl === o.sl && o.sl >= L && o.sl <= H) return true;
      if (o.tp === o.tp && o.tp >= L && o.tp <= H) return true;
    }
    return false;
  }

  /** Spread of bar i as a price difference (mt5), 0 in compat. */
  private spreadAt(i: number): number {
    if (!this.mt5) return 0;
    const pts = this.spreadPts === this.spreadPts ? this.spreadPts : this.bars.spread![i];
    return pts * this.point;
  }

  /** Equity marked at bar i's close (longs at Bid = close, shorts at Ask in mt5). */
  private equityAt(i: number): number {
    let eq = this.acct.cash;
    if (this.shared) eq += this.acct.othersOpen(this);
    if (this.book.trades.length === 0) return eq;
    const c = this.bars.close[i];
    return this.book.markEquity(eq, c, c + this.spreadAt(i));
  }

  /**
   * mt5: a price on the symbol's grid, normalised with the live validator's function (nearest tick
   * size multiple, rounded to the digits, so it is the exact decimal MT5 stores). compat: unchanged.
   */
  private gridPrice(v: number): number {
    if (!this.mt5 || v !== v) return v;
    return normalizePrice(this.spec, v);
  }

  /**
   * mt5 equity at a fill moment: open trades marked at the quote of that moment (longs at Bid,
   * shorts at Ask = Bid + spread), never at the bar's close.
   */
  private equityAtQuote(bid: number, spread: number): number {
    let eq = this.acct.cash;
    if (this.shared) eq += this.acct.othersOpen(this);
    return this.book.markEquity(eq, bid, bid + spread);
  }

  /** mt5 free margin at a fill moment: equity at the quote minus the margin of the open trades at their entry prices (as the paper broker and MT5 account for it). */
  private marginFreeAtQuote(bid: number, spread: number): number {
    const own = this.marginOf(this.book.entryValue(0));
    const used = this.shared ? own + this.acct.othersMargin(this) : own;
    return Math.max(0, this.equityAtQuote(bid, spread) - used);
  }

  private marginUsed(i: number): number {
    return this.marginOf(this.book.valueAt(this.bars.close[i]));
  }

  /**
   * Margin of open trades whose notional value (account currency) is `value`: mt5, the cost
   * model's one rule (lib/market/costs.ts `marginOfValue`: × the symbol's margin rate ÷ leverage,
   * as the validator, the paper broker and the live ledger); compat, value ÷ leverage.
   */
  private marginOf(value: number): number {
    return this.mt5 ? marginOfValue(this.spec, value, this.leverage) : value / this.leverage;
  }

  private marginAvailable(i: number): number {
    const others = this.shared ? this.acct.othersMargin(this) : 0;
    return Math.max(0, this.equityAt(i) - this.marginUsed(i) - others);
  }

  /** Value per price unit at bar i's close (data conversion; no-op at static rates). */
  private atClose(i: number): void {
    if (this.valueScale) this.book.mult = this.baseMult * this.valueScale.close[i];
  }

  // ---- Stepping by phases: used by lib/portfolio, which interleaves several engines on one
  // account. `run` is the same sequence for one symbol, fused into one loop.

  /** Last bar this engine was marked at (-1 before its first). */
  lastBar = -1;
  /** Unrealised P&L (swap included) of the open trades at the last mark. */
  openPnl = 0;
  /** Margin of the open trades at their entry prices at the last mark (MT5's free-margin basis). */
  marginAtEntry = 0;
  /** Margin of the open trades at the last close (the stop-out basis of `run`). */
  marginAtClose = 0;
  /** Notional value of the open trades at the last close (account currency; exposure). */
  valueAtClose = 0;
  private startBar = 0;

  /** Initialise the strategy; returns the first bar the symbol trades at. */
  begin(strategy: Strategy, params: Params, features: FeatureArrays): number {
    const n = this.bars.length;
    const ctx: StrategyContext = { bars: this.bars, features, params };
    let state: unknown;
    try {
      state = strategy.init(ctx);
    } catch (e) {
      if (e instanceof KinetraError) throw e;
      throw new KinetraError(
        "strategy_error",
        `strategy ${strategy.name} failed in init: ${(e as Error)?.message ?? e}`,
        { cause: e },
      );
    }
    const start = Math.max(1, Math.max(0, Math.floor(strategy.warmup(params))));
    this.startBar = Math.min(start, n);
    const swapOn = this.mt5 && this.cfg.swap && this.spec.swapMode !== "disabled";
    this.loop = {
      strategy,
      ctx,
      state,
      out: [],
      equity: new Float64Array(0),
      swapOn,
      stopOut: this.mt5 ? this.cfg.stopOutLevelPct : 0,
    };
    return this.startBar;
  }

  /** Bar i's opening phase: swap for the nights crossed, pending orders against its open/high/low. */
  openPhase(i: number): void {
    this.i = i;
    if (i < this.startBar) return;
    if (this.loop!.swapOn && this.book.trades.length) {
      this.chargeSwap(i, this.bars.time[i - 1], this.bars.time[i]);
    }
    if (this.orders.length !== 0) this.processBar(i);
  }

  /** Bar i's close: excursions, then `openPnl` and the margins at this close. */
  markPhase(i: number): void {
    this.lastBar = i;
    this.atClose(i);
    const book = this.book;
    let open = 0, atEntry = 0, atClose = 0;
    if (book.trades.length !== 0) {
      const c = this.bars.close[i];
      const cs = this.mt5 ? c + this.spreadAt(i) : c;
      if (i >= this.startBar) {
        if (this.onPath(i)) this.pathExcursions(i);
        else book.excursions(this.bars.high[i], this.bars.low[i]);
      }
      open = book.markEquity(0, c, cs);
      atEntry = book.entryValue(0);
      atClose = book.valueAt(c);
    }
    this.openPnl = open;
    this.marginAtEntry = this.marginOf(atEntry);
    this.marginAtClose = this.marginOf(atClose);
    this.valueAtClose = atClose;
  }

  /** Bar i's decision: the strategy sees bars up to i; its intents become orders. */
  decidePhase(i: number): void {
    if (i < this.startBar) return;
    const L = this.loop!;
    this.i = i;
    const out = L.out;
    if (out.length !== 0) out.length = 0;
    try {
      L.strategy.decide(i, L.ctx, L.state, this.book.position, out);
    } catch (e) {
      if (e instanceof KinetraError) throw e;
      throw new KinetraError(
        "strategy_error",
        `strategy ${L.strategy.name} failed at bar ${i} (${iso(this.bars.time[i])}): ${
          (e as Error)?.message ?? e
        }`,
        { cause: e },
      );
    }
    if (out.length !== 0) this.handleIntents(i, out);
  }

  /** Open trades (signed sizes and unrealised P&L at the last mark), for stop-out and limits. */
  openTradesView(): { size: number; pnl: number }[] {
    const i = this.lastBar;
    if (i < 0) return [];
    const c = this.bars.close[i], cs = this.mt5 ? c + this.spreadAt(i) : c;
    return this.book.trades.map((t) => ({ size: t.size, pnl: this.book.unrealised(t, c, cs) }));
  }

  /** Close open trade `k` (index in `openTradesView`) at the last mark's close (stop-out). */
  closeTradeAtLastClose(k: number, reason: ExitReason): void {
    const i = this.lastBar;
    const t = this.book.trades[k];
    if (!t || i < 0) return;
    this.i = i;
    this.atClose(i);
    const c = this.bars.close[i], cs = c + this.spreadAt(i);
    this.closeTrade(t, t.size > 0 ? c : cs, i, reason, t.size > 0 ? 0 : cs - c, 0);
    this.markPhase(i);
  }

  /** Close every open trade at the last mark's close (out of money). */
  closeAllAtLastClose(reason: ExitReason): void {
    if (this.lastBar < 0) return;
    this.i = this.lastBar;
    this.closeAllAtClose(this.lastBar, reason);
    this.orders.length = 0;
    this.markPhase(this.lastBar);
  }

  /** End of the run: finalize (when configured) and the output (`equity` is left empty). */
  finish(ruined: boolean): EngineOutput {
    const n = this.bars.length;
    if (!ruined && this.startBar < n && this.cfg.finalize && this.book.trades.length) {
      const i = n - 1;
      this.i = i;
      for (const t of this.book.trades) this.queueClose(t, "end");
      this.processOrders(i);
      this.markPhase(i);
    }
    return {
      log: this.log,
      openTrades: this.openRecords(),
      equity: new Float64Array(0),
      start: this.startBar,
      ruinedAt: -1,
      rejections: this.rejections,
      cancelledOrders: this.cancelled,
      spec: this.spec,
    };
  }

  /** Records of the trades still open, marked at the last bar's close (exit reason "open"). */
  private openRecords(): TradeRecord[] {
    const last = this.bars.length - 1;
    const out: TradeRecord[] = [];
    if (last < 0) return out;
    this.atClose(last);
    const c = this.bars.close[last], t = this.bars.time[last];
    const cs = c + this.spreadAt(last);
    for (const tr of this.book.trades) out.push(this.book.openRecord(tr, tr.size > 0 ? c : cs, last, t));
    return out;
  }

  /** Entry orders waiting for a fill (the portfolio's position limit counts them). */
  get pendingEntries(): number {
    let n = 0;
    for (const o of this.orders) if (o.active && o.role === ROLE_ENTRY) n++;
    return n;
  }

  /**
   * Volume of the pending entry orders whose size is fixed (lots in mt5, units in compat); entries
   * sized at the fill (risk, fraction) count 0. The portfolio's exposure limits add it.
   */
  get pendingEntryVolume(): number {
    let v = 0;
    for (const o of this.orders) {
      if (o.active && o.role === ROLE_ENTRY && o.kind === KIND_UNITS) v += Math.abs(o.size);
    }
    return v;
  }

  /** The closed trades so far (column-wise). */
  get closedLog(): TradeLog {
    return this.log;
  }

  /** Number of open trades. */
  get openTradeCount(): number {
    return this.book.trades.length;
  }

  /** The strategy's view of the position on this symbol. */
  get positionView(): PositionView {
    return this.book.position;
  }

  /** Money per 1.0 price move per engine unit at the last moment processed. */
  get valuePerPriceUnit(): number {
    return this.book.mult;
  }

  /**
   * Intents decided outside the engine (a portfolio strategy) at bar i: they become orders as a
   * strategy's would, and fill from the symbol's next bar.
   */
  submit(i: number, intents: OrderIntent[]): void {
    this.i = i;
    if (intents.length) this.handleIntents(i, intents);
  }

  /**
   * A check run on every entry intent before it becomes an order (portfolio limits): returns the
   * refusal reason, or null to accept. `flattening` is true when the symbol's open position will be
   * closed first (a close intent before it, or a netting reversal).
   */
  entryGate: ((side: 1 | -1, size: number | undefined, flattening: boolean) => string | null) | null = null;

  private refuse(r: Refusal): void {
    this.reject(r.retcode, r.reason, r.message);
  }

  private reject(retcode: number, reason: string, message: string): void {
    const i = this.i;
    const r: Rejection = { bar: i, time: iso(this.bars.time[i]), retcode, reason, message };
    if (this.cfg.strict) {
      throw new KinetraError("order_rejected", `bar ${i} (${r.time}): ${message}`, {
        details: { retcode, reason },
      });
    }
    this.rejections.push(r);
  }

  /** Run the loop. */
  run(strategy: Strategy, params: Params, features: FeatureArrays): EngineOutput {
    const bars = this.bars;
    const n = bars.length;
    // Every element is written below (the cash before the start, each bar, zeros after a ruin).
    const equity = this.equityBuf ?? new Float64Array(n);
    const ctx: StrategyContext = { bars, features, params };
    let state: unknown;
    try {
      state = strategy.init(ctx);
    } catch (e) {
      if (e instanceof KinetraError) throw e;
      throw new KinetraError(
        "strategy_error",
        `strategy ${strategy.name} failed in init: ${(e as Error)?.message ?? e}`,
        {
          cause: e,
        },
      );
    }
    const warm = Math.max(0, Math.floor(strategy.warmup(params)));
    const start = Math.max(1, warm);
    const out: OrderIntent[] = [];
    const time = bars.time;
    const swapOn = this.mt5 && this.cfg.swap && this.spec.swapMode !== "disabled";
    const stopOut = this.mt5 ? this.cfg.stopOutLevelPct : 0;
    let ruinedAt = -1;
    equity.fill(this.acct.cash, 0, Math.min(start, n));
    this.loop = { strategy, ctx, state, out, equity, swapOn, stopOut };
    let i = start;
    this.inDecide = false;
    try {
      // The bars go through `steps` in chunks: V8 optimises a function called many times sooner
      // than one long loop, and the run reaches full speed after fewer runs.
      while (i < n) {
        const to = Math.min(n, i + LOOP_CHUNK);
        const r = this.steps(i, to);
        if (r >= 0) {
          ruinedAt = r;
          break;
        }
        i = to;
      }
    } catch (e) {
      if (!this.inDecide || e instanceof KinetraError) throw e;
      throw new KinetraError(
        "strategy_error",
        `strategy ${strategy.name} failed at bar ${this.i} (${iso(time[this.i])}): ${
          (e as Error)?.message ?? e
        }`,
        { cause: e },
      );
    }
    if (ruinedAt < 0 && start < n && this.cfg.finalize) {
      // Close what is open and re-run the broker on the last bar (backtesting.py's finalize_trades).
      i = n - 1;
      this.i = i;
      for (const t of this.book.trades) this.queueClose(t, "end");
      this.processOrders(i);
      this.atClose(i);
      const eq = this.equityAt(i);
      equity[i] = eq > 0 ? eq : 0;
    }
    return {
      log: this.log,
      openTrades: this.openRecords(),
      equity,
      start: Math.min(start, n),
      ruinedAt,
      rejections: this.rejections,
      cancelledOrders: this.cancelled,
      spec: this.spec,
    };
  }

  /** Bars [from, to) of the loop; returns the bar where the account ran out of money, else -1. */
  private steps(from: number, to: number): number {
    const L = this.loop!;
    const { strategy, ctx, state, out, equity, swapOn, stopOut } = L;
    const bars = this.bars;
    const high = bars.high, low = bars.low, close = bars.close, time = bars.time;
    const compat = !this.mt5;
    const scale = this.valueScale;
    const book = this.book;
    const pos = book.position;
    const tr = book.trades;
    const path = this.mfePath;
    for (let i = from; i < to; i++) {
      this.i = i;
      if (swapOn && tr.length) this.chargeSwap(i, time[i - 1], time[i]);
      if (this.orders.length !== 0) this.processBar(i);
      if (scale) book.mult = this.baseMult * scale.close[i];
      let eq = this.acct.cash;
      if (tr.length !== 0) {
        // The book's excursions and equity mark at the close (longs at Bid, shorts at Ask).
        const c = close[i];
        const cs = compat ? c : c + this.spreadAt(i);
        if (path !== null && path.segStart[i + 1] > path.segStart[i]) {
          this.pathExcursions(i);
          eq = book.markEquity(eq, c, cs);
        } else eq = markTrades(tr, eq, high[i], low[i], c, cs, book.mult);
        if (stopOut > 0 && eq < this.marginUsed(i) * stopOut / 100) {
          this.closeAllAtClose(i, "stop_out");
          eq = this.equityAt(i);
        }
      }
      equity[i] = eq;
      if (!(eq > 0)) {
        if (eq !== eq) {
          throw new KinetraError(
            "nan_equity",
            `equity became NaN at bar ${i} (${iso(time[i])}); check the prices`,
          );
        }
        this.closeAllAtClose(i, "out_of_money");
        this.acct.cash = 0;
        equity.fill(0, i);
        return i;
      }
      if (out.length !== 0) out.length = 0;
      this.inDecide = true;
      strategy.decide(i, ctx, state, pos, out);
      this.inDecide = false;
      if (out.length !== 0) this.handleIntents(i, out);
    }
    return -1;
  }

  private chargeSwap(i: number, prevMs: number, curMs: number): void {
    // Swap is booked in the profit currency at the rollover: converted at the rate of the close before.
    const k = this.valueScale ? this.valueScale.close[i - 1] : 1;
    this.book.chargeSwap(prevMs, curMs, this.cfg.rolloverHour, this.bars.close[i - 1], k);
  }

  private closeAllAtClose(i: number, reason: ExitReason): void {
    this.atClose(i);
    const c = this.bars.close[i];
    const cs = c + this.spreadAt(i);
    const tr = this.book.trades;
    while (tr.length !== 0) {
      const t = tr[0];
      this.closeTrade(t, t.size > 0 ? c : cs, i, reason, t.size > 0 ? 0 : cs - c, 0);
    }
  }

  /** Insert at the front of the queue (manual shift: Array#unshift goes through a slow builtin). */
  private pushFront(o: Order): void {
    const q = this.orders;
    q.push(o);
    for (let j = q.length - 1; j > 0; j--) q[j] = q[j - 1];
    q[0] = o;
  }

  private queueClose(t: OpenTrade, reason: ExitReason): void {
    this.pushFront({
      size: -t.size,
      kind: KIND_UNITS,
      limit: NaN,
      stop: NaN,
      sl: NaN,
      tp: NaN,
      tag: t.tag,
      parent: t,
      role: ROLE_CLOSE,
      reason,
      energy: NaN,
      active: true,
    });
  }

  /** Deactivate an order; the queue is compacted after each broker pass (no splice per order). */
  private removeOrder(o: Order): void {
    if (!o.active) return;
    o.active = false;
    this.deadOrders++;
  }

  /** Drop deactivated orders from the queue, keeping the order of the others. */
  private compactOrders(): void {
    if (this.deadOrders === 0) return;
    const q = this.orders;
    let w = 0;
    for (let r = 0; r < q.length; r++) if (q[r].active) q[w++] = q[r];
    q.length = w;
    this.deadOrders = 0;
  }

  private handleIntents(i: number, out: OrderIntent[]): void {
    let closing = false;
    for (let k = 0; k < out.length; k++) {
      const it = out[k];
      if (it.kind === "close") {
        closing = true;
        for (const t of this.book.trades) this.queueClose(t, "signal");
      } else if (it.kind === "entry") {
        if (this.entryGate) {
          const flat = closing || this.cfg.exclusiveOrders ||
            (!this.cfg.hedging && this.book.position.size * it.side < 0);
          const why = this.entryGate(it.side, it.size, flat);
          if (why !== null) {
            this.reject(RETCODE.LIMIT_POSITIONS, "portfolio_limit", why);
            continue;
          }
        }
        this.newEntry(i, it);
      } else if (it.kind === "modify") {
        this.modify(i, it.sl, it.tp);
      } else {
        this.reject(
          RETCODE.INVALID,
          "invalid_intent",
          `unknown intent kind ${(it as { kind: string }).kind}`,
        );
      }
    }
  }

  /** Move SL/TP of every open trade (mt5: refused on the wrong side or inside the stops level). */
  private modify(i: number, sl: number | undefined, tp: number | undefined): void {
    for (const v of [sl, tp]) {
      if (v !== undefined && !(v > 0 && Number.isFinite(v))) {
        this.reject(
          RETCODE.INVALID_STOPS,
          "invalid_stops",
          `modify needs positive finite SL/TP prices (sl=${sl}, tp=${tp})`,
        );
        return;
      }
    }
    if (sl !== undefined) sl = this.gridPrice(sl);
    if (tp !== undefined) tp = this.gridPrice(tp);
    for (const t of this.book.trades) {
      if (this.mt5) {
        const long = t.size > 0;
        const c = this.bars.close[i];
        const ref = long ? c : c + this.spreadAt(i);
        // MT5's server rule (the live validator's, one function): at least max(1, stops level)
        // whole points from the closing price (Bid for a long, Ask for a short), on the correct side.
        const refused = checkStops(this.spec, long, ref, sl, tp, "server");
        if (refused) {
          this.refuse({ ...refused, message: `modify: ${refused.message}` });
          continue;
        }
      }
      if (tp !== undefined) this.setContingent(t, ROLE_TP, tp);
      if (sl !== undefined) this.setContingent(t, ROLE_SL, sl);
    }
  }

  private newEntry(i: number, it: Extract<OrderIntent, { kind: "entry" }>): void {
    const side = it.side;
    if (side !== 1 && side !== -1) {
      this.reject(RETCODE.INVALID, "invalid_side", `entry side must be 1 or -1, got ${side}`);
      return;
    }
    const type = it.type ?? "market";
    const limit = type === "limit" ? this.gridPrice(it.price ?? NaN) : NaN;
    const stop = type === "stop" ? this.gridPrice(it.price ?? NaN) : NaN;
    if (type !== "market") {
      const refused = checkOrderPrice(it.price);
      if (refused) return this.refuse({ ...refused, message: `${type} entry: ${refused.message}` });
    }
    // mt5: SL/TP on the price grid (the live validator normalises them the same way).
    const sl = this.gridPrice(it.sl ?? NaN), tp = this.gridPrice(it.tp ?? NaN);
    if (
      (it.sl !== undefined && !(sl > 0 && Number.isFinite(sl))) ||
      (it.tp !== undefined && !(tp > 0 && Number.isFinite(tp)))
    ) {
      this.reject(
        RETCODE.INVALID_STOPS,
        "invalid_stops",
        `SL/TP must be positive finite prices (sl=${it.sl}, tp=${it.tp})`,
      );
      return;
    }
    const spec = this.spec;
    if (this.mt5) {
      const refused = checkTradeMode(spec, side, false);
      if (refused) return this.refuse(refused);
    }
    if (this.mt5) {
      // MT5 checks SL/TP when the order reaches the server (lib/execution/validation.ts
      // `checkStops`, the live validator's rule): a pending order's against its own price now, a
      // market order's against the quote of its fill (a buy's from the Bid, a sell's from the Ask,
      // at least max(1, stops level) points on the correct side), in `processOrders`.
      if (type !== "market") {
        const refused = checkStops(spec, side > 0, limit === limit ? limit : stop, sl, tp, "server");
        if (refused) return this.refuse(refused);
      }
    } else {
      // backtesting.py: SL < price < TP against the pending price, else the current quote.
      const c = this.bars.close[i];
      const ref = limit === limit
        ? limit
        : stop === stop
        ? stop
        : side > 0
        ? c * (1 + this.spreadRel)
        : c * (1 - this.spreadRel);
      const okSide = side > 0
        ? (sl === sl ? sl : -Infinity) < ref && ref < (tp === tp ? tp : Infinity)
        : (tp === tp ? tp : -Infinity) < ref && ref < (sl === sl ? sl : Infinity);
      if (!okSide) {
        const rule = side > 0 ? "SL < price < TP" : "TP < price < SL";
        this.reject(
          RETCODE.INVALID_STOPS,
          "invalid_stops",
          `${side > 0 ? "long" : "short"} order needs ${rule} (sl=${it.sl ?? "none"}, price=${ref}, tp=${
            it.tp ?? "none"
          })`,
        );
        return;
      }
    }
    // Size.
    let size: number, kind: number;
    const given = it.size;
    if (given !== undefined) {
      // Not a positive number: the validator's 10014 (a size in (0, 1) is a fraction, >= 1 lots).
      if (!(given > 0) || !Number.isFinite(given)) return this.refuse(checkVolume(spec, given)!);
      if (given < 1) {
        size = given;
        kind = KIND_FRACTION;
      } else if (this.mt5) {
        // Lots, normalised to the step as the live runner's sizing and auto-adjusting validator do.
        const v = checkNormalizedVolume(spec, given);
        if (v.refusal) return this.refuse(v.refusal);
        size = v.lots;
        kind = KIND_UNITS;
      } else {
        if (!Number.isInteger(given)) {
          this.reject(
            RETCODE.INVALID_VOLUME,
            "invalid_volume",
            `compat sizes >= 1 must be whole units, got ${given}`,
          );
          return;
        }
        size = given;
        kind = KIND_UNITS;
      }
    } else {
      const s = this.defaultSizing;
      if (s.mode === "fraction") {
        size = Math.min(s.fraction, FULL_EQUITY);
        kind = KIND_FRACTION;
      } else if (s.mode === "risk") {
        size = s.riskPct;
        kind = KIND_RISK;
      } else {
        const units = s.mode === "units" ? s.units : s.lots * spec.contractSize;
        size = this.mt5 ? normalizeVolume(spec, units / spec.contractSize) : Math.floor(units);
        kind = KIND_UNITS;
        if (!size) {
          this.reject(
            RETCODE.INVALID_VOLUME,
            "invalid_volume",
            `configured size ${JSON.stringify(s)} is below the minimum volume`,
          );
          return;
        }
      }
    }
    const order: Order = {
      size: side * size,
      kind,
      limit,
      stop,
      sl,
      tp,
      tag: it.tag,
      parent: null,
      role: ROLE_ENTRY,
      reason: "signal",
      energy: this.energyAt(i),
      active: true,
    };
    if (this.cfg.exclusiveOrders) {
      for (const o of this.orders.slice()) if (o.role === ROLE_ENTRY) this.removeOrder(o);
      for (const t of this.book.trades) this.queueClose(t, "signal");
    }
    this.orders.push(order);
  }

  private processOrders(i: number): void {
    const b = this.bars;
    const seg = this.seg, p = this.path;
    const open = seg < 0 ? b.open[i] : p!.segOpen[seg];
    const high = seg < 0 ? b.high[i] : p!.segHigh[seg];
    const low = seg < 0 ? b.low[i] : p!.segLow[seg];
    const toc = this.cfg.tradeOnClose;
    const segSp = seg < 0 ? NaN : p!.segSpread[seg];
    const sp = this.mt5 && segSp === segSp ? segSp : this.spreadAt(i);
    const scale = this.valueScale;
    if (scale) this.book.mult = this.baseMult * scale.open[i];
    let reprocess = false;
    const snap = this.snapshot;
    snap.length = 0;
    for (let k = 0; k < this.orders.length; k++) snap.push(this.orders[k]);
    for (let oi = 0; oi < snap.length; oi++) {
      const order = snap[oi];
      if (!order.active) continue;
      const long = order.size > 0;
      const q = long ? sp : 0;
      const O = open + q, H = high + q, L = low + q;
      const contingent = order.role === ROLE_SL || order.role === ROLE_TP;
      const stopPrice = order.stop;
      if (stopPrice === stopPrice) {
        const hit = long ? H >= stopPrice : L <= stopPrice;
        if (!hit) continue;
        order.stop = NaN; // a triggered stop becomes a market/limit order
      }
      let price: number;
      let slipped = 0;
      /** Spread in force at the fill (the previous bar's with a market order on close). */
      let fillSpread = sp;
      if (order.limit === order.limit) {
        const lim = order.limit;
        const limitHit = long ? L < lim : H > lim;
        const beforeStop = limitHit &&
          (long
            ? lim < (stopPrice === stopPrice ? stopPrice : -Infinity)
            : lim > (stopPrice === stopPrice ? stopPrice : Infinity));
        if (!limitHit || beforeStop) continue;
        const base = stopPrice === stopPrice ? stopPrice : O;
        price = long ? Math.min(base, lim) : Math.max(base, lim);
      } else {
        const useClose = toc && !contingent;
        if (useClose && this.mt5) fillSpread = this.spreadAt(i - 1);
        price = useClose ? b.close[i - 1] + (long ? this.spreadAt(i - 1) : 0) : O;
        if (stopPrice === stopPrice) price = long ? Math.max(price, stopPrice) : Math.min(price, stopPrice);
        if (this.slip) {
          price += long ? this.slip : -this.slip;
          slipped = this.slip;
        }
      }
      const isMarket = order.limit !== order.limit && stopPrice !== stopPrice;
      const timeIndex = isMarket && toc && !contingent ? i - 1 : i;
      if (seg >= 0) {
        // The path's price (Bid) at this fill, inside the segment.
        const at = long ? price - slipped - q : price + slipped;
        const sh = p!.segHigh[seg], sl = p!.segLow[seg];
        this.fillAt = at > sh ? sh : at < sl ? sl : at;
      }
      // A fill on the previous close converts at that close's rate, any other at this bar's open.
      if (scale) this.book.mult = this.baseMult * (timeIndex < i ? scale.close[i - 1] : scale.open[i]);
      const spreadPaid = long && this.mt5 ? (isMarket && toc && !contingent ? this.spreadAt(i - 1) : sp) : 0;

      if (order.parent) {
        const t = order.parent;
        const size = Math.sign(order.size) * Math.min(Math.abs(t.size), Math.abs(order.size));
        if (this.book.trades.includes(t)) {
          const reason: ExitReason = order.role === ROLE_SL
            ? "sl"
            : order.role === ROLE_TP
            ? "tp"
            : order.reason;
          this.reduceTrade(t, price, size, timeIndex, reason, spreadPaid, slipped);
        }
        if (order.active) this.removeOrder(order);
        continue;
      }

      // A stand-alone entry.
      const adjusted = this.mt5 ? price : price * (1 + (long ? this.spreadRel : -this.spreadRel));
      // mt5: the Bid at the fill moment (a buy fills at Ask = Bid + spread); sizing and the margin
      // check mark open trades at this quote. compat keeps backtesting.py's close-of-bar marking.
      const fillBid = long ? price - slipped - fillSpread : price + slipped;
      let need: number;
      if (this.mt5) {
        const perLot = marginOfValue(this.spec, adjusted * this.book.mult, this.leverage) +
          this.book.commission(1, price);
        if (order.kind === KIND_FRACTION) {
          need = fractionLots(
            this.spec,
            this.marginFreeAtQuote(fillBid, fillSpread),
            Math.abs(order.size),
            perLot,
          );
        } else if (order.kind === KIND_RISK) {
          need = this.riskLots(this.equityAtQuote(fillBid, fillSpread), order, adjusted);
        } else need = Math.abs(order.size);
        const badVolume = checkVolume(this.spec, need);
        if (badVolume) {
          // Sizing gives 0 below the minimum volume (the live desk's "came out below" refusal).
          this.refuse({
            ...badVolume,
            message: `order size came out below the minimum volume ${this.spec.volumeMin}`,
          });
          this.removeOrder(order);
          continue;
        }
        need *= Math.sign(order.size);
        if (isMarket && (order.sl === order.sl || order.tp === order.tp)) {
          // The server's stops rule at send time: from the Bid (buy) or the Ask (sell) of the fill.
          const refused = checkStops(
            this.spec,
            long,
            long ? fillBid : fillBid + fillSpread,
            order.sl,
            order.tp,
            "server",
          );
          if (refused) {
            this.refuse(refused);
            this.removeOrder(order);
            continue;
          }
        }
      } else {
        const adjPlusComm = adjusted + this.book.commission(order.size, price) / Math.abs(order.size);
        if (order.kind === KIND_FRACTION) {
          need = Math.sign(order.size) *
            Math.trunc(
              pyFloorDiv(this.marginAvailable(i) * this.leverage * Math.abs(order.size), adjPlusComm),
            );
          if (!need) {
            this.cancelled++;
            this.removeOrder(order);
            continue;
          }
        } else if (order.kind === KIND_RISK) {
          need = Math.sign(order.size) * this.riskUnits(i, order, adjusted);
          if (!need) {
            this.cancelled++;
            this.removeOrder(order);
            continue;
          }
        } else need = order.size;
      }
      if (!this.cfg.hedging && this.book.trades.length !== 0) {
        // Netting: the book closes opposite trades first in first out.
        need = this.book.net(
          need,
          price,
          timeIndex,
          this.bars.time[timeIndex],
          "reverse",
          spreadPaid,
          slipped,
        );
        if (this.mt5) need = Number(need.toFixed(10));
      }
      if (this.mt5) {
        // MT5's margin check (the validator's `checkMargin`): the margin of the volume that opens
        // against the free margin at the fill's quote.
        const refused = need
          ? checkMargin(
            marginOfValue(this.spec, Math.abs(need) * adjusted * this.book.mult, this.leverage),
            this.marginFreeAtQuote(fillBid, fillSpread),
            this.spec.accountCurrency,
          )
          : null;
        if (refused) {
          this.refuse(refused);
          this.removeOrder(order);
          continue;
        }
      } else {
        const costPerUnit = adjusted + this.book.commission(order.size, price) / Math.abs(order.size);
        if (Math.abs(need) * costPerUnit > this.marginAvailable(i) * this.leverage) {
          this.reject(
            RETCODE.NO_MONEY,
            "no_money",
            `not enough free margin for ${Math.abs(need)} units at ${adjusted}`,
          );
          this.removeOrder(order);
          continue;
        }
      }
      if (need) {
        this.openTrade(
          adjusted,
          need,
          order,
          timeIndex,
          this.mt5 ? spreadPaid : Math.abs(adjusted - price),
          slipped,
        );
        if (order.sl === order.sl || order.tp === order.tp) {
          if (isMarket) reprocess = true;
          else if (
            stopPrice === stopPrice && order.limit !== order.limit && order.tp === order.tp &&
            ((long && order.tp <= high && (order.sl === order.sl ? order.sl : -Infinity) < low) ||
              (!long && order.tp >= low && (order.sl === order.sl ? order.sl : Infinity) > high))
          ) reprocess = true;
          // Otherwise a same-bar SL/TP of a stop/limit entry waits for the next bar (documented).
        }
      }
      if (order.active) this.removeOrder(order);
    }
    this.compactOrders();
    if (reprocess) this.processOrders(i);
  }

  /** mt5 risk sizing against `equity` (marked at the fill moment): the execution core's rule. */
  private riskLots(equity: number, order: Order, entry: number): number {
    const s = this.cfg.sizing;
    const fallback = s && s.mode === "risk" ? s.fallbackLots : undefined;
    // The stop distance's money value at the rate of the fill moment (as profit and margin).
    return riskLots(this.spec, equity, Math.abs(order.size), entry, order.sl, fallback, this.book.mult);
  }

  private riskUnits(i: number, order: Order, entry: number): number {
    const dist = Math.abs(entry - order.sl);
    if (order.sl !== order.sl || !(dist > 0)) {
      const s = this.cfg.sizing;
      if (s && s.mode === "risk" && s.fallbackLots) {
        return Math.floor(s.fallbackLots * this.spec.contractSize);
      }
      return Math.floor(this.equityAt(i) / entry);
    }
    return Math.floor(this.equityAt(i) * Math.abs(order.size) / 100 / dist);
  }

  private openTrade(
    price: number,
    size: number,
    order: Order,
    bar: number,
    spreadPerUnit: number,
    slip: number,
  ): void {
    const t: OpenTrade = {
      size,
      entry: price,
      entryBar: bar,
      entryTime: this.bars.time[bar],
      sl: NaN,
      tp: NaN,
      tag: order.tag,
      mfe: 0,
      mae: 0,
      energy: order.energy,
      spreadPerUnit,
      slipPerUnit: slip,
      swap: 0,
      slOrder: null,
      tpOrder: null,
      entrySeg: this.mfePath !== null && this.seg >= 0 && bar === this.i ? this.seg : -1,
      entryAt: this.fillAt,
    };
    this.book.open(t);
    if (order.tp === order.tp) this.setContingent(t, ROLE_TP, order.tp);
    if (order.sl === order.sl) this.setContingent(t, ROLE_SL, order.sl);
  }

  private setContingent(t: OpenTrade, role: number, price: number): void {
    const o: Order = {
      size: -t.size,
      kind: KIND_UNITS,
      limit: role === ROLE_TP ? price : NaN,
      stop: role === ROLE_SL ? price : NaN,
      sl: NaN,
      tp: NaN,
      tag: t.tag,
      parent: t,
      role,
      reason: role === ROLE_SL ? "sl" : "tp",
      energy: NaN,
      active: true,
    };
    if (role === ROLE_SL) {
      if (t.slOrder) this.removeOrder(t.slOrder);
      t.slOrder = o;
      t.sl = price;
    } else {
      if (t.tpOrder) this.removeOrder(t.tpOrder);
      t.tpOrder = o;
      t.tp = price;
    }
    // Contingent orders go to the front of the queue, but a trade's SL always stays before its TP
    // (a bar that touches both exits at the SL, whatever order they were set in).
    const slAt = role === ROLE_TP && t.slOrder ? this.orders.indexOf(t.slOrder) : -1;
    if (slAt >= 0) this.orders.splice(slAt + 1, 0, o);
    else this.pushFront(o);
  }

  /** Reduce `t` by `size` (opposite sign) in the book; closes it when nothing is left. */
  private reduceTrade(
    t: OpenTrade,
    price: number,
    size: number,
    bar: number,
    reason: ExitReason,
    exitSpread: number,
    slip: number,
  ): void {
    this.book.reduce(t, size, price, bar, this.bars.time[bar], reason, exitSpread, slip);
  }

  /** Close `t` in the book (its record goes to the trade log). */
  private closeTrade(
    t: OpenTrade,
    price: number,
    bar: number,
    reason: ExitReason,
    exitSpread: number,
    slip: number,
  ): void {
    this.book.close(t, price, bar, this.bars.time[bar], reason, exitSpread, slip);
  }

  /** The book's hook as `t` closes at bar `bar`: its SL/TP orders go, and along a path the part of this bar before the exit counts in its excursions. */
  private beforeClose(t: OpenTrade, bar: number): void {
    if (t.slOrder) this.removeOrder(t.slOrder);
    if (t.tpOrder) this.removeOrder(t.tpOrder);
    if (this.mfePath !== null && this.seg >= 0 && bar === this.i) {
      this.excursionBeforeExit(t, bar, this.seg, this.fillAt);
    }
  }

  /** The book's hook when `part` was split off `t` to close: the part has no orders, `t`'s brackets are resized to what is left. */
  private afterSplit(t: OpenTrade, part: OpenTrade): void {
    part.slOrder = null;
    part.tpOrder = null;
    if (t.slOrder) t.slOrder.size = -t.size;
    if (t.tpOrder) t.tpOrder.size = -t.size;
  }
}
