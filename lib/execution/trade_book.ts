/**
 * The trade book of the execution core, the one implementation of a book's accounting: open a
 * trade (entry commission), close a trade or a part of it with its record (net P&L after
 * commission and swap, spread and slippage cost, MFE/MAE), first-in first-out netting of an
 * opposite fill, swap for the nights crossed, excursions from bar highs and lows, the equity marked
 * at a quote (longs at Bid, shorts at Ask) and the strategy's {@link PositionView}.
 *
 * {@link Book} holds the open trades (typed objects, extended by their owner: the backtest engine
 * adds its contingent SL/TP order links and the path fields of its intrabar model) and writes the
 * closed ones column-wise into a {@link TradeLog}, without allocating per bar. The backtest engine
 * (lib/backtest/engine.ts) books every trade through a `Book`, netting or hedging; {@link TradeBook}
 * is a thin wrapper over one for the live runner (mt5 terms, fills at quotes, `TradeRecord`s out).
 *
 * @example
 * ```ts
 * import { TradeBook } from "./trade_book.ts";
 * import { symbolSpec } from "../market/instrument.ts";
 * const book = new TradeBook(symbolSpec("EURUSD"), 10_000);
 * book.fill({ lots: 0.1, price: 1.1, bar: 0, time: 0, reason: "signal", spreadPx: 0, opens: true });
 * const [t] = book.fill({ lots: -0.1, price: 1.101, bar: 3, time: 3, reason: "signal", spreadPx: 0, opens: false });
 * console.log(t.exit_reason, t.pnl.toFixed(2)); // signal 9.30
 * ```
 *
 * @module
 */
import type { ExitReason, TradeRecord } from "./types.ts";
import { TradeLog } from "./trade_log.ts";
import {
  commissionCompat,
  commissionMt5,
  type CommissionSpec,
  marginOfValue,
  swapNights,
  swapPerNight,
} from "../market/costs.ts";
import { type Instrument, valuePerPriceUnit } from "../market/instrument.ts";
import type { PositionView } from "../strategies/contract.ts";

/** An open trade as the book keeps it (owners may extend it with fields of their own). */
export interface BookTrade {
  /** Signed size (lots in mt5, units in compat). */
  size: number;
  /** Entry price. */
  entry: number;
  /** Bar index of the entry fill. */
  entryBar: number;
  /** Time of the entry fill (epoch ms; the entry bar's open in a backtest). */
  entryTime: number;
  /** Stop-loss in force (NaN = none). */
  sl: number;
  /** Take-profit in force (NaN = none). */
  tp: number;
  /** The strategy's label for the trade. */
  tag: string | undefined;
  /** Maximum favourable excursion so far, price units. */
  mfe: number;
  /** Maximum adverse excursion so far, price units. */
  mae: number;
  /** Energy at the decision bar (lib/backtest/energy.ts). */
  energy: number;
  /** Spread paid at entry per unit of price (a buy's Ask − Bid). */
  spreadPerUnit: number;
  /** Slippage paid at entry, in price units. */
  slipPerUnit: number;
  /** Swap accrued (negative = paid). */
  swap: number;
}

/** The terms a book accounts with. */
export interface BookTerms {
  /** The instrument traded. */
  spec: Instrument;
  /**
   * `mt5`: lots, money per price unit from the instrument, per-lot commission, return on the entry
   * value. `compat`: backtesting.py's units (value 1 per price unit), relative commission and return.
   */
  profile: "mt5" | "compat";
  /** Commission model (a backtest config's `commission`); null: the instrument's per-lot rate in mt5, none in compat. */
  commission: CommissionSpec | null;
}

/** What a book's owner does around closes (the engine: its SL/TP orders, path excursions). */
export interface BookHooks<T extends BookTrade> {
  /** `t` (a whole trade or the part split off to close) is closing at bar `bar`: before its record is written. */
  beforeClose(t: T, bar: number): void;
  /** `part` was split off `t` to be closed; `t` keeps the rest (its size is already reduced). */
  afterSplit(t: T, part: T): void;
}

/** The cash a book's closes and commissions move (its own, or an account shared by several books). */
export interface BookAccount {
  /** Balance in the account currency. */
  cash: number;
}

class View implements PositionView {
  size = 0;
  openTrades = 0;
  entryPrice = NaN;
  entryBar = -1;
}

