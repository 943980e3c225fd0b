/**
 * The steps every live session shares, whatever drives it (one symbol replayed or streamed, a demo
 * basket over the bridge, a virtual basket on the portfolio engine): the strategy's set-up and
 * decision, the link checks between bars, the pacing of a replay, taking checked bars into a
 * buffer, the classification of what ended a session, the halt's journal entry and the summary's
 * shared fields and file. The runners (runner.ts, basket_demo.ts, basket.ts) compose these with the
 * session set-up (session.ts), the feed (feed.ts), the order desk (desk.ts) and the risk guard
 * (guard.ts), so that none of them writes one of these twice.
 *
 * @module
 */
import { energyColumn } from "../backtest/energy.ts";
import type { AccountInfo } from "../broker/types.ts";
import type { BarArrays } from "../data/types.ts";
import { KinetraError } from "../errors.ts";
import { computeFeatures } from "../features/mod.ts";
import type { WireBar } from "../mt5/protocol.ts";
import { BridgeError } from "../mt5/server.ts";
import type {
  FeatureArrays,
  OrderIntent,
  Params,
  Strategy,
  StrategyContext,
} from "../strategies/contract.ts";
import { writeJsonAtomic } from "../util/fs.ts";
import type { OrderDesk } from "./desk.ts";
import { type BarBuffer, type BarGate, barProblem, BridgeBarFeed, type Market } from "./feed.ts";
import type { RiskGuard } from "./guard.ts";
import type { Journal } from "./journal.ts";
import { Halt, type LiveSession } from "./session.ts";
import type { LiveOptions, LiveSummary } from "./types.ts";
import { BadReplyError, type CheckedBridgeBroker } from "./wire.ts";

/**
 * Strategy state over a bar set: its features, then `init`. An error in `init` becomes a
 * `strategy_error` (a KinetraError naming the strategy; `where` adds the symbol and bar).
 */
export function initStrategy(
  strategy: Strategy,
  bars: BarArrays,
  params: Params,
  where = "",
): { ctx: StrategyContext; state: unknown } {
  const features: FeatureArrays = strategy.features.length ? computeFeatures(bars, strategy.features) : {};
  const ctx: StrategyContext = { bars, features, params };
  try {
    return { ctx, state: strategy.init(ctx) };
  } catch (e) {
    if (e instanceof KinetraError) throw e;
    throw new KinetraError(
      "strategy_error",
      `strategy ${strategy.name} failed in init${where}: ${(e as Error)?.message ?? e}`,
    );
  }
}

/**
 * The strategy's decision at bar `i` into `out`. While the breaker is tripped and the account flat
 * on this symbol, the strategy sees its shadow position. An error halts with `strategy_error`
 * (`where` names the symbol in a basket).
 */
export function decideAt(
  strategy: Strategy,
  i: number,
  run: { ctx: StrategyContext; state: unknown },
  guard: RiskGuard,
  desk: OrderDesk,
  out: OrderIntent[],
  where = "",
): void {
  try {
    const pos = guard.breaker.tripped && desk.ledger.openCount === 0 && desk.shadow.openCount
      ? desk.shadow.position
      : desk.ledger.position;
    strategy.decide(i, run.ctx, run.state, pos, out);
  } catch (e) {
    throw new Halt(
      "strategy_error",
      `strategy ${strategy.name} failed${where} at bar ${i}: ${(e as Error)?.message ?? e}`,
    );
  }
}

/** Too many malformed messages halt the session; a flapping link halts new entries. */
export async function checkWire(market: Market, guard: RiskGuard): Promise<void> {
  const m = market.monitor;
  if (m?.tooMany) {
    throw new Halt(
      "bad_messages",
      `${m.count} malformed messages from the Expert Advisor (last: ${m.last}); stopped to stay safe`,
    );
  }
  const trouble = market.trouble();
  if (trouble) await guard.haltEntries("link_flapping", trouble);
}

/** Halt once `--max-trades` entries were made and no position is open. */
export function maxTradesHalt(guard: RiskGuard, openCount: number): void {
  if (guard.doneAfterMaxTrades(openCount)) {
    throw new Halt("max_trades", `max trades (${guard.s.opts.maxTrades}) reached and flat`);
  }
}

/**
 * The bars a bridge session streams (`s.symbol`'s), each newer than `lastTime()` handed to `onBar`
 * (an older one is a re-send after a reconnect); the kill switch, the control channel and the link
 * are checked while waiting, the link and max trades after each bar. Returns at the end of the data.
 */
