/**
 * Options, I/O hooks and the summary of a live-testing run.
 *
 * @module
 */
import type { BacktestStats, TradeRecord } from "../backtest/mod.ts";
import type { ModelName, ModelSummary } from "../backtest/intrabar.ts";
import type { BridgeTimeouts } from "../mt5/bridge_broker.ts";
import type { Params, Strategy } from "../strategies/contract.ts";
import type { LiveMode } from "./gates.ts";
import type { Readiness } from "./readiness.ts";
import type { ConversionInfo } from "../portfolio/conversion.ts";

/** Everything `runLive` accepts (the CLI flags of `deno task live`). */
export interface LiveOptions {
  /** virtual (paper broker on a replay), demo or live (MT5 bridge). */
  mode: LiveMode;
  /** A registered strategy's name, or a Strategy object (notebooks, tests). */
  strategy: string | Strategy;
  /** Strategy parameters (defaults for the rest). */
  params?: Params;
  /** Symbol (virtual: default from the data file's name). */
  symbol?: string;
  /** Timeframe (virtual: default from the data file's name). */
  timeframe?: string;
  /** Virtual: the bars to replay (default: the test split in data/prepared for symbol+timeframe). */
  data?: string;
  /** Where `deno task prepare` wrote its outputs (default data/prepared). */
  preparedDir?: string;
  /** Virtual: replay a file even when its validation has CRITICAL findings (`--allow-critical`). */
  allowCritical?: boolean;
  /** Virtual: settles `NN/NN/YYYY` dates no row of the replay file settles (`dmy`/`mdy`; `--date-order`). */
  dateOrder?: "dmy" | "mdy";
  /**
   * Virtual: currency conversion of the profit currency to the account's (`--conversion`): `data`
   * (default) at the rate of the moment from the pairs beside the replay file where a path exists,
   * else static, exactly like `deno task backtest`; `static` at the fixed table's rates.
   */
  conversion?: "data" | "static";
  /**
   * Virtual: the modelling mode of the paper broker's stop-loss/take-profit fills (`--model`,
   * lib/backtest/intrabar.ts; default `ohlc`): `open`, `lower` (`lower`: the lower-timeframe file
   * beside the data file, or `lower`), `ticks` (`ticks`: a tick file).
   */
  model?: ModelName;
  /** Virtual, `model: "lower"`: the lower-timeframe file (`--lower`). */
  lower?: string;
  /** Virtual, `model: "ticks"`: the tick file (`--ticks`). */
  ticks?: string;
  /** Wall-clock limit of the session in minutes. */
  durationMin?: number;
  /** Entries allowed; after that no new entries, and the run ends once flat. */
  maxTrades?: number;
  /** CHS below this trips the circuit breaker (default 0.55); it resets above threshold + the margin. */
  chsThreshold?: number;
  /** The breaker resets when the CHS rises above threshold + this margin (default 0.10). */
  breakerResetMargin?: number;
  /** Close positions when the breaker trips (default false: only new entries stop). */
  flattenOnBreaker?: boolean;
  /** Close positions when the run halts (kill switch, limits, link lost). Default false. */
  flattenOnHalt?: boolean;
  /** Daily loss (account currency) after which entries stop until the next day. */
  maxDailyLoss?: number;
  /** Largest net position in lots. */
  maxPositionLots?: number;
  /** Virtual replay speed in bars per second; 0 (default) = as fast as possible. */
  speed?: number;
  /** Bridge address `HOST:PORT` (default the config's, else 127.0.0.1:18812). */
  bridge?: string;
  /** Skip typed confirmations (automation). */
  yes?: boolean;
  /** The explicit real-money opt-in flag. */
  acceptRealMoneyRisk?: boolean;
  /** Normalise volumes/prices and move too-close stops before sending (default true). */
  autoAdjust?: boolean;
  /** A file whose appearance halts the run (default logs/live/<run>/KILL and .kinetra/KILL). */
  killFile?: string;
  /** Starting cash of the virtual account and of the accounting (default 10 000). */
  cash?: number;
  /** Leverage of the virtual account (default 100). */
  leverage?: number;
  /** Where run folders go (default logs/live). */
  logsDir?: string;
  /** Run folder name (default a UTC stamp with mode, symbol and strategy). */
  runId?: string;
  /** Credentials file (default .kinetra/config.json). */
  configPath?: string;
  /** Time to wait for the Expert Advisor to connect (default 60 000 ms). */
  connectTimeoutMs?: number;
  /** Time to wait for a lost link to come back before halting (default 30 000 ms). */
  reconnectTimeoutMs?: number;
  /** Demo/live: halt when no new bar arrives for this long (default: wait; the duration limit applies). */
  barTimeoutMs?: number;
  /** Bridge request timeouts. */
  timeouts?: Partial<BridgeTimeouts>;
  /** Heartbeat period asked of the EA (default 1000 ms). */
  heartbeatMs?: number;
  /** Link declared dead after this long without a heartbeat (default 3 heartbeats + 500 ms). */
  deadAfterMs?: number;
  /** Magic number of this strategy's orders (default 20261122). */
  magic?: string;
  /**
   * Virtual: compute indicators once over the replay file (`once`, default; equivalent because
   * strategies and features are causal) or again on every bar over the bars seen so far
   * (`per_bar`, what demo and live always do).
   */
  recompute?: "once" | "per_bar";
  /** Consecutive broker refusals with the same retcode that halt new entries (default 3). */
  maxRefusals?: number;
  /** Demo/live: malformed messages from the Expert Advisor after which the session halts (default 10). */
  maxBadMessages?: number;
  /** Demo/live: how far a streamed bar's time may lie after the trade server's clock (default 2 days). */
  barClockToleranceMs?: number;
}

