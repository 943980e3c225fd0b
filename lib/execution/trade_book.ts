/**
 * The trade book of the execution core: turns fills into trade records with the engine's fields
 * and accounting: first-in first-out netting of trades, net P&L after commission and swap, spread
 * cost, MFE/MAE from bar highs and lows, and the equity marked at each bar's close (longs at Bid,
 * shorts at Ask). It also provides the strategy's PositionView. The live runner keeps its trades
 * in it; {@link tradeRecord} is the one computation of a record, used by the book and by the
 * backtest engine (whose hot loop keeps its own typed book with the same formulas).
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
import { commissionMt5, swapNights, swapPerNight } from "../market/costs.ts";
import { type Instrument, valuePerPriceUnit } from "../market/instrument.ts";
import { sideName } from "../market/side.ts";
import { isoTime as iso } from "../util/iso_time.ts";
import type { PositionView } from "../strategies/contract.ts";

/** What a record needs to know about an open trade. */
export interface BookTrade {
  /** Signed size (lots in mt5, units in compat). */
  size: number;
  /** Entry price. */
  entry: number;
  /** Bar index of the entry fill. */
  entryBar: number;
  /** Time of the entry bar (epoch ms). */
  entryTime: number;
  /** SL/TP in force (NaN = none). */
  sl: number;
  /** Take-profit level (NaN or 0 = none). */
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

/** How a trade (or the part of it being recorded) ends. */
export interface RecordExit {
  /** Exit price. */
  price: number;
  /** Bar index of the exit. */
  bar: number;
  /** Time of the exit bar (epoch ms). */
  time: number;
  /** Why the trade closed. */
  reason: ExitReason;
  /** Spread paid at the exit per unit (a short's buy-back), 0 for a long. */
  spreadPerUnit: number;
  /** Slippage paid at the exit, price units. */
  slipPerUnit: number;
  /** Commission of both sides (entry only for a trade still open). */
  commission: number;
  /** Return in % when the profile defines it otherwise (compat); default pnl / entry value. */
  returnPct?: number;
}

/**
 * The trade record of `t` ended by `exit`, with `mult` the money value of a price move of 1.0 per
 * unit of size (`valuePerPriceUnit` in mt5, 1 in compat).
 */
export function tradeRecord(t: BookTrade, exit: RecordExit, mult: number): TradeRecord {
  const size = t.size;
  const abs = Math.abs(size);
  const long = size > 0;
  const price = exit.price;
  const f = long ? price - t.entry : t.entry - price;
  const mfe = Math.max(t.mfe, f), mae = Math.max(t.mae, -f);
  const gross = size * (price - t.entry) * mult;
  const pnl = gross - exit.commission + t.swap;
  const notional = abs * t.entry * mult;
  return {
    entry_bar: t.entryBar,
    exit_bar: exit.bar,
    entry_time: iso(t.entryTime),
    exit_time: iso(exit.time),
    side: sideName(long ? 1 : -1),
    entry_price: t.entry,
    exit_price: price,
    size: abs,
    pnl,
    return_pct: exit.returnPct ?? pnl / notional * 100,
    commission: exit.commission,
    spread_cost: (t.spreadPerUnit + exit.spreadPerUnit) * abs * mult,
    slippage_cost: (t.slipPerUnit + exit.slipPerUnit) * abs * mult,
    swap: t.swap,
    mfe,
    mae,
    energy_at_entry: t.energy,
    sl: t.sl === t.sl ? t.sl : null,
    tp: t.tp === t.tp ? t.tp : null,
    tag: t.tag ?? null,
    exit_reason: exit.reason,
    duration_bars: exit.bar - t.entryBar,
  };
}

class View implements PositionView {
  size = 0;
  openTrades = 0;
  entryPrice = NaN;
  entryBar = -1;
}

/** The trade book: engine-compatible trade accounting (mt5), used by the live runner. */
export class TradeBook {
  readonly #spec: Instrument;
  /** Money per 1.0 price move per lot at the static rates (the spec's tick value). */
  readonly #baseMult: number;
  /** The same at the rate of the moment (`setValueScale`). */
  #mult: number;
  /** Data rate ÷ static rate of the profit currency at the moment (1 = static). */
  #scale = 1;
  #cash: number;
  #open: BookTrade[] = [];
  /** Closed trades, in closing order. */
  readonly closed: TradeRecord[] = [];
  /** The net position as the strategy sees it. */
  readonly position: PositionView = new View();

  /** A book for one instrument starting with `cash` (account currency). */
  constructor(spec: Instrument, cash: number) {
    this.#spec = spec;
    this.#baseMult = this.#mult = valuePerPriceUnit(spec);
    this.#cash = cash;
  }

  /**
   * Currency conversion at the rate of the moment (lib/portfolio `conversionForFile`'s
   * multipliers): from now on profits, marks, margin and swap are valued at `scale` × the static
   * value per price unit, exactly as the backtest engine does at the same moment.
   */
  setValueScale(scale: number): void {
    this.#scale = scale;
    this.#mult = this.#baseMult * scale;
  }

  /** Cash (realised balance). */
  get cash(): number {
    return this.#cash;
  }

  /** Net signed lots. */
  get netLots(): number {
    return this.position.size;
  }

  /** Number of open trades. */
  get openCount(): number {
    return this.#open.length;
  }

