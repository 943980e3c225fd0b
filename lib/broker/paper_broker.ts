/**
 * The paper broker: an in-memory trade server for virtual mode, a thin server shell over the
 * execution core's position book (lib/execution/positions.ts: netting or hedging positions by
 * ticket, profit, commission and margin in the account currency, SL/TP exits of a bar). The shell
 * validates every request with the same rules and retcodes as a trade server (server comparison,
 * lib/broker/validator.ts on lib/execution/validation.ts), fills market orders at the current Ask
 * (buy) or Bid (sell), remembers every client order id so a repeated id returns the first result
 * instead of trading twice, and speaks MT5's names and type numbers (converted by lib/market/side.ts).
 *
 * @module
 */
import {
  ACCOUNT_MARGIN_MODE,
  BRIDGE_CODE,
  DEAL_ENTRY,
  RETCODE,
  TRADE_ACTION,
} from "../market/mt5_constants.ts";
import { type Mt5SymbolInfo, toMt5SymbolInfo } from "../market/mt5_names.ts";
import type { Instrument } from "../market/types.ts";
import { closingOrderType, dealTypeOfSide, positionTypeOfSide, sideOfType } from "../market/side.ts";
import {
  type DealEntry,
  type DealRequest,
  type OpenPosition,
  PositionBook,
  type PositionDeal,
} from "../execution/positions.ts";
import { validateOrder } from "./validator.ts";
import type {
  AccountInfo,
  Broker,
  BrokerDeal,
  BrokerPosition,
  CheckResult,
  Quote,
  ReconcileResult,
  TradeRequest,
  TradeResult,
} from "./types.ts";
import { KinetraError } from "../errors.ts";

/** Paper broker settings. */
export interface PaperBrokerOptions {
  /** The symbols it trades. */
  specs: Instrument[];
  /** Starting balance (deposit currency). Default 10 000. */
  balance?: number;
  /** Deposit currency. Default USD (instruments quoted in another account currency are converted). */
  currency?: string;
  /** Account leverage (100 = 1:100). */
  leverage?: number;
  /** Netting (default) or hedging account. */
  hedging?: boolean;
  /** Commission per lot per side, deposit currency (charged as a negative amount). Default 0. */
  commissionPerLot?: number;
  /** Account identity reported by `account()`. */
  login?: string;
  /** Trade server name. */
  server?: string;
  /** ACCOUNT_TRADE_MODE reported by `account()` (0 demo, 1 contest, 2 real). Default 0. */
  accountTradeMode?: number;
  /** Margin function; default lib/market/costs.ts `marginRequired` (see `defaultMarginRequired`). */
  marginRequired?: (spec: Instrument, volume: number, price: number, leverage: number) => number;
}

/** An exit caused by a stop-loss or take-profit level during a bar. */
export interface StopExit {
  /** Ticket (decimal string). */
  ticket: string;
  /** Which level was hit. */
  reason: "sl" | "tp";
  /** The level's fill price. */
  price: number;
  /** The closing deal as the server reports it. */
  result: TradeResult;
}

const ENTRY_NUMBER: Readonly<Record<DealEntry, number>> = {
  in: DEAL_ENTRY.IN,
  out: DEAL_ENTRY.OUT,
  inout: DEAL_ENTRY.INOUT,
};

/** A position of the core book as the Broker contract reports it (MT5's names and type numbers). */
function brokerPosition(p: OpenPosition): BrokerPosition {
  return {
    ticket: p.ticket,
    symbol: p.symbol,
    type: positionTypeOfSide(p.side),
    volume: p.volume,
    price_open: p.priceOpen,
    sl: p.sl,
    tp: p.tp,
    magic: p.magic,
    comment: p.comment,
    time_msc: p.timeMsc,
    profit: 0,
    swap: 0,
  };
}

/** A deal of the core book as the Broker contract reports it. */
function brokerDeal(d: PositionDeal): BrokerDeal {
  return {
    ticket: d.ticket,
    order: d.order,
    position_id: d.positionId,
    symbol: d.symbol,
    type: dealTypeOfSide(d.side),
    entry: ENTRY_NUMBER[d.entry],
    volume: d.volume,
    price: d.price,
    commission: d.commission,
    swap: 0,
    profit: d.profit,
    magic: d.magic,
    comment: d.comment,
    time_msc: d.timeMsc,
  };
}

/** An in-memory broker that behaves like an MT5 trade server, over the core's position book. */
export class PaperBroker implements Broker {
  readonly kind = "paper";
  readonly #quotes = new Map<string, Quote>();
  readonly #book: PositionBook;
  readonly #byCid = new Map<string, TradeResult>();
  readonly #opts: PaperBrokerOptions;

