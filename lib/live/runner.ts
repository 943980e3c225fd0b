/**
 * The live-testing runner: bars → the same strategy code as the backtest → the MT5 order
 * validator → a broker (paper in virtual mode, the MT5 bridge in demo and live), with a journal
 * written before every order and after it, an online CHS feeding a circuit breaker with
 * hysteresis, limits (trades, duration, daily loss, position size), a kill switch, mode gates,
 * reconciliation of unknown outcomes (never a blind resend) and a summary with the backtest's
 * trade fields and statistics.
 *
 * The session is put together from five parts, each in its own module and tested on its own:
 * session set-up (session.ts: gates, configuration, run folder), the bar feed and broker
 * (feed.ts: replay or bridge), the order desk (desk.ts: entries, closes, modifications,
 * reconciliation), the risk guard (guard.ts: breaker, limits, kill switch, daily loss) and the
 * summary (summary.ts), with the steps every session shares (steps.ts: the strategy's set-up and
 * decision, the bridge's step loop, history, pacing, halts). This file only drives the bars through
 * them: `runLive` sets up a `SymbolRun` and runs its replay or its stream.
 *
 * @example
 * ```ts
 * import { runLive } from "./runner.ts";
 * const s = await runLive({
 *   mode: "virtual",
 *   strategy: "sma_cross",
 *   data: "data/sample/forex/GBPUSD+_H4_202401020000_202512262000.csv",
 *   logsDir: await Deno.makeTempDir(),
 * }, { print: console.log });
 * console.log(s.trades.length, s.stats.return_pct, s.chs.last);
 * ```
 *
 * @module
 */
import type { AccountInfo } from "../broker/types.ts";
import type { BarArrays } from "../data/types.ts";
import { TradeBook } from "../execution/trade_book.ts";
import type { OrderIntent } from "../strategies/contract.ts";
import { OrderDesk } from "./desk.ts";
import { BarBuffer, bridgeMarket, type Market, paperMarket } from "./feed.ts";
import { hasWeekendBars, RiskGuard } from "./guard.ts";
import { recoverPrevious, type RecoveryReport } from "./recovery.ts";
import { Halt, type LiveSession, setUpSession } from "./session.ts";
import {
  accountFields,
  bookBar,
  haltFrom,
  loadHistory,
  maxTradesHalt,
  pace,
  reportHalt,
  setupFailed,
  StrategyRun,
  streamBars,
} from "./steps.ts";
import { finishSummary } from "./summary.ts";
import type { LiveIO, LiveOptions, LiveSummary } from "./types.ts";

function defaultIO(): LiveIO {
  return { print: (l) => console.error(l) };
}

/**
 * Run a live-testing session and return its summary (also written to summary.json next to the
 * journal). User-caused failures before the session starts are KinetraErrors; once the session
 * runs, problems halt it cleanly and are reported in the summary (`status: "halted"`).
 */
export async function runLive(opts: LiveOptions, io: LiveIO = defaultIO()): Promise<LiveSummary> {
  const s: LiveSession = await setUpSession(opts, io);
  // Broker and bar source (a failure here is journalled before it is reported).
  let market: Market | null = null;
  let acc0: AccountInfo;
  try {
    market = s.mode === "virtual" ? paperMarket(s) : await bridgeMarket(s);
    acc0 = await market.broker.account();
  } catch (e) {
    await market?.server?.close();
    return await setupFailed(s.journal, e);
  }
  const run = new SymbolRun(s, market, acc0);
  try {
    if (s.replay && market.paper) await run.replay(s.replay);
    else if (market.server) await run.stream();
  } catch (e) {
    const h = haltFrom(e, market.server !== null);
    if (!h) return await setupFailed(s.journal, e);
    run.halted = h.halt;
    run.stack = h.stack;
  }
  return await run.finish();
}

/** One symbol's session: its book, desk and guard, driven by a replay or by the bridge's bars. */
class SymbolRun {
  readonly ledger: TradeBook;
  readonly startCash: number;
  readonly buffer = new BarBuffer();
  bars: BarArrays;
  readonly strat: StrategyRun;
  readonly warm: number;
  /** First bar the strategy decides on (its warm-up, at least 1). */
  readonly start: number;
  readonly guard: RiskGuard;
  readonly desk: OrderDesk;
  readonly equity: number[] = [];
  halted: Halt | null = null;
  stack: string | null = null;
  endedNormally = false;
  lastIndex = -1;
  /** Bars before the first streamed one (the bridge's history). */
  firstBar = 0;
  barsRefused = 0;
  recovery: RecoveryReport | null = null;

