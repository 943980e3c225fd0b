/**
 * The position book of the execution core: open positions addressed by ticket, as an MT5 trade
 * server keeps them, for the paper broker (lib/broker/paper_broker.ts, a thin server shell over it)
 * and the EA simulator that runs on it (lib/mt5/simulator.ts). It applies deals with MT5's two
 * account kinds, books the realised profit and the commission into the balance, values the open
 * positions (profit at the closing side of the quote, margin) and finds the stop-loss and
 * take-profit exits a bar triggers.
 *
 * - **Netting** (MT5 RETAIL_NETTING): one position per symbol. A deal in the position's direction
 *   adds to it at the volume-weighted average open price (its SL/TP replaced when the deal gives
 *   them); an opposite deal reduces it, closes it, or closes it and opens the remainder on the
 *   other side as a new ticket (an `inout` deal).
 * - **Hedging** (MT5 RETAIL_HEDGING): every deal without a position ticket opens a position of its
 *   own; a deal naming a ticket reduces or closes that position.
 *
 * The backtest engine and the live ledger keep *trades* instead (`Book` and `TradeBook`, trade_book.ts):
 * first-in first-out lots with their own entry price, MFE/MAE and trade record. Netting averages what the
 * trade book keeps apart: two buys at 1.10 and 1.12 are one 1.11 position here and two trades there;
 * the money is the same (profit is linear in the price), the records differ. Swap is not charged
 * here (the paper broker's positions carry none; the trade book charges it).
 *
 * Money is in the account currency: profit ({@link profitMt5}) and margin ({@link marginRequired})
 * come from lib/market/costs.ts in the instrument's `accountCurrency`, converted with a
 * {@link CurrencyConverter} when the account's currency differs; commission is
 * {@link commissionMt5} at the book's rate per lot per side.
 *
 * @example
 * ```ts
 * import { PositionBook } from "./positions.ts";
 * import { symbolSpec } from "../market/instrument.ts";
 * const book = new PositionBook({ instruments: [symbolSpec("EURUSD")], balance: 10_000, commissionPerLot: 3 });
 * book.deal({ symbol: "EURUSD", side: 1, volume: 1, price: 1.1002, timeMsc: 0, comment: "a1" });
 * const d = book.deal({ symbol: "EURUSD", side: -1, volume: 1.5, price: 1.101, timeMsc: 1, comment: "a2" });
 * console.log(d.entry, d.profit.toFixed(2), book.positions()[0].side, book.balance.toFixed(2)); // inout 80.00 -1 10072.50
 * ```
 *
 * @module
 */
import { commissionMt5, marginRequired, profitMt5 } from "../market/costs.ts";
import { type CurrencyConverter, STATIC_CONVERTER } from "../market/currency.ts";
import type { Side } from "../market/side.ts";
import type { Instrument } from "../market/types.ts";
import { KinetraError } from "../errors.ts";

/** An open position. Volumes in lots, prices in the symbol's quote, money in the account currency. */
export interface OpenPosition {
  /** Ticket (decimal string): the ticket of the order that opened it. */
  ticket: string;
  /** Symbol name. */
  symbol: string;
  /** +1 long (buy), -1 short (sell). */
  side: Side;
  /** Volume, lots. */
  volume: number;
  /** Open price (netting: the volume-weighted average of the deals that built it). */
  priceOpen: number;
  /** Stop-loss level (0 = none). */
  sl: number;
  /** Take-profit level (0 = none). */
  tp: number;
  /** Magic number of the expert (decimal string). */
  magic: string;
  /** Comment of the opening deal (the client order id for Kinetra orders). */
  comment: string;
  /** Open time, epoch ms. */
  timeMsc: number;
}

/** How a deal changed the book: opened/added (`in`), reduced/closed (`out`), or reversed (`inout`). */
export type DealEntry = "in" | "out" | "inout";

/** A deal the book applied. */
export interface PositionDeal {
  /** Deal ticket (decimal string). */
  ticket: string;
  /** Ticket of the order that made it. */
  order: string;
  /** The position it opened, changed or closed last ("0" when none). */
  positionId: string;
  /** Symbol name. */
  symbol: string;
  /** +1 buy, -1 sell. */
  side: Side;
  /** How it changed the position. */
  entry: DealEntry;
  /** Volume, lots. */
  volume: number;
  /** Fill price. */
  price: number;
  /** Commission charged (account currency, negative = cost). */
  commission: number;
  /** Realised profit of the part that closed (account currency, before commission). */
  profit: number;
  /** Magic number of the expert. */
  magic: string;
  /** Comment (the client order id for Kinetra orders). */
  comment: string;
  /** Time, epoch ms. */
  timeMsc: number;
}