  /** Equity marked at a close price (longs at Bid = close, shorts at Ask = close + spread). */
  equityAt(close: number, spreadPx: number): number {
    let eq = this.#cash;
    for (const t of this.#open) {
      eq += t.size * ((t.size > 0 ? close : close + spreadPx) - t.entry) * this.#mult + t.swap;
    }
    return eq;
  }

  /**
   * Margin of the open trades at their entry prices (volume × contract value / leverage), as the
   * paper broker and the backtest's mt5 profile account for it.
   */
  marginUsed(leverage: number): number {
    let used = 0;
    for (const t of this.#open) used += Math.abs(t.size) * t.entry * this.#mult;
    return used / leverage;
  }

  /** Move the stop-loss and/or take-profit recorded on every open trade (a `modify` intent). */
  setBrackets(sl: number | undefined, tp: number | undefined): void {
    for (const t of this.#open) {
      if (sl !== undefined) t.sl = sl;
      if (tp !== undefined) t.tp = tp;
    }
  }

  /**
   * Money the terminal booked on closed trades that the book did not compute (demo/live: the swap
   * of the terminal's deals, as the runner does not estimate it there). Added to the cash.
   */
  adjustCash(delta: number): void {
    if (Number.isFinite(delta)) this.#cash += delta;
  }

  /** Charge swap for the nights between two bar open times (before fills at the later one). */
  chargeSwap(prevMs: number, curMs: number, prevClose: number, rolloverHour = 0): void {
    if (!this.#open.length || this.#spec.swapMode === "disabled") return;
    const s = this.#spec;
    const nights = swapNights(prevMs, curMs, rolloverHour, s.tripleSwapDay, s.swapWeekends);
    if (!nights) return;
    for (const t of this.#open) {
      t.swap += nights * swapPerNight(s, Math.sign(t.size), Math.abs(t.size), prevClose) * this.#scale;
    }
  }

  /** Update MFE/MAE of open trades with a bar's high and low. */
  updateExcursions(high: number, low: number): void {
    for (const t of this.#open) {
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
    const out: TradeRecord[] = [];
    let need = opts.lots;
    const buy = need > 0;
    const spreadPaid = buy ? opts.spreadPx : 0;
    for (const t of this.#open.slice()) {
      if (!need) break;
      if ((t.size > 0) === buy) continue;
      if (Math.abs(need) >= Math.abs(t.size) - 1e-12) {
        need = Number((need + t.size).toFixed(10));
        out.push(this.#close(t, opts.price, opts.bar, opts.time, opts.reason, spreadPaid));
      } else {
        // Close a part of t.
        const part: BookTrade = { ...t, size: -need, swap: t.swap * (-need / t.size) };
        t.swap -= part.swap;
        t.size = Number((t.size + need).toFixed(10));
        this.#open.push(part);
        out.push(this.#close(part, opts.price, opts.bar, opts.time, opts.reason, spreadPaid));
        need = 0;
      }
    }
    if (need && opts.opens) {
      this.#open.push({
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
      this.#cash -= commissionMt5(this.#spec, need, opts.price);
    }
    this.#refresh();
    return out;
  }

  /**
   * Close every open trade at `price` (a `close` intent), newest first as the backtest engine
   * queues them. `spreadPx` is Ask − Bid (paid when buying back shorts).
   */
  closeAll(price: number, bar: number, time: number, reason: ExitReason, spreadPx: number): TradeRecord[] {
    const out: TradeRecord[] = [];
    for (const t of this.#open.slice().reverse()) {
      out.push(this.#close(t, price, bar, time, reason, t.size < 0 ? spreadPx : 0));
    }
    this.#refresh();
    return out;
  }

  /** Records of the trades still open, marked at `close` (exit reason "open"). */
  openRecords(close: number, spreadPx: number, bar: number, time: number): TradeRecord[] {
    return this.#open.map((t) =>
      this.#record(t, t.size > 0 ? close : close + spreadPx, bar, time, "open", 0, true)
    );
  }

  #close(
    t: BookTrade,
    price: number,
    bar: number,
    time: number,
    reason: ExitReason,
    exitSpread: number,
  ): TradeRecord {
    const k = this.#open.indexOf(t);
    if (k >= 0) this.#open.splice(k, 1);
    const rec = this.#record(t, price, bar, time, reason, t.size < 0 ? exitSpread : 0, false);
    this.#cash += t.size * (price - t.entry) * this.#mult - commissionMt5(this.#spec, t.size, price) + t.swap;
    this.closed.push(rec);
    return rec;
  }

  #record(
    t: BookTrade,
    price: number,
    bar: number,
    time: number,
    reason: ExitReason,
    exitSpreadPerUnit: number,
    open: boolean,
  ): TradeRecord {
    const commission = open
      ? commissionMt5(this.#spec, t.size, t.entry)
      : commissionMt5(this.#spec, t.size, t.entry) + commissionMt5(this.#spec, t.size, price);
    return tradeRecord(
      t,
      { price, bar, time, reason, spreadPerUnit: exitSpreadPerUnit, slipPerUnit: 0, commission },
      this.#mult,
    );
  }

  #refresh(): void {
    const p = this.position as View;
    let size = 0, notional = 0, abs = 0, first = -1;
    for (const t of this.#open) {
      size += t.size;
      notional += Math.abs(t.size) * t.entry;
      abs += Math.abs(t.size);
      if (first < 0 || t.entryBar < first) first = t.entryBar;
    }
    p.size = Number(size.toFixed(10));
    p.openTrades = this.#open.length;
    p.entryPrice = abs > 0 ? notional / abs : NaN;
    p.entryBar = first;
  }
}
