/**
 * Demo mode on several symbols over the MT5 bridge (`deno task live --mode demo --symbols A,B,C
 * --timeframe TF --strategy NAME`): one DEMO account, one session, one journal; every symbol its own
 * order desk (MT5 validation, journal before send, reconciliation of unknown outcomes) and trade
 * book, all sharing the account-level risk guard (CHS of the account's daily returns and of every
 * symbol's closed trades, circuit breaker, daily loss, max trades, kill switch, control channel).
 *
 * The gates and confirmations are single-symbol demo mode's (lib/live/session.ts: the bridge secret,
 * the typed DEMO confirmation or `--yes`, the account gate that refuses anything but a DEMO account,
 * the session bound to that account, start-up recovery of a previous run's orders and positions).
 *
 * Bars: the Expert Advisor streams the bars of one symbol (KinetraBridge.mq5 keeps one
 * subscription), the first of the basket, which is the session's clock; at each of its bars the
 * runner reads the other symbols' newly closed bars with `rates` (CopyRates), checks them like
 * streamed bars, and then, in one step: books the terminal's own exits of every symbol, marks the
 * account (sum of the symbols' books), feeds the guard, and lets the strategy decide on every symbol
 * that has a new bar, in symbol order, each through its own desk. A symbol whose market is closed
 * simply has no new bar in that step; its orders wait for its next bar.
 *
 * @module
 */
import { join } from "node:path";
import { computeStats } from "../backtest/mod.ts";
import type { TradeRecord } from "../backtest/mod.ts";
import type { BacktestStats } from "../backtest/stats.ts";
import type { AccountInfo } from "../broker/types.ts";
import type { BarArrays } from "../data/types.ts";
import { timeframeMs } from "../data/timeframe.ts";
import { KinetraError } from "../errors.ts";
import { TradeBook } from "../execution/trade_book.ts";
import { symbolSpec } from "../market/instrument.ts";
import { instrumentFromMt5 } from "../market/mt5_names.ts";
import type { WireBar } from "../mt5/protocol.ts";
import { BridgeError } from "../mt5/server.ts";
import type { OrderIntent, Params } from "../strategies/contract.ts";
import { utcStamp } from "../util/fs.ts";
import { OrderDesk } from "./desk.ts";
import { BarBuffer, BarGate, bridgeMarket, DEFAULT_BAR_CLOCK_TOLERANCE_MS, type Market } from "./feed.ts";
import { RiskGuard } from "./guard.ts";
import type { Journal } from "./journal.ts";
import { evaluateReadiness } from "./readiness.ts";
import { recoverPrevious } from "./recovery.ts";
import { Halt, type LiveSession, setUpSession } from "./session.ts";
import {
  accountFields,
  basketSymbols,
  bookBar,
  chsFields,
  endRun,
  haltFrom,
  loadHistory,
  reportHalt,
  setupFailed,
  StrategyRun,
  streamBars,
  takeBars,
} from "./steps.ts";
import type { LiveIO, LiveOptions, LiveSummary, RecoveryReport } from "./types.ts";
import type { CheckedBridgeBroker } from "./wire.ts";

/** Options of a demo basket: a demo run's, with several symbols. */
export interface DemoBasketOptions extends Omit<LiveOptions, "symbol" | "data" | "mode"> {
  /** Always demo (live mode on several symbols is refused: see docs/LIVE_TESTING_GUIDE.md). */
  mode: "demo";
  /** The symbols of the basket (the first one's bars are streamed and pace the session). */
  symbols: readonly string[];
  /** Their timeframe. */
  timeframe: string;
  /** Most open positions on the account (a new position on a flat symbol counts). */
  maxPositions?: number;
}

/** Bars read back with `rates` for each polled symbol at every step (a longer hole halts with `bar_gap`). */
export const POLL_BARS = 200;

/** A closed trade with its symbol. */
export type DemoBasketTrade = TradeRecord & { symbol: string };