/** How the runner talks to its caller. */
export interface LiveIO {
  /** Progress lines for a human. */
  print(line: string): void;
  /** Ask the user to type something; null when no answer is possible (not a terminal). */
  confirm?(prompt: string): Promise<string | null>;
  /** Environment lookup (default Deno.env). */
  env?(name: string): string | undefined;
  /** Aborting it is the kill switch (SIGINT/SIGTERM in the task). */
  signal?: AbortSignal;
  /** Called once the bridge listens (tests start the simulator here). */
  onBridgeListening?(address: { hostname: string; port: number }): void;
}

/** The run's summary (`--json` prints it; summary.json holds it). */
export interface LiveSummary {
  /** Run identifier (also the run folder's name). */
  run_id: string;
  /** virtual, demo or live. */
  mode: LiveMode;
  /** Symbol traded. */
  symbol: string;
  /** Timeframe of the bars. */
  timeframe: string;
  /** Strategy name. */
  strategy: string;
  /** Strategy parameters used. */
  params: Params;
  /** Virtual with `--model` other than ohlc: the modelling mode of the SL/TP fills (absent: ohlc). */
  model?: ModelSummary;
  /** Virtual: the currency conversion of the replay (as the backtest's `conversion`); absent in demo/live. */
  conversion?: ConversionInfo;
  /** Start of the session (ISO 8601). */
  started_at: string;
  /** End of the session (ISO 8601). */
  ended_at: string;
  /** `completed` (data/duration ended normally) or `halted`. */
  status: "completed" | "halted";
  /** Why the session halted (stable code), or null. */
  halt_reason: string | null;
  /** The halt explained for people, or null. */
  halt_message: string | null;
  /** Bars the strategy saw. */
  bars_processed: number;
  /** Closed trades, same fields as the backtest's. */
  trades: TradeRecord[];
  /** Trades still open at the end (marked at the last close). */
  open_trades: TradeRecord[];
  /** Backtest statistics names. */
  stats: BacktestStats;
  /** Last and lowest CHS of the session (null before it is defined). */
  chs: { last: number | null; min: number | null };
  /** Times the CHS breaker tripped. */
  breaker_events: number;
  /** Times it reset. */
  breaker_resets: number;
  /** Orders refused by Kinetra's validator before sending. */
  validator_rejections: number;
  /** Orders the broker refused. */
  broker_rejections: number;
  /** Orders changed by auto-adjust. */
  adjustments: number;
  /** Entries not sent (breaker, limits, daily loss). */
  entries_blocked: number;
  /** Times a limit (trades, position, daily loss) was hit. */
  limit_events: number;
  /** Orders the broker saw twice (must stay 0). */
  duplicate_orders: number;
  /** Orders whose outcome was unknown until reconciled. */
  unknown_outcomes: number;
  /** Orders reconciled by client order id. */
  reconciled: number;
  /** Orders sent again after reconciling found them missing. */
  resent: number;
  /** The account traded (null in virtual mode before it is known). */
  account: { login: string; server: string; trade_mode: number; currency: string } | null;
  /** Readiness for the next stage (virtual → demo → live). */
  readiness: Readiness;
  /** Path of the session journal. */
  journal: string;
  /** Path of summary.json. */
  summary_path: string;
  /** Demo/live: streamed bars refused by the bar checks (never stored). */
  bars_refused?: number;
  /** Demo/live: malformed messages from the Expert Advisor (refused, counted, answered with an error). */
  bad_messages?: number;
  /** New entries stopped for the rest of the session (refusals, flapping link), with why; else null. */
  entries_halted?: { by: string; message: string; at: string } | null;
  /** Demo/live: the start-up reconciliation of the previous run of this account and magic (lib/live/recovery.ts). */
  recovery?: RecoveryReport | null;
  /**
   * Time with the circuit breaker tripped (bars, market hours) and the shadow trades made meanwhile
   * (simulated at the live quotes, never sent; they keep the CHS scoring so the breaker can reset).
   */
  breaker_halted?: {
    bars: number;
    hours: number;
    shadow_trades: number;
    shadow_pnl: number;
    shadow_wins: number;
  };
}

/** What the start-up reconciliation found and did (the summary's `recovery`). */
export interface RecoveryReport {
  /** The run folder of the previous journal, or null when there was none. */
  previous_run: string | null;
  /** The rule applied to leftover positions. */
  rule: "close";
  /** Orders of the previous run without an outcome, and what the terminal said about them. */
  orders_checked: number;
  /** Of those, how many the terminal had executed. */
  executed: number;
  /** Of those, how many never reached the server. */
  not_found: number;
  /** Leftover positions closed, those that could not be, and the money their closes booked. */
  positions_closed: number;
  /** Leftover positions that could not be closed. */
  positions_not_closed: number;
  /** The money the closes of leftover positions booked. */
  closed_profit: number;
}
