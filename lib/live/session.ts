/**
 * Session set-up of a live run: option checks, mode gates (configuration, real-money opt-in,
 * typed confirmation), the virtual replay data, and the run folder with its journal and the
 * `run_start` event. Nothing connects and nothing is written before the gates pass.
 *
 * @module
 */
import { join } from "node:path";
import { existsSync } from "node:fs";
import type { BarArrays } from "../data/types.ts";
import { type IntrabarPath, modelSummary, parseModel } from "../backtest/intrabar.ts";
import { loadIntrabarPath } from "../backtest/model_data.ts";
import { symbolSpec } from "../market/instrument.ts";
import { KinetraError } from "../errors.ts";
import { getStrategy } from "../strategies/registry.ts";
import { type Params, resolveParams, type Strategy } from "../strategies/contract.ts";
import { utcStamp } from "../util/fs.ts";
import { type LiveConfig, loadLiveConfig, requireSecret } from "./config.ts";
import { assertLiveAllowed, CONFIRM_WORD, type LiveMode } from "./gates.ts";
import { Journal } from "./journal.ts";
import { findPreparedTest, loadReplayBars } from "./prepared.ts";
import { type AlignedRates, conversionForFile, type ConversionInfo } from "../portfolio/conversion.ts";
import type { LiveIO, LiveOptions } from "./types.ts";
import { DEFAULT_BREAKER_RESET_MARGIN, DEFAULT_CHS_THRESHOLD } from "../util/defaults.ts";

export { DEFAULT_CHS_THRESHOLD } from "../util/defaults.ts";
/** Default magic number of the runner's orders. */
export const DEFAULT_MAGIC = "20261122";

/** Stops the session with a reason (a clean halt: journalled, summarised). */
export class Halt extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

/** Everything the rest of the run needs from set-up. */
export interface LiveSession {
  opts: LiveOptions;
  io: LiveIO;
  mode: LiveMode;
  strategy: Strategy;
  params: Params;
  threshold: number;
  /** The breaker's reset margin above the threshold. */
  resetMargin: number;
  speed: number;
  config: LiveConfig;
  /** Virtual: the bars to replay; null in demo and live. */
  replay: BarArrays | null;
  /** Virtual: the path inside each replayed bar for `opts.model` (null: ohlc). */
  intrabar?: IntrabarPath | null;
  /**
   * Virtual: the currency conversion of the replay, as `deno task backtest` resolves it for the same
   * file (`conversionForFile`): what it is, and the multipliers of the static value per price unit at
   * each bar's open and close (null: the static rates throughout). Null in demo and live.
   */
  conversion?: { info: ConversionInfo; valueScale: AlignedRates | null } | null;
  symbol: string;
  timeframe: string;
  dataPath: string | undefined;
  runId: string;
  runDir: string;
  journal: Journal;
  summaryPath: string;
  killFiles: string[];
  startedAt: Date;
  cash: number;
  leverage: number;
  magic: string;
}

/** The fields of a session that its run folder gives. */
type RunFields =
  | "runId"
  | "runDir"
  | "journal"
  | "summaryPath"
  | "killFiles"
  | "startedAt"
  | "cash"
  | "leverage"
  | "magic";

/**
 * The run folder `runId` under `--logs-dir` (refused when it exists), its journal and the session
 * around them: the kill files, the summary's path, the account's cash, leverage and magic.
 */
export async function openRun(base: Omit<LiveSession, RunFields>, runId: string): Promise<LiveSession> {
  const { opts, mode } = base;
  const runDir = join(opts.logsDir ?? "logs/live", runId);
  if (existsSync(runDir)) throw new KinetraError("run_exists", `run folder ${runDir} already exists`);
  await Deno.mkdir(runDir, { recursive: true });
  // Paper orders are written at once but not fsync'ed (a killed process still loses nothing); real
  // orders (demo, live) are synced to disk before they are sent.
  const journal = new Journal(join(runDir, "journal.jsonl"), { sync: mode !== "virtual" });
  return {
    ...base,
    runId,
    runDir,
    journal,
    summaryPath: join(runDir, "summary.json"),
    killFiles: [opts.killFile ?? join(runDir, "KILL"), ".kinetra/KILL"],
    startedAt: new Date(),
    cash: opts.cash ?? 10_000,
    leverage: opts.leverage ?? 100,
    magic: opts.magic ?? DEFAULT_MAGIC,
  };
}