/** What a demo basket reports (summary.json): the single-symbol summary's counters and fields, per basket. */
export interface DemoBasketSummary extends
  Pick<
    LiveSummary,
    | "chs"
    | "breaker_events"
    | "breaker_resets"
    | "validator_rejections"
    | "broker_rejections"
    | "adjustments"
    | "entries_blocked"
    | "limit_events"
    | "duplicate_orders"
    | "unknown_outcomes"
    | "reconciled"
    | "resent"
    | "account"
    | "readiness"
    | "journal"
    | "summary_path"
  > {
  run_id: string;
  mode: "demo";
  symbols: string[];
  timeframe: string;
  strategy: string;
  params: Params;
  started_at: string;
  ended_at: string;
  status: "completed" | "halted";
  halt_reason: string | null;
  halt_message: string | null;
  /** Bars of the first (streamed) symbol processed: the session's steps. */
  steps: number;
  /** Bars processed per symbol. */
  bars_processed: Record<string, number>;
  /** Closed trades of every symbol, in exit-time order, each with its `symbol`. */
  trades: DemoBasketTrade[];
  /** Open trades at the end, each with its `symbol`. */
  open_trades: DemoBasketTrade[];
  /** The account's statistics (backtest names) over the steps' equity. */
  stats: BacktestStats;
  /** Per symbol: closed trades, their net profit, trades still open. */
  symbol_results: Record<string, { trades: number; net_profit: number; open_trades: number }>;
  bars_refused: number;
  bad_messages: number;
  entries_halted: LiveSummary["entries_halted"];
  recovery: RecoveryReport | null;
}

/** The journal seen by one symbol's desk: every event names the symbol. */
function symbolJournal(j: Journal, symbol: string): Journal {
  return {
    path: j.path,
    get count() {
      return j.count;
    },
    append: (type: Parameters<Journal["append"]>[0], fields: Record<string, unknown> = {}) =>
      j.append(type, { symbol, ...fields }),
    flush: () => j.flush(),
    close: () => j.close(),
  } as unknown as Journal;
}

/** One symbol of the session: its own desk, book, bars and strategy, on the shared account and guard. */
interface Leg {
  symbol: string;
  s: LiveSession;
  market: Market;
  ledger: TradeBook;
  desk: OrderDesk;
  buffer: BarBuffer;
  bars: BarArrays;
  /** Index of the first bar streamed or polled (after the history). */
  firstBar: number;
  /** The streamed bars' checks for the polled ones (the listener's gate serves the first symbol). */
  gate: BarGate;
  /** The strategy on this symbol (set up again on every bar, as runLive does over the bridge). */
  strat: StrategyRun;
}

/** The checked options of a demo basket: its symbols (without repeats) and timeframe. */
function checkBasketOptions(opts: DemoBasketOptions): { symbols: string[]; timeframe: string } {
  if (opts.mode !== "demo") {
    throw new KinetraError("bad_option", `runDemoBasket runs demo mode only; got --mode ${opts.mode}`);
  }
  const basket = basketSymbols(opts.symbols, opts.timeframe);
  if (opts.maxPositions !== undefined && !(Number.isInteger(opts.maxPositions) && opts.maxPositions >= 1)) {
    throw new KinetraError(
      "bad_option",
      `--max-positions must be a whole number >= 1, got ${opts.maxPositions}`,
    );
  }
  return basket;
}

/** Run a demo session on several symbols; returns its summary (also written to summary.json). */
export async function runDemoBasket(opts: DemoBasketOptions, io: LiveIO): Promise<DemoBasketSummary> {
  const { symbols, timeframe } = checkBasketOptions(opts);
  const clock = symbols[0];
  // Gates, configuration, confirmation, run folder and journal: single-symbol demo mode's.
  const strategyName = typeof opts.strategy === "string" ? opts.strategy : opts.strategy.name;
  const s0 = await setUpSession({
    ...opts,
    mode: "demo",
    symbol: symbols.join(","),
    timeframe,
    runId: opts.runId ??
      `${utcStamp(new Date(), true)}-demo-basket${symbols.length}-${
        strategyName.replace(/[^A-Za-z0-9_-]/g, "")
      }`,
  } as LiveOptions, io);
  await s0.journal.append("session", { event: "basket", symbols, clock, timeframe, account: "one account" });
  // The bridge (the first symbol's spec and bars), then the account and every symbol's specification.
  let market0: Market;
  try {
    market0 = await bridgeMarket({ ...s0, symbol: clock });
  } catch (e) {
    return await setupFailed(s0.journal, e);
  }
  const run = new DemoBasket(s0, market0, opts, symbols);
  try {
    await run.open(symbols);
  } catch (e) {
    await market0.server!.close();
    return await setupFailed(
      s0.journal,
      e,
      e instanceof BridgeError && e.code === "bridge_remote_error"
        ? new KinetraError(
          "unknown_symbol",
          `the terminal does not serve a symbol of the basket: ${e.message}`,
          {
            exitCode: 1,
          },
        )
        : e,
    );
  }
  try {
    await run.stream();
  } catch (e) {
    const h = haltFrom(e, true)!;
    run.halted = h.halt;
    run.stack = h.stack;
  }
  return await run.finish();
}

