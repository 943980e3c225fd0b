/**
 * Backtest configuration: the two profiles (`mt5`, `compat`), their defaults and validation.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import type { CommissionSpec } from "../market/costs.ts";
import type { Instrument } from "../market/instrument.ts";

/** `mt5`: MetaTrader 5 realism (lots, per-bar spread, per-lot commission, swap, stop-out).
 * `compat`: backtesting.py's semantics (whole units, relative spread and commission). */
export type Profile = "mt5" | "compat";

/**
 * How an entry without an explicit size is sized.
 * - `fraction`: a fraction of the available margin × leverage (compat default: all of it).
 * - `units`: a fixed number of units (compat) / contract units converted to lots (mt5).
 * - `lots`: fixed lots (mt5) / lots × contract size units (compat).
 * - `risk`: risk `riskPct` % of equity over the stop distance (needs an SL; entries without one
 *   use `fallbackLots`, else the equity's notional without leverage: equity / (price × value per lot)).
 */
export type Sizing =
  | { readonly mode: "fraction"; readonly fraction: number }
  | { readonly mode: "units"; readonly units: number }
  | { readonly mode: "lots"; readonly lots: number }
  | { readonly mode: "risk"; readonly riskPct: number; readonly fallbackLots?: number };

/** Full configuration of one run. `runBacktest` accepts a `Partial` and fills the profile's defaults. */
export interface BacktestConfig {
  /** `mt5` (default) or `compat`. */
  profile: Profile;
  /** Starting cash (account currency). Must be > 0. */
  cash: number;
  /** Commission (see CommissionSpec); null = profile default (compat 0, mt5 the symbol's per-lot rate). */
  commission: CommissionSpec | null;
  /**
   * compat: relative spread charged at entry (0.001 = 0.1 %). mt5: a fixed spread in points that
   * replaces the bars' `spread` column. null = compat 0 / mt5 the bars' column (or the symbol's
   * typical spread when the bars have none).
   */
  spread: number | null;
  /** Margin requirement as a fraction (1 / leverage). compat default 1, mt5 default 0.01 (1:100). */
  margin: number;
  /** Leverage; when given it overrides `margin` (margin = 1 / leverage). */
  leverage?: number;
  /** Fill market orders at the signal bar's close instead of the next bar's open. */
  tradeOnClose: boolean;
  /** Close open trades at the end (they then appear in the trade list and trade stats). */
  finalize: boolean;
  /** Keep opposite trades open side by side instead of netting them first-in first-out. */
  hedging: boolean;
  /** Every new entry cancels pending entries and closes open trades first. */
  exclusiveOrders: boolean;
  /** Default sizing for entries without a size (null = profile default). */
  sizing: Sizing | null;
  /** Symbol specification (mt5); null = `symbolSpec(meta.symbol)`. */
  symbol: Instrument | null;
  /** Adverse slippage in points on market and stop fills (mt5). */
  slippagePoints: number;
  /** Charge swap per night (mt5). */
  swap: boolean;
  /** Hour of the daily rollover in the export's clock (mt5). */
  rolloverHour: number;
  /** Margin level (%) below which every position is closed at the bar's close (mt5; 0 = off). */
  stopOutLevelPct: number;
  /** Throw a KinetraError when an order is rejected instead of recording the rejection. */
  strict: boolean;
  /**
   * Feature column used for `energy_at_entry` (computed when it is a catalog feature); null = the
   * policy of lib/backtest/energy.ts: a supplied `energy` column, else kinetic energy.
   */
  energyFeature: string | null;
}

/** backtesting.py's default relative size: all available margin (1 − 2⁻⁵²). */
export const FULL_EQUITY = 1 - Number.EPSILON;

/**
 * The profile a file gets by default: mt5 for MetaTrader exports (and for splits prepared from
 * them, whose `sourceFormat` says so), compat for any other OHLCV source.
 */
export function defaultProfileFor(meta: { format: string; sourceFormat?: string | null }): Profile {
  return (meta.sourceFormat ?? meta.format).startsWith("mt5") ? "mt5" : "compat";
}

