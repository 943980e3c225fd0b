/**
 * The paper broker: an in-memory trade server for virtual mode. It validates every request with
 * the same rules and retcodes as a trade server (server comparison), fills market orders at the
 * current Ask (buy) or Bid (sell), keeps netting or hedging positions, charges commission per lot
 * per side, triggers stop-loss and take-profit on each bar, and remembers every client order id
 * so a repeated id returns the first result instead of trading twice.
 *
 * @module
 */
import {
  ACCOUNT_MARGIN_MODE,
  BRIDGE_CODE,
  DEAL_ENTRY,
  ORDER_TYPE,
  RETCODE,
  TRADE_ACTION,
} from "../market/mt5_constants.ts";
import { type Mt5SymbolInfo, toMt5SymbolInfo } from "../market/mt5_names.ts";
import type { Instrument } from "../market/types.ts";
import { closingOrderType, dealTypeOfSide, sideOfPositionType } from "../market/side.ts";
import { defaultMarginRequired, validateOrder } from "./validator.ts";
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
  /** Deposit currency. */
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
  /** Margin function; default {@link defaultMarginRequired}. */
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

/** An in-memory broker that behaves like an MT5 trade server. */
export class PaperBroker implements Broker {
  readonly kind = "paper";
  readonly #specs = new Map<string, Instrument>();
  readonly #quotes = new Map<string, Quote>();
  readonly #positions = new Map<string, BrokerPosition>();
  readonly #deals: BrokerDeal[] = [];
  readonly #byCid = new Map<string, TradeResult>();
  readonly #opts: PaperBrokerOptions;
  #balance: number;
  #ticket = 1000;

  /** A paper broker over the given instruments. */
  constructor(opts: PaperBrokerOptions) {
    this.#opts = opts;
    for (const s of opts.specs) this.#specs.set(s.symbol, s);
    this.#balance = opts.balance ?? 10_000;
  }

  /** Set the current quote of a symbol (virtual mode feeds one per bar). */
  setQuote(q: Quote): void {
    this.#quotes.set(q.symbol, q);
  }