/** The session of a demo basket: the legs, the account's guard and the steps' equity. */
class DemoBasket {
  readonly legs: Leg[] = [];
  readonly guard: RiskGuard;
  readonly broker: CheckedBridgeBroker;
  readonly timeframe: string;
  readonly warm: number;
  readonly start: number;
  acc0: AccountInfo | null = null;
  startCash = 0;
  halted: Halt | null = null;
  stack: string | null = null;
  endedNormally = false;
  readonly equity: number[] = [];
  readonly stepTime: number[] = [];
  readonly stepClose: number[] = [];
  barsRefused = 0;
  recovery: RecoveryReport | null = null;

  constructor(
    readonly s0: LiveSession,
    readonly market0: Market,
    readonly opts: DemoBasketOptions,
    symbols: readonly string[],
  ) {
    this.broker = market0.broker as CheckedBridgeBroker;
    this.timeframe = s0.timeframe;
    this.guard = new RiskGuard(
      s0,
      symbols.some((x) => symbolSpec(x).assetClass === "crypto") ? 365 : 252,
      () => market0.server!.serverOffsetMs(),
    );
    this.warm = Math.max(0, Math.floor(s0.strategy.warmup(s0.params)));
    this.start = Math.max(1, this.warm);
  }

  /** The account, then every symbol's specification, book and desk. */
  async open(symbols: string[]): Promise<void> {
    const { s0, market0, broker, opts } = this;
    const acc0 = this.acc0 = await broker.account();
    this.startCash = acc0.balance;
    const periodMs = timeframeMs(this.timeframe) ?? 0;
    for (const symbol of symbols) {
      const lead = symbol === symbols[0];
      const spec = lead
        ? market0.spec
        : instrumentFromMt5(await broker.symbolSpec(symbol), symbolSpec(symbol));
      const market: Market = lead ? market0 : { ...market0, spec, barGate: null };
      const s: LiveSession = { ...s0, symbol, journal: symbolJournal(s0.journal, symbol) };
      const ledger = new TradeBook(spec, acc0.balance);
      const buffer = new BarBuffer();
      const gate = new BarGate(
        opts.barClockToleranceMs ?? Math.max(DEFAULT_BAR_CLOCK_TOLERANCE_MS, 50 * periodMs),
        periodMs,
      );
      gate.point = spec.point;
      const leg: Leg = {
        symbol,
        s,
        market,
        ledger,
        desk: null as unknown as OrderDesk,
        buffer,
        bars: buffer.view(),
        firstBar: 0,
        gate,
        strat: new StrategyRun(s0.strategy, s0.params, true, false),
      };
      leg.desk = new OrderDesk(s, market, ledger, this.guard, {
        bars: () => leg.bars,
        energy: () => null,
        halting: () => this.halted !== null,
        // Risk sizing against the account: every symbol's P&L, marked at its last close.
        sizingEquity: () => this.accountEquity(),
      });
      this.legs.push(leg);
    }
    s0.io.print(
      `account ${acc0.login} on ${acc0.server} (trade mode ${acc0.trade_mode}), balance ${acc0.balance}; ` +
        `basket ${symbols.join(", ")} ${this.timeframe} on one account`,
    );
  }

