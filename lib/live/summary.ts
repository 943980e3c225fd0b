/**
 * The summary of a live run: the backtest's statistics over the bars processed, the closed and open
 * trades, CHS and breaker, the desk's counters, the account and readiness; written to summary.json
 * (atomically) after the journal's `run_end`.
 *
 * @module
 */
import { modelSummary } from "../backtest/intrabar.ts";
import { computeStats } from "../backtest/mod.ts";
import type { OrderDesk } from "./desk.ts";
import type { RiskGuard } from "./guard.ts";
import { evaluateReadiness } from "./readiness.ts";
import type { Halt, LiveSession } from "./session.ts";
import { chsFields, endRun } from "./steps.ts";
import type { LiveSummary } from "./types.ts";
import type { BarArrays } from "../data/types.ts";

/** Everything the summary is made of. */
export interface SummaryInput {
  s: LiveSession;
  desk: OrderDesk;
  guard: RiskGuard;
  bars: BarArrays;
  /** Equity at each bar's close (missing = the starting cash). */
  equity: number[];
  startCash: number;
  lastIndex: number;
  /** First bar of the statistics (the strategy's warm-up, or the first streamed bar). */
  statsStart: number;
  /** Bars before the first processed one (bridge history). */
  firstBar: number;
  halted: Halt | null;
  endedNormally: boolean;
  duplicates: number;
  account: LiveSummary["account"];
  /** Extra fields (added by later parts of the run). */
  extra?: Partial<LiveSummary>;
}

/** Build the summary, journal `run_end`, close the journal and write summary.json. */
export async function finishSummary(inp: SummaryInput): Promise<LiveSummary> {
  const { s, desk, guard, bars, halted } = inp;
  const { journal } = s;
  const c = desk.counters;
  const ledger = desk.ledger;
  const n = inp.lastIndex + 1;
  const eqArr = new Float64Array(n);
  for (let k = 0; k < n; k++) eqArr[k] = inp.equity[k] ?? inp.startCash;
  const time = bars.time.subarray(0, n);
  const close = bars.close.subarray(0, n);
  const openTrades = n > 0 ? ledger.openRecords(close[n - 1], desk.spreadPx(n - 1), n - 1, time[n - 1]) : [];
  const stats = computeStats({
    profile: "mt5",
    time,
    close,
    equity: eqArr,
    trades: ledger.closed,
    openTrades: openTrades.length,
    start: Math.min(inp.statsStart, n),
    rejected: c.validator_rejections + c.broker_rejections,
    cancelled: 0,
  });
  const summary: LiveSummary = {
    run_id: s.runId,
    mode: s.mode,
    symbol: s.symbol,
    timeframe: s.timeframe,
    strategy: s.strategy.name,
    ...(s.intrabar ? { model: modelSummary(s.intrabar, s.intrabar.segStart.length - 1) } : {}),
    ...(s.conversion ? { conversion: s.conversion.info } : {}),
    params: s.params,
    started_at: s.startedAt.toISOString(),
    ended_at: new Date().toISOString(),
    status: halted ? "halted" : "completed",
    halt_reason: halted?.reason ?? null,
    halt_message: halted?.message ?? null,
    bars_processed: Math.max(0, n - inp.firstBar),
    trades: ledger.closed,
    open_trades: openTrades,
    stats,
    chs: chsFields(guard),
    breaker_events: guard.breaker.trips,
    breaker_resets: guard.breaker.resets,
    validator_rejections: c.validator_rejections,
    broker_rejections: c.broker_rejections,
    adjustments: c.adjustments,
    entries_blocked: c.entries_blocked,
    limit_events: guard.limitEvents,
    duplicate_orders: inp.duplicates,
    unknown_outcomes: c.unknown_outcomes,
    reconciled: c.reconciled,
    resent: c.resent,
    account: inp.account,
    readiness: evaluateReadiness({
      mode: s.mode,
      chs: guard.chsLast,
      omega: Number(stats.omega_trades),
      energyCapturedPct: Number(stats.energy_captured_pct),
      validatorRejections: c.validator_rejections,
      breakerEvents: guard.breaker.trips,
      closedTrades: ledger.closed.length,
    }),
    journal: journal.path,
    summary_path: s.summaryPath,
    ...inp.extra,
  };
  await endRun(
    s,
    {
      status: summary.status,
      halt_reason: summary.halt_reason,
      trades: summary.trades.length,
      breaker_events: summary.breaker_events,
      validator_rejections: summary.validator_rejections,
      duplicate_orders: inp.duplicates,
      completed_normally: inp.endedNormally,
    },
    summary,
    `${summary.status}: ${summary.trades.length} trades, return ${Number(stats.return_pct).toFixed(2)} %, ` +
      `CHS ${
        summary.chs.last === null ? "n/a" : summary.chs.last.toFixed(3)
      }, breaker events ${summary.breaker_events}, ` +
      `validator rejections ${summary.validator_rejections}; summary ${s.summaryPath}`,
  );
  return summary;
}