/** Update the excursions of `t` with a price range (a bar's high and low, or a part of its path). */
export function updateExcursion(t: BookTrade, high: number, low: number): void {
  if (t.size > 0) {
    const f = high - t.entry, a = t.entry - low;
    if (f > t.mfe) t.mfe = f;
    if (a > t.mae) t.mae = a;
  } else {
    const f = t.entry - low, a = high - t.entry;
    if (f > t.mfe) t.mfe = f;
    if (a > t.mae) t.mae = a;
  }
}

/** A bar's close over `trades`: excursions with its high and low, then `start` plus their marks (longs at `bid`, shorts at `ask`), in one pass. */
export function markTrades(
  tr: readonly BookTrade[],
  start: number,
  high: number,
  low: number,
  bid: number,
  ask: number,
  m: number,
): number {
  let eq = start;
  for (let k = 0; k < tr.length; k++) {
    const t = tr[k];
    if (t.size > 0) {
      const f = high - t.entry, a = t.entry - low;
      if (f > t.mfe) t.mfe = f;
      if (a > t.mae) t.mae = a;
      eq += t.size * (bid - t.entry) * m + t.swap;
    } else {
      const f = t.entry - low, a = high - t.entry;
      if (f > t.mfe) t.mfe = f;
      if (a > t.mae) t.mae = a;
      eq += t.size * (ask - t.entry) * m + t.swap;
    }
  }
  return eq;
}

/**
 * The book: open trades of type `T`, closed ones in `log`, cash in `account`. Nothing is
 * allocated per bar; a partial close allocates the part it closes.
 */
export class Book<T extends BookTrade = BookTrade> {
  /** Open trades, oldest first (read-only for owners: open and close through the book). */
  readonly trades: T[] = [];
  /** Closed trades, column-wise, in closing order. */
  readonly log: TradeLog;
  /** The net position as the strategy sees it (refreshed by every open and close). */
  readonly position: PositionView;
  private readonly view: View = new View();
  /** The account the book's money goes to. */
  readonly account: BookAccount;
  /**
   * Money per 1.0 price move per unit of size at the moment being processed (mt5: the
   * instrument's value per price unit, times the conversion rate of the moment; compat: 1).
   */
  mult: number;
  private readonly spec: Instrument;
  private readonly mt5: boolean;
  private readonly commissionModel: CommissionSpec | null;
  private readonly noCommission: boolean;
  private readonly hooks: BookHooks<T> | null;
  private scratch: TradeLog | null = null;

  /** A book on `terms` booking into `account` and `log` (a new log when absent). */
  constructor(terms: BookTerms, account: BookAccount, log?: TradeLog | null, hooks?: BookHooks<T> | null) {
    this.spec = terms.spec;
    this.mt5 = terms.profile === "mt5";
    this.commissionModel = terms.commission;
    this.noCommission = !this.mt5 && (terms.commission === null || terms.commission === 0);
    this.mult = this.mt5 ? valuePerPriceUnit(terms.spec) : 1;
    this.account = account;
    this.log = log ?? new TradeLog(64);
    this.hooks = hooks ?? null;
    this.position = this.view;
  }

  /** Commission of one side for `size` at `price` under the book's terms. */
  commission(size: number, price: number): number {
    if (this.noCommission) return 0;
    return this.mt5
      ? commissionMt5(this.spec, size, price, this.commissionModel)
      : commissionCompat(this.commissionModel, size, price);
  }

  /** A size as the book stores it: mt5 lots rounded to 10 decimals (no binary residue), compat units as they are. */
  private lots(x: number): number {
    return this.mt5 ? Number(x.toFixed(10)) : x;
  }

  /** Open `t` (its entry fields set, mfe/mae/swap at 0): charges the entry commission. */
  open(t: T): void {
    this.trades.push(t);
    this.account.cash -= this.commission(t.size, t.entry);
    this.refresh();
  }

  /**
   * Close `t` (open, or a part split off it) at `price` during bar `bar` (time `time`, epoch ms):
   * writes its record into `log`, books its P&L, exit commission and swap. `exitSpreadPerUnit` is
   * the spread of a buy at the exit (counted for shorts only), `slip` the exit slippage. Returns
   * the record's row in `log`.
   */
  close(
    t: T,
    price: number,
    bar: number,
    time: number,
    reason: ExitReason,
    exitSpreadPerUnit: number,
    slip: number,
  ): number {
    const tr = this.trades;
    const k = tr.indexOf(t);
    if (k >= 0) {
      // Remove without splice (which allocates the array of removed items).
      for (let j = k + 1; j < tr.length; j++) tr[j - 1] = tr[j];
      tr.length--;
    }
    if (this.hooks !== null) this.hooks.beforeClose(t, bar);
    const commExit = this.commission(t.size, price);
    const commission = this.commission(t.size, t.entry) + commExit;
    const row = this.write(
      this.log,
      t,
      price,
      bar,
      time,
      reason,
      t.size < 0 ? exitSpreadPerUnit : 0,
      slip,
      commission,
    );
    this.account.cash += t.size * (price - t.entry) * this.mult - commExit + t.swap;
    this.refresh();
    return row;
  }

