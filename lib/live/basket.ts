/**
 * Virtual live testing of a basket: several symbols replayed at once on one account, with the
 * account-level CHS, circuit breaker, limits, kill switch and control channel of a live session
 * (`deno task live --mode virtual --symbols A,B,C --timeframe TF --strategy NAME`).
 *
 * The simulated broker is the portfolio engine (lib/portfolio: one account, each symbol's own
 * costs, conversion at the rates of the time, MT5's stop-out order), stepped one time of the union
 * of the symbols' times at a time; between its halves the risk guard sees the account: after the
 * opens and marks of a time it journals the mark and the trades closed, feeds the CHS (daily account
 * returns and closed trades), moves the breaker, then lets the strategies decide (new entries refused
 * while the breaker is tripped, the daily loss or trade limit is reached or the control channel halted
 * them). With no breaker trip and no limit, the trades are exactly `deno task portfolio`'s.
 *
 * @example
 * ```ts ignore
 * import { runLiveBasket } from "./basket.ts";
 * const s = await runLiveBasket({
 *   mode: "virtual", strategy: "sma_cross", symbols: ["AUDUSD+", "XAUUSD+"], timeframe: "H4",
 *   source: "data/sample", lots: 0.1, logsDir: await Deno.makeTempDir(),
 * });
 * console.log(s.trades.length, s.stats.return_pct, s.chs.last);
 * ```
 *
 * @module
 */
import { chsTradeOf } from "../risk/chs.ts";
import type { BacktestStats } from "../backtest/stats.ts";
import { KinetraError } from "../errors.ts";
import { getStrategy } from "../strategies/registry.ts";
import { type Params, resolveParams, type Strategy } from "../strategies/contract.ts";
import { utcStamp } from "../util/fs.ts";
import {
  createPortfolioSimulation,
  type PortfolioLimits,
  type PortfolioSimulation,
} from "../portfolio/engine.ts";
import { basketFiles, loadBasket, type LoadedSymbol } from "../portfolio/load.ts";
import { portfolioStats, type PortfolioTrade } from "../portfolio/stats.ts";
import type { PortfolioStrategy } from "../portfolio/contract.ts";
import { PORTFOLIO_STRATEGIES } from "../portfolio/momentum.ts";
import { hasWeekendBars, RiskGuard } from "./guard.ts";
import { findPreparedTest } from "./prepared.ts";
import { evaluateReadiness, type Readiness } from "./readiness.ts";
import { checkOptions, Halt, type LiveSession, openRun } from "./session.ts";
import { basketSymbols, chsFields, endRun, maxTradesHalt, pace, reportHalt } from "./steps.ts";
import type { LiveIO, LiveOptions } from "./types.ts";

/**
 * Why `--mode live --symbols` is refused: real money on several symbols waits until the basket path
 * (one streamed symbol pacing the session, the others read with CopyRates) has been proven on a
 * real terminal in demo mode; so far it is tested against the MT5 simulator only.
 */
export const BASKET_LIVE_REFUSED = "live mode on several symbols (--symbols) is refused: run the basket in " +
  "demo mode first (--mode demo --symbols ...); the several-symbol path is tested against the MT5 simulator " +
  "only, and real money waits until it has been proven on a real demo terminal (docs/LIVE_TESTING_GUIDE.md)";

/** Options of a basket run: a live run's, with several symbols. */
export interface LiveBasketOptions extends Omit<LiveOptions, "strategy" | "symbol" | "data"> {
  /** A single-symbol strategy (broadcast) or a portfolio strategy, or its name. */
  strategy: string | Strategy | PortfolioStrategy;
  /** The symbols of the basket. */
  symbols: readonly string[];
  /** Their timeframe. */
  timeframe: string;
  /** Read the exports of this folder (default: the prepared test splits of data/prepared). */
  source?: string;
  /** Fixed lots per order (default: risk 1 % of account equity). */
  lots?: number;
  /** Account limits (most open positions, exposure). */
  limits?: PortfolioLimits;
}

/** What a basket run reports (summary.json). */
export interface LiveBasketSummary {
  /** Run folder name. */
  run_id: string;
  /** Always virtual. */
  mode: "virtual";
  /** The symbols of the basket. */
  symbols: string[];
  /** Their timeframe. */
  timeframe: string;
  /** Strategy name. */
  strategy: string;
  /** Resolved strategy parameters. */
  params: Params;
  /** Start (ISO 8601, wall clock). */
  started_at: string;
  /** End (ISO 8601, wall clock). */
  ended_at: string;
  /** `completed` (data ended) or `halted`. */
  status: "completed" | "halted";
  /** Why it halted, or null. */
  halt_reason: string | null;
  /** The halt's message, or null. */
  halt_message: string | null;
  /** Union times processed. */
  times_processed: number;
  /** Closed trades with their symbol. */
  trades: PortfolioTrade[];
  /** Trades still open at the end. */
  open_trades: number;
  /** The account's statistics (backtest names). */
  stats: BacktestStats;
  /** Per symbol: trades, net profit, conversion source. */
  symbol_results: Record<string, { trades: number; net_profit: number; conversion: string }>;
  /** Last and lowest account CHS (null until defined). */
  chs: { last: number | null; min: number | null };
  /** Breaker trips. */
  breaker_events: number;
  /** Breaker resets. */
  breaker_resets: number;
  /** Times new entries became blocked (breaker, limits, control). */
  entries_blocked: number;
  /** Limit events (daily loss, max trades). */
  limit_events: number;
  /** Readiness for the next stage. */
  readiness: Readiness;
  /** Path of the journal. */
  journal: string;
  /** Path of summary.json. */
  summary_path: string;
}

