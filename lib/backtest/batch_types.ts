/**
 * Types shared by the batch orchestrator (main thread) and its workers.
 *
 * @module
 */
import type { BacktestStats } from "./stats.ts";

/** Which part of each file a batch trades. */
export type Split = "train" | "test" | "all";

/** One file to run, with every strategy of the batch (features are computed once per file). */
export interface BatchJob {
  /** Sequence number (order of the plan). */
  readonly id: number;
  /** Path of the export. */
  readonly file: string;
  /** Symbol from the file name. */
  readonly symbol: string;
  /** Timeframe from the file name, or null. */
  readonly timeframe: string | null;
  /** Asset class: the file's parent folder (crypto, forex, ...), or "other". */
  readonly assetClass: string;
  /** Strategy names to run on the file. */
  readonly strategies: readonly string[];
  /** Part of the file to trade. */
  readonly split: Split;
  /** Share of each file's bars kept for the test split when cutting a raw file (0..1). */
  readonly testRatio: number;
  /** True when the file comes from a prepared train/ or test/ folder (already split). */
  readonly presplit: boolean;
  /** Folder where the job writes trade files (the run's `trades/`); "" returns them inline. */
  readonly tradesDir: string;
  /** Backtest profile and engine options forwarded to `runBacktest`. */
  readonly engine: {
    readonly profile: "mt5" | "compat";
    /** mt5: `data` (default: rates of the time from the pairs beside the file, where they exist) or `static`. */
    readonly conversion?: "data" | "static";
  };
  /** Parameter overrides by name, applied to every strategy that declares the parameter. */
  readonly params: Readonly<Record<string, number>>;
  /** Refuse a file whose name and bar spacing disagree on the timeframe (else: use the detected one). */
  readonly strictTimeframe?: boolean;
  /** Modelling mode (default ohlc); `lower` finds the file's lower timeframe in its folder. */
  readonly model?: "open" | "ohlc" | "lower";
  /**
   * Write each run's HTML report into this folder (`--report`; the pages load plotly.min.js from
   * beside them) and keep each run's equity in memory (`equity_curve`, never written to JSON).
   */
  readonly reportDir?: string;
  /** When set, the file's bytes must hash to this SHA-256 (hex) or the job fails `sha256_mismatch`. */
  readonly expectSha256?: string;
  /** Use a file whose validation has CRITICAL findings (default: refused with `critical_findings`). */
  readonly allowCritical?: boolean;
  /** Settles `NN/NN/YYYY` dates no row settles (`dmy` or `mdy`; `--date-order`); absent = refused as ambiguous. */
  readonly dateOrder?: "dmy" | "mdy";
}

/** The outcome of one strategy on one file. */
export interface BatchResult {
  /** Path of the export. */
  file: string;
  /** Symbol from the file name. */
  symbol: string;
  /** Timeframe used: detected from the bar spacing when known, else from the file name. */
  timeframe: string | null;
  /** Timeframe the file name declares, or null (absent in results written before it existed). */
  timeframe_declared?: string | null;
  /** Warnings about the file (e.g. a name that says H4 on bars one hour apart). */
  warnings?: string[];
  /** The modelling mode and its resolved/fallback bar counts (absent for ohlc). */
  model?: import("./intrabar.ts").ModelSummary;
  /** With `reportDir`: the run's report, relative to the run folder (`reports/<file>__<strategy>.html`). */
  report_file?: string;
  /** With `reportDir`: the traded bars' times and equity (in memory only). */
  equity_curve?: { time: Float64Array; equity: Float64Array };
  /** Asset class (the file's folder). */
  asset_class: string;
  /** Strategy name. */
  strategy: string;
  /** Bars traded (after the split cut, warm-up history excluded). */
  bars: number;
  /** SHA-256 of the file's bytes (hex), or null when it could not be read. */
  sha256: string | null;
  /** The engine's statistics, or null when the run failed. */
  stats: BacktestStats | null;
  /** Trade file relative to the run folder, or null. */
  trades_file: string | null;
  /** Why the run failed, or null. */
  error: { code: string; message: string } | null;
  /** mt5: how profits reached the account currency (`source` data/static/none, `via` pairs, `note`). */
  conversion?: { source: string; via: string[]; note: string };
  /** The trades as CSV text, only when the job had no trades folder (cluster workers). */
  trades_csv?: string;
  /** Time spent per step (read and features are shared by the file's strategies, split evenly). */
  timings_ms: { read: number; features: number; simulate: number };
  /**
   * Overfitting statistics of choosing among the strategies run on this file (lib/research
   * `fileOverfit`; docs/RESEARCH.md): per-bar Sharpe ratio, PSR, DSR with trials = strategies that
   * ran, and the file's PBO by CSCV over those strategies. Absent when the run failed.
   */
  overfit?: {
    sharpe_per_bar: number | null;
    psr: number | null;
    dsr: number | null;
    trials: number;
    pbo: number | null;
  } | null;
}
