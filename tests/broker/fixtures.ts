// Symbol fixtures mirroring real MT5 specs (research note §5.6): 5-digit FX with stops and freeze
// levels, JPY 3-digit, XAUUSD 2-digit, an index whose tick size differs from its point.
// Written with MT5's field names (as a terminal reports them) and converted once at the edge.
import type { AccountInfo, Quote } from "../../lib/broker/mod.ts";
import { type Instrument, instrumentFromMt5, type Mt5SymbolInfo, symbolSpec } from "../../lib/market/mod.ts";

export const EURUSD_INFO: Mt5SymbolInfo = {
  name: "EURUSD",
  digits: 5,
  point: 0.00001,
  trade_tick_size: 0.00001,
  trade_tick_value: 1,
  trade_contract_size: 100000,
  volume_min: 0.01,
  volume_max: 50,
  volume_step: 0.01,
  volume_limit: 0,
  trade_stops_level: 30,
  trade_freeze_level: 10,
  trade_mode: 4,
  trade_exemode: 2,
  filling_mode: 1,
};

export const EURJPY_INFO: Mt5SymbolInfo = {
  ...EURUSD_INFO,
  name: "EURJPY",
  digits: 3,
  point: 0.001,
  trade_tick_size: 0.001,
  trade_tick_value: 0.64,
  trade_stops_level: 0,
  trade_freeze_level: 0,
  filling_mode: 2,
  trade_exemode: 1,
};

export const NAS100_INFO: Mt5SymbolInfo = {
  ...EURUSD_INFO,
  name: "NAS100",
  digits: 2,
  point: 0.01,
  trade_tick_size: 0.25,
  trade_tick_value: 0.25,
  trade_contract_size: 1,
  volume_min: 0.1,
  volume_step: 0.1,
  volume_max: 100,
  trade_stops_level: 100,
  trade_freeze_level: 0,
  filling_mode: 3,
};

export const EURUSD: Instrument = instrumentFromMt5(EURUSD_INFO, symbolSpec("EURUSD"));
export const EURJPY: Instrument = instrumentFromMt5(EURJPY_INFO, symbolSpec("EURJPY"));
export const NAS100: Instrument = instrumentFromMt5(NAS100_INFO, symbolSpec("NAS100"));

export function quote(symbol: string, bid: number, ask: number): Quote {
  return { symbol, bid, ask, time_msc: Date.UTC(2025, 0, 6, 10) };
}

export function account(over: Partial<AccountInfo> = {}): AccountInfo {
  return {
    login: "5001",
    server: "Sim-Demo",
    currency: "USD",
    trade_mode: 0,
    margin_mode: 0,
    leverage: 100,
    trade_allowed: true,
    trade_expert: true,
    balance: 10000,
    equity: 10000,
    margin: 0,
    margin_free: 10000,
    ...over,
  };
}