  /** A paper broker over the given instruments. */
  constructor(opts: PaperBrokerOptions) {
    this.#opts = opts;
    this.#book = new PositionBook({
      instruments: opts.specs,
      balance: opts.balance,
      currency: opts.currency,
      leverage: opts.leverage,
      hedging: opts.hedging,
      commissionPerLot: opts.commissionPerLot,
      marginRequired: opts.marginRequired,
    });
  }

  /** Set the current quote of a symbol (virtual mode feeds one per bar). */
  setQuote(q: Quote): void {
    this.#quotes.set(q.symbol, q);
  }

  /**
   * Virtual live at data rates: value the symbol's profit, floating profit and margin at `scale` ×
   * their static-rate value from now on (the position book's `setValueScale`), so the account and
   * the validator's free margin follow the rate of the moment as the engine and the live ledger do.
   */
  setValueScale(symbol: string, scale: number): void {
    this.#book.setValueScale(symbol, scale);
  }

  /** All deals so far (oldest first). */
  deals(): BrokerDeal[] {
    return this.#book.deals().map(brokerDeal);
  }

  historyDeals(): Promise<BrokerDeal[]> {
    return Promise.resolve(this.deals());
  }

  /** Client order ids this broker has executed (its book of cids). */
  knownCids(): string[] {
    return [...this.#byCid.keys()];
  }

  /** The account (MT5 account_info). */
  account(): Promise<AccountInfo> {
    return Promise.resolve(this.#account());
  }

  #account(): AccountInfo {
    const book = this.#book;
    const equity = book.balance + book.floatingProfit((s) => this.#quotes.get(s));
    const margin = book.marginUsed();
    return {
      login: this.#opts.login ?? "0",
      server: this.#opts.server ?? "Kinetra-Paper",
      company: "Kinetra",
      currency: book.currency,
      trade_mode: this.#opts.accountTradeMode ?? 0,
      margin_mode: book.hedging ? ACCOUNT_MARGIN_MODE.RETAIL_HEDGING : ACCOUNT_MARGIN_MODE.RETAIL_NETTING,
      leverage: book.leverage,
      trade_allowed: true,
      trade_expert: true,
      balance: book.balance,
      equity,
      margin,
      margin_free: equity - margin,
    };
  }

  symbolSpec(symbol: string): Promise<Mt5SymbolInfo> {
    return Promise.resolve(toMt5SymbolInfo(this.#spec(symbol)));
  }

  /** The symbol's current quote. */
  quote(symbol: string): Promise<Quote> {
    const q = this.#quotes.get(symbol);
    if (!q) return Promise.reject(new KinetraError("no_quote", `no quote yet for ${symbol}`));
    return Promise.resolve(q);
  }

  /** Open positions (of one symbol when given). */
  positions(symbol?: string): Promise<BrokerPosition[]> {
    return Promise.resolve(this.#positionList(symbol));
  }

  #positionList(symbol?: string): BrokerPosition[] {
    return this.#book.positions(symbol).map(brokerPosition);
  }

  /** The server's check of a request without sending it (order_check). */
  orderCheck(req: TradeRequest): Promise<CheckResult> {
    const v = this.#validate(req);
    const acc = this.#account();
    return Promise.resolve({
      retcode: v.ok ? 0 : v.retcode,
      comment: v.ok ? "Done" : v.message,
      margin: acc.margin,
      margin_free: acc.margin_free,
    });
  }

  send(cid: string, req: TradeRequest): Promise<TradeResult> {
    return Promise.resolve(this.#once(cid, () => this.#execute(cid, req)));
  }

  close(cid: string, ticket: string, volume?: number): Promise<TradeResult> {
    return Promise.resolve(this.#once(cid, () => {
      const p = this.#book.position(ticket);
      if (!p) return this.#reject(RETCODE.POSITION_CLOSED, `position ${ticket} does not exist`, cid);
      return this.#execute(cid, {
        action: TRADE_ACTION.DEAL,
        symbol: p.symbol,
        volume: volume ?? p.volume,
        type: closingOrderType(p.side),
        position: ticket,
        magic: p.magic,
        comment: cid,
      });
    }));
  }

  modify(cid: string, ticket: string, sl: number, tp: number): Promise<TradeResult> {
    return Promise.resolve(this.#once(cid, () => {
      const p = this.#book.position(ticket);
      if (!p) return this.#reject(RETCODE.POSITION_CLOSED, `position ${ticket} does not exist`, cid);
      const req: TradeRequest = {
        action: TRADE_ACTION.SLTP,
        symbol: p.symbol,
        volume: p.volume,
        type: positionTypeOfSide(p.side),
        position: ticket,
        sl,
        tp,
      };
      const v = this.#validate(req);
      if (!v.ok) return this.#reject(v.retcode, v.message, cid);
      this.#book.setStops(ticket, sl, tp);
      return this.#result(RETCODE.DONE, cid, { position: ticket, volume: p.volume });
    }));
  }

  reconcile(cid: string): Promise<ReconcileResult> {
    const result = this.#byCid.get(cid);
    const deals = this.deals().filter((d) => d.comment === cid);
    return Promise.resolve({ cid, state: result ? "found" : "not_found", result, deals });
  }

  /**
   * Trigger stop-loss/take-profit levels touched by a bar (the core's `stopHit`: Bid prices; a
   * sell's levels are compared with Ask = Bid + spread; a gap through a level fills at the open;
   * when one bar touches both, the stop-loss wins; a stop triggers when touched, a take-profit only
   * when the price trades through it). `onlyTickets` restricts the check to some positions.
   * Returns the exits.
   */
  processBar(
    symbol: string,
    bar: { open: number; high: number; low: number; spreadPoints: number; time_msc: number },
    onlyTickets?: ReadonlySet<string>,
  ): StopExit[] {
    this.#spec(symbol);
    const exits: StopExit[] = [];
    for (const { position: p, hit } of this.#book.stopHits(symbol, bar, onlyTickets)) {
      const cid = `${hit.reason}${p.ticket}`.slice(0, 16);
      const result = this.#fill(cid, {
        symbol: p.symbol,
        side: p.side > 0 ? -1 : 1,
        volume: p.volume,
        price: hit.price,
        timeMsc: bar.time_msc,
        position: p.ticket,
        magic: p.magic,
        comment: cid,
      });
      this.#byCid.set(cid, result);
      exits.push({ ticket: p.ticket, reason: hit.reason, price: hit.price, result });
    }
    return exits;
  }

  #spec(symbol: string): Instrument {
    if (!this.#book.knows(symbol)) {
      throw new KinetraError("unknown_symbol", `the paper broker has no specification for ${symbol}`);
    }
    return this.#book.instrument(symbol);
  }

  #validate(req: TradeRequest): ReturnType<typeof validateOrder> {
    if (!this.#book.knows(req.symbol)) {
      return {
        ok: false,
        retcode: RETCODE.INVALID,
        retcode_name: "INVALID",
        message: `unknown symbol ${req.symbol}`,
        request: req,
        adjustments: [],
      };
    }
    const spec = this.#book.instrument(req.symbol);
    const quote = this.#quotes.get(req.symbol) ?? { symbol: req.symbol, bid: 0, ask: 0, time_msc: 0 };
    return validateOrder(req, {
      spec,
      quote,
      account: this.#account(),
      positions: this.#positionList(),
      marginRequired: (r, price) => this.#book.margin(spec.symbol, r.volume, price, quote.time_msc),
    }, { comparison: "server" });
  }

  #once(cid: string, run: () => TradeResult): TradeResult {
    if (cid.length === 0 || cid.length > 16) {
      return this.#result(RETCODE.INVALID, cid, { comment: "client order id must be 1..16 characters" });
    }
    const prior = this.#byCid.get(cid);
    if (prior) return { ...prior, bridge_code: BRIDGE_CODE.DUPLICATE_CACHED };
    const result = run();
    this.#byCid.set(cid, result);
    return result;
  }

  #reject(retcode: number, message: string, cid: string): TradeResult {
    return this.#result(retcode, cid, { comment: message });
  }

  #result(retcode: number, _cid: string, fields: Partial<TradeResult>): TradeResult {
    return {
      retcode,
      bridge_code: BRIDGE_CODE.OK,
      deal: "0",
      order: "0",
      position: "0",
      volume: 0,
      price: 0,
      bid: 0,
      ask: 0,
      comment: "",
      ...fields,
    };
  }

  #execute(cid: string, req: TradeRequest): TradeResult {
    const v = this.#validate(req);
    if (!v.ok) return this.#reject(v.retcode, v.message, cid);
    const r = v.request;
    const q = this.#quotes.get(r.symbol)!;
    if (r.action !== TRADE_ACTION.DEAL) {
      return this.#reject(RETCODE.INVALID_ORDER, "the paper broker executes market deals only", cid);
    }
    const side = sideOfType(r.type);
    return this.#fill(cid, {
      symbol: r.symbol,
      side,
      volume: r.volume,
      price: side > 0 ? q.ask : q.bid,
      timeMsc: q.time_msc,
      position: r.position,
      magic: r.magic ?? "0",
      comment: cid,
      sl: r.sl,
      tp: r.tp,
    });
  }

  /** Apply a deal to the book and report it as the server does. */
  #fill(cid: string, req: DealRequest): TradeResult {
    const d = this.#book.deal(req);
    const q = this.#quotes.get(req.symbol);
    return this.#result(RETCODE.DONE, cid, {
      deal: d.ticket,
      order: d.order,
      position: d.positionId,
      volume: d.volume,
      price: d.price,
      bid: q?.bid ?? 0,
      ask: q?.ask ?? 0,
      comment: "Request executed",
      commission: d.commission,
      profit: d.profit,
    });
  }
}