  constructor(readonly s: LiveSession, readonly market: Market, readonly acc0: AccountInfo) {
    const { mode, strategy, params, replay, opts } = s;
    if (mode !== "virtual") {
      s.io.print(
        `account ${acc0.login} on ${acc0.server} (trade mode ${acc0.trade_mode}), balance ${acc0.balance}`,
      );
    }
    this.ledger = new TradeBook(market.spec, mode === "virtual" ? s.cash : acc0.balance);
    this.startCash = this.ledger.cash;
    this.warm = Math.max(0, Math.floor(strategy.warmup(params)));
    this.start = Math.max(1, this.warm);
    // The history is read once the session's error handling is in place (stream).
    this.bars = replay ?? this.buffer.view();
    this.strat = new StrategyRun(strategy, params, !replay || opts.recompute === "per_bar");
    if (replay && !this.strat.perBar) this.strat.init(replay);
    this.guard = new RiskGuard(
      s,
      replay ? (hasWeekendBars(replay.time) ? 365 : 252) : (market.spec.assetClass === "crypto" ? 365 : 252),
      // Bridge bar times are UTC; the daily loss limit follows the trade server's day (replays: file times are server times).
      () => market.server?.serverOffsetMs() ?? 0,
    );
    this.desk = new OrderDesk(s, market, this.ledger, this.guard, {
      bars: () => this.bars,
      energy: () => this.strat.energy,
      halting: () => this.halted !== null,
    });
    this.rateAt(0, "open");
  }

  /**
   * Virtual: profits, marks, margin and swap at the rate of the moment (the backtest's conversion):
   * fills during bar i at its open's rate, marks at its close's, swap at the previous close's.
   */
  rateAt(k: number, at: "open" | "close"): void {
    const scale = this.s.conversion?.valueScale ?? null;
    if (!scale) return;
    const v = scale[at][k];
    this.ledger.setValueScale(v);
    this.desk.shadow.setValueScale(v);
    // The paper server's account (and so the free margin its validator and the desk's see) at the same rate.
    this.market.paper?.setValueScale(this.s.symbol, v);
  }

  /** Virtual: the paper broker's quote at bar i's open or close (Ask = Bid + the backtest's spread, for parity). */
  quote(i: number, at: "open" | "close"): void {
    const bid = this.bars[at][i];
    this.market.paper?.setQuote({
      symbol: this.s.symbol,
      bid,
      ask: bid + this.desk.spreadPx(i),
      time_msc: this.bars.time[i],
    });
  }

  /** Everything after bar i closed: excursions, equity, CHS, breaker, limits, decision. */
  async afterClose(i: number): Promise<OrderIntent[]> {
    const { bars, ledger, desk, guard } = this;
    this.rateAt(i, "close");
    ledger.updateExcursions(bars.high[i], bars.low[i]);
    const eq = ledger.equityAt(bars.close[i], desk.spreadPx(i));
    this.equity[i] = eq;
    // The bar as the dashboard draws it: OHLC, equity at its close, balance and what is open.
    await this.s.journal.append("mark", {
      bar: i,
      bar_time: new Date(bars.time[i]).toISOString(),
      open: bars.open[i],
      high: bars.high[i],
      low: bars.low[i],
      close: bars.close[i],
      equity: eq,
      balance: ledger.cash,
      lots: ledger.netLots,
      positions: ledger.openCount
        ? ledger.openRecords(bars.close[i], desk.spreadPx(i), i, bars.time[i]).map((t) => ({
          side: t.side,
          size: t.size,
          entry_time: t.entry_time,
          entry_price: t.entry_price,
          sl: t.sl,
          tp: t.tp,
          pnl: t.pnl,
        }))
        : [],
    });
    // Shadow trades (breaker tripped): their stops on this bar, their P&L in the CHS's returns.
    await desk.shadowStops(i);
    const tr = await guard.afterBar(
      i,
      bars.time[i],
      eq,
      this.equity[i - 1],
      eq + desk.shadowPnl(bars.close[i], desk.spreadPx(i)),
    );
    if (tr === "reset" && desk.shadow.openCount) {
      // Back to real trading: the shadow position ends at this bar's close.
      this.quote(i, "close");
      await desk.shadowCloseAll(i, "reset");
    }
    // A breaker flatten goes out like a close intent: at the next bar's open (virtual) or now (demo).
    const out: OrderIntent[] = guard.takeFlatten() ? [{ kind: "close", tag: "breaker" }] : [];
    if (i >= this.start) this.strat.decide(i, bars, guard, desk, out);
    return out;
  }

