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
  /** Symbol name. */
  symbol: string;
  /** Bid price. */
  bid: number;
  /** Ask price. */
  ask: number;
  /** Time, epoch milliseconds. */
  time_msc: number;
}

/** The account (a subset of MT5's account_info). `login` is a decimal string. */
export interface AccountInfo {
  /** Account number (decimal string). */
  login: string;
  /** Trade server name. */
  server: string;
  /** Broker company name. */
  company?: string;
  /** Deposit currency. */
  currency: string;
  /** 0 demo, 1 contest, 2 real. */
  trade_mode: number;
  /** 0 netting, 2 hedging. */
  margin_mode: number;
  /** Account leverage (100 = 1:100). */
  leverage: number;
  /** Trading allowed for this account (false with an investor password). */
  trade_allowed: boolean;
  /** Automated trading allowed for this account. */
  trade_expert: boolean;
  /** Balance (deposit currency). */
  balance: number;
  /** Equity (deposit currency). */
  equity: number;
  /** Margin in use (deposit currency). */
  margin: number;
  /** Free margin (deposit currency). */
  margin_free: number;
}

/** MqlTradeRequest (market deals, pending orders, SL/TP modification, closes). */
export interface TradeRequest {
  /** TRADE_ACTION: 1 deal, 5 pending, 6 sltp, 8 remove. */
  action: number;
  /** Symbol name. */
  symbol: string;
  /** Volume, lots. */
  volume: number;
  /** ORDER_TYPE: 0 buy, 1 sell, 2..5 pending. */
  type: number;
  /** Requested price (market: the current price for instant execution; pending: the level). */
  price?: number;
  /** Stop-loss level (NaN or 0 = none). */
  sl?: number;
  /** Take-profit level (NaN or 0 = none). */
  tp?: number;
  /** Max price deviation in points (instant execution). */
  deviation?: number;
  /** ORDER_FILLING: 0 FOK, 1 IOC, 2 RETURN, 3 BOC. */
  type_filling?: number;
  /** Magic number of the expert (decimal string). */
  magic?: string;
  /** The client order id goes here (<= 16 characters). */
  comment?: string;
  /** Position ticket for closes and SL/TP changes. */
  position?: string;
}

/** MqlTradeResult plus the bridge's own fields. */
export interface TradeResult {
  /** MT5 trade server return code. */
  retcode: number;
  /** 0 ok, -10 not delivered, -11 unknown, -12 duplicate (cached), -20 live gate. */
  bridge_code: number;
  /** Deal ticket ("0" when none). */
  deal: string;
  /** Order ticket ("0" when none). */
  order: string;
  /** Ticket of the position opened, changed or closed ("0" when none). */
  position: string;
  /** Volume, lots. */
  volume: number;
  /** Price (fill, quote or request). */
  price: number;
  /** Bid price. */
  bid: number;
  /** Ask price. */
  ask: number;
  /** Comment (the client order id for Kinetra orders). */
  comment: string;
  /** Commission charged by this deal (deposit currency, negative = cost). */
  commission?: number;
  /** Realised profit of a closing deal (deposit currency, before commission). */
  profit?: number;
}

/** An open position (a subset of TradePosition). */
export interface BrokerPosition {
  /** Ticket (decimal string). */
  ticket: string;
  /** Symbol name. */
  symbol: string;
  /** 0 buy, 1 sell. */
  type: number;
  /** Volume, lots. */
  volume: number;
  /** Open price. */
  price_open: number;
  /** Stop-loss level (NaN or 0 = none). */
  sl: number;
  /** Take-profit level (NaN or 0 = none). */
  tp: number;
  /** Magic number of the expert (decimal string). */
  magic: string;
  /** Comment (the client order id for Kinetra orders). */
  comment: string;
  /** Open time, epoch ms. */
  time_msc: number;
  /** Profit (deposit currency). */
  profit: number;
  /** Swap accrued (negative = paid). */
  swap: number;
}

/** A deal in history (a subset of TradeDeal). */
export interface BrokerDeal {
  /** Ticket (decimal string). */
  ticket: string;
  /** Order ticket ("0" when none). */
  order: string;
  /** Ticket of the position the deal belongs to. */
  position_id: string;
  /** Symbol name. */
  symbol: string;
  /** 0 buy, 1 sell. */
  type: number;
  /** 0 in, 1 out, 2 inout. */
  entry: number;
  /** DEAL_REASON (3 expert, 4 stop-loss, 5 take-profit, 6 stop-out), when the source reports it. */
  reason?: number;
  /** Volume, lots. */
  volume: number;
  /** Price (fill, quote or request). */
  price: number;
  /** Commission (deposit currency, negative = cost). */
  commission: number;
  /** Swap accrued (negative = paid). */
  swap: number;
  /** Profit (deposit currency). */
  profit: number;
  /** Magic number of the expert (decimal string). */
  magic: string;
  /** Comment (the client order id for Kinetra orders). */
  comment: string;
  /** Time, epoch milliseconds. */
  time_msc: number;
}

/** Result of `reconcile(cid)`: whether an order with this client id reached the server. */
export interface ReconcileResult {
  /** Client order id. */
  cid: string;
  /** Whether the server saw the order. */
  state: "found" | "not_found";
  /** The stored or reconstructed result when found. */
  result?: TradeResult;
  /** Deals carrying the cid in their comment. */
  deals: BrokerDeal[];
}

/** MqlTradeCheckResult (retcode 0 = the check passed). */
export interface CheckResult {
  /** Retcode of the check (0 = passed). */
  retcode: number;
  /** Comment (the client order id for Kinetra orders). */
  comment: string;
  /** Margin the request needs (deposit currency). */
  margin: number;
  /** Free margin after the request (deposit currency). */
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
  /** The account (MT5 account_info). */
  account(): Promise<AccountInfo>;
  /** The symbol's trading rules with MT5's names (convert with `instrumentFromMt5`). */
  symbolSpec(symbol: string): Promise<Mt5SymbolInfo>;
  /** The symbol's current quote. */
  quote(symbol: string): Promise<Quote>;
  /** Open positions (of one symbol when given). */
  positions(symbol?: string): Promise<BrokerPosition[]>;
  /** The server's check of a request without sending it (order_check). */
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