/** The checks of numeric options (a KinetraError `bad_option` for the first bad one). */
export function checkOptions(opts: LiveOptions): { threshold: number; resetMargin: number; speed: number } {
  const mode = opts.mode;
  if (mode !== "virtual" && mode !== "demo" && mode !== "live") {
    throw new KinetraError("bad_mode", `mode must be virtual, demo or live, got "${mode}"`);
  }
  const threshold = opts.chsThreshold ?? DEFAULT_CHS_THRESHOLD;
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new KinetraError("bad_option", `--chs-threshold must be in [0, 1], got ${threshold}`);
  }
  const resetMargin = opts.breakerResetMargin ?? DEFAULT_BREAKER_RESET_MARGIN;
  if (!(resetMargin >= 0 && resetMargin <= 1)) {
    throw new KinetraError("bad_option", `--breaker-reset-margin must be in [0, 1], got ${resetMargin}`);
  }
  const speed = opts.speed ?? 0;
  if (!(speed >= 0)) {
    throw new KinetraError("bad_option", `--speed must be >= 0 bars per second, got ${speed}`);
  }
  if (opts.maxTrades !== undefined && !(opts.maxTrades >= 0)) {
    throw new KinetraError("bad_option", `--max-trades must be >= 0, got ${opts.maxTrades}`);
  }
  if (opts.durationMin !== undefined && !(opts.durationMin > 0)) {
    throw new KinetraError("bad_option", `--duration must be > 0 minutes, got ${opts.durationMin}`);
  }
  if (
    opts.maxBadMessages !== undefined && !(Number.isInteger(opts.maxBadMessages) && opts.maxBadMessages >= 1)
  ) {
    throw new KinetraError(
      "bad_option",
      `--max-bad-messages must be an integer >= 1, got ${opts.maxBadMessages}`,
    );
  }
  if (opts.maxRefusals !== undefined && !(Number.isInteger(opts.maxRefusals) && opts.maxRefusals >= 1)) {
    throw new KinetraError("bad_option", `--max-refusals must be an integer >= 1, got ${opts.maxRefusals}`);
  }
  return { threshold, resetMargin, speed };
}

/** Confirmation gate for demo and live. */
async function confirmMode(
  mode: "demo" | "live",
  opts: LiveOptions,
  io: LiveIO,
  config: LiveConfig,
): Promise<void> {
  if (opts.yes) return;
  const word = CONFIRM_WORD[mode];
  const prompt = mode === "demo"
    ? `Demo mode sends real orders to a MetaTrader 5 DEMO account. Type ${word} to continue: `
    : `LIVE mode trades REAL MONEY on account ${config.liveLogin} on ${config.liveServer}. Type ${word} to continue: `;
  const answer = io.confirm ? await io.confirm(prompt) : null;
  if (answer === null) {
    throw new KinetraError(
      "confirmation_required",
      `${mode} mode needs a typed confirmation (${word}); none could be read (not a terminal). ` +
        "Pass --yes for automation.",
    );
  }
  if (answer.trim() !== word) {
    throw new KinetraError(
      "not_confirmed",
      `${mode} mode not confirmed (expected ${word}); nothing was sent`,
    );
  }
}

/**
 * Gates, configuration, replay data, run folder and journal (with `run_start`). Throws
 * KinetraErrors for anything the user caused; nothing is written before the gates pass.
 */
