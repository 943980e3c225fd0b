/**
 * The market room's types: the one instrument type ({@link Instrument}) and its enumerations.
 *
 * @module
 */

/** Asset classes of the data set (folder names of data/master). */
export type AssetClass = "forex" | "metals" | "energy" | "indices" | "crypto" | "stocks" | "other";

/** How swap rates are expressed (MT5 SYMBOL_SWAP_MODE, reduced to the modes that matter). */
export type SwapMode = "disabled" | "points" | "money" | "interest";

/** MT5 SYMBOL_TRADE_MODE. */
export type TradeMode = "disabled" | "longonly" | "shortonly" | "closeonly" | "full";

/** MT5 SYMBOL_TRADE_EXECUTION. */
export type ExecutionMode = "request" | "instant" | "market" | "exchange";

/** One instrument's trading specification (MT5 `symbol_info` fields in camelCase). */
export interface Instrument {
  /** Symbol name as in the file names, e.g. `EURJPY+`. */
  symbol: string;
  /** Asset class (folder of the data set). */
  assetClass: AssetClass;
  /** Price decimals. */
  digits: number;
  /** 10^-digits: the unit of spreads, stops levels, slippage and swap points. */
  point: number;
  /** Minimal price change (`trade_tick_size`). */
  tickSize: number;
  /** Value of one tick for one lot, in the account currency (`trade_tick_value`). */
  tickValue: number;
  /** Units of the underlying per lot (`trade_contract_size`). */
  contractSize: number;
  /** Smallest volume per deal, lots. */
  volumeMin: number;
  /** Largest volume per deal, lots. */
  volumeMax: number;
  /** Volume step, lots. */
  volumeStep: number;
  /** Largest aggregate volume per direction (positions + pending orders), lots; 0 = none. */
  volumeLimit: number;
  /** Minimal distance of SL/TP/pending prices from the market, in points (0 = none). */
  stopsLevel: number;
  /** Distance in points inside which orders cannot be modified (0 = none). */
  freezeLevel: number;
  /** Swap for a long position per night (unit by `swapMode`; negative = charged). */
  swapLong: number;
  /** Swap for a short position per night. */
  swapShort: number;
  /** How swapLong/swapShort are expressed. */
  swapMode: SwapMode;
  /**
   * Day (0 = Sunday … 6 = Saturday) whose night is charged three times (MT5
   * `swap_rollover3days`, usually 3 = Wednesday); -1 = never.
   */
  tripleSwapDay: number;
  /** True when Saturday and Sunday nights are charged too (24/7 crypto). */
  swapWeekends: boolean;
  /** Commission per lot per side, in the account currency. */
  commissionPerLot: number;
  /** Which orders the symbol accepts. */
  tradeMode: TradeMode;
  /** How orders are executed (MT5 SYMBOL_TRADE_EXECUTION). */
  executionMode: ExecutionMode;
  /** Allowed filling policies as MT5's SYMBOL_FILLING_MODE bit flags (FOK 1, IOC 2, BOC 4). */
  fillingMode: number;
  /**
   * Margin rate (MT5 `margin_initial` rate): margin = lots × contract size × price, in the account
   * currency, × marginRate / account leverage.
   */
  marginRate: number;
  /** Base currency (`currency_base`: EUR for EURUSD; the quote currency when there is none). */
  baseCurrency: string;
  /** Profit currency of the instrument (the quote currency, `currency_profit`). */
  currency: string;
  /** Margin currency (`currency_margin`). */
  marginCurrency: string;
  /** Account currency the tick value is expressed in. */
  accountCurrency: string;
  /** Typical spread in points (used when the bars have no spread column). */
  spreadTypical: number;
  /** Where the values come from (shown by docs and the CLI). */
  source: string;
}