export async function streamBars(
  s: LiveSession,
  market: Market,
  guard: RiskGuard,
  lastTime: () => number,
  openCount: () => number,
  onBar: (bar: WireBar) => Promise<void>,
): Promise<void> {
  const feed = new BridgeBarFeed(market, s);
  await feed.subscribe();
  while (true) {
    const wb = await feed.next(async () => {
      guard.checkKill();
      await guard.checkControl();
      await checkWire(market, guard);
    });
    if (!wb) return;
    if (wb.time_msc <= lastTime()) continue;
    await onBar(wb);
    await checkWire(market, guard);
    maxTradesHalt(guard, openCount());
  }
}

/** Wait `ms` (ended early by the signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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

/**
 * A replay's pace after step `i` (started at `t0`, wall ms): `speed` steps a second, or as fast as
 * possible (`speed` 0) with a yield every 256 steps so signals and timers are served.
 */
export async function pace(i: number, t0: number, speed: number, signal?: AbortSignal): Promise<void> {
  if (speed > 0) {
    const wait = t0 + ((i + 1) * 1000) / speed - Date.now();
    if (wait > 0) await sleep(wait, signal);
  } else if ((i & 255) === 255) {
    await sleep(0);
  }
}

/** A bar check: null = good, else why it is refused (`resent` bars are dropped, not counted). */
export type BarCheck = (bar: WireBar, prev: { time: number; close: number } | null) => string | null;

/**
 * Push the good bars of `list` into `buffer`, each checked against the last bar kept; returns the
 * indexes added and the problems of the bars refused (a `resent` bar is skipped silently).
 */
export function takeBars(
  buffer: BarBuffer,
  list: readonly WireBar[],
  check: BarCheck,
): { added: number[]; problems: string[] } {
  const added: number[] = [];
  const problems: string[] = [];
  for (const b of list) {
    const n = buffer.length;
    const problem = check(b, n ? { time: buffer.time[n - 1], close: buffer.close[n - 1] } : null);
    if (problem) {
      if (problem !== "resent") problems.push(problem);
      continue;
    }
    buffer.push(b);
    added.push(buffer.length - 1);
  }
  return { added, problems };
}

/**
 * Journal why the broker or the bridge could not be set up (or why the session stopped on the
 * user's error), close the journal, and throw `thrown` (default: the error itself).
 */
export async function setupFailed(journal: Journal, e: unknown, thrown: unknown = e): Promise<never> {
  await journal.append("halt", {
    reason: (e as { code?: string }).code ?? "setup_failed",
    message: (e as Error).message,
  });
  await journal.close();
  throw thrown;
}

/**
 * What ended a session that ran: a Halt as it is; a bad reply, a lost link, a bug (with its stack,
 * the task exits 70 for `internal_error`) as a Halt. A KinetraError is a Halt over the bridge
 * (`bridge`), else null: the caller reports it as the user's error.
 */
export function haltFrom(e: unknown, bridge: boolean): { halt: Halt; stack: string | null } | null {
  if (e instanceof Halt) return { halt: e, stack: null };
  if (e instanceof BadReplyError) return { halt: new Halt("bad_messages", e.message), stack: null };
  if (e instanceof BridgeError) {
    return {
      halt: new Halt("link_lost", `the bridge link is down and did not come back: ${e.message}`),
      stack: null,
    };
  }
  if (e instanceof KinetraError) return bridge ? { halt: new Halt(e.code, e.message), stack: null } : null;
  return {
    halt: new Halt(
      "internal_error",
      `internal error (a bug in Kinetra, please report it): ${(e as Error)?.message ?? e}`,
    ),
    stack: (e as Error)?.stack ?? String(e),
  };
}

/**
 * Print and journal the halt; true when the positions are to be closed now (`--flatten-on-halt` or a
 * `close all and stop` request, unless the link is lost).
 */
export async function reportHalt(
  s: Pick<LiveSession, "io" | "journal">,
  halted: Halt,
  stack: string | null,
  opts: Pick<LiveOptions, "flattenOnHalt">,
): Promise<boolean> {
  s.io.print(`halted: ${halted.message}`);
  await s.journal.append("halt", {
    reason: halted.reason,
    message: halted.message,
    ...(stack ? { stack } : {}),
  });
  return (Boolean(opts.flattenOnHalt) || halted.reason === "control_stop") && halted.reason !== "link_lost";
}

/** The account fields of a summary. */
export function accountFields(a: AccountInfo): LiveSummary["account"] {
  return { login: a.login, server: a.server, trade_mode: a.trade_mode, currency: a.currency };
}

