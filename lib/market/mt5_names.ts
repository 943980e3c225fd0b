/**
 * The one place where MT5's field names meet Kinetra's {@link Instrument}: the wire image of an
 * instrument ({@link Mt5SymbolInfo}, the subset of `symbol_info` the bridge carries, with MT5's
 * names and numeric enums), both conversions, and the MT5 names accepted in symbol override files.
 *
 * @example
 * ```ts
 * import { symbolSpec } from "./instrument.ts";
 * import { instrumentFromMt5, toMt5SymbolInfo } from "./mt5_names.ts";
 * const info = toMt5SymbolInfo(symbolSpec("EURUSD"));
 * console.log(info.trade_contract_size, info.volume_step); // 100000 0.01
 * console.log(instrumentFromMt5(info, symbolSpec("EURUSD")).contractSize); // 100000
 * ```
 *
 * @module
 */
import { SYMBOL_TRADE_EXECUTION, SYMBOL_TRADE_MODE } from "./mt5_constants.ts";
import type { ExecutionMode, Instrument, TradeMode } from "./types.ts";

/** The trading rules of one symbol as MT5 names them (a subset of `symbol_info`). Distances in points. */
export interface Mt5SymbolInfo {
  /** Symbol name as the terminal spells it. */
  name: string;
  /** Price decimals. */
  digits: number;
  /** Smallest price change written in the quotes (10^-digits). */
  point: number;
  /** Minimal price change (tick size). */
  trade_tick_size: number;
  /** Value of one tick for one lot in the deposit currency. */
  trade_tick_value: number;
  /** Units of the underlying per lot. */
  trade_contract_size: number;
  /** Smallest volume per deal, lots. */
  volume_min: number;
  /** Largest volume per deal, lots. */
  volume_max: number;
  /** Volume step, lots. */
  volume_step: number;
  /** Max aggregate volume per direction (position + pending), 0 = none. */
  volume_limit: number;
  /** Minimal distance of SL/TP and pending prices from the market, points. */
  trade_stops_level: number;
  /** Distance in points inside which orders and positions cannot be changed. */
  trade_freeze_level: number;
  /** SYMBOL_TRADE_MODE (0 disabled ... 4 full). */
  trade_mode: number;
  /** SYMBOL_TRADE_EXECUTION (0 request, 1 instant, 2 market, 3 exchange). */
  trade_exemode: number;
  /** SYMBOL_FILLING bit flags (FOK 1, IOC 2, BOC 4). */
  filling_mode: number;
  /** SYMBOL_ORDER_MODE bit flags (MARKET 1, LIMIT 2, STOP 4, STOP_LIMIT 8, SL 16, TP 32, CLOSE_BY 64); absent = all. */
  order_mode?: number;
  /** Profit (quote) currency. */
  currency_profit?: string;
  /** Margin currency. */
  currency_margin?: string;
  /** Base currency. */
  currency_base?: string;
}

/** MT5 snake_case field names accepted in symbol override files, mapped to Instrument keys. */
export const MT5_OVERRIDE_FIELDS: Readonly<Record<string, keyof Instrument>> = {
  trade_tick_size: "tickSize",
  trade_tick_value: "tickValue",
  trade_contract_size: "contractSize",
  volume_min: "volumeMin",
  volume_max: "volumeMax",
  volume_step: "volumeStep",
  volume_limit: "volumeLimit",
  trade_stops_level: "stopsLevel",
  stops_level: "stopsLevel",
  trade_freeze_level: "freezeLevel",
  freeze_level: "freezeLevel",
  swap_long: "swapLong",
  swap_short: "swapShort",
  swap_mode: "swapMode",
  swap_rollover3days: "tripleSwapDay",
  commission_per_lot: "commissionPerLot",
  trade_mode: "tradeMode",
  trade_exemode: "executionMode",
  filling_mode: "fillingMode",
  margin_initial: "marginRate",
  currency_base: "baseCurrency",
  currency_profit: "currency",
  currency_margin: "marginCurrency",
  spread_typical: "spreadTypical",
};

