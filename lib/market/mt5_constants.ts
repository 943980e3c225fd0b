/**
 * MetaTrader 5 enumerations with their real numeric values (mt5-bridge research note §1.6 and §2):
 * trade server return codes, order types, trade actions, filling policies, symbol and account
 * trade modes. Names are the MQL5 constants without their prefix.
 *
 * @module
 */

/** Trade server return codes (MqlTradeResult.retcode). 10005 and 10037 are unused by MT5. */
export const RETCODE = {
  REQUOTE: 10004,
  REJECT: 10006,
  CANCEL: 10007,
  PLACED: 10008,
  DONE: 10009,
  DONE_PARTIAL: 10010,
  ERROR: 10011,
  TIMEOUT: 10012,
  INVALID: 10013,
  INVALID_VOLUME: 10014,
  INVALID_PRICE: 10015,
  INVALID_STOPS: 10016,
  TRADE_DISABLED: 10017,
  MARKET_CLOSED: 10018,
  NO_MONEY: 10019,
  PRICE_CHANGED: 10020,
  PRICE_OFF: 10021,
  INVALID_EXPIRATION: 10022,
  ORDER_CHANGED: 10023,
  TOO_MANY_REQUESTS: 10024,
  NO_CHANGES: 10025,
  SERVER_DISABLES_AT: 10026,
  CLIENT_DISABLES_AT: 10027,
  LOCKED: 10028,
  FROZEN: 10029,
  INVALID_FILL: 10030,
  CONNECTION: 10031,
  ONLY_REAL: 10032,
  LIMIT_ORDERS: 10033,
  LIMIT_VOLUME: 10034,
  INVALID_ORDER: 10035,
  POSITION_CLOSED: 10036,
  INVALID_CLOSE_VOLUME: 10038,
  CLOSE_ORDER_EXIST: 10039,
  LIMIT_POSITIONS: 10040,
  REJECT_CANCEL: 10041,
  LONG_ONLY: 10042,
  SHORT_ONLY: 10043,
  CLOSE_ONLY: 10044,
  FIFO_CLOSE: 10045,
  HEDGE_PROHIBITED: 10046,
} as const;

/** Bridge-level outcome codes (research note §5.3, after MetaApi's split). */
export const BRIDGE_CODE = {
  OK: 0,
  /** The command never reached the terminal: safe to send again after reconciling. */
  NOT_DELIVERED: -10,
  /** The command may have been executed: reconcile before anything else. */
  UNKNOWN: -11,
  /** The EA saw this client order id before and returned the stored result. */
  DUPLICATE_CACHED: -12,
  /** Refused by the live-trading gate (EA or Kinetra). */
  LIVE_GATE: -20,
} as const;

/** ENUM_ORDER_TYPE. */
export const ORDER_TYPE = {
  BUY: 0,
  SELL: 1,
  BUY_LIMIT: 2,
  SELL_LIMIT: 3,
  BUY_STOP: 4,
  SELL_STOP: 5,
  BUY_STOP_LIMIT: 6,
  SELL_STOP_LIMIT: 7,
  CLOSE_BY: 8,
} as const;

/** ENUM_POSITION_TYPE. Converted to and from the one side (+1/-1) in lib/market/side.ts only. */
export const POSITION_TYPE = { BUY: 0, SELL: 1 } as const;

/** ENUM_DEAL_TYPE (the trade kinds and the first balance operations). */
export const DEAL_TYPE = {
  BUY: 0,
  SELL: 1,
  BALANCE: 2,
  CREDIT: 3,
  CHARGE: 4,
  CORRECTION: 5,
  BONUS: 6,
} as const;

/** ENUM_DEAL_ENTRY: how a deal changes a position. */
export const DEAL_ENTRY = { IN: 0, OUT: 1, INOUT: 2, OUT_BY: 3 } as const;

/** ENUM_DEAL_REASON: who or what caused a deal. */
export const DEAL_REASON = {
  CLIENT: 0,
  MOBILE: 1,
  WEB: 2,
  EXPERT: 3,
  SL: 4,
  TP: 5,
  SO: 6,
  ROLLOVER: 7,
  VMARGIN: 8,
  SPLIT: 9,
} as const;

/** ENUM_TRADE_REQUEST_ACTIONS. */
export const TRADE_ACTION = { DEAL: 1, PENDING: 5, SLTP: 6, MODIFY: 7, REMOVE: 8, CLOSE_BY: 10 } as const;

/** ENUM_ORDER_TYPE_FILLING (request values; not the symbol's bit flags). */
export const ORDER_FILLING = { FOK: 0, IOC: 1, RETURN: 2, BOC: 3 } as const;

/** SYMBOL_FILLING_MODE bit flags. */
export const SYMBOL_FILLING = { FOK: 1, IOC: 2, BOC: 4 } as const;

/** ENUM_SYMBOL_TRADE_MODE. */
export const SYMBOL_TRADE_MODE = { DISABLED: 0, LONGONLY: 1, SHORTONLY: 2, CLOSEONLY: 3, FULL: 4 } as const;

/** ENUM_SYMBOL_TRADE_EXECUTION. */
export const SYMBOL_TRADE_EXECUTION = { REQUEST: 0, INSTANT: 1, MARKET: 2, EXCHANGE: 3 } as const;

/** ENUM_ACCOUNT_TRADE_MODE: 0 demo, 1 contest, 2 real. */
export const ACCOUNT_TRADE_MODE = { DEMO: 0, CONTEST: 1, REAL: 2 } as const;

/** ENUM_ACCOUNT_MARGIN_MODE. */
export const ACCOUNT_MARGIN_MODE = { RETAIL_NETTING: 0, EXCHANGE: 1, RETAIL_HEDGING: 2 } as const;

const RETCODE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(RETCODE).map(([k, v]) => [v, k]),
);

/** The constant name of a retcode (`TRADE_RETCODE_` omitted), or `UNKNOWN_<n>`. */
export function retcodeName(code: number): string {
  if (code === 0) return "OK";
  return RETCODE_NAMES[code] ?? `UNKNOWN_${code}`;
}

/** True for retcodes that mean the request was carried out (fully, partly, placed, or nothing to do). */
export function isSuccessRetcode(code: number): boolean {
  return code === RETCODE.DONE || code === RETCODE.DONE_PARTIAL || code === RETCODE.PLACED ||
    code === RETCODE.NO_CHANGES;
}

/** True for retcodes whose outcome is unknown: the client must reconcile, never resend blindly. */
export function isUnknownOutcome(code: number): boolean {
  return code === RETCODE.ERROR || code === RETCODE.TIMEOUT || code === RETCODE.CONNECTION ||
    code === BRIDGE_CODE.UNKNOWN;
}