  /**
   * Split `size` (opposite sign to `t`) off `t` as a new trade to close, with its share of the swap;
   * `t` keeps the rest.
   */
  split(t: T, size: number): T {
    const part: T = { ...t, size: -size, swap: t.swap * (-size / t.size) };
    t.swap -= part.swap;
    t.size = this.lots(t.size + size);
    if (this.hooks !== null) this.hooks.afterSplit(t, part);
    return part;
  }

  /** Reduce `t` by `size` (opposite sign) at `price`: closes it whole when nothing is left, else a part. */
  reduce(
    t: T,
    size: number,
    price: number,
    bar: number,
    time: number,
    reason: ExitReason,
    exitSpreadPerUnit: number,
    slip: number,
  ): number {
    if (Math.abs(t.size + size) < 1e-12) {
      return this.close(t, price, bar, time, reason, exitSpreadPerUnit, slip);
    }
    return this.close(this.split(t, size), price, bar, time, reason, exitSpreadPerUnit, slip);
  }

  /**
   * Net a fill of `need` (signed) against the opposite open trades, first in first out: each is
   * closed whole while the fill covers it, the last one reduced. Returns what remains of the fill.
   */
  net(
    need: number,
    price: number,
    bar: number,
    time: number,
    reason: ExitReason,
    exitSpreadPerUnit: number,
    slip: number,
  ): number {
    const tr = this.trades;
    const buy = need > 0;
    let k = 0;
    while (need && k < tr.length) {
      const t = tr[k];
      if ((t.size > 0) === buy) {
        k++;
        continue;
      }
      if (Math.abs(need) >= Math.abs(t.size) - 1e-12) {
        this.close(t, price, bar, time, reason, exitSpreadPerUnit, slip); // removes tr[k]
        need = this.lots(need + t.size);
      } else {
        this.reduce(t, need, price, bar, time, reason, exitSpreadPerUnit, slip);
        need = 0;
      }
    }
    return need;
  }

  /**
   * Swap for the nights between two bar open times (prices of `price`, the close before), times
   * `k` (the conversion rate of that close; 1 at static rates).
   */
  chargeSwap(prevMs: number, curMs: number, rolloverHour: number, price: number, k: number): void {
    const s = this.spec;
    const nights = swapNights(prevMs, curMs, rolloverHour, s.tripleSwapDay, s.swapWeekends);
    if (!nights) return;
    for (const t of this.trades) {
      t.swap += nights * swapPerNight(s, Math.sign(t.size), Math.abs(t.size), price) * k;
    }
  }

  /** Update the excursions of every open trade with a bar's high and low. */
  excursions(high: number, low: number): void {
    const tr = this.trades;
    for (let k = 0; k < tr.length; k++) updateExcursion(tr[k], high, low);
  }

  /** `start` plus the unrealised P&L (swap included) of the open trades, longs marked at `bid`, shorts at `ask`. */
  markEquity(start: number, bid: number, ask: number): number {
    let eq = start;
    const tr = this.trades;
    const m = this.mult;
    for (let k = 0; k < tr.length; k++) {
      const t = tr[k];
      eq += t.size * ((t.size > 0 ? bid : ask) - t.entry) * m + t.swap;
    }
    return eq;
  }

  /** A bar's close: the excursions with its high and low, then `markEquity(start, bid, ask)`, in one pass. */
  markBar(start: number, high: number, low: number, bid: number, ask: number): number {
    return markTrades(this.trades, start, high, low, bid, ask, this.mult);
  }

  /** Unrealised P&L (swap included) of one open trade at a quote. */
  unrealised(t: T, bid: number, ask: number): number {
    return t.size * ((t.size > 0 ? bid : ask) - t.entry) * this.mult + t.swap;
  }

  /** `start` plus the value of the open trades at their entry prices (|size| × entry × mult). */
  entryValue(start: number): number {
    let v = start;
    const tr = this.trades;
    for (let k = 0; k < tr.length; k++) v += Math.abs(tr[k].size) * tr[k].entry * this.mult;
    return v;
  }

  /** The value of the open trades at `price` (|size| × price × mult). */
  valueAt(price: number): number {
    let v = 0;
    const tr = this.trades;
    for (let k = 0; k < tr.length; k++) v += Math.abs(tr[k].size) * price * this.mult;
    return v;
  }