  /** All deals so far (oldest first). */
  deals(): BrokerDeal[] {
    return this.#deals.slice();
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
    let profit = 0;
    let margin = 0;
    for (const p of this.#positions.values()) {
      const spec = this.#spec(p.symbol);
      const q = this.#quotes.get(p.symbol);
      if (q) {
        profit += this.#profit(
          spec,
          p.type,
          p.volume,
          p.price_open,
          sideOfPositionType(p.type) > 0 ? q.bid : q.ask,
        );
      }
      margin += this.#margin(spec, p.volume, p.price_open);
    }
    const equity = this.#balance + profit;
    return {
      login: this.#opts.login ?? "0",
      server: this.#opts.server ?? "Kinetra-Paper",
      company: "Kinetra",
      currency: this.#opts.currency ?? "USD",
      trade_mode: this.#opts.accountTradeMode ?? 0,
      margin_mode: this.#opts.hedging
        ? ACCOUNT_MARGIN_MODE.RETAIL_HEDGING
        : ACCOUNT_MARGIN_MODE.RETAIL_NETTING,
      leverage: this.#opts.leverage ?? 100,
      trade_allowed: true,
      trade_expert: true,
      balance: this.#balance,
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
    return [...this.#positions.values()].filter((p) => !symbol || p.symbol === symbol).map((p) => ({ ...p }));
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
      const p = this.#positions.get(ticket);
      if (!p) return this.#reject(RETCODE.POSITION_CLOSED, `position ${ticket} does not exist`, cid);
      return this.#execute(cid, {
        action: TRADE_ACTION.DEAL,
        symbol: p.symbol,
        volume: volume ?? p.volume,
        type: closingOrderType(sideOfPositionType(p.type)),
        position: ticket,
        magic: p.magic,
        comment: cid,
      });
    }));
  }

  modify(cid: string, ticket: string, sl: number, tp: number): Promise<TradeResult> {
    return Promise.resolve(this.#once(cid, () => {
      const p = this.#positions.get(ticket);
      if (!p) return this.#reject(RETCODE.POSITION_CLOSED, `position ${ticket} does not exist`, cid);
      const req: TradeRequest = {
        action: TRADE_ACTION.SLTP,
        symbol: p.symbol,
        volume: p.volume,
        type: p.type,
        position: ticket,
        sl,
        tp,
      };
      const v = this.#validate(req);
      if (!v.ok) return this.#reject(v.retcode, v.message, cid);
      p.sl = sl;
      p.tp = tp;
      return this.#result(RETCODE.DONE, cid, { position: ticket, volume: p.volume });
    }));
  }

  reconcile(cid: string): Promise<ReconcileResult> {
    const result = this.#byCid.get(cid);
    const deals = this.#deals.filter((d) => d.comment === cid);
    return Promise.resolve({ cid, state: result ? "found" : "not_found", result, deals });
  }

  /**
   * Trigger stop-loss/take-profit levels touched by a bar (Bid prices; a sell's levels are compared
   * with Ask = Bid + spread). A gap through a level fills at the open; when one bar touches both,
   * the stop-loss wins. A stop triggers when touched; a take-profit (a limit) only when the price
   * trades through it. `onlyTickets` restricts the check to some positions. Returns the exits.
   */
  processBar(
    symbol: string,
    bar: { open: number; high: number; low: number; spreadPoints: number; time_msc: number },
    onlyTickets?: ReadonlySet<string>,
  ): StopExit[] {
    const spec = this.#spec(symbol);
    const exits: StopExit[] = [];
    const spreadPx = bar.spreadPoints * spec.point;
    for (const p of [...this.#positions.values()]) {
      if (p.symbol !== symbol || (p.sl <= 0 && p.tp <= 0)) continue;
      if (onlyTickets && !onlyTickets.has(p.ticket)) continue;
      const buy = sideOfPositionType(p.type) > 0;
      const open = buy ? bar.open : bar.open + spreadPx;
      const hi = buy ? bar.high : bar.high + spreadPx;
      const lo = buy ? bar.low : bar.low + spreadPx;
      let hit: { reason: "sl" | "tp"; price: number } | null = null;
      if (p.sl > 0 && (buy ? lo <= p.sl : hi >= p.sl)) {
        hit = { reason: "sl", price: buy ? Math.min(open, p.sl) : Math.max(open, p.sl) };
      } else if (p.tp > 0 && (buy ? hi > p.tp : lo < p.tp)) {
        hit = { reason: "tp", price: buy ? Math.max(open, p.tp) : Math.min(open, p.tp) };
      }
      if (!hit) continue;
      const cid = `${hit.reason}${p.ticket}`.slice(0, 16);
      const result = this.#fill(
        cid,
        p.symbol,
        dealTypeOfSide(-sideOfPositionType(p.type)),
        p.volume,
        hit.price,
        bar.time_msc,
        p.ticket,
        p.magic,
      );
      this.#byCid.set(cid, result);
      exits.push({ ticket: p.ticket, reason: hit.reason, price: hit.price, result });
    }
    return exits;
  }

  #spec(symbol: string): Instrument {
    const s = this.#specs.get(symbol);
    if (!s) throw new KinetraError("unknown_symbol", `the paper broker has no specification for ${symbol}`);
    return s;
  }

  #margin(spec: Instrument, volume: number, price: number): number {
    const lev = this.#opts.leverage ?? 100;
    return this.#opts.marginRequired
      ? this.#opts.marginRequired(spec, volume, price, lev)
      : defaultMarginRequired(spec, lev, volume, price);
  }

  #profit(spec: Instrument, type: number, volume: number, open: number, close: number): number {
    const diff = sideOfPositionType(type) > 0 ? close - open : open - close;
    const tick = spec.tickSize > 0 ? spec.tickSize : spec.point;
    return (diff / tick) * spec.tickValue * volume;
  }

  #validate(req: TradeRequest): ReturnType<typeof validateOrder> {
    const spec = this.#specs.get(req.symbol);
    if (!spec) {
      return {
        ok: false,
        retcode: RETCODE.INVALID,
        retcode_name: "INVALID",
        message: `unknown symbol ${req.symbol}`,
        request: req,
        adjustments: [],
      };
    }
    const quote = this.#quotes.get(req.symbol) ?? { symbol: req.symbol, bid: 0, ask: 0, time_msc: 0 };
    return validateOrder(req, {
      spec,
      quote,
      account: this.#account(),
      positions: this.#positionList(),
      marginRequired: (r, price) => this.#margin(spec, r.volume, price),
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
    const buy = r.type === ORDER_TYPE.BUY;
    const price = buy ? q.ask : q.bid;
    return this.#fill(
      cid,
      r.symbol,
      dealTypeOfSide(buy ? 1 : -1),
      r.volume,
      price,
      q.time_msc,
      r.position,
      r.magic ?? "0",
      r.sl,
      r.tp,
    );
  }

  /** Execute a deal of `volume` at `price` (netting: reduce/close/reverse; hedging: open or close the given ticket). */
  #fill(
    cid: string,
    symbol: string,
    type: number,
    volume: number,
    price: number,
    time: number,
    positionTicket: string | undefined,
    magic: string,
    sl = 0,
    tp = 0,
  ): TradeResult {
    const spec = this.#spec(symbol);
    const q = this.#quotes.get(symbol);
    const order = String(++this.#ticket);
    const commissionPerSide = -(this.#opts.commissionPerLot ?? 0);
    let remaining = volume;
    let profit = 0;
    let commission = 0;
    let lastPosition = "0";
    let entry: number = DEAL_ENTRY.IN;
    // Positions this deal reduces: the given ticket, or (netting) the opposite position.
    const targets: BrokerPosition[] = [];
    if (positionTicket) {
      const p = this.#positions.get(positionTicket);
      if (p) targets.push(p);
    } else if (!this.#opts.hedging) {
      for (const p of this.#positions.values()) if (p.symbol === symbol && p.type !== type) targets.push(p);
    }
    for (const p of targets) {
      if (remaining <= 1e-12) break;
      const closeVol = Math.min(remaining, p.volume);
      profit += this.#profit(spec, p.type, closeVol, p.price_open, price);
      commission += commissionPerSide * closeVol;
      p.volume = Number((p.volume - closeVol).toFixed(8));
      remaining = Number((remaining - closeVol).toFixed(8));
      lastPosition = p.ticket;
      entry = DEAL_ENTRY.OUT;
      if (p.volume <= 1e-12) this.#positions.delete(p.ticket);
    }
    if (remaining > 1e-12 && !positionTicket) {
      // Netting: add to a same-direction position (volume-weighted price) or open a new one.
      const same = this.#opts.hedging
        ? undefined
        : [...this.#positions.values()].find((p) => p.symbol === symbol && p.type === type);
      commission += commissionPerSide * remaining;
      if (same) {
        same.price_open = (same.price_open * same.volume + price * remaining) / (same.volume + remaining);
        same.volume = Number((same.volume + remaining).toFixed(8));
        if (sl) same.sl = sl;
        if (tp) same.tp = tp;
        lastPosition = same.ticket;
      } else {
        const ticket = order;
        this.#positions.set(ticket, {
          ticket,
          symbol,
          type,
          volume: remaining,
          price_open: price,
          sl,
          tp,
          magic,
          comment: cid,
          time_msc: time,
          profit: 0,
          swap: 0,
        });
        lastPosition = ticket;
      }
      entry = entry === DEAL_ENTRY.OUT ? DEAL_ENTRY.INOUT : DEAL_ENTRY.IN;
    }
    this.#balance += profit + commission;
    const deal = String(++this.#ticket);
    this.#deals.push({
      ticket: deal,
      order,
      position_id: lastPosition,
      symbol,
      type,
      entry,
      volume,
      price,
      commission,
      swap: 0,
      profit,
      magic,
      comment: cid,
      time_msc: time,
    });
    return this.#result(RETCODE.DONE, cid, {
      deal,
      order,
      position: lastPosition,
      volume,
      price,
      bid: q?.bid ?? 0,
      ask: q?.ask ?? 0,
      comment: "Request executed",
      commission,
      profit,
    });
  }
}