  /** The account: balance at the start plus every symbol's booked and open P&L (and shadow P&L). */
  accountEquity(shadow = false): number {
    let eq = this.startCash;
    for (const l of this.legs) {
      const n = l.bars.length;
      if (!n) continue;
      const close = l.bars.close[n - 1], sp = l.desk.spreadPx(n - 1);
      eq += l.ledger.equityAt(close, sp) - this.startCash;
      if (shadow) eq += l.desk.shadowPnl(close, sp);
    }
    return eq;
  }

  /** Positions open on the account. */
  openCount(): number {
    return this.legs.reduce((n, l) => n + l.ledger.openCount, 0);
  }

  /** Bind the account, recover a previous run, read every symbol's history, then the steps. */
  async stream(): Promise<void> {
    const { s0, market0, guard, legs, acc0 } = this;
    const account = { login: String(acc0!.login), server: String(acc0!.server) };
    await s0.journal.append("session", { event: "account_bound", ...account, magic: s0.magic });
    // Start-up recovery: the previous run's open orders once (first desk), leftovers of every symbol.
    for (const [k, l] of legs.entries()) {
      const r = await recoverPrevious(
        k === 0 ? l.s : { ...l.s, opts: { ...l.s.opts, logsDir: join(s0.runDir, "no-previous-run") } },
        l.desk,
        account,
      );
      if (!this.recovery) this.recovery = r;
      else {
        this.recovery.positions_closed += r.positions_closed;
        this.recovery.positions_not_closed += r.positions_not_closed;
        this.recovery.closed_profit += r.closed_profit;
      }
    }
    if (this.recovery?.positions_not_closed) {
      await guard.haltEntries(
        "recovery",
        `${this.recovery.positions_not_closed} position(s) left by ${
          this.recovery.previous_run ?? "a previous run"
        } could not be closed`,
      );
    }
    for (const l of legs) {
      const { refused } = await loadHistory(l.s, l.market, l.buffer, Math.max(this.start + 50, 300), [
        l.gate,
        l.market.barGate,
      ]);
      this.barsRefused += refused;
      l.bars = l.buffer.view();
      l.firstBar = l.buffer.length;
      s0.io.print(`history ${l.symbol}: ${l.buffer.length} bars`);
    }
    s0.io.print(
      `strategy warm-up ${this.warm} bars; streaming ${
        legs[0].symbol
      } ${this.timeframe}, polling the other symbols`,
    );
    const lead = legs[0].buffer;
    await streamBars(
      { ...s0, symbol: legs[0].symbol },
      market0,
      guard,
      () => lead.length ? lead.time[lead.length - 1] : -Infinity,
      () => this.openCount(),
      (wb) => this.step(wb),
    );
    this.endedNormally = true;
  }

  /**
   * The bars of one step (the streamed one, and what closed on the other symbols since) are polled,
   * the terminal's own exits booked, the account marked and the guard moved, then every symbol with
   * a new bar decides, in symbol order, through its own desk.
   */
  async step(wb: WireBar): Promise<void> {
    const { legs, guard, s0 } = this;
    const fresh: number[][] = legs.map(() => []);
    legs[0].buffer.push(wb);
    fresh[0].push(legs[0].buffer.length - 1);
    for (let k = 1; k < legs.length; k++) fresh[k] = await this.poll(legs[k], wb.time_msc);
    for (const [k, l] of legs.entries()) {
      l.bars = l.buffer.view();
      for (const i of fresh[k]) {
        await bookBar(l.s.journal, l.desk, l.bars, i);
        l.ledger.updateExcursions(l.bars.high[i], l.bars.low[i]);
        await l.desk.shadowStops(i);
      }
    }
    const step = this.equity.length;
    const eq = this.accountEquity();
    this.equity[step] = eq;
    this.stepTime[step] = wb.time_msc;
    this.stepClose[step] = wb.close;
    await s0.journal.append("mark", {
      bar: step,
      bar_time: new Date(wb.time_msc).toISOString(),
      equity: eq,
      open_trades: this.openCount(),
      positions: Object.fromEntries(legs.map((l) => [l.symbol, l.ledger.netLots])),
    });
    const tr = await guard.afterBar(
      step,
      wb.time_msc,
      eq,
      step > 0 ? this.equity[step - 1] : undefined,
      this.accountEquity(true),
    );
    if (tr === "reset") {
      for (const l of legs) {
        if (l.desk.shadow.openCount) await l.desk.shadowCloseAll(l.bars.length - 1, "reset");
      }
    }
    const flatten = guard.takeFlatten();
    for (const [k, l] of legs.entries()) {
      const i = l.bars.length - 1;
      if (flatten && l.ledger.openCount) {
        await l.desk.execute([{ kind: "close", tag: "breaker" }], i, i + 1);
      }
      if (!fresh[k].length || i < this.start) continue;
      const out: OrderIntent[] = [];
      l.strat.decide(i, l.bars, guard, l.desk, out, ` on ${l.symbol}`);
      const sent = await this.capPositions(l, out);
      if (sent.length) await l.desk.execute(sent, i, i + 1);
    }
  }