  /** The record of open trade `t` marked at `price` (exit reason "open"; entry commission only). */
  openRecord(t: T, price: number, bar: number, time: number): TradeRecord {
    const s = this.scratch ??= new TradeLog(4);
    s.clear();
    const k = this.write(s, t, price, bar, time, "open", 0, 0, this.commission(t.size, t.entry));
    return s.recordAt(k);
  }

  /** Refresh the position view from the open trades. */
  refresh(): void {
    const p = this.view;
    const tr = this.trades;
    if (tr.length <= 1) {
      const t = tr.length ? tr[0] : null;
      p.size = t ? t.size : 0;
      p.openTrades = tr.length;
      p.entryPrice = t ? t.entry : NaN;
      p.entryBar = t ? t.entryBar : -1;
      return;
    }
    let size = 0, notional = 0, abs = 0, first = -1;
    for (const t of tr) {
      size += t.size;
      notional += Math.abs(t.size) * t.entry;
      abs += Math.abs(t.size);
      if (first < 0 || t.entryBar < first) first = t.entryBar;
    }
    p.size = this.lots(size);
    p.openTrades = tr.length;
    p.entryPrice = abs > 0 ? notional / abs : NaN;
    p.entryBar = first;
  }

  /** The one computation of a trade's record: `t` ended at `price`, into a new row of `log`. */
  private write(
    log: TradeLog,
    t: T,
    price: number,
    bar: number,
    time: number,
    reason: ExitReason,
    exitSpreadPerUnit: number,
    exitSlip: number,
    commission: number,
  ): number {
    const size = t.size;
    const abs = Math.abs(size);
    const long = size > 0;
    const m = this.mult;
    const f = long ? price - t.entry : t.entry - price;
    const pnl = size * (price - t.entry) * m - commission + t.swap;
    const k = log.next();
    log.entryBar[k] = t.entryBar;
    log.exitBar[k] = bar;
    log.entryTime[k] = t.entryTime;
    log.exitTime[k] = time;
    log.side[k] = long ? 1 : -1;
    log.entryPrice[k] = t.entry;
    log.exitPrice[k] = price;
    log.size[k] = abs;
    log.pnl[k] = pnl;
    log.returnPct[k] = this.mt5
      ? pnl / (abs * t.entry * m) * 100
      : ((long ? 1 : -1) * (price / t.entry - 1) - commission / (abs * t.entry)) * 100;
    log.commission[k] = commission;
    log.spreadCost[k] = (t.spreadPerUnit + exitSpreadPerUnit) * abs * m;
    log.slippageCost[k] = (t.slipPerUnit + exitSlip) * abs * m;
    log.swap[k] = t.swap;
    log.mfe[k] = t.mfe > f ? t.mfe : f;
    log.mae[k] = t.mae > -f ? t.mae : -f;
    log.energy[k] = t.energy;
    log.sl[k] = t.sl;
    log.tp[k] = t.tp;
    log.tag[k] = t.tag ?? null;
    log.reason[k] = reason;
    return k;
  }
}

/**
 * The live runner's book: a {@link Book} on the instrument's mt5 terms with its own cash, filled
 * at quotes, returning `TradeRecord`s (entry and exit times are the fills' times).
 */
export class TradeBook {
  readonly #book: Book;
  readonly #spec: Instrument;
  /** Money per 1.0 price move per lot at the static rates (the spec's tick value). */
  readonly #baseMult: number;
  /** Data rate ÷ static rate of the profit currency at the moment (1 = static). */
  #scale = 1;
  /** Closed trades, in closing order. */
  readonly closed: TradeRecord[] = [];

  /** A book for one instrument starting with `cash` (account currency). */
  constructor(spec: Instrument, cash: number) {
    this.#spec = spec;
    this.#book = new Book({ spec, profile: "mt5", commission: null }, { cash }, new TradeLog(16));
    this.#baseMult = this.#book.mult;
  }

  /**
   * Currency conversion at the rate of the moment (lib/portfolio `conversionForFile`'s
   * multipliers): from now on profits, marks, margin and swap are valued at `scale` × the static
   * value per price unit, exactly as the backtest engine does at the same moment.
   */
  setValueScale(scale: number): void {
    this.#scale = scale;
    this.#book.mult = this.#baseMult * scale;
  }

  /** Cash (realised balance). */
  get cash(): number {
    return this.#book.account.cash;
  }

  /** Money per 1.0 price move per lot at the current value scale (sizing's `perUnit`). */
  get valuePerLot(): number {
    return this.#book.mult;
  }

