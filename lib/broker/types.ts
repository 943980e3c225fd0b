/**
 * The Broker contract shared by the paper broker (virtual mode) and the MT5 bridge (demo and
 * live). Field names reuse MetaTrader 5's names verbatim (symbol_info, account_info,
 * MqlTradeRequest, MqlTradeResult) so the same objects travel over the bridge unchanged.
 * Tickets, order and deal ids and the magic number are decimal strings (MQL5 ulong can exceed
 * 2^53).
 *
 * The instrument itself is lib/market's `Instrument`; its MT5 wire image is `Mt5SymbolInfo`.
 *
 * @module
 */
import type { Mt5SymbolInfo } from "../market/mt5_names.ts";

/** Current quote. `time_msc` is epoch milliseconds. */
export interface Quote {
  symbol: string;
  bid: number;
  ask: number;
  time_msc: number;
}

/** The account (a subset of MT5's account_info). `login` is a decimal string. */
export interface AccountInfo {
  login: string;
  server: string;
  company?: string;
  currency: string;
  /** 0 demo, 1 contest, 2 real. */
  trade_mode: number;
  /** 0 netting, 2 hedging. */
  margin_mode: number;
  leverage: number;
  trade_allowed: boolean;
  trade_expert: boolean;
  balance: number;
  equity: number;
  margin: number;
  margin_free: number;
}

/** MqlTradeRequest (market deals, pending orders, SL/TP modification, closes). */
export interface TradeRequest {
  /** TRADE_ACTION: 1 deal, 5 pending, 6 sltp, 8 remove. */
  action: number;
  symbol: string;
  volume: number;
  /** ORDER_TYPE: 0 buy, 1 sell, 2..5 pending. */
  type: number;
  /** Requested price (market: the current price for instant execution; pending: the level). */
  price?: number;
  sl?: number;
  tp?: number;
  /** Max price deviation in points (instant execution). */
  deviation?: number;
  /** ORDER_FILLING: 0 FOK, 1 IOC, 2 RETURN, 3 BOC. */
  type_filling?: number;
  magic?: string;
  /** The client order id goes here (<= 16 characters). */
  comment?: string;
  /** Position ticket for closes and SL/TP changes. */
  position?: string;
}

/** MqlTradeResult plus the bridge's own fields. */
export interface TradeResult {
  retcode: number;
  /** 0 ok, -10 not delivered, -11 unknown, -12 duplicate (cached), -20 live gate. */
  bridge_code: number;
  deal: string;
  order: string;
  /** Ticket of the position opened, changed or closed ("0" when none). */
  position: string;
  volume: number;
  price: number;
  bid: number;
  ask: number;
  comment: string;
  /** Commission charged by this deal (deposit currency, negative = cost). */
  commission?: number;
  /** Realised profit of a closing deal (deposit currency, before commission). */
  profit?: number;
}

/** An open position (a subset of TradePosition). */
export interface BrokerPosition {
  ticket: string;
  symbol: string;
  /** 0 buy, 1 sell. */
  type: number;
  volume: number;
  price_open: number;
  sl: number;
  tp: number;
  magic: string;
  comment: string;
  /** Open time, epoch ms. */
  time_msc: number;
  profit: number;
  swap: number;
}

/** A deal in history (a subset of TradeDeal). */
export interface BrokerDeal {
  ticket: string;
  order: string;
  position_id: string;
  symbol: string;
  /** 0 buy, 1 sell. */
  type: number;
  /** 0 in, 1 out, 2 inout. */
  entry: number;
  /** DEAL_REASON (3 expert, 4 stop-loss, 5 take-profit, 6 stop-out), when the source reports it. */
  reason?: number;
  volume: number;
  price: number;
  commission: number;
  swap: number;
  profit: number;
  magic: string;
  comment: string;
  time_msc: number;
}

/** Result of `reconcile(cid)`: whether an order with this client id reached the server. */
export interface ReconcileResult {
  cid: string;
  state: "found" | "not_found";
  /** The stored or reconstructed result when found. */
  result?: TradeResult;
  /** Deals carrying the cid in their comment. */
  deals: BrokerDeal[];
}

/** MqlTradeCheckResult (retcode 0 = the check passed). */
export interface CheckResult {
  retcode: number;
  comment: string;
  margin: number;
  margin_free: number;
}

/**
 * A broker: the paper broker and the MT5 bridge both implement it and pass the same contract
 * tests. Trading calls take a client order id (`cid`, <= 16 chars); a broker never executes two
 * requests with the same cid, returning the first result instead.
 */
export interface Broker {
  /** `paper` or `mt5`. */
  readonly kind: string;
  account(): Promise<AccountInfo>;
  /** The symbol's trading rules with MT5's names (convert with `instrumentFromMt5`). */
  symbolSpec(symbol: string): Promise<Mt5SymbolInfo>;
  quote(symbol: string): Promise<Quote>;
  positions(symbol?: string): Promise<BrokerPosition[]>;
  orderCheck(req: TradeRequest): Promise<CheckResult>;
  /** Send a request (order_send). */
  send(cid: string, req: TradeRequest): Promise<TradeResult>;
  /** Close a position (all of it, or `volume`). */
  close(cid: string, ticket: string, volume?: number): Promise<TradeResult>;
  /** Change a position's SL/TP. */
  modify(cid: string, ticket: string, sl: number, tp: number): Promise<TradeResult>;
  /** Ask whether a request with this cid reached the server, and its outcome. */
  reconcile(cid: string): Promise<ReconcileResult>;
  /** Deals in history (oldest first), to learn about server-side SL/TP exits. */
  historyDeals(): Promise<BrokerDeal[]>;
}