  /** A polled symbol's bars closed since its last one up to the streamed bar's time, checked and kept. */
  async poll(l: Leg, until: number): Promise<number[]> {
    const raw = await this.broker.rates(l.symbol, this.timeframe, POLL_BARS);
    const lastT = l.buffer.length ? l.buffer.time[l.buffer.length - 1] : -Infinity;
    // Continuity: the window read must reach back to the last bar known (else bars may be missing).
    if (raw.length && l.buffer.length && raw[0].time_msc > lastT) {
      throw new Halt(
        "bar_gap",
        `${l.symbol}: more than ${raw.length} bars closed since its last bar ${
          new Date(lastT).toISOString()
        }; the strategy does not run over a hole`,
      );
    }
    const newer = raw.filter((b) => b.time_msc > lastT && b.time_msc <= until);
    const { added, problems } = takeBars(l.buffer, newer, (h) => l.gate.check(h, this.market0.serverNow()));
    if (problems.length) {
      this.barsRefused += problems.length;
      await l.s.journal.append("bad_bar", { refused: problems.length, problems });
      this.s0.io.print(`${l.symbol}: ${problems.length} bar(s) refused by the bar checks (${problems[0]})`);
    }
    return added;
  }

  /** `--max-positions`: a new position on a flat symbol waits while the account holds the most allowed. */
  async capPositions(l: Leg, out: OrderIntent[]): Promise<OrderIntent[]> {
    const max = this.opts.maxPositions;
    if (max === undefined || l.ledger.openCount !== 0 || this.openCount() < max) return out;
    const kept = out.filter((x) => x.kind !== "entry");
    if (kept.length < out.length) {
      l.desk.counters.entries_blocked++;
      await l.s.journal.append("limit", {
        what: "entry_blocked",
        by: "max_positions",
        open_positions: this.openCount(),
        max_positions: max,
      });
    }
    return kept;
  }

  /** The halt (journal, flatten if asked), the duplicates check and the summary. */
  async finish(): Promise<DemoBasketSummary> {
    const { s0, legs, guard, halted, equity } = this;
    const steps = equity.length;
    if (steps) await guard.finish(steps - 1, this.stepTime[steps - 1]);
    if (halted && await reportHalt(s0, halted, this.stack, this.opts)) {
      for (const l of legs) {
        try {
          if (l.ledger.openCount) await l.desk.closeAll("end", Math.max(0, l.bars.length - 1));
        } catch (e) {
          s0.io.print(`could not flatten ${l.symbol}: ${(e as Error).message}`);
        }
      }
    }
    let duplicates = 0;
    for (const l of legs) {
      const d = await l.desk.duplicates();
      duplicates = d < 0 || duplicates < 0 ? -1 : duplicates + d;
    }
    await this.market0.server!.close();
    return await this.summarize(duplicates);
  }

