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
import type { BarArrays } from "../data/types.ts";
import { KinetraError } from "../errors.ts";
import { computeFeatures } from "../features/mod.ts";
import { symbolSpec } from "../market/instrument.ts";
import { instrumentFromMt5 } from "../market/mt5_names.ts";
import { BridgeError } from "../mt5/server.ts";
import type { WireBar } from "../mt5/protocol.ts";
import type {
  FeatureArrays,
  OrderIntent,
  Params,
  Strategy,
  StrategyContext,
} from "../strategies/contract.ts";
import { TradeBook } from "../execution/trade_book.ts";
import { utcStamp, writeJsonAtomic } from "../util/fs.ts";
import { OrderDesk } from "./desk.ts";
import {
  BarBuffer,
  BarGate,
  barProblem,
  BridgeBarFeed,
  bridgeMarket,
  DEFAULT_BAR_CLOCK_TOLERANCE_MS,
  type Market,
} from "./feed.ts";
import { timeframeMs } from "../data/timeframe.ts";
import { RiskGuard } from "./guard.ts";
import type { Journal } from "./journal.ts";
import { evaluateReadiness, type Readiness } from "./readiness.ts";
import { recoverPrevious } from "./recovery.ts";
import { Halt, type LiveSession, setUpSession } from "./session.ts";
import type { LiveIO, LiveOptions, LiveSummary, RecoveryReport } from "./types.ts";
import { BadReplyError, type CheckedBridgeBroker } from "./wire.ts";
import type { BacktestStats } from "../backtest/stats.ts";

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

/** What a demo basket reports (summary.json). */
export interface DemoBasketSummary {
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
  chs: { last: number | null; min: number | null };
  breaker_events: number;
  breaker_resets: number;
  validator_rejections: number;
  broker_rejections: number;
  adjustments: number;
  entries_blocked: number;
  limit_events: number;
  duplicate_orders: number;
  unknown_outcomes: number;
  reconciled: number;
  resent: number;
  bars_refused: number;
  bad_messages: number;
  entries_halted: LiveSummary["entries_halted"];
  account: LiveSummary["account"];
  recovery: RecoveryReport | null;
  readiness: Readiness;
  journal: string;
  summary_path: string;
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

/** Strategy state over a bar set: features + init (demo recomputes on every bar, as runLive does). */
function initStrategy(
  strategy: Strategy,
  bars: BarArrays,
  params: Params,
): { ctx: StrategyContext; state: unknown } {
  const features: FeatureArrays = strategy.features.length ? computeFeatures(bars, strategy.features) : {};
  const ctx: StrategyContext = { bars, features, params };
  return { ctx, state: strategy.init(ctx) };
}

/** One symbol of the session. */
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
}