/** A deal to apply. */
export interface DealRequest {
  /** Symbol name (must be one of the book's instruments). */
  symbol: string;
  /** +1 buy, -1 sell. */
  side: Side;
  /** Volume, lots (> 0). */
  volume: number;
  /** Fill price. */
  price: number;
  /** Time, epoch ms. */
  timeMsc: number;
  /** The position this deal reduces or closes (hedging; netting closes by ticket too). */
  position?: string;
  /** Magic number. Default "0". */
  magic?: string;
  /** Comment (the client order id). */
  comment: string;
  /** Stop-loss of the position it opens or adds to (0/absent = none, netting: keep). */
  sl?: number;
  /** Take-profit of the position it opens or adds to (0/absent = none, netting: keep). */
  tp?: number;
}

/** The part of a bar a stop check needs: Bid prices and the spread in points. */
export interface StopBar {
  /** Open (Bid). */
  open: number;
  /** High (Bid). */
  high: number;
  /** Low (Bid). */
  low: number;
  /** Spread in points (a sell's levels are compared with Ask = Bid + spread). */
  spreadPoints: number;
}

/** The exit a bar triggers for a position: which level and its fill price. */
export interface StopHit {
  /** Which level was hit. */
  reason: "sl" | "tp";
  /** The fill price (the level, or the open when the bar gapped through it). */
  price: number;
}

/** Position book settings. */
export interface PositionBookOptions {
  /** The symbols it can hold. */
  instruments: readonly Instrument[];
  /** Starting balance (account currency). Default 10 000. */
  balance?: number;
  /** Account currency. Default USD. */
  currency?: string;
  /** Account leverage (100 = 1:100). Default 100. */
  leverage?: number;
  /** Hedging account (default: netting). */
  hedging?: boolean;
  /** Commission per lot per side (account currency; charged as a negative amount). Default 0. */
  commissionPerLot?: number;
  /** Margin of `volume` at `price` (account currency). Default: {@link marginRequired}, converted. */
  marginRequired?: (spec: Instrument, volume: number, price: number, leverage: number) => number;
  /** Converts the instruments' money into the account currency when they differ. Default: static rates. */
  converter?: CurrencyConverter;
  /** The last ticket issued before the first order (tickets count up from it). Default 1000. */
  firstTicket?: number;
}

const EPS = 1e-12;
const lots8 = (v: number): number => Number(v.toFixed(8));

/**
 * The stop-loss or take-profit exit a bar triggers for a position of `side` (levels 0 = none),
 * or null. Bars are Bid prices; a short's levels are compared with Ask = Bid + spread. A stop
 * triggers when touched, a take-profit (a limit) only when the price trades through it; a gap
 * through a level fills at the open; when one bar touches both, the stop-loss wins.
 */
export function stopHit(
  side: Side,
  sl: number,
  tp: number,
  bar: StopBar,
  point: number,
): StopHit | null {
  const buy = side > 0;
  const spreadPx = bar.spreadPoints * point;
  const open = buy ? bar.open : bar.open + spreadPx;
  const hi = buy ? bar.high : bar.high + spreadPx;
  const lo = buy ? bar.low : bar.low + spreadPx;
  if (sl > 0 && (buy ? lo <= sl : hi >= sl)) {
    return { reason: "sl", price: buy ? Math.min(open, sl) : Math.max(open, sl) };
  }
  if (tp > 0 && (buy ? hi > tp : lo < tp)) {
    return { reason: "tp", price: buy ? Math.max(open, tp) : Math.min(open, tp) };
  }
  return null;
}

/** Open positions by ticket, with MT5's netting or hedging semantics and the account's balance. */
export class PositionBook {
  readonly #specs = new Map<string, Instrument>();
  readonly #open = new Map<string, OpenPosition>();
  readonly #deals: PositionDeal[] = [];
  readonly #opts: PositionBookOptions;
  #balance: number;
  #ticket: number;
  /** Per symbol: data rate ÷ static rate of its profit currency at the moment (absent = 1). */
  readonly #scale = new Map<string, number>();

  /** An empty book over the given instruments. */
  constructor(opts: PositionBookOptions) {
    this.#opts = opts;
    for (const s of opts.instruments) this.#specs.set(s.symbol, s);
    this.#balance = opts.balance ?? 10_000;
    this.#ticket = opts.firstTicket ?? 1000;
  }

