/**
 * The execution core's records: a trade as the engine, the paper broker's ledger and the live
 * runner report it ({@link TradeRecord}), why it closed ({@link ExitReason}) and a refused order
 * ({@link Rejection}, with its MT5 retcode).
 *
 * @module
 */
import type { SideName } from "../market/side.ts";

/** Why a trade was closed. */
export type ExitReason = "signal" | "reverse" | "sl" | "tp" | "end" | "stop_out" | "out_of_money" | "open";

/** One closed (or, for `openTrades`, still open) trade. Times are ISO 8601 strings. */
export interface TradeRecord {
  /** Bar index of the entry fill. */
  entry_bar: number;
  /** Bar index of the exit fill. */
  exit_bar: number;
  /** Time of the entry bar (ISO 8601). */
  entry_time: string;
  /** Time of the exit bar (ISO 8601). */
  exit_time: string;
  /** "long" or "short". */
  side: SideName;
  /** Entry fill price (spread and slippage included). */
  entry_price: number;
  /** Exit fill price (spread and slippage included). */
  exit_price: number;
  /** Absolute size: units (compat) or lots (mt5). */
  size: number;
  /** Net profit in the account currency (after commission and swap; spread is in the prices). */
  pnl: number;
  /** Net return in percent of the entry value. */
  return_pct: number;
  /** Commission of both sides. */
  commission: number;
  /** Money lost to the spread (already inside entry/exit prices; informational). */
  spread_cost: number;
  /** Money lost to slippage (already inside the prices; informational). */
  slippage_cost: number;
  /** Swap accrued (negative = paid). */
  swap: number;
  /** Maximum favourable excursion from the entry price, in price units (>= 0). */
  mfe: number;
  /** Maximum adverse excursion from the entry price, in price units (>= 0). */
  mae: number;
  /** Value of the energy feature at the decision bar (NaN when no energy feature). */
  energy_at_entry: number;
  /** Stop-loss level in force at the exit, or null. */
  sl: number | null;
  /** Take-profit level in force at the exit, or null. */
  tp: number | null;
  /** The strategy's label, or null. */
  tag: string | null;
  /** Why the trade was closed. */
  exit_reason: ExitReason;
  /** exit_bar − entry_bar. */
  duration_bars: number;
}

/** An order the broker refused (recorded; thrown with `strict`). */
export interface Rejection {
  /** Bar index where the order was refused. */
  bar: number;
  /** Time of that bar (ISO 8601). */
  time: string;
  /** MT5 trade retcode of the equivalent refusal. */
  retcode: number;
  /** Short reason code, e.g. `invalid_stops`. */
  reason: string;
  /** Human explanation. */
  message: string;
}