/** Run a demo session on several symbols; returns its summary (also written to summary.json). */
export async function runDemoBasket(opts: DemoBasketOptions, io: LiveIO): Promise<DemoBasketSummary> {
  if (opts.mode !== "demo") {
    throw new KinetraError("bad_option", `runDemoBasket runs demo mode only; got --mode ${opts.mode}`);
  }
  const symbols = [...new Set(opts.symbols.map((s) => s.trim()).filter(Boolean))];
  if (!symbols.length) throw new KinetraError("bad_option", "--symbols needs at least one symbol");
  if (!opts.timeframe) throw new KinetraError("bad_option", "--symbols needs --timeframe TF");
  if (opts.maxPositions !== undefined && !(Number.isInteger(opts.maxPositions) && opts.maxPositions >= 1)) {
    throw new KinetraError(
      "bad_option",
      `--max-positions must be a whole number >= 1, got ${opts.maxPositions}`,
    );
  }
  const timeframe = opts.timeframe.toUpperCase();
  const periodMs = timeframeMs(timeframe) ?? 0;
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
  const { journal, strategy, params } = s0;
  await journal.append("session", { event: "basket", symbols, clock, timeframe, account: "one account" });

  // ---- The bridge (the first symbol's spec and bars), then every symbol's specification.
  let market0: Market | null = null;
  const legs: Leg[] = [];
  try {
    market0 = await bridgeMarket({ ...s0, symbol: clock });
  } catch (e) {
    await journal.append("halt", {
      reason: (e as { code?: string }).code ?? "setup_failed",
      message: (e as Error).message,
    });
    await journal.close();
    throw e;
  }
  const server = market0.server!;
  const broker = market0.broker as CheckedBridgeBroker;
  let halted: Halt | null = null;
  let internalStack: string | null = null;
  let acc0;
  const guard = new RiskGuard(
    s0,
    symbols.some((x) => symbolSpec(x).assetClass === "crypto") ? 365 : 252,
    () => server.serverOffsetMs(),
  );
  try {
    acc0 = await broker.account();
    for (const symbol of symbols) {
      const spec = symbol === clock
        ? market0.spec
        : instrumentFromMt5(await broker.symbolSpec(symbol), symbolSpec(symbol));
      const market: Market = symbol === clock ? market0 : { ...market0, spec, barGate: null };
      const s: LiveSession = { ...s0, symbol, journal: symbolJournal(journal, symbol) };
      const ledger = new TradeBook(spec, acc0.balance);
      const leg: Leg = {
        symbol,
        s,
        market,
        ledger,
        desk: null as unknown as OrderDesk,
        buffer: new BarBuffer(),
        bars: new BarBuffer().view(),
        firstBar: 0,
        gate: new BarGate(
          opts.barClockToleranceMs ?? Math.max(DEFAULT_BAR_CLOCK_TOLERANCE_MS, 50 * periodMs),
          periodMs,
        ),
      };
      leg.gate.point = spec.point;
      leg.desk = new OrderDesk(s, market, ledger, guard, {
        bars: () => leg.bars,
        energy: () => null,
        halting: () => halted !== null,
        // Risk sizing against the account: every symbol's P&L, marked at its last close.
        sizingEquity: () => accountEquity(),
      });
      legs.push(leg);
    }
  } catch (e) {
    await server.close();
    await journal.append("halt", {
      reason: (e as { code?: string }).code ?? "setup_failed",
      message: (e as Error).message,
    });
    await journal.close();
    throw e instanceof BridgeError && e.code === "bridge_remote_error"
      ? new KinetraError(
        "unknown_symbol",
        `the terminal does not serve a symbol of the basket: ${e.message}`,
        {
          exitCode: 1,
        },
      )
      : e;
  }
  io.print(
    `account ${acc0.login} on ${acc0.server} (trade mode ${acc0.trade_mode}), balance ${acc0.balance}; ` +
      `basket ${symbols.join(", ")} ${timeframe} on one account`,
  );
  const account: LiveSummary["account"] = {
    login: acc0.login,
    server: acc0.server,
    trade_mode: acc0.trade_mode,
    currency: acc0.currency,
  };
  const startCash = acc0.balance;
  const warm = Math.max(0, Math.floor(strategy.warmup(params)));
  const start = Math.max(1, warm);
  /** The account: balance at the start plus every symbol's booked and open P&L. */
  const accountEquity = (shadow = false): number => {
    let eq = startCash;
    for (const l of legs) {
      const n = l.bars.length;
      if (!n) continue;
      const close = l.bars.close[n - 1], sp = l.desk.spreadPx(n - 1);
      eq += l.ledger.equityAt(close, sp) - startCash;
      if (shadow) eq += l.desk.shadowPnl(close, sp);
    }
    return eq;
  };
  const equity: number[] = [];
  const stepTime: number[] = [];
  const stepClose: number[] = [];
  let barsRefused = 0;
  let recovery: RecoveryReport | null = null;
  let endedNormally = false;
  const checkWire = async () => {
    const m = market0!.monitor;
    if (m?.tooMany) {
      throw new Halt(
        "bad_messages",
        `${m.count} malformed messages from the Expert Advisor (last: ${m.last}); stopped to stay safe`,
      );
    }
    const trouble = market0!.trouble();
    if (trouble) await guard.haltEntries("link_flapping", trouble);
  };
  const openCount = () => legs.reduce((n, l) => n + l.ledger.openCount, 0);
  /**
   * Good bars of `list` after the leg's last one: the history through the history's checks, the
   * polled bars through the leg's gate (the streamed bars' checks, with their memory).
   */
  const accept = (
    leg: Leg,
    list: WireBar[],
    history: boolean,
  ): { bars: WireBar[]; refused: number; problems: string[] } => {
    const out: WireBar[] = [];
    const problems: string[] = [];
    for (const h of list) {
      const b = leg.buffer;
      const last = b.length ? { time: b.time[b.length - 1], close: b.close[b.length - 1] } : null;
      const prev = out.length
        ? { time: out[out.length - 1].time_msc, close: out[out.length - 1].close }
        : last;
      const problem = history
        ? barProblem(h, prev, market0!.serverNow(), leg.market.spec.point, opts.barClockToleranceMs)
        : leg.gate.check(h, market0!.serverNow());
      if (problem) {
        if (problem !== "resent") problems.push(problem);
        continue;
      }
      out.push(h);
    }
    return { bars: out, refused: problems.length, problems };
  };

  try {
    await journal.append("session", {
      event: "account_bound",
      login: String(acc0.login),
      server: String(acc0.server),
      magic: s0.magic,
    });
    // Start-up recovery: the previous run's open orders once (first desk), leftovers of every symbol.
    for (const [k, l] of legs.entries()) {
      const r = await recoverPrevious(
        k === 0 ? l.s : { ...l.s, opts: { ...l.s.opts, logsDir: join(s0.runDir, "no-previous-run") } },
        l.desk,
        { login: String(acc0.login), server: String(acc0.server) },
      );
      if (!recovery) recovery = r;
      else {
        recovery.positions_closed += r.positions_closed;
        recovery.positions_not_closed += r.positions_not_closed;
        recovery.closed_profit += r.closed_profit;
      }
    }
    if (recovery?.positions_not_closed) {
      await guard.haltEntries(
        "recovery",
        `${recovery.positions_not_closed} position(s) left by ${
          recovery.previous_run ?? "a previous run"
        } could not be closed`,
      );
    }
    // History of every symbol.
    for (const l of legs) {
      const history = await broker.rates(l.symbol, timeframe, Math.max(start + 50, 300));
      const { bars, refused } = accept(l, history, true);
      for (const b of bars) l.buffer.push(b);
      if (l.buffer.length) {
        l.gate.last = {
          time: l.buffer.time[l.buffer.length - 1],
          close: l.buffer.close[l.buffer.length - 1],
        };
      }
      if (refused) {
        barsRefused += refused;
        await l.s.journal.append("bad_bar", { history: true, refused });
      }
      l.bars = l.buffer.view();
      l.firstBar = l.buffer.length;
      io.print(`history ${l.symbol}: ${l.buffer.length} bars`);
    }
    if (market0.barGate && legs[0].buffer.length) {
      const b = legs[0].buffer;
      market0.barGate.last = { time: b.time[b.length - 1], close: b.close[b.length - 1] };
    }
    io.print(`strategy warm-up ${warm} bars; streaming ${clock} ${timeframe}, polling the other symbols`);
    const feed = new BridgeBarFeed(market0, { ...s0, symbol: clock });
    await feed.subscribe();
    let step = 0;
    while (true) {
      const wb = await feed.next(async () => {
        guard.checkKill();
        await guard.checkControl();
        await checkWire();
      });
      if (!wb) {
        endedNormally = true;
        break;
      }
      const lead = legs[0];
      if (lead.buffer.length && wb.time_msc <= lead.buffer.time[lead.buffer.length - 1]) continue;
      // ---- The bars of this step: the streamed one, and what closed on the other symbols since.
      const fresh: number[][] = legs.map(() => []);
      lead.buffer.push(wb);
      fresh[0].push(lead.buffer.length - 1);
      for (let k = 1; k < legs.length; k++) {
        const l = legs[k];
        const raw = await broker.rates(l.symbol, timeframe, POLL_BARS);
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
        const newer = raw.filter((b) => b.time_msc > lastT && b.time_msc <= wb.time_msc);
        const { bars, refused, problems } = accept(l, newer, false);
        if (refused) {
          barsRefused += refused;
          await l.s.journal.append("bad_bar", { refused, problems });
          io.print(`${l.symbol}: ${refused} bar(s) refused by the bar checks (${problems[0]})`);
        }
        for (const b of bars) {
          l.buffer.push(b);
          fresh[k].push(l.buffer.length - 1);
        }
      }
      // ---- Book what the terminal did on its own, then mark the account and move the guard.
      for (const [k, l] of legs.entries()) {
        l.bars = l.buffer.view();
        for (const i of fresh[k]) {
          await l.s.journal.append("bar", {
            bar: i,
            time: new Date(l.bars.time[i]).toISOString(),
            close: l.bars.close[i],
          });
          try {
            await l.desk.syncExternalExits(i);
          } catch (e) {
            if (!(e instanceof BadReplyError)) throw e;
          }
          l.ledger.updateExcursions(l.bars.high[i], l.bars.low[i]);
          await l.desk.shadowStops(i);
        }
      }
      const eq = accountEquity();
      equity[step] = eq;
      stepTime[step] = wb.time_msc;
      stepClose[step] = wb.close;
      await journal.append("mark", {
        bar: step,
        bar_time: new Date(wb.time_msc).toISOString(),
        equity: eq,
        open_trades: openCount(),
        positions: Object.fromEntries(legs.map((l) => [l.symbol, l.ledger.netLots])),
      });
      const tr = await guard.afterBar(
        step,
        wb.time_msc,
        eq,
        step > 0 ? equity[step - 1] : undefined,
        accountEquity(true),
      );
      if (tr === "reset") {
        for (const l of legs) {
          if (l.desk.shadow.openCount) await l.desk.shadowCloseAll(l.bars.length - 1, "reset");
        }
      }
      const flatten = guard.takeFlatten();
      // ---- Decisions: every symbol with a new bar, in symbol order, through its own desk.
      for (const [k, l] of legs.entries()) {
        const i = l.bars.length - 1;
        if (flatten && l.ledger.openCount) {
          await l.desk.execute([{ kind: "close", tag: "breaker" }], i, i + 1);
        }
        if (!fresh[k].length || i < start) continue;
        let out: OrderIntent[] = [];
        try {
          const { ctx, state } = initStrategy(strategy, l.bars, params);
          const pos = guard.breaker.tripped && l.ledger.openCount === 0 && l.desk.shadow.openCount
            ? l.desk.shadow.position
            : l.ledger.position;
          strategy.decide(i, ctx, state, pos, out);
        } catch (e) {
          throw new Halt(
            "strategy_error",
            `strategy ${strategy.name} failed on ${l.symbol} at bar ${i}: ${(e as Error)?.message ?? e}`,
          );
        }
        if (opts.maxPositions !== undefined && l.ledger.openCount === 0 && openCount() >= opts.maxPositions) {
          const before = out.length;
          out = out.filter((x) => x.kind !== "entry");
          if (out.length < before) {
            l.desk.counters.entries_blocked++;
            await l.s.journal.append("limit", {
              what: "entry_blocked",
              by: "max_positions",
              open_positions: openCount(),
              max_positions: opts.maxPositions,
            });
          }
        }
        if (out.length) await l.desk.execute(out, i, i + 1);
      }
      step++;
      await checkWire();
      if (guard.doneAfterMaxTrades(openCount())) {
        throw new Halt("max_trades", `max trades (${opts.maxTrades}) reached and flat`);
      }
    }
  } catch (e) {
    if (e instanceof Halt) halted = e;
    else if (e instanceof BadReplyError) halted = new Halt("bad_messages", e.message);
    else if (e instanceof BridgeError) {
      halted = new Halt("link_lost", `the bridge link is down and did not come back: ${e.message}`);
    } else if (e instanceof KinetraError) halted = new Halt(e.code, e.message);
    else {
      halted = new Halt(
        "internal_error",
        `internal error (a bug in Kinetra, please report it): ${(e as Error)?.message ?? e}`,
      );
      internalStack = (e as Error)?.stack ?? String(e);
    }
  }
  const steps = equity.length;
  if (steps) await guard.finish(steps - 1, stepTime[steps - 1]);
  if (halted) {
    io.print(`halted: ${halted.message}`);
    await journal.append("halt", {
      reason: halted.reason,
      message: halted.message,
      ...(internalStack ? { stack: internalStack } : {}),
    });
    if ((opts.flattenOnHalt || halted.reason === "control_stop") && halted.reason !== "link_lost") {
      for (const l of legs) {
        try {
          if (l.ledger.openCount) await l.desk.closeAll("end", Math.max(0, l.bars.length - 1));
        } catch (e) {
          io.print(`could not flatten ${l.symbol}: ${(e as Error).message}`);
        }
      }
    }
  }
  let duplicates = 0;
  for (const l of legs) {
    const d = await l.desk.duplicates();
    duplicates = d < 0 || duplicates < 0 ? -1 : duplicates + d;
  }
  await server.close();

  // ---- Summary.
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
    time: Float64Array.from(stepTime),
    close: Float64Array.from(stepClose),
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
    symbols,
    timeframe,
    strategy: strategy.name,
    params,
    started_at: s0.startedAt.toISOString(),
    ended_at: new Date().toISOString(),
    status: halted ? "halted" : "completed",
    halt_reason: halted?.reason ?? null,
    halt_message: halted?.message ?? null,
    steps,
    bars_processed: Object.fromEntries(legs.map((l) => [l.symbol, Math.max(0, l.bars.length - l.firstBar)])),
    trades,
    open_trades: open,
    stats,
    symbol_results: symbolResults,
    chs: {
      last: guard.chsLast === guard.chsLast ? guard.chsLast : null,
      min: guard.chsMin === guard.chsMin ? guard.chsMin : null,
    },
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
    bars_refused: barsRefused + (market0.monitor?.barsRefused ?? 0),
    bad_messages: market0.monitor?.count ?? 0,
    entries_halted: guard.entriesHalted,
    account,
    recovery,
    readiness: evaluateReadiness({
      mode: "demo",
      chs: guard.chsLast,
      omega: Number(stats.omega_trades),
      energyCapturedPct: Number(stats.energy_captured_pct),
      validatorRejections: sum((c) => c.validator_rejections),
      breakerEvents: guard.breaker.trips,
      closedTrades: trades.length,
    }),
    journal: journal.path,
    summary_path: s0.summaryPath,
  };
  await journal.append("run_end", {
    status: summary.status,
    halt_reason: summary.halt_reason,
    trades: trades.length,
    breaker_events: summary.breaker_events,
    validator_rejections: summary.validator_rejections,
    duplicate_orders: duplicates,
    completed_normally: endedNormally && !halted,
  });
  await journal.close();
  await writeJsonAtomic(
    s0.summaryPath,
    JSON.parse(JSON.stringify(summary, (_k, v) => typeof v === "number" && !Number.isFinite(v) ? null : v)),
  );
  io.print(
    `${summary.status}: ${trades.length} trades on ${symbols.length} symbols, return ${
      Number(stats.return_pct).toFixed(2)
    } %, CHS ${
      summary.chs.last === null ? "n/a" : summary.chs.last.toFixed(3)
    }, breaker events ${summary.breaker_events}, validator rejections ${summary.validator_rejections}; summary ${s0.summaryPath}`,
  );
  return summary;
}