  /** Hedging (true) or netting account. */
  get hedging(): boolean {
    return this.#opts.hedging ?? false;
  }

  /** Account leverage. */
  get leverage(): number {
    return this.#opts.leverage ?? 100;
  }

  /** Account currency. */
  get currency(): string {
    return this.#opts.currency ?? "USD";
  }

  /** Realised balance: the start plus every deal's profit and commission. */
  get balance(): number {
    return this.#balance;
  }

  /** The instrument of a symbol; throws `unknown_symbol` when the book has none. */
  instrument(symbol: string): Instrument {
    const s = this.#specs.get(symbol);
    if (!s) throw new KinetraError("unknown_symbol", `the position book has no specification for ${symbol}`);
    return s;
  }

  /** True when the book can hold this symbol. */
  knows(symbol: string): boolean {
    return this.#specs.has(symbol);
  }

  /** Copies of the open positions (of one symbol when given), oldest ticket first. */
  positions(symbol?: string): OpenPosition[] {
    const out: OpenPosition[] = [];
    for (const p of this.#open.values()) if (!symbol || p.symbol === symbol) out.push({ ...p });
    return out;
  }

  /** A copy of one open position, or undefined. */
  position(ticket: string): OpenPosition | undefined {
    const p = this.#open.get(ticket);
    return p ? { ...p } : undefined;
  }

  /** Every deal so far (oldest first). */
  deals(): PositionDeal[] {
    return this.#deals.slice();
  }

  /**
   * Currency conversion at the rate of the moment for one symbol (virtual live's replay at
   * `--conversion data`: lib/portfolio `conversionForFile`'s multipliers, the factor the live ledger's
   * `TradeBook.setValueScale` and the backtest engine use): from now on the symbol's profit, floating
   * profit and margin (open positions at their open prices, new volume at its price) are `scale` ×
   * their static-rate value, so balance, equity and free margin match the engine's at the same
   * moment. 1 (the default) is the static rate.
   */
  setValueScale(symbol: string, scale: number): void {
    this.instrument(symbol);
    if (!(scale > 0) || !Number.isFinite(scale)) {
      throw new KinetraError(
        "bad_value_scale",
        `value scale for ${symbol} must be a positive number, got ${scale}`,
      );
    }
    if (scale === 1) this.#scale.delete(symbol);
    else this.#scale.set(symbol, scale);
  }

  /** The symbol's current value scale (1 = static rates). */
  valueScale(symbol: string): number {
    return this.#scale.get(symbol) ?? 1;
  }

  /** Money in the instrument's account currency converted into the book's currency at `timeMs`. */
  #money(spec: Instrument, amount: number, timeMs: number): number {
    if (amount === 0) return amount;
    const scale = this.#scale.get(spec.symbol);
    if (scale !== undefined) amount *= scale;
    if (spec.accountCurrency === this.currency) return amount;
    return amount *
      (this.#opts.converter ?? STATIC_CONVERTER).rate(spec.accountCurrency, this.currency, timeMs);
  }

  /** Profit of `volume` lots of a `side` position from `open` to `close` (account currency). */
  profit(symbol: string, side: Side, volume: number, open: number, close: number, timeMs = 0): number {
    const spec = this.instrument(symbol);
    return this.#money(spec, profitMt5(spec, side * volume, open, close), timeMs);
  }

  /** Margin of `volume` lots at `price` (account currency) at the book's leverage. */
  margin(symbol: string, volume: number, price: number, timeMs = 0): number {
    const spec = this.instrument(symbol);
    const lev = this.leverage;
    return this.#opts.marginRequired
      ? this.#opts.marginRequired(spec, volume, price, lev) * this.valueScale(symbol)
      : this.#money(spec, marginRequired(spec, volume, price, Math.max(1, lev)), timeMs);
  }

  /** Margin of every open position at its open price. */
  marginUsed(): number {
    let m = 0;
    for (const p of this.#open.values()) m += this.margin(p.symbol, p.volume, p.priceOpen, p.timeMsc);
    return m;
  }

  /**
   * Profit of the open positions marked at the closing side of each symbol's quote (longs at Bid,
   * shorts at Ask); symbols without a quote count 0.
   */
  floatingProfit(
    quoteOf: (symbol: string) => { bid: number; ask: number; time_msc?: number } | undefined,
  ): number {
    let sum = 0;
    for (const p of this.#open.values()) {
      const q = quoteOf(p.symbol);
      if (q) {
        sum += this.profit(p.symbol, p.side, p.volume, p.priceOpen, p.side > 0 ? q.bid : q.ask, q.time_msc);
      }
    }
    return sum;
  }

  /** Set a position's SL/TP (0 = none); false when the ticket is not open. */
  setStops(ticket: string, sl: number, tp: number): boolean {
    const p = this.#open.get(ticket);
    if (!p) return false;
    p.sl = sl;
    p.tp = tp;
    return true;
  }

  /** The SL/TP exits a bar of `symbol` triggers (`only`: of these tickets), oldest ticket first. */
  stopHits(
    symbol: string,
    bar: StopBar,
    only?: ReadonlySet<string>,
  ): { position: OpenPosition; hit: StopHit }[] {
    const point = this.instrument(symbol).point;
    const out: { position: OpenPosition; hit: StopHit }[] = [];
    for (const p of this.#open.values()) {
      if (p.symbol !== symbol || (p.sl <= 0 && p.tp <= 0)) continue;
      if (only && !only.has(p.ticket)) continue;
      const hit = stopHit(p.side, p.sl, p.tp, bar, point);
      if (hit) out.push({ position: { ...p }, hit });
    }
    return out;
  }

  /**
   * Apply a deal: it first reduces the position it names (or, netting, the symbol's opposite
   * position), booking the profit of what it closes; what remains opens or (netting) adds to a
   * position, unless the deal named a position. Commission is charged on the whole volume. The
   * order ticket is issued first and is the ticket of a position the deal opens; the deal ticket
   * follows. The caller validates the request (lib/execution/validation.ts, lib/broker/validator.ts).
   */
  deal(req: DealRequest): PositionDeal {
    const spec = this.instrument(req.symbol);
    const order = String(++this.#ticket);
    const perSide = this.#opts.commissionPerLot ?? 0;
    const magic = req.magic ?? "0";
    let remaining = req.volume;
    let profit = 0;
    let commission = 0;
    let positionId = "0";
    let entry: DealEntry = "in";
    // Positions this deal reduces: the given ticket, or (netting) the opposite position.
    const targets: OpenPosition[] = [];
    if (req.position) {
      const p = this.#open.get(req.position);
      if (p) targets.push(p);
    } else if (!this.hedging) {
      for (const p of this.#open.values()) {
        if (p.symbol === req.symbol && p.side !== req.side) targets.push(p);
      }
    }
    for (const p of targets) {
      if (remaining <= EPS) break;
      const closeVol = Math.min(remaining, p.volume);
      profit += this.profit(p.symbol, p.side, closeVol, p.priceOpen, req.price, req.timeMsc);
      commission -= commissionMt5(spec, closeVol, req.price, perSide);
      p.volume = lots8(p.volume - closeVol);
      remaining = lots8(remaining - closeVol);
      positionId = p.ticket;
      entry = "out";
      if (p.volume <= EPS) this.#open.delete(p.ticket);
    }
    if (remaining > EPS && !req.position) {
      const sl = req.sl ?? 0, tp = req.tp ?? 0;
      const same = this.hedging
        ? undefined
        : [...this.#open.values()].find((p) => p.symbol === req.symbol && p.side === req.side);
      commission -= commissionMt5(spec, remaining, req.price, perSide);
      if (same) {
        same.priceOpen = (same.priceOpen * same.volume + req.price * remaining) / (same.volume + remaining);
        same.volume = lots8(same.volume + remaining);
        if (sl) same.sl = sl;
        if (tp) same.tp = tp;
        positionId = same.ticket;
      } else {
        this.#open.set(order, {
          ticket: order,
          symbol: req.symbol,
          side: req.side,
          volume: remaining,
          priceOpen: req.price,
          sl,
          tp,
          magic,
          comment: req.comment,
          timeMsc: req.timeMsc,
        });
        positionId = order;
      }
      entry = entry === "out" ? "inout" : "in";
    }
    this.#balance += profit + commission;
    const deal: PositionDeal = {
      ticket: String(++this.#ticket),
      order,
      positionId,
      symbol: req.symbol,
      side: req.side,
      entry,
      volume: req.volume,
      price: req.price,
      commission,
      profit,
      magic,
      comment: req.comment,
      timeMsc: req.timeMsc,
    };
    this.#deals.push(deal);
    return deal;
  }
}