  /** The net position as the strategy sees it. */
  get position(): PositionView {
    return this.#book.position;
  }

  /** Net signed lots. */
  get netLots(): number {
    return this.#book.position.size;
  }

  /** Number of open trades. */
  get openCount(): number {
    return this.#book.trades.length;
  }

  /** Equity marked at a close price (longs at Bid = close, shorts at Ask = close + spread). */
  equityAt(close: number, spreadPx: number): number {
    return this.#book.markEquity(this.#book.account.cash, close, close + spreadPx);
  }

  /**
   * Margin of the open trades at their entry prices (lib/market/costs.ts `marginOfValue`: value ×
   * margin rate ÷ leverage), as the paper broker and the backtest's mt5 profile account for it.
   */
  marginUsed(leverage: number): number {
    return marginOfValue(this.#spec, this.#book.entryValue(0), leverage);
  }

  /** Move the stop-loss and/or take-profit recorded on every open trade (a `modify` intent). */
  setBrackets(sl: number | undefined, tp: number | undefined): void {
    for (const t of this.#book.trades) {
      if (sl !== undefined) t.sl = sl;
      if (tp !== undefined) t.tp = tp;
    }
  }

  /**
   * Money the terminal booked on closed trades that the book did not compute (demo/live: the swap
   * of the terminal's deals, as the runner does not estimate it there). Added to the cash.
   */
  adjustCash(delta: number): void {
    if (Number.isFinite(delta)) this.#book.account.cash += delta;
  }

  /** Charge swap for the nights between two bar open times (before fills at the later one). */
  chargeSwap(prevMs: number, curMs: number, prevClose: number, rolloverHour = 0): void {
    if (!this.#book.trades.length || this.#spec.swapMode === "disabled") return;
    this.#book.chargeSwap(prevMs, curMs, rolloverHour, prevClose, this.#scale);
  }

  /** Update MFE/MAE of open trades with a bar's high and low. */
  updateExcursions(high: number, low: number): void {
    this.#book.excursions(high, low);
  }

  /**
   * Apply a fill of `lots` (signed: + bought, − sold) at `price` during bar `bar`. It first closes
   * opposite trades first-in first-out (`reason`), then opens a new trade with what remains when
   * `opens` is true. `spreadPx` is the spread paid by a buy (Ask − Bid).
   */
  fill(opts: {
    lots: number;
    price: number;
    bar: number;
    time: number;
    reason: ExitReason;
    spreadPx: number;
    opens: boolean;
    sl?: number;
    tp?: number;
    tag?: string;
    energy?: number;
  }): TradeRecord[] {
    const book = this.#book;
    const from = book.log.length;
    const spreadPaid = opts.lots > 0 ? opts.spreadPx : 0;
    const need = book.net(opts.lots, opts.price, opts.bar, opts.time, opts.reason, spreadPaid, 0);
    if (need && opts.opens) {
      book.open({
        size: need,
        entry: opts.price,
        entryBar: opts.bar,
        entryTime: opts.time,
        sl: opts.sl ?? NaN,
        tp: opts.tp ?? NaN,
        tag: opts.tag,
        mfe: 0,
        mae: 0,
        energy: opts.energy ?? NaN,
        spreadPerUnit: spreadPaid,
        slipPerUnit: 0,
        swap: 0,
      });
    }
    return this.#closedSince(from);
  }

  /**
   * Close every open trade at `price` (a `close` intent), newest first as the backtest engine
   * queues them. `spreadPx` is Ask − Bid (paid when buying back shorts).
   */
  closeAll(price: number, bar: number, time: number, reason: ExitReason, spreadPx: number): TradeRecord[] {
    const book = this.#book;
    const from = book.log.length;
    const tr = book.trades;
    for (let k = tr.length - 1; k >= 0; k--) book.close(tr[k], price, bar, time, reason, spreadPx, 0);
    return this.#closedSince(from);
  }

  /** Records of the trades still open, marked at `close` (exit reason "open"). */
  openRecords(close: number, spreadPx: number, bar: number, time: number): TradeRecord[] {
    const book = this.#book;
    return book.trades.map((t) => book.openRecord(t, t.size > 0 ? close : close + spreadPx, bar, time));
  }

  #closedSince(from: number): TradeRecord[] {
    const log = this.#book.log;
    const out: TradeRecord[] = [];
    for (let k = from; k < log.length; k++) {
      const rec = log.recordAt(k);
      this.closed.push(rec);
      out.push(rec);
    }
    return out;
  }
}