  /** Virtual: the replay, bar by bar, on the paper broker. */
  async replay(bars: BarArrays): Promise<void> {
    const { s, desk, guard, start } = this;
    const paper = this.market.paper!;
    const n = bars.length;
    for (let k = 0; k < Math.min(start, n); k++) this.equity[k] = s.cash;
    let pending: OrderIntent[] = [];
    let lastDecision = -1;
    const t0 = Date.now();
    for (let i = 0; i < n; i++) {
      guard.checkKill();
      await guard.checkControl();
      // Bar i opens: quote at its open, swap for the nights crossed, then the orders decided at i-1.
      this.quote(i, "open");
      if (i >= start) {
        if (i > 0) {
          this.rateAt(i - 1, "close");
          this.ledger.chargeSwap(bars.time[i - 1], bars.time[i], bars.close[i - 1]);
        }
        this.rateAt(i, "open");
        await desk.execute(pending.filter((x) => x.kind === "close"), lastDecision, i);
        // Stops of positions already open, then the new entries and their own stops on this bar.
        await desk.applyStops(i, undefined);
        const before = new Set((await paper.positions(s.symbol)).map((p) => p.ticket));
        await desk.execute(pending.filter((x) => x.kind !== "close"), lastDecision, i);
        const fresh = new Set(
          (await paper.positions(s.symbol)).map((p) => p.ticket).filter((t) => !before.has(t)),
        );
        if (fresh.size) await desk.applyStops(i, fresh);
        pending = [];
      }
      const out = await this.afterClose(i);
      this.lastIndex = i;
      if (i >= start) {
        // A modify acts at once, at the decision bar's close (Bid = close, Ask = close + spread),
        // like the backtest engine and like demo/live where intents go out when the bar closes.
        const modifies = out.filter((x) => x.kind === "modify");
        if (modifies.length) {
          this.quote(i, "close");
          await desk.execute(modifies, i, i);
        }
        pending = out.filter((x) => x.kind !== "modify");
        lastDecision = i;
      }
      maxTradesHalt(guard, this.ledger.openCount);
      await pace(i, t0, s.speed, s.io.signal);
    }
    this.endedNormally = true;
  }

  /** Demo/live: bind the account, recover a previous run, read the history, then the streamed bars. */
  async stream(): Promise<void> {
    const { s, market, desk, guard, buffer, acc0 } = this;
    // Bind the journal to the account, then settle what a previous run of it left behind.
    const account = { login: String(acc0.login), server: String(acc0.server) };
    await s.journal.append("session", { event: "account_bound", ...account, magic: s.magic });
    this.recovery = await recoverPrevious(s, desk, account);
    if (this.recovery.positions_not_closed) {
      await guard.haltEntries(
        "recovery",
        `${this.recovery.positions_not_closed} position(s) left by ${
          this.recovery.previous_run ?? "a previous run"
        } could not be closed`,
      );
    }
    const history = await loadHistory(s, market, buffer, Math.max(this.start + 50, 300), [market.barGate]);
    if (history.refused) {
      this.barsRefused += history.refused;
      s.io.print(`history: ${history.refused} bars refused by the bar checks`);
    }
    this.bars = buffer.view();
    this.firstBar = buffer.length;
    s.io.print(`history: ${history.received} bars; strategy warm-up ${this.warm} bars`);
    // The listener's bar gate refused bad bars already (lib/live/feed.ts BarGate); a bar at or
    // before the last one is a re-send after a reconnect.
    const lastTime = () => buffer.length ? buffer.time[buffer.length - 1] : -Infinity;
    await streamBars(s, market, guard, lastTime, () => this.ledger.openCount, async (wb) => {
      buffer.push(wb);
      this.bars = buffer.view();
      const i = buffer.length - 1;
      this.equity.length = buffer.length;
      if (this.lastIndex < 0) { for (let k = 0; k < i; k++) this.equity[k] = this.startCash; }
      // Demo/live: no swap estimate; the swap is the terminal's, from its deals (OrderDesk).
      await bookBar(s.journal, desk, this.bars, i);
      const out = await this.afterClose(i);
      this.lastIndex = i;
      if (out.length) await desk.execute(out, i, i + 1);
    });
    this.endedNormally = true;
  }

  /** The halt (journal, flatten if asked), the duplicates check and the summary. */
  async finish(): Promise<LiveSummary> {
    const { s, market, desk, guard, bars, lastIndex, halted } = this;
    if (lastIndex >= 0) await guard.finish(lastIndex, bars.time[lastIndex]);
    if (halted && await reportHalt(s, halted, this.stack, s.opts)) {
      try {
        // Virtual: the market is at the last processed bar's close.
        if (lastIndex >= 0) this.quote(lastIndex, "close");
        await desk.closeAll("end", Math.max(0, lastIndex));
      } catch (e) {
        s.io.print(`could not flatten: ${(e as Error).message}`);
      }
    }
    const duplicates = await desk.duplicates();
    await market.server?.close();
    return await finishSummary({
      s,
      desk,
      guard,
      bars,
      equity: this.equity,
      startCash: this.startCash,
      lastIndex,
      statsStart: s.replay ? this.start : Math.max(this.start, this.firstBar),
      firstBar: s.replay ? 0 : this.firstBar,
      halted,
      endedNormally: this.endedNormally,
      duplicates,
      account: accountFields(this.acc0),
      extra: {
        bars_refused: this.barsRefused + (market.monitor?.barsRefused ?? 0),
        bad_messages: market.monitor?.count ?? 0,
        entries_halted: guard.entriesHalted,
        recovery: this.recovery,
        breaker_halted: {
          bars: guard.haltedBars,
          hours: guard.haltedMs / 3_600_000,
          shadow_trades: desk.shadowStats.trades,
          shadow_pnl: desk.shadowStats.pnl,
          shadow_wins: desk.shadowStats.wins,
        },
      },
    });
  }
}