function resolveStrategy(s: LiveBasketOptions["strategy"]): Strategy | PortfolioStrategy {
  if (typeof s !== "string") return s;
  return PORTFOLIO_STRATEGIES[s] ?? getStrategy(s);
}

/** The checked options of a virtual basket. */
function checkBasket(opts: LiveBasketOptions) {
  if (opts.mode === "live") throw new KinetraError("bad_option", BASKET_LIVE_REFUSED);
  if (opts.mode !== "virtual") {
    throw new KinetraError(
      "bad_option",
      `runLiveBasket replays a basket (virtual mode); demo mode on several symbols is runDemoBasket ` +
        `(lib/live/basket_demo.ts); got --mode ${opts.mode}`,
    );
  }
  const { threshold, resetMargin, speed } = checkOptions({ ...opts, strategy: "x" } as LiveOptions);
  const { symbols, timeframe } = basketSymbols(opts.symbols, opts.timeframe);
  if (opts.lots !== undefined && !(opts.lots > 0)) {
    throw new KinetraError("bad_option", `--lots must be > 0, got ${opts.lots}`);
  }
  const strategy = resolveStrategy(opts.strategy);
  const params = resolveParams(strategy as Strategy, opts.params ?? {});
  return {
    threshold,
    resetMargin,
    speed,
    symbols,
    strategy,
    params,
    timeframe,
  };
}

/** Run a virtual basket session; returns its summary (also written to summary.json). */
export async function runLiveBasket(
  opts: LiveBasketOptions,
  io: LiveIO = { print: (l) => console.error(l) },
): Promise<LiveBasketSummary> {
  const { threshold, resetMargin, speed, symbols, strategy, params, timeframe } = checkBasket(opts);

  // ---- Data (before anything is written).
  const files = opts.source
    ? await basketFiles(opts.source, symbols, timeframe)
    : await Promise.all(symbols.map((s) => findPreparedTest(s, timeframe, opts.preparedDir)));
  if (opts.conversion !== undefined && opts.conversion !== "data" && opts.conversion !== "static") {
    throw new KinetraError("bad_option", `--conversion must be data or static, got "${opts.conversion}"`);
  }
  const basket = await loadBasket({
    files,
    features: strategy.features,
    allowCritical: opts.allowCritical,
    dateOrder: opts.dateOrder,
    conversion: opts.conversion,
  });

  // ---- Run folder, journal, session.
  const runId = opts.runId ??
    `${utcStamp(new Date(), true)}-virtual-basket${symbols.length}-${strategy.name}`;
  const session = await openRun({
    opts: { ...opts, strategy: strategy.name, symbol: symbols.join(",") } as LiveOptions,
    io,
    mode: "virtual",
    strategy: strategy as Strategy,
    params,
    threshold,
    resetMargin,
    speed,
    config: {
      secret: null,
      address: null,
      liveLogin: null,
      liveServer: null,
      sources: { secret: "none", live: "none" },
      path: "",
    },
    replay: null,
    symbol: symbols.join(","),
    timeframe,
    dataPath: undefined,
  }, runId);
  const { journal, cash } = session;
  await journal.append("run_start", {
    run_id: runId,
    mode: "virtual",
    symbol: symbols.join(","),
    symbols,
    timeframe,
    strategy: strategy.name,
    params,
    data: files,
    chs_threshold: threshold,
    account: "one account for every symbol",
    conversion: Object.fromEntries(basket.map((s) => [s.symbol, s.conversion?.info ?? null])),
    limits: {
      duration_min: opts.durationMin ?? null,
      max_trades: opts.maxTrades ?? null,
      max_daily_loss: opts.maxDailyLoss ?? null,
      max_positions: opts.limits?.maxPositions ?? null,
    },
  });
  io.print(
    `run ${runId}: virtual ${
      symbols.join(",")
    } ${timeframe} ${strategy.name} on one account; journal ${journal.path}`,
  );

  // ---- The account over the basket, stepped by the union of times.
  const sim = createPortfolioSimulation({
    symbols: basket,
    strategy,
    params,
    config: {
      cash,
      leverage: session.leverage,
      sizing: opts.lots !== undefined ? { mode: "lots", lots: opts.lots } : undefined,
    },
    limits: opts.limits,
  });
  const guard = new RiskGuard(session, hasWeekendBars(sim.time) ? 365 : 252);
  let halted: Halt | null = null;
  const steps = { lastU: -1, entriesBlocked: 0 };
  try {
    await stepAccount(session, sim, guard, steps);
  } catch (e) {
    if (e instanceof Halt) halted = e;
    else {
      await journal.close();
      throw e;
    }
  }
  if (steps.lastU >= 0) await guard.finish(steps.lastU, sim.time[steps.lastU]);
  // The account is the portfolio engine's: it is not flattened on a halt.
  if (halted) await reportHalt(session, halted, null, {});
  return await basketSummary(session, sim, basket, guard, halted, steps);
}