/** The summary's CHS: last and lowest, null until defined. */
export function chsFields(guard: RiskGuard): LiveSummary["chs"] {
  return {
    last: guard.chsLast === guard.chsLast ? guard.chsLast : null,
    min: guard.chsMin === guard.chsMin ? guard.chsMin : null,
  };
}

/**
 * A basket's symbols (trimmed, without repeats, in order) and timeframe (upper case); a
 * `bad_option` when either is missing.
 */
export function basketSymbols(
  list: readonly string[],
  timeframe: string | undefined,
): { symbols: string[]; timeframe: string } {
  const symbols = [...new Set(list.map((s) => s.trim()).filter(Boolean))];
  if (!symbols.length) throw new KinetraError("bad_option", "--symbols needs at least one symbol");
  if (!timeframe) throw new KinetraError("bad_option", "--symbols needs --timeframe TF");
  return { symbols, timeframe: timeframe.toUpperCase() };
}

/**
 * The end of a run: `run_end` journalled, the journal closed, summary.json written (non-finite
 * numbers as null), the closing line printed.
 */
export async function endRun(
  s: Pick<LiveSession, "journal" | "io" | "summaryPath">,
  runEnd: Record<string, unknown>,
  summary: unknown,
  line: string,
): Promise<void> {
  await s.journal.append("run_end", runEnd);
  await s.journal.close();
  await writeSummary(s.summaryPath, summary);
  s.io.print(line);
}

/** Write a summary atomically, non-finite numbers as null. */
export async function writeSummary(path: string, summary: unknown): Promise<void> {
  await writeJsonAtomic(
    path,
    JSON.parse(JSON.stringify(summary, (_k, v) => typeof v === "number" && !Number.isFinite(v) ? null : v)),
  );
}

/**
 * The strategy on one symbol: its context and state, set up once over a replay or again on every
 * bar (`perBar`: streamed bars, `--recompute per_bar`); with `withEnergy` also the energy column the
 * trade records carry.
 */
export class StrategyRun {
  run: { ctx: StrategyContext; state: unknown } | null = null;
  energy: Float64Array | null = null;
  constructor(
    readonly strategy: Strategy,
    readonly params: Params,
    readonly perBar: boolean,
    readonly withEnergy = true,
  ) {}

  /** Features and `init` over `bars` (see initStrategy). */
  init(bars: BarArrays, where = ""): void {
    this.run = initStrategy(this.strategy, bars, this.params, where);
    if (this.withEnergy) this.energy = energyColumn(bars.close, this.run.ctx.features, null);
  }

  /** The decision at bar `i` of `bars` into `out` (set up again first when `perBar`). */
  decide(
    i: number,
    bars: BarArrays,
    guard: RiskGuard,
    desk: OrderDesk,
    out: OrderIntent[],
    where = "",
  ): void {
    if (this.perBar || !this.run) this.init(bars, where);
    decideAt(this.strategy, i, this.run!, guard, desk, out, where);
  }
}

/**
 * Bar `i` of a bridge session arrived: journalled, then the terminal's own exits (stops hit on the
 * server) booked; a bad reply is counted by the monitor and tried again at the next bar.
 */
export async function bookBar(journal: Journal, desk: OrderDesk, bars: BarArrays, i: number): Promise<void> {
  await journal.append("bar", { bar: i, time: new Date(bars.time[i]).toISOString(), close: bars.close[i] });
  try {
    await desk.syncExternalExits(i);
  } catch (e) {
    if (!(e instanceof BadReplyError)) throw e;
  }
}

/**
 * A bridge session's history of one symbol (`count` bars read with `rates`) into `buffer`, through
 * the history's bar checks; the gates remember the last bar kept, the refused ones are journalled.
 */
export async function loadHistory(
  s: Pick<LiveSession, "journal" | "symbol" | "timeframe" | "opts">,
  market: Market,
  buffer: BarBuffer,
  count: number,
  gates: readonly (BarGate | null)[],
): Promise<{ received: number; refused: number }> {
  const history = await (market.broker as CheckedBridgeBroker).rates(s.symbol, s.timeframe, count);
  const { problems } = takeBars(
    buffer,
    history,
    (h, prev) => barProblem(h, prev, market.serverNow(), market.spec.point, s.opts.barClockToleranceMs),
  );
  const n = buffer.length;
  for (const g of gates) if (g && n) g.last = { time: buffer.time[n - 1], close: buffer.close[n - 1] };
  if (problems.length) await s.journal.append("bad_bar", { history: true, refused: problems.length });
  return { received: history.length, refused: problems.length };
}