const TRADE_MODE_NUM: Readonly<Record<TradeMode, number>> = {
  disabled: SYMBOL_TRADE_MODE.DISABLED,
  longonly: SYMBOL_TRADE_MODE.LONGONLY,
  shortonly: SYMBOL_TRADE_MODE.SHORTONLY,
  closeonly: SYMBOL_TRADE_MODE.CLOSEONLY,
  full: SYMBOL_TRADE_MODE.FULL,
};
const EXECUTION_NUM: Readonly<Record<ExecutionMode, number>> = {
  request: SYMBOL_TRADE_EXECUTION.REQUEST,
  instant: SYMBOL_TRADE_EXECUTION.INSTANT,
  market: SYMBOL_TRADE_EXECUTION.MARKET,
  exchange: SYMBOL_TRADE_EXECUTION.EXCHANGE,
};
const TRADE_MODES: readonly TradeMode[] = ["disabled", "longonly", "shortonly", "closeonly", "full"];
const EXECUTION_MODES: readonly ExecutionMode[] = ["request", "instant", "market", "exchange"];

/** MT5's SYMBOL_TRADE_MODE number of a trade mode. */
export function tradeModeNumber(mode: TradeMode): number {
  return TRADE_MODE_NUM[mode] ?? SYMBOL_TRADE_MODE.FULL;
}

/** The trade mode of an MT5 SYMBOL_TRADE_MODE number (unknown numbers: `full`). */
export function tradeModeOf(n: number): TradeMode {
  return TRADE_MODES[n] ?? "full";
}

/** MT5's SYMBOL_TRADE_EXECUTION number of an execution mode. */
export function executionModeNumber(mode: ExecutionMode): number {
  return EXECUTION_NUM[mode] ?? SYMBOL_TRADE_EXECUTION.MARKET;
}

/** The execution mode of an MT5 SYMBOL_TRADE_EXECUTION number (unknown numbers: `market`). */
export function executionModeOf(n: number): ExecutionMode {
  return EXECUTION_MODES[n] ?? "market";
}

/** The wire image of an instrument (what the bridge and the EA simulator exchange). */
export function toMt5SymbolInfo(spec: Instrument, over: Partial<Mt5SymbolInfo> = {}): Mt5SymbolInfo {
  return {
    name: spec.symbol,
    digits: spec.digits,
    point: spec.point,
    trade_tick_size: spec.tickSize,
    trade_tick_value: spec.tickValue / spec.tickSize * spec.tickSize,
    trade_contract_size: spec.contractSize,
    volume_min: spec.volumeMin,
    volume_max: spec.volumeMax,
    volume_step: spec.volumeStep,
    volume_limit: spec.volumeLimit,
    trade_stops_level: spec.stopsLevel,
    trade_freeze_level: spec.freezeLevel,
    trade_mode: tradeModeNumber(spec.tradeMode),
    trade_exemode: executionModeNumber(spec.executionMode),
    filling_mode: spec.fillingMode,
    currency_profit: spec.currency,
    currency_margin: spec.marginCurrency,
    currency_base: spec.baseCurrency,
    ...over,
  };
}

/**
 * The instrument a terminal reports: its `symbol_info` fields over `base` (Kinetra's defaults for
 * what the bridge does not carry: asset class, swap and commission rules, typical spread).
 */
export function instrumentFromMt5(info: Mt5SymbolInfo, base: Instrument): Instrument {
  return {
    ...base,
    symbol: info.name,
    digits: info.digits,
    point: info.point,
    tickSize: info.trade_tick_size,
    tickValue: info.trade_tick_value,
    contractSize: info.trade_contract_size,
    volumeMin: info.volume_min,
    volumeMax: info.volume_max,
    volumeStep: info.volume_step,
    volumeLimit: info.volume_limit ?? 0,
    stopsLevel: info.trade_stops_level,
    freezeLevel: info.trade_freeze_level,
    tradeMode: tradeModeOf(info.trade_mode),
    executionMode: executionModeOf(info.trade_exemode),
    fillingMode: info.filling_mode,
    currency: info.currency_profit ?? base.currency,
    marginCurrency: info.currency_margin ?? base.marginCurrency,
    baseCurrency: info.currency_base ?? base.baseCurrency,
    source: `${base.source}; trading rules from the terminal's symbol_info`,
  };
}
