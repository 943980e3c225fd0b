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
 * summary (summary.ts). This file only drives the bars through them.
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
import { energyColumn } from "../backtest/energy.ts";
import type { BarArrays } from "../data/types.ts";
import { KinetraError } from "../errors.ts";
import { computeFeatures } from "../features/mod.ts";
import type { AccountInfo } from "../broker/types.ts";
import { BridgeError } from "../mt5/server.ts";
import type {
  FeatureArrays,
  OrderIntent,
  Params,
  Strategy,
  StrategyContext,
} from "../strategies/contract.ts";
import { OrderDesk } from "./desk.ts";
import { BarBuffer, barProblem, BridgeBarFeed, bridgeMarket, type Market, paperMarket } from "./feed.ts";
import { BadReplyError, type CheckedBridgeBroker } from "./wire.ts";
import { hasWeekendBars, RiskGuard } from "./guard.ts";
import { TradeBook } from "../execution/trade_book.ts";
import { Halt, type LiveSession, setUpSession } from "./session.ts";
import { finishSummary } from "./summary.ts";
import { recoverPrevious, type RecoveryReport } from "./recovery.ts";
import type { LiveIO, LiveOptions, LiveSummary } from "./types.ts";

function defaultIO(): LiveIO {
  return { print: (l) => console.error(l) };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Strategy state over a bar set: features + init. */
function initStrategy(
  strategy: Strategy,
  bars: BarArrays,
  params: Params,
): { ctx: StrategyContext; state: unknown } {
  const features: FeatureArrays = strategy.features.length ? computeFeatures(bars, strategy.features) : {};
  const ctx: StrategyContext = { bars, features, params };
  try {
    return { ctx, state: strategy.init(ctx) };
  } catch (e) {
    if (e instanceof KinetraError) throw e;
    throw new KinetraError(
      "strategy_error",
      `strategy ${strategy.name} failed in init: ${(e as Error)?.message ?? e}`,
    );
  }
}

/**
 * Run a live-testing session and return its summary (also written to summary.json next to the
 * journal). User-caused failures before the session starts are KinetraErrors; once the session
 * runs, problems halt it cleanly and are reported in the summary (`status: "halted"`).
 */
export async function runLive(opts: LiveOptions, io: LiveIO = defaultIO()): Promise<LiveSummary> {
  const s: LiveSession = await setUpSession(opts, io);
  const { journal, mode, strategy, params, replay, symbol } = s;

  // ---- Broker and bar source (a failure here is journalled before it is reported).
  let market: Market | null = null;
  let acc0: AccountInfo;
  try {
    market = mode === "virtual" ? paperMarket(s) : await bridgeMarket(s);
    acc0 = await market.broker.account();
  } catch (e) {
    await market?.server?.close();
    await journal.append("halt", {
      reason: (e as { code?: string }).code ?? "setup_failed",
      message: (e as Error).message,
    });
    await journal.close();
    throw e;
  }
  const { broker, paper, server, spec } = market;

  const accountInfo: LiveSummary["account"] = {
    login: acc0.login,
    server: acc0.server,
    trade_mode: acc0.trade_mode,
    currency: acc0.currency,
  };
  if (mode !== "virtual") {
    io.print(
      `account ${acc0.login} on ${acc0.server} (trade mode ${acc0.trade_mode}), balance ${acc0.balance}`,
    );
  }
  const ledger = new TradeBook(spec, mode === "virtual" ? s.cash : acc0.balance);
  const startCash = ledger.cash;

  // ---- Bars and strategy.
  const buffer = new BarBuffer();
  let bars: BarArrays;
  let ctx: StrategyContext;
  let state: unknown;
  let energy: Float64Array | null = null;
  const warm = Math.max(0, Math.floor(strategy.warmup(params)));
  const start = Math.max(1, warm);
  let firstBar = 0;
  if (replay) {
    bars = replay;
    if ((opts.recompute ?? "once") === "once") {
      ({ ctx, state } = initStrategy(strategy, bars, params));
      energy = energyColumn(bars.close, ctx.features, null);
    } else {
      ctx = { bars, features: {}, params };
      state = null;
    }
  } else {
    // The history is read once the session's error handling is in place (below).
    bars = buffer.view();
    ctx = { bars, features: {}, params };
    state = null;
  }
  const perBar = !replay || opts.recompute === "per_bar";

  const guard = new RiskGuard(
    s,
    replay ? (hasWeekendBars(replay.time) ? 365 : 252) : (spec.assetClass === "crypto" ? 365 : 252),
    // Bridge bar times are UTC; the daily loss limit follows the trade server's day (replays: file times are server times).
    () => server?.serverOffsetMs() ?? 0,
  );
  let halted: Halt | null = null;
  const desk = new OrderDesk(s, market, ledger, guard, {
    bars: () => bars,
    energy: () => energy,
    halting: () => halted !== null,
  });
  const equity: number[] = [];

  // Virtual: profits, marks, margin and swap at the rate of the moment (the backtest's conversion):
  // fills during bar i at its open's rate, marks at its close's, swap at the previous close's.
  const scale = s.conversion?.valueScale ?? null;
  const rateAt = (k: number, at: "open" | "close") => {
    if (!scale) return;
    const v = scale[at][k];
    ledger.setValueScale(v);
    desk.shadow.setValueScale(v);
  };
  rateAt(0, "open");

  /** Everything after bar i closed: excursions, equity, CHS, breaker, limits, decision. */
  const afterClose = async (i: number): Promise<OrderIntent[]> => {
    rateAt(i, "close");
    ledger.updateExcursions(bars.high[i], bars.low[i]);
    const eq = ledger.equityAt(bars.close[i], desk.spreadPx(i));
    equity[i] = eq;
    // The bar as the dashboard draws it: OHLC, equity at its close, balance and what is open.
    await journal.append("mark", {
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
      equity[i - 1],
      eq + desk.shadowPnl(bars.close[i], desk.spreadPx(i)),
    );
    if (tr === "reset" && desk.shadow.openCount) {
      // Back to real trading: the shadow position ends at this bar's close.
      paper?.setQuote({
        symbol,
        bid: bars.close[i],
        ask: bars.close[i] + desk.spreadPx(i),
        time_msc: bars.time[i],
      });
      await desk.shadowCloseAll(i, "reset");
    }
    // A breaker flatten goes out like a close intent: at the next bar's open (virtual) or now (demo).
    const flatten: OrderIntent[] = guard.takeFlatten() ? [{ kind: "close", tag: "breaker" }] : [];
    if (i < start) return flatten;
    if (perBar) {
      ({ ctx, state } = initStrategy(strategy, bars, params));
      energy = energyColumn(bars.close, ctx.features, null);
    }
    const out: OrderIntent[] = flatten;
    try {
      // While the breaker is tripped and the account flat, the strategy sees its shadow position.
      const pos = guard.breaker.tripped && ledger.openCount === 0 && desk.shadow.openCount
        ? desk.shadow.position
        : ledger.position;
      strategy.decide(i, ctx, state, pos, out);
    } catch (e) {
      throw new Halt(
        "strategy_error",
        `strategy ${strategy.name} failed at bar ${i}: ${(e as Error)?.message ?? e}`,
      );
    }
    return out;
  };

  const maxTradesHalt = () => {
    if (guard.doneAfterMaxTrades(ledger.openCount)) {
      throw new Halt("max_trades", `max trades (${opts.maxTrades}) reached and flat`);
    }
  };

  let barsRefused = 0;
  let recovery: RecoveryReport | null = null;
  let internalStack: string | null = null;
  /** Too many malformed messages halt the session; a flapping link halts new entries. */
  const checkWire = async () => {
    const m = market!.monitor;
    if (m?.tooMany) {
      throw new Halt(
        "bad_messages",
        `${m.count} malformed messages from the Expert Advisor (last: ${m.last}); stopped to stay safe`,
      );
    }
    const trouble = market!.trouble();
    if (trouble) await guard.haltEntries("link_flapping", trouble);
  };

  // ---- The session.
  let lastIndex = -1;
  let endedNormally = false;
  try {
    if (replay && paper) {
      const n = replay.length;
      for (let k = 0; k < Math.min(start, n); k++) equity[k] = s.cash;
      let pending: OrderIntent[] = [];
      let lastDecision = -1;
      const t0 = Date.now();
      for (let i = 0; i < n; i++) {
        guard.checkKill();
        await guard.checkControl();
        // Bar i opens: quote at its open, swap for the nights crossed, then the orders decided at i-1.
        // Ask = Bid + spread exactly as the backtest computes it (not re-rounded), for parity.
        paper.setQuote({
          symbol,
          bid: bars.open[i],
          ask: bars.open[i] + desk.spreadPx(i),
          time_msc: bars.time[i],
        });
        if (i >= start) {
          if (i > 0) {
            rateAt(i - 1, "close");
            ledger.chargeSwap(bars.time[i - 1], bars.time[i], bars.close[i - 1]);
          }
          rateAt(i, "open");
          const closes = pending.filter((x) => x.kind === "close");
          const entries = pending.filter((x) => x.kind !== "close");
          await desk.execute(closes, lastDecision, i);
          // Stops of positions already open, then the new entries and their own stops on this bar.
          await desk.applyStops(i, undefined);
          const before = new Set((await paper.positions(symbol)).map((p) => p.ticket));
          await desk.execute(entries, lastDecision, i);
          const fresh = new Set(
            (await paper.positions(symbol)).map((p) => p.ticket).filter((t) => !before.has(t)),
          );
          if (fresh.size) await desk.applyStops(i, fresh);
          pending = [];
        }
        const out = await afterClose(i);
        lastIndex = i;
        if (i >= start) {
          // A modify acts at once, at the decision bar's close (Bid = close, Ask = close + spread),
          // like the backtest engine and like demo/live where intents go out when the bar closes.
          const modifies = out.filter((x) => x.kind === "modify");
          if (modifies.length) {
            paper.setQuote({
              symbol,
              bid: bars.close[i],
              ask: bars.close[i] + desk.spreadPx(i),
              time_msc: bars.time[i],
            });
            await desk.execute(modifies, i, i);
          }
          pending = out.filter((x) => x.kind !== "modify");
          lastDecision = i;
        }
        maxTradesHalt();
        if (s.speed > 0) {
          const due = t0 + ((i + 1) * 1000) / s.speed;
          const wait = due - Date.now();
          if (wait > 0) await sleep(wait, io.signal);
        } else if ((i & 255) === 255) {
          await sleep(0);
        }
      }
      endedNormally = true;
    } else if (server) {
      // Bind the journal to the account, then settle what a previous run of it left behind.
      await journal.append("session", {
        event: "account_bound",
        login: String(acc0.login),
        server: String(acc0.server),
        magic: s.magic,
      });
      recovery = await recoverPrevious(s, desk, { login: String(acc0.login), server: String(acc0.server) });
      if (recovery.positions_not_closed) {
        await guard.haltEntries(
          "recovery",
          `${recovery.positions_not_closed} position(s) left by ${
            recovery.previous_run ?? "a previous run"
          } could not be closed`,
        );
      }
      const history = await (broker as CheckedBridgeBroker).rates(
        symbol,
        s.timeframe,
        Math.max(start + 50, 300),
      );
      let refusedHistory = 0;
      for (const h of history) {
        const last = buffer.length
          ? { time: buffer.time[buffer.length - 1], close: buffer.close[buffer.length - 1] }
          : null;
        const problem = barProblem(h, last, market.serverNow(), spec.point, opts.barClockToleranceMs);
        if (problem) {
          if (problem !== "resent") refusedHistory++;
          continue;
        }
        buffer.push(h);
      }
      if (refusedHistory) {
        barsRefused += refusedHistory;
        await journal.append("bad_bar", { history: true, refused: refusedHistory });
        io.print(`history: ${refusedHistory} bars refused by the bar checks`);
      }
      if (market.barGate && buffer.length) {
        market.barGate.last = {
          time: buffer.time[buffer.length - 1],
          close: buffer.close[buffer.length - 1],
        };
      }
      bars = buffer.view();
      ctx = { bars, features: {}, params };
      firstBar = buffer.length;
      io.print(`history: ${history.length} bars; strategy warm-up ${warm} bars`);
      const feed = new BridgeBarFeed(market, s);
      await feed.subscribe();
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
        // The listener's bar gate refused bad bars already (lib/live/feed.ts BarGate); a bar at or
        // before the last one is a re-send after a reconnect.
        if (buffer.length && wb.time_msc <= buffer.time[buffer.length - 1]) continue;
        buffer.push(wb);
        bars = buffer.view();
        if (!perBar) ctx = { ...ctx, bars };
        const i = buffer.length - 1;
        equity.length = buffer.length;
        if (lastIndex < 0) { for (let k = 0; k < i; k++) equity[k] = startCash; }
        await journal.append("bar", { bar: i, time: new Date(wb.time_msc).toISOString(), close: wb.close });
        // Demo/live: no swap estimate; the swap is the terminal's, from its deals (OrderDesk).
        try {
          await desk.syncExternalExits(i);
        } catch (e) {
          if (!(e instanceof BadReplyError)) throw e; // counted by the monitor; tried again next bar
        }
        const out = await afterClose(i);
        lastIndex = i;
        if (out.length) await desk.execute(out, i, i + 1);
        await checkWire();
        maxTradesHalt();
      }
    }
  } catch (e) {
    if (e instanceof Halt) halted = e;
    else if (e instanceof BadReplyError) halted = new Halt("bad_messages", e.message);
    else if (e instanceof BridgeError) {
      halted = new Halt("link_lost", `the bridge link is down and did not come back: ${e.message}`);
    } else if (e instanceof KinetraError && server) halted = new Halt(e.code, e.message);
    else if (e instanceof KinetraError) {
      await journal.append("halt", { reason: e.code, message: e.message });
      await journal.close();
      throw e;
    } else {
      // A bug: the session still ends through the clean halt path (journal, summary); the task
      // exits 70 for `internal_error` (docs/LIVE_TESTING_GUIDE.md).
      halted = new Halt(
        "internal_error",
        `internal error (a bug in Kinetra, please report it): ${(e as Error)?.message ?? e}`,
      );
      internalStack = (e as Error)?.stack ?? String(e);
    }
  }

  if (lastIndex >= 0) await guard.finish(lastIndex, bars.time[lastIndex]);

  // ---- Halt handling and summary.
  if (halted) {
    io.print(`halted: ${halted.message}`);
    await journal.append("halt", {
      reason: halted.reason,
      message: halted.message,
      ...(internalStack ? { stack: internalStack } : {}),
    });
    if ((opts.flattenOnHalt || halted.reason === "control_stop") && !(halted.reason === "link_lost")) {
      try {
        // Virtual: the market is at the last processed bar's close.
        if (paper && lastIndex >= 0) {
          paper.setQuote({
            symbol,
            bid: bars.close[lastIndex],
            ask: bars.close[lastIndex] + desk.spreadPx(lastIndex),
            time_msc: bars.time[lastIndex],
          });
        }
        await desk.closeAll("end", Math.max(0, lastIndex));
      } catch (e) {
        io.print(`could not flatten: ${(e as Error).message}`);
      }
    }
  }
  const duplicates = await desk.duplicates();
  await server?.close();
  return await finishSummary({
    s,
    desk,
    guard,
    bars,
    equity,
    startCash,
    lastIndex,
    statsStart: replay ? start : Math.max(start, firstBar),
    firstBar: replay ? 0 : firstBar,
    halted,
    endedNormally,
    duplicates,
    account: accountInfo,
    extra: {
      bars_refused: barsRefused + (market.monitor?.barsRefused ?? 0),
      bad_messages: market.monitor?.count ?? 0,
      entries_halted: guard.entriesHalted,
      recovery,
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