  /** The summary: every symbol's trades, the account's statistics over the steps, the counters summed. */
  async summarize(duplicates: number): Promise<DemoBasketSummary> {
    const { s0, legs, guard, halted, equity } = this;
    const trades: DemoBasketTrade[] = [];
    const open: DemoBasketTrade[] = [];
    const symbolResults: DemoBasketSummary["symbol_results"] = {};
    const sum = (f: (c: OrderDesk["counters"]) => number) => legs.reduce((n, l) => n + f(l.desk.counters), 0);
    for (const l of legs) {
      const n = l.bars.length;
      const o = n
        ? l.ledger.openRecords(l.bars.close[n - 1], l.desk.spreadPx(n - 1), n - 1, l.bars.time[n - 1])
        : [];
      for (const t of l.ledger.closed) trades.push({ ...t, symbol: l.symbol });
      for (const t of o) open.push({ ...t, symbol: l.symbol });
      symbolResults[l.symbol] = {
        trades: l.ledger.closed.length,
        net_profit: l.ledger.closed.reduce((a, t) => a + t.pnl, 0),
        open_trades: o.length,
      };
    }
    trades.sort((a, b) => (a.exit_time < b.exit_time ? -1 : a.exit_time > b.exit_time ? 1 : 0));
    const stats = computeStats({
      profile: "mt5",
      time: Float64Array.from(this.stepTime),
      close: Float64Array.from(this.stepClose),
      equity: Float64Array.from(equity),
      trades,
      openTrades: open.length,
      start: 0,
      rejected: sum((c) => c.validator_rejections + c.broker_rejections),
      cancelled: 0,
    });
    const summary: DemoBasketSummary = {
      run_id: s0.runId,
      mode: "demo",
      symbols: legs.map((l) => l.symbol),
      timeframe: this.timeframe,
      strategy: s0.strategy.name,
      params: s0.params,
      started_at: s0.startedAt.toISOString(),
      ended_at: new Date().toISOString(),
      status: halted ? "halted" : "completed",
      halt_reason: halted?.reason ?? null,
      halt_message: halted?.message ?? null,
      steps: equity.length,
      bars_processed: Object.fromEntries(
        legs.map((l) => [l.symbol, Math.max(0, l.bars.length - l.firstBar)]),
      ),
      trades,
      open_trades: open,
      stats,
      symbol_results: symbolResults,
      chs: chsFields(guard),
      breaker_events: guard.breaker.trips,
      breaker_resets: guard.breaker.resets,
      validator_rejections: sum((c) => c.validator_rejections),
      broker_rejections: sum((c) => c.broker_rejections),
      adjustments: sum((c) => c.adjustments),
      entries_blocked: sum((c) => c.entries_blocked),
      limit_events: guard.limitEvents,
      duplicate_orders: duplicates,
      unknown_outcomes: sum((c) => c.unknown_outcomes),
      reconciled: sum((c) => c.reconciled),
      resent: sum((c) => c.resent),
      bars_refused: this.barsRefused + (this.market0.monitor?.barsRefused ?? 0),
      bad_messages: this.market0.monitor?.count ?? 0,
      entries_halted: guard.entriesHalted,
      account: accountFields(this.acc0!),
      recovery: this.recovery,
      readiness: evaluateReadiness({
        mode: "demo",
        chs: guard.chsLast,
        omega: Number(stats.omega_trades),
        energyCapturedPct: Number(stats.energy_captured_pct),
        validatorRejections: sum((c) => c.validator_rejections),
        breakerEvents: guard.breaker.trips,
        closedTrades: trades.length,
      }),
      journal: s0.journal.path,
      summary_path: s0.summaryPath,
    };
    await endRun(
      s0,
      {
        status: summary.status,
        halt_reason: summary.halt_reason,
        trades: trades.length,
        breaker_events: summary.breaker_events,
        validator_rejections: summary.validator_rejections,
        duplicate_orders: duplicates,
        completed_normally: this.endedNormally && !halted,
      },
      summary,
      `${summary.status}: ${trades.length} trades on ${legs.length} symbols, return ${
        Number(stats.return_pct).toFixed(2)
      } %, CHS ${
        summary.chs.last === null ? "n/a" : summary.chs.last.toFixed(3)
      }, breaker events ${summary.breaker_events}, validator rejections ${summary.validator_rejections}; summary ${s0.summaryPath}`,
    );
    return summary;
  }
}
