/**
 * Trading specs for the validator and brokers from the backtest's symbol specifications
 * (lib/backtest/symbols.ts), so the paper broker, the simulator and the backtest share one source
 * of digits, tick value, contract size, volume limits and stops/freeze levels.
 *
 * @module
 */
import { type SymbolSpec, valuePerPriceUnit } from "../backtest/symbols.ts";
import { SYMBOL_FILLING, SYMBOL_TRADE_EXECUTION, SYMBOL_TRADE_MODE } from "./constants.ts";
import type { SymbolTradingSpec } from "./types.ts";

const TRADE_MODES: Record<string, number> = {
  disabled: SYMBOL_TRADE_MODE.DISABLED,
  longonly: SYMBOL_TRADE_MODE.LONGONLY,
  shortonly: SYMBOL_TRADE_MODE.SHORTONLY,
  closeonly: SYMBOL_TRADE_MODE.CLOSEONLY,
  full: SYMBOL_TRADE_MODE.FULL,
};

/**
 * Convert a backtest SymbolSpec. Execution is market execution with FOK and IOC fillings
 * (the common retail setup) unless `over` says otherwise.
 */
export function tradingSpecFromSymbolSpec(
  spec: SymbolSpec,
  over: Partial<SymbolTradingSpec> = {},
): SymbolTradingSpec {
  return {
    name: spec.symbol,
    digits: spec.digits,
    point: spec.point,
    trade_tick_size: spec.tickSize,
    trade_tick_value: valuePerPriceUnit(spec) * spec.tickSize,
    trade_contract_size: spec.contractSize,
    volume_min: spec.volumeMin,
    volume_max: spec.volumeMax,
    volume_step: spec.volumeStep,
    volume_limit: 0,
    trade_stops_level: spec.stopsLevel,
    trade_freeze_level: spec.freezeLevel,
    trade_mode: TRADE_MODES[spec.tradeMode] ?? SYMBOL_TRADE_MODE.FULL,
    trade_exemode: SYMBOL_TRADE_EXECUTION.MARKET,
    filling_mode: SYMBOL_FILLING.FOK | SYMBOL_FILLING.IOC,
    currency_profit: spec.currency,
    currency_margin: spec.currency,
    ...over,
  };
}