/**
 * The account stepped one union time at a time: the trades closed (journal, CHS), the mark, the
 * guard (breaker, limits), the entries blocked or not, then the strategies' decisions.
 */
async function stepAccount(
  s: LiveSession,
  sim: PortfolioSimulation,
  guard: RiskGuard,
  steps: { lastU: number; entriesBlocked: number },
): Promise<void> {
  const { journal } = s;
  const names = sim.symbols;
  let prevEq: number | undefined;
  let closedCount = 0;
  let blockedReason: string | null = null;
  const t0 = Date.now();
  while (true) {
    guard.checkKill();
    await guard.checkControl();
    if (!sim.advance()) break;
    const u = sim.next;
    steps.lastU = u;
    const when = new Date(sim.time[u]).toISOString();
    for (const { symbol, trade } of sim.takeClosedTrades()) {
      closedCount++;
      await journal.append("fill", {
        symbol: names[symbol],
        side: trade.side,
        size: trade.size,
        entry_time: trade.entry_time,
        entry_price: trade.entry_price,
        exit_time: trade.exit_time,
        exit_price: trade.exit_price,
        pnl: trade.pnl,
        return_pct: trade.return_pct,
        exit_reason: trade.exit_reason,
      });
      guard.addTrade(chsTradeOf(trade));
    }
    const eq = sim.equity;
    await journal.append("mark", { bar: u, bar_time: when, equity: eq, open_trades: sim.openTrades });
    guard.entries = closedCount + sim.openTrades;
    await guard.afterBar(u, sim.time[u], eq, prevEq);
    prevEq = eq;
    if (guard.takeFlatten()) sim.flattenAll("breaker");
    const why = guard.entryBlockedBy(false);
    if (why !== blockedReason) {
      blockedReason = why;
      if (why) steps.entriesBlocked++;
      sim.blockEntries(why ? `new entries blocked (${why})` : null);
    }
    sim.decide();
    maxTradesHalt(guard, sim.openTrades);
    await pace(u, t0, s.speed, s.io.signal);
  }
}

/** The basket's summary: the portfolio statistics of the account, CHS and breaker, readiness. */
async function basketSummary(
  session: LiveSession,
  sim: PortfolioSimulation,
  basket: LoadedSymbol[],
  guard: RiskGuard,
  halted: Halt | null,
  steps: { lastU: number; entriesBlocked: number },
): Promise<LiveBasketSummary> {
  const { journal } = session;
  const names = sim.symbols;
  const run = sim.finish();
  const ps = portfolioStats(run, basket.map((s) => s.bars));
  const symbolResults: LiveBasketSummary["symbol_results"] = {};
  ps.symbols.forEach((s, k) => {
    symbolResults[s.symbol] = {
      trades: s.trades,
      net_profit: s.net_profit,
      conversion: basket[k].conversion?.info.source ?? "static",
    };
  });
  const openTrades = run.symbols.reduce((n, s) => n + s.openTrades.length, 0);
  const summary: LiveBasketSummary = {
    run_id: session.runId,
    mode: "virtual",
    symbols: [...names],
    timeframe: session.timeframe,
    strategy: session.strategy.name,
    params: session.params,
    started_at: session.startedAt.toISOString(),
    ended_at: new Date().toISOString(),
    status: halted ? "halted" : "completed",
    halt_reason: halted?.reason ?? null,
    halt_message: halted?.message ?? null,
    times_processed: steps.lastU + 1,
    trades: ps.trades,
    open_trades: openTrades,
    stats: ps.stats,
    symbol_results: symbolResults,
    chs: chsFields(guard),
    breaker_events: guard.breaker.trips,
    breaker_resets: guard.breaker.resets,
    entries_blocked: steps.entriesBlocked,
    limit_events: guard.limitEvents,
    readiness: evaluateReadiness({
      mode: "virtual",
      chs: guard.chsLast,
      omega: Number(ps.stats.omega_trades),
      energyCapturedPct: Number(ps.stats.energy_captured_pct),
      validatorRejections: 0,
      breakerEvents: guard.breaker.trips,
      closedTrades: ps.trades.length,
    }),
    journal: journal.path,
    summary_path: session.summaryPath,
  };
  await endRun(
    session,
    {
      status: summary.status,
      halt_reason: summary.halt_reason,
      trades: summary.trades.length,
      breaker_events: summary.breaker_events,
      completed_normally: !halted,
    },
    summary,
    `${summary.status}: ${summary.trades.length} trades on ${names.length} symbols, return ${
      Number(ps.stats.return_pct).toFixed(2)
    } %, CHS ${
      summary.chs.last === null ? "n/a" : summary.chs.last.toFixed(3)
    }, breaker events ${summary.breaker_events}; summary ${session.summaryPath}`,
  );
  return summary;
}