/** Profile defaults. */
export function defaultConfig(profile: Profile = "mt5"): BacktestConfig {
  return {
    profile,
    cash: 10_000,
    commission: null,
    spread: null,
    margin: profile === "compat" ? 1 : 0.01,
    tradeOnClose: false,
    finalize: false,
    hedging: false,
    exclusiveOrders: false,
    sizing: null,
    symbol: null,
    slippagePoints: 0,
    swap: profile === "mt5",
    rolloverHour: 0,
    stopOutLevelPct: profile === "mt5" ? 50 : 0,
    strict: false,
    energyFeature: null,
  };
}

/** Fill defaults for the chosen profile and validate. */
export function resolveConfig(partial: Partial<BacktestConfig> = {}): BacktestConfig {
  const profile = partial.profile ?? "mt5";
  if (profile !== "mt5" && profile !== "compat") {
    throw new KinetraError("bad_config", `profile must be "mt5" or "compat", got "${profile}"`);
  }
  const cfg: BacktestConfig = { ...defaultConfig(profile) };
  for (const [k, v] of Object.entries(partial)) {
    if (v !== undefined) (cfg as unknown as Record<string, unknown>)[k] = v;
  }
  if (cfg.leverage !== undefined) {
    if (!(cfg.leverage >= 1) || !Number.isFinite(cfg.leverage)) {
      throw new KinetraError("bad_config", `leverage must be a number >= 1, got ${cfg.leverage}`);
    }
    cfg.margin = 1 / cfg.leverage;
  }
  if (!(typeof cfg.cash === "number" && cfg.cash > 0 && Number.isFinite(cfg.cash))) {
    throw new KinetraError("bad_config", `cash must be a positive number, got ${cfg.cash}`);
  }
  if (!(cfg.margin > 0 && cfg.margin <= 1)) {
    throw new KinetraError("bad_config", `margin must be in (0, 1] (1 / leverage), got ${cfg.margin}`);
  }
  if (cfg.spread !== null && !(cfg.spread >= 0 && Number.isFinite(cfg.spread))) {
    throw new KinetraError("bad_config", `spread must be a non-negative number, got ${cfg.spread}`);
  }
  if (typeof cfg.commission === "number" && !(cfg.commission >= 0 && Number.isFinite(cfg.commission))) {
    throw new KinetraError("bad_config", `commission must be a non-negative number, got ${cfg.commission}`);
  }
  if (cfg.commission && typeof cfg.commission === "object") {
    for (const [k, v] of Object.entries(cfg.commission)) {
      if (!(typeof v === "number" && v >= 0 && Number.isFinite(v))) {
        throw new KinetraError("bad_config", `commission.${k} must be a non-negative number, got ${v}`);
      }
    }
  }
  if (!(cfg.slippagePoints >= 0)) {
    throw new KinetraError("bad_config", `slippage must be >= 0 points, got ${cfg.slippagePoints}`);
  }
  if (!(cfg.rolloverHour >= 0 && cfg.rolloverHour < 24)) {
    throw new KinetraError("bad_config", `rollover hour must be in [0, 24), got ${cfg.rolloverHour}`);
  }
  if (!(cfg.stopOutLevelPct >= 0)) {
    throw new KinetraError("bad_config", `stop-out level must be >= 0 %, got ${cfg.stopOutLevelPct}`);
  }
  const s = cfg.sizing;
  if (s) {
    const val = s.mode === "fraction"
      ? s.fraction
      : s.mode === "units"
      ? s.units
      : s.mode === "lots"
      ? s.lots
      : s.mode === "risk"
      ? s.riskPct
      : NaN;
    if (!(val > 0) || !Number.isFinite(val)) {
      throw new KinetraError("bad_config", `sizing ${JSON.stringify(s)} needs a positive finite amount`);
    }
    if (s.mode === "fraction" && s.fraction > 1) {
      throw new KinetraError("bad_config", `sizing fraction must be in (0, 1], got ${s.fraction}`);
    }
  }
  return cfg;
}