export async function setUpSession(opts: LiveOptions, io: LiveIO): Promise<LiveSession> {
  const env = io.env ?? ((n: string) => Deno.env.get(n));
  const { threshold, resetMargin, speed } = checkOptions(opts);
  const mode = opts.mode;
  const strategy = typeof opts.strategy === "string" ? getStrategy(opts.strategy) : opts.strategy;
  const params = resolveParams(strategy, opts.params ?? {});
  if (opts.conversion !== undefined && opts.conversion !== "data" && opts.conversion !== "static") {
    throw new KinetraError("bad_option", `--conversion must be data or static, got "${opts.conversion}"`);
  }
  if (mode !== "virtual" && opts.conversion !== undefined) {
    throw new KinetraError(
      "bad_option",
      "--conversion is for --mode virtual (a replay); demo and live book what the terminal books",
    );
  }

  // ---- Gates (before anything connects or is written).
  // Virtual mode needs no credentials: the config is read only for demo and live.
  const config: LiveConfig = mode === "virtual"
    ? {
      secret: null,
      address: null,
      liveLogin: null,
      liveServer: null,
      sources: { secret: "none", live: "none" },
      path: "",
    }
    : await loadLiveConfig(opts.configPath, env);
  if (mode === "live") {
    assertLiveAllowed({ mode, acceptRealMoneyRisk: opts.acceptRealMoneyRisk === true, env, config });
  } else if (opts.acceptRealMoneyRisk) {
    throw new KinetraError("bad_option", "--i-accept-real-money-risk only makes sense with --mode live");
  }
  if (mode !== "virtual") {
    requireSecret(config);
    if (!opts.symbol || !opts.timeframe) {
      throw new KinetraError("bad_option", `${mode} mode needs --symbol and --timeframe`);
    }
    await confirmMode(mode, opts, io, config);
  }

  // ---- Virtual data.
  let replay: BarArrays | null = null;
  let symbol = opts.symbol ?? "";
  let timeframe = opts.timeframe ?? "";
  let dataPath = opts.data;
  if (mode === "virtual") {
    if (!dataPath) {
      if (!symbol || !timeframe) {
        throw new KinetraError(
          "bad_option",
          "virtual mode needs --data FILE, or --symbol and --timeframe to use the test split in data/prepared",
        );
      }
      dataPath = await findPreparedTest(symbol, timeframe, opts.preparedDir);
    }
    const loaded = await loadReplayBars(dataPath, {
      allowCritical: opts.allowCritical,
      dateOrder: opts.dateOrder,
    });
    replay = loaded.bars;
    symbol = symbol || loaded.symbol;
    timeframe = timeframe || loaded.timeframe || "?";
    if (replay.length < 2) throw new KinetraError("bad_bars", `${dataPath} has fewer than 2 bars`);
  }
  // ---- Virtual: the modelling mode of the paper broker's SL/TP fills.
  const model = parseModel(opts.model);
  if (mode !== "virtual" && model !== "ohlc") {
    throw new KinetraError("bad_option", `--model ${model} is for --mode virtual (a replay)`);
  }
  if ((opts.lower && model !== "lower") || (opts.ticks && model !== "ticks")) {
    throw new KinetraError("bad_option", "--lower goes with --model lower, --ticks with --model ticks");
  }
  // ---- Virtual: profits converted at the rate of the moment from the data folder's pairs, exactly
  // as the backtest's `--conversion data` default (static where the folder has no pair path).
  const conversion = replay
    ? await conversionForFile({
      file: dataPath!,
      time: replay.time,
      timeframe: timeframe === "?" ? null : timeframe,
      spec: symbolSpec(symbol),
      mode: opts.conversion ?? "data",
    })
    : null;
  const intrabar = replay && model !== "ohlc"
    ? await loadIntrabarPath(model, replay, {
      file: dataPath!,
      symbol,
      timeframe,
      point: symbolSpec(symbol).point,
      lower: opts.lower,
      ticks: opts.ticks,
      dateOrder: opts.dateOrder,
    })
    : null;

  // ---- Run folder and journal.
  const runId = opts.runId ??
    `${utcStamp(new Date(), true)}-${mode}-${symbol.replace(/[^A-Za-z0-9+_-]/g, "")}-${strategy.name}`;
  const session = await openRun({
    opts,
    io,
    mode,
    strategy,
    params,
    threshold,
    resetMargin,
    speed,
    config,
    replay,
    intrabar,
    conversion,
    symbol,
    timeframe,
    dataPath,
  }, runId);
  const { journal } = session;
  await journal.append("run_start", {
    run_id: runId,
    mode,
    symbol,
    timeframe,
    strategy: strategy.name,
    params,
    data: dataPath ?? null,
    ...(conversion ? { conversion: conversion.info } : {}),
    ...(intrabar ? { model: modelSummary(intrabar, intrabar.segStart.length - 1) } : {}),
    chs_threshold: threshold,
    breaker_reset_margin: resetMargin,
    magic: session.magic,
    limits: {
      duration_min: opts.durationMin ?? null,
      max_trades: opts.maxTrades ?? null,
      max_daily_loss: opts.maxDailyLoss ?? null,
      max_position_lots: opts.maxPositionLots ?? null,
    },
  });
  io.print(`run ${runId}: ${mode} ${symbol} ${timeframe} ${strategy.name}; journal ${journal.path}`);
  return session;
}
