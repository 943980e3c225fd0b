/**
 * The live-testing runner: bars → the same strategy code as the backtest → the MT5 order
 * validator → a broker (paper in virtual mode, the MT5 bridge in demo and live), with a journal
 * written before every order and after it, an online CHS feeding a circuit breaker with
 * hysteresis, limits (trades, duration, daily loss, position size), a kill switch, mode gates,
 * reconciliation of unknown outcomes (never a blind resend) and a summary with the backtest's
 * trade fields and statistics.
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
import { join } from "node:path";
import { existsSync } from "node:fs";
import { computeStats, type ExitReason, type TradeRecord } from "../backtest/mod.ts";
import { type SymbolSpec, symbolSpec } from "../backtest/symbols.ts";
import {
  ACCOUNT_MARGIN_MODE,
  BRIDGE_CODE,
  isSuccessRetcode,
  isUnknownOutcome,
  ORDER_TYPE,
  RETCODE,
  TRADE_ACTION,
} from "../broker/constants.ts";
import { PaperBroker } from "../broker/paper_broker.ts";
import { tradingSpecFromSymbolSpec } from "../broker/specs.ts";
import type {
  Broker,
  BrokerPosition,
  Quote,
  SymbolTradingSpec,
  TradeRequest,
  TradeResult,
} from "../broker/types.ts";
import { normalizePrice } from "../broker/normalize.ts";
import { allowedFilling, validateOrder } from "../broker/validator.ts";
import type { BarArrays } from "../data/types.ts";
import { KinetraError } from "../errors.ts";
import { computeFeatures } from "../features/mod.ts";
import { Mt5BridgeBroker } from "../mt5/bridge_broker.ts";
import { newCid, parseHostPort, type WireBar } from "../mt5/protocol.ts";
import { BridgeError, BridgeServer } from "../mt5/server.ts";
import { ChsTracker } from "../risk/chs.ts";
import { getStrategy } from "../strategies/registry.ts";
import {
  type FeatureArrays,
  type OrderIntent,
  type Params,
  resolveParams,
  type Strategy,
  type StrategyContext,
} from "../strategies/contract.ts";
import { utcStamp, writeJsonAtomic } from "../util/fs.ts";
import { CircuitBreaker } from "./breaker.ts";
import { type LiveConfig, loadLiveConfig, requireSecret } from "./config.ts";
import { accountGate, assertLiveAllowed, CONFIRM_WORD } from "./gates.ts";
import { readControlRequest } from "./control.ts";
import { Journal } from "./journal.ts";
import { TradeLedger } from "./ledger.ts";
import { evaluateReadiness } from "./readiness.ts";
import { entryLots } from "./sizing.ts";
import { findPreparedTest, loadReplayBars } from "./prepared.ts";
import type { LiveIO, LiveOptions, LiveSummary } from "./types.ts";

const DAY_MS = 86_400_000;

/** Internal: stops the session with a reason. */
class Halt extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

/** A growable bar buffer exposed as BarArrays views. */
class BarBuffer {
  time = new Float64Array(1024);
  open = new Float64Array(1024);
  high = new Float64Array(1024);
  low = new Float64Array(1024);
  close = new Float64Array(1024);
  tickVolume = new Float64Array(1024);
  volume = new Float64Array(1024);
  spread = new Float64Array(1024);
  length = 0;

  push(b: WireBar): void {
    if (this.length === this.time.length) {
      for (const k of ["time", "open", "high", "low", "close", "tickVolume", "volume", "spread"] as const) {
        const next = new Float64Array(this.time.length * 2);
        next.set(this[k]);
        this[k] = next;
      }
    }
    const i = this.length++;
    this.time[i] = b.time_msc;
    this.open[i] = b.open;
    this.high[i] = b.high;
    this.low[i] = b.low;
    this.close[i] = b.close;
    this.tickVolume[i] = b.tick_volume;
    this.volume[i] = b.real_volume;
    this.spread[i] = b.spread;
  }

  view(): BarArrays {
    const n = this.length;
    return {
      length: n,
      time: this.time.subarray(0, n),
      open: this.open.subarray(0, n),
      high: this.high.subarray(0, n),
      low: this.low.subarray(0, n),
      close: this.close.subarray(0, n),
      tickVolume: this.tickVolume.subarray(0, n),
      volume: this.volume.subarray(0, n),
      spread: this.spread.subarray(0, n),
    };
  }
}

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

/** Reject with `killed` as soon as the kill switch fires. */
function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () =>
      reject(new KinetraError("killed", "stopped by the kill switch before the session started"));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
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

function energyColumn(features: FeatureArrays): Float64Array | null {
  for (const nm of ["energy", "kinetic_energy", "energy_v7"]) if (features[nm]) return features[nm];
  return null;
}

/** The backtest statistics' rule: weekend bars make up more than 60 % of their calendar share. */
function hasWeekendBars(time: ArrayLike<number>): boolean {
  let weekend = 0;
  for (let k = 0; k < time.length; k++) {
    const d = new Date(time[k]).getUTCDay();
    if (d === 0 || d === 6) weekend++;
  }
  return time.length > 0 && weekend / time.length > 2 / 7 * 0.6;
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
 * Run a live-testing session and return its summary (also written to summary.json next to the
 * journal). User-caused failures before the session starts are KinetraErrors; once the session
 * runs, problems halt it cleanly and are reported in the summary (`status: "halted"`).
 */
export async function runLive(opts: LiveOptions, io: LiveIO = defaultIO()): Promise<LiveSummary> {
  const env = io.env ?? ((n: string) => Deno.env.get(n));
  const mode = opts.mode;
  if (mode !== "virtual" && mode !== "demo" && mode !== "live") {
    throw new KinetraError("bad_mode", `mode must be virtual, demo or live, got "${mode}"`);
  }
  const strategy = typeof opts.strategy === "string" ? getStrategy(opts.strategy) : opts.strategy;
  const params = resolveParams(strategy, opts.params ?? {});
  const threshold = opts.chsThreshold ?? 0.55;
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new KinetraError("bad_option", `--chs-threshold must be in [0, 1], got ${threshold}`);
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
    const loaded = await loadReplayBars(dataPath);
    replay = loaded.bars;
    symbol = symbol || loaded.symbol;
    timeframe = timeframe || loaded.timeframe || "?";
    if (replay.length < 2) throw new KinetraError("bad_bars", `${dataPath} has fewer than 2 bars`);
  }

  // ---- Run folder and journal.
  const runId = opts.runId ??
    `${utcStamp(new Date(), true)}-${mode}-${symbol.replace(/[^A-Za-z0-9+_-]/g, "")}-${strategy.name}`;
  const runDir = join(opts.logsDir ?? "logs/live", runId);
  if (existsSync(runDir)) throw new KinetraError("run_exists", `run folder ${runDir} already exists`);
  await Deno.mkdir(runDir, { recursive: true });
  // Paper orders are written at once but not fsync'ed (a killed process still loses nothing); real
  // orders (demo, live) are synced to disk before they are sent.
  const journal = new Journal(join(runDir, "journal.jsonl"), { sync: mode !== "virtual" });
  const summaryPath = join(runDir, "summary.json");
  const killFiles = [opts.killFile ?? join(runDir, "KILL"), ".kinetra/KILL"];
  const startedAt = new Date();
  const cash = opts.cash ?? 10_000;
  const leverage = opts.leverage ?? 100;
  const magic = opts.magic ?? "20261122";
  await journal.append("run_start", {
    run_id: runId,
    mode,
    symbol,
    timeframe,
    strategy: strategy.name,
    params,
    data: dataPath ?? null,
    chs_threshold: threshold,
    limits: {
      duration_min: opts.durationMin ?? null,
      max_trades: opts.maxTrades ?? null,
      max_daily_loss: opts.maxDailyLoss ?? null,
      max_position_lots: opts.maxPositionLots ?? null,
    },
  });
  io.print(`run ${runId}: ${mode} ${symbol} ${timeframe} ${strategy.name}; journal ${journal.path}`);

  // ---- Counters and state shared by both sources.
  const c = {
    validator_rejections: 0,
    broker_rejections: 0,
    adjustments: 0,
    entries_blocked: 0,
    limit_events: 0,
    unknown_outcomes: 0,
    reconciled: 0,
    resent: 0,
    entries: 0,
  };
  const ourCids = new Set<string>();
  let cidCounter = 0;
  const runTag = runId.replace(/[^0-9a-z]/gi, "").slice(-5);
  const nextCid = () => {
    const cid = newCid(runTag, ++cidCounter);
    ourCids.add(cid);
    return cid;
  };
  const breaker = new CircuitBreaker(threshold);
  let chsLast = NaN, chsMin = NaN, chsLogged = NaN;
  let halted: Halt | null = null;
  let maxTradesNoted = false;
  let flattenNext = false;
  /** Set by a `halt_entries` request on the control channel (the dashboard). */
  let entriesHaltedByControl = false;
  let dailyBlockedDay = -1;
  let dayKey = -1, dayStartEquity = cash;

  let server: BridgeServer | null = null;
  let broker: Broker;
  let paper: PaperBroker | null = null;
  let spec: SymbolSpec;
  let tspec: SymbolTradingSpec;
  let accountInfo: LiveSummary["account"] = null;
  let linkDown: string | null = null;

  // ---- Broker (a failure here is journalled before it is reported).
  try {
    if (mode === "virtual") {
      spec = symbolSpec(symbol);
      tspec = tradingSpecFromSymbolSpec(spec);
      paper = new PaperBroker({
        specs: [tspec],
        balance: cash,
        leverage,
        commissionPerLot: spec.commissionPerLot,
        login: "virtual",
        server: "Kinetra-Paper",
      });
      broker = paper;
    } else {
      const addr = parseHostPort(opts.bridge ?? config.address ?? undefined);
      server = await BridgeServer.listen({
        hostname: addr.hostname,
        port: addr.port,
        secret: requireSecret(config),
        heartbeatMs: opts.heartbeatMs,
        deadAfterMs: opts.deadAfterMs,
        acceptAccount: accountGate(mode, config),
        log: (event, fields) => {
          journal.append("session", { event, ...fields });
        },
      });
      server.onState((state, reason) => {
        linkDown = state === "down" ? reason : null;
        io.print(state === "up" ? "bridge: Expert Advisor connected" : `bridge: link down (${reason})`);
      });
      io.onBridgeListening?.({ hostname: addr.hostname, port: server.port });
      io.print(`bridge: listening on ${addr.hostname}:${server.port}; waiting for the Expert Advisor…`);
      // A refused EA ends the wait at once (its reason is the message), rather than after the timeout.
      let refusedReason: string | null = null;
      const refused = new Promise<never>((_, reject) =>
        server!.onRefused((reason) => {
          refusedReason = reason;
          reject(new KinetraError("account_refused", reason));
        })
      );
      refused.catch(() => {});
      try {
        await abortable(
          Promise.race([server.waitForSession(opts.connectTimeoutMs ?? 60_000), refused]),
          io.signal,
        );
      } catch (e) {
        await server.close();
        if (refusedReason) {
          throw new KinetraError(
            "account_refused",
            `the Expert Advisor connected but was refused: ${refusedReason}. ${mode} mode ` +
              (mode === "demo" ? "accepts only DEMO accounts" : "accepts only the pinned live account") +
              ` (details in ${journal.path})`,
            { exitCode: 1 },
          );
        }
        throw e;
      }
      broker = new Mt5BridgeBroker(server, {
        timeouts: opts.timeouts,
        magic,
        relinkMs: opts.reconnectTimeoutMs ?? 30_000,
      });
      tspec = await broker.symbolSpec(symbol);
      const base = symbolSpec(symbol);
      spec = {
        ...base,
        digits: tspec.digits,
        point: tspec.point,
        tickSize: tspec.trade_tick_size,
        tickValue: tspec.trade_tick_value,
        contractSize: tspec.trade_contract_size,
        volumeMin: tspec.volume_min,
        volumeMax: tspec.volume_max,
        volumeStep: tspec.volume_step,
        stopsLevel: tspec.trade_stops_level,
        freezeLevel: tspec.trade_freeze_level,
      };
    }
  } catch (e) {
    await journal.append("halt", {
      reason: (e as { code?: string }).code ?? "setup_failed",
      message: (e as Error).message,
    });
    await journal.close();
    throw e;
  }
  const acc0 = await broker.account();
  accountInfo = {
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
  const ledger = new TradeLedger(spec, mode === "virtual" ? cash : acc0.balance);
  const startCash = ledger.cash;

  // ---- Order desk: journal before sending, reconcile unknown outcomes, never resend blindly.
  const waitForLink = async (): Promise<void> => {
    if (!server) return;
    try {
      await server.waitForSession(opts.reconnectTimeoutMs ?? 30_000);
    } catch {
      throw new Halt(
        "link_lost",
        `the bridge link is down (${linkDown ?? "no session"}) and did not come back within ${
          (opts.reconnectTimeoutMs ?? 30_000) / 1000
        } s`,
      );
    }
  };
  const tracked = async (
    kind: string,
    cid: string,
    request: unknown,
    call: () => Promise<TradeResult>,
  ): Promise<TradeResult> => {
    await journal.append("order_pending", { cid, kind, request });
    let r = await call();
    let rounds = 0;
    while (
      isUnknownOutcome(r.retcode) || r.bridge_code === BRIDGE_CODE.UNKNOWN ||
      r.bridge_code === BRIDGE_CODE.NOT_DELIVERED
    ) {
      c.unknown_outcomes++;
      await journal.append("order_unknown", {
        cid,
        kind,
        retcode: r.retcode,
        bridge_code: r.bridge_code,
        why: r.comment,
      });
      io.print(`order ${cid}: outcome unknown (${r.comment}); reconciling before anything else`);
      if (++rounds > 3) {
        throw new Halt(
          "order_outcome_unknown",
          `order ${cid} still has no known outcome after 3 reconciliations`,
        );
      }
      try {
        await waitForLink();
      } catch (e) {
        throw new Halt(
          "order_outcome_unknown",
          `${(e as Error).message}; order ${cid} (${kind}) has an UNKNOWN outcome: look for comment ${cid} ` +
            `(magic ${magic}) in the terminal's trade history before trading again`,
        );
      }
      let rec;
      for (let k = 0;; k++) {
        try {
          rec = await broker.reconcile(cid);
          break;
        } catch (e) {
          if (k >= 2) {
            throw new Halt("order_outcome_unknown", `cannot reconcile order ${cid}: ${(e as Error).message}`);
          }
          await waitForLink();
        }
      }
      await journal.append("reconcile", {
        cid,
        state: rec.state,
        result: rec.result ?? null,
        ok: rec.state === "found",
      });
      if (rec.state === "found" && rec.result) {
        c.reconciled++;
        r = rec.result;
        break;
      }
      // Not found: it never reached the server, so sending it again (same cid) cannot duplicate it.
      c.resent++;
      await journal.append("order_pending", { cid, kind, request, resend: true });
      r = await call();
    }
    const ok = isSuccessRetcode(r.retcode) && r.bridge_code !== BRIDGE_CODE.LIVE_GATE;
    await journal.append("order_result", { cid, kind, ok, result: r });
    return r;
  };

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
      energy = energyColumn(ctx.features);
    } else {
      ctx = { bars, features: {}, params };
      state = null;
    }
  } else {
    const b = broker as Mt5BridgeBroker;
    const history = await b.rates(symbol, timeframe, Math.max(start + 50, 300));
    for (const h of history) buffer.push(h);
    bars = buffer.view();
    ctx = { bars, features: {}, params };
    state = null;
    firstBar = buffer.length;
    io.print(`history: ${history.length} bars; strategy warm-up ${warm} bars`);
  }
  const perBar = !replay || opts.recompute === "per_bar";
  /** A price on the symbol's grid, normalised as the validator does (and as the backtest's mt5 profile). */
  const gridPrice = (v: number): number => normalizePrice(tspec, v);
  const spreadPx = (i: number) => (bars.spread ? bars.spread[i] : spec.spreadTypical) * spec.point;
  // Virtual: the bar's spread exactly as the backtest computes it; demo/live: the quote's.
  const spreadNow = (q: Quote, barIdx: number) => (replay ? spreadPx(barIdx) : q.ask - q.bid);

  const chs = new ChsTracker({
    minTrades: 10,
    periodsPerYear: replay
      ? (hasWeekendBars(replay.time) ? 365 : 252)
      : (spec.assetClass === "crypto" ? 365 : 252),
  });
  let lastDayKey = -1, lastDayEq = NaN, prevDayEq = NaN;
  const equity: number[] = [];

  const onClosed = async (recs: TradeRecord[]) => {
    for (const t of recs) {
      const captured = t.side === "long" ? t.exit_price - t.entry_price : t.entry_price - t.exit_price;
      chs.addTrade({ returnPct: t.return_pct, pnl: t.pnl, mfe: t.mfe, captured, energy: t.energy_at_entry });
      await journal.append("fill", {
        what: "exit",
        reason: t.exit_reason,
        side: t.side,
        size: t.size,
        entry_price: t.entry_price,
        exit_price: t.exit_price,
        pnl: t.pnl,
        return_pct: t.return_pct,
        entry_time: t.entry_time,
        exit_time: t.exit_time,
      });
    }
  };

  const positionsOf = async (): Promise<BrokerPosition[]> => (await broker.positions(symbol));

  /** Close `volume` (default all) of one position; returns false when it could not be closed. */
  const closeOne = async (
    p: BrokerPosition,
    positions: BrokerPosition[],
    reason: ExitReason,
    barIdx: number,
    volume = p.volume,
  ): Promise<boolean> => {
    const q = await broker.quote(symbol);
    const req: TradeRequest = {
      action: TRADE_ACTION.DEAL,
      symbol,
      volume,
      type: p.type === 0 ? ORDER_TYPE.SELL : ORDER_TYPE.BUY,
      position: p.ticket,
      type_filling: allowedFilling(tspec, false, p.type === 0 ? 1 : 0) ?? 0,
    };
    const v = validateOrder(req, { spec: tspec, quote: q, positions }, { comparison: "client" });
    if (!v.ok) {
      c.validator_rejections++;
      await journal.append("rejection", {
        by: "validator",
        kind: "close",
        retcode: v.retcode,
        message: v.message,
      });
      io.print(`close refused by the validator: ${v.retcode} ${v.message}`);
      return false;
    }
    const cid = nextCid();
    const partial = volume < p.volume - 1e-12;
    const r = await tracked(
      "close",
      cid,
      { ticket: p.ticket, volume },
      () => broker.close(cid, p.ticket, partial ? volume : undefined),
    );
    if (!isSuccessRetcode(r.retcode)) {
      if (r.retcode === RETCODE.POSITION_CLOSED) return true;
      c.broker_rejections++;
      await journal.append("rejection", {
        by: "broker",
        kind: "close",
        retcode: r.retcode,
        message: r.comment,
      });
      return false;
    }
    const lots = (p.type === 0 ? -1 : 1) * r.volume;
    const recs = reason === "signal" && positions.length === 1 &&
        Math.abs(Math.abs(ledger.netLots) - r.volume) < 1e-9
      ? ledger.closeAll(r.price, barIdx, q.time_msc, reason, spreadNow(q, barIdx))
      : ledger.fill({
        lots,
        price: r.price,
        bar: barIdx,
        time: q.time_msc,
        reason,
        spreadPx: spreadNow(q, barIdx),
        opens: false,
      });
    await onClosed(recs);
    return true;
  };

  const closeAll = async (reason: "signal" | "end" | "stop_out", barIdx: number) => {
    const positions = await positionsOf();
    for (const p of positions) await closeOne(p, positions, reason, barIdx);
  };

  const openEntry = async (
    it: Extract<OrderIntent, { kind: "entry" }>,
    decisionBar: number,
    barIdx: number,
  ) => {
    const blockedBy = breaker.tripped
      ? "circuit_breaker"
      : entriesHaltedByControl
      ? "control"
      : halted
      ? "halting"
      : opts.maxTrades !== undefined && c.entries >= opts.maxTrades
      ? "max_trades"
      : dailyBlockedDay === dayKey && dayKey >= 0
      ? "max_daily_loss"
      : null;
    if (blockedBy) {
      c.entries_blocked++;
      await journal.append("limit", { what: "entry_blocked", by: blockedBy, bar: decisionBar });
      return;
    }
    if (it.type && it.type !== "market") {
      c.validator_rejections++;
      await journal.append("rejection", {
        by: "runner",
        kind: "entry",
        retcode: RETCODE.INVALID_ORDER,
        message: `${it.type} entries are not supported by the live runner (market entries only)`,
      });
      return;
    }
    const q: Quote = await broker.quote(symbol);
    const acc = await broker.account();
    const side = it.side;
    const price = side > 0 ? q.ask : q.bid;
    // Sizing knows only the fill moment: open trades marked at this quote (longs at Bid, shorts at
    // Ask), SL/TP on the price grid the validator will put them on (as the backtest's mt5 profile).
    const sl = it.sl === undefined ? undefined : gridPrice(it.sl);
    const tp = it.tp === undefined ? undefined : gridPrice(it.tp);
    const eq = ledger.equityAt(q.bid, spreadNow(q, barIdx));
    const lots = entryLots({
      spec,
      size: it.size,
      price,
      sl,
      equity: eq,
      // Virtual: the ledger's free margin (the backtest's accounting, swap included); demo/live: the account's.
      marginFree: replay ? Math.max(0, eq - ledger.marginUsed(leverage)) : acc.margin_free,
      leverage,
    });
    if (!lots) {
      c.validator_rejections++;
      await journal.append("rejection", {
        by: "validator",
        kind: "entry",
        retcode: RETCODE.INVALID_VOLUME,
        message: `entry size came out below the minimum volume ${spec.volumeMin}`,
      });
      return;
    }
    if (
      opts.maxPositionLots !== undefined &&
      Math.abs(ledger.netLots + side * lots) > opts.maxPositionLots + 1e-9
    ) {
      c.entries_blocked++;
      c.limit_events++;
      await journal.append("limit", {
        what: "max_position_lots",
        requested: lots,
        net: ledger.netLots,
        max: opts.maxPositionLots,
      });
      return;
    }
    const type = side > 0 ? ORDER_TYPE.BUY : ORDER_TYPE.SELL;
    let positions = await positionsOf();
    // A hedging account would keep both sides open; the strategy contract nets them (as the
    // backtest does), so opposite positions are closed first-in first-out before the remainder opens.
    let remaining = lots;
    if (acc.margin_mode === ACCOUNT_MARGIN_MODE.RETAIL_HEDGING) {
      const opposite = positions.filter((p) => p.type !== type).sort((a, b) => a.time_msc - b.time_msc);
      for (const p of opposite) {
        if (remaining <= 1e-12) break;
        const vol = Math.min(p.volume, remaining);
        if (!(await closeOne(p, positions, "reverse", barIdx, vol))) return;
        remaining = Number((remaining - vol).toFixed(8));
      }
      if (remaining <= 1e-12) return;
      positions = await positionsOf();
    }
    const req: TradeRequest = {
      action: TRADE_ACTION.DEAL,
      symbol,
      volume: remaining,
      type,
      sl,
      tp,
      deviation: 20,
      type_filling: allowedFilling(tspec, false, type) ?? 0,
      magic,
    };
    const v = validateOrder(req, { spec: tspec, quote: q, account: acc, positions }, {
      autoAdjust: opts.autoAdjust ?? true,
      comparison: "client",
    });
    for (const a of v.adjustments) {
      c.adjustments++;
      await journal.append("adjustment", { ...a });
      io.print(`adjusted ${a.field}: ${a.from ?? "none"} -> ${a.to} (${a.reason})`);
    }
    if (!v.ok) {
      c.validator_rejections++;
      await journal.append("rejection", {
        by: "validator",
        kind: "entry",
        retcode: v.retcode,
        message: v.message,
      });
      io.print(`entry refused by the validator: ${v.retcode} ${v.retcode_name}: ${v.message}`);
      return;
    }
    const cid = nextCid();
    const sent = { ...v.request, comment: cid };
    const r = await tracked("entry", cid, sent, () => broker.send(cid, sent));
    if (!isSuccessRetcode(r.retcode) || r.bridge_code === BRIDGE_CODE.LIVE_GATE) {
      c.broker_rejections++;
      await journal.append("rejection", {
        by: "broker",
        kind: "entry",
        retcode: r.retcode,
        message: r.comment,
      });
      io.print(`entry refused by the broker: ${r.retcode}: ${r.comment}`);
      return;
    }
    c.entries++;
    const recs = ledger.fill({
      lots: side * r.volume,
      price: r.price,
      bar: barIdx,
      time: q.time_msc,
      reason: "reverse",
      spreadPx: spreadNow(q, barIdx),
      opens: true,
      sl: v.request.sl,
      tp: v.request.tp,
      tag: it.tag,
      energy: energy ? energy[decisionBar] : NaN,
    });
    await journal.append("fill", {
      what: "entry",
      cid,
      side,
      lots: r.volume,
      price: r.price,
      time: new Date(q.time_msc).toISOString(),
    });
    await onClosed(recs);
  };

  /**
   * A `modify` intent: move the SL/TP of every open position through the broker (prices on the grid,
   * validated without adjustment, journalled), then on the ledger's trades. An unchanged level is a
   * no-op, a refused one is counted and journalled (the backtest records it as a rejection).
   */
  const modifyBrackets = async (it: Extract<OrderIntent, { kind: "modify" }>, barIdx: number) => {
    for (const v of [it.sl, it.tp]) {
      if (v !== undefined && !(v > 0 && Number.isFinite(v))) {
        c.validator_rejections++;
        await journal.append("rejection", {
          by: "runner",
          kind: "modify",
          retcode: RETCODE.INVALID_STOPS,
          message: `modify needs positive finite SL/TP prices (sl=${it.sl}, tp=${it.tp})`,
        });
        return;
      }
    }
    const sl = it.sl === undefined ? undefined : gridPrice(it.sl);
    const tp = it.tp === undefined ? undefined : gridPrice(it.tp);
    const positions = await positionsOf();
    let changed = false;
    for (const p of positions) {
      const newSl = sl ?? p.sl, newTp = tp ?? p.tp;
      if (newSl === p.sl && newTp === p.tp) continue;
      const q = await broker.quote(symbol);
      const req: TradeRequest = {
        action: TRADE_ACTION.SLTP,
        symbol,
        volume: p.volume,
        type: p.type,
        position: p.ticket,
        sl: newSl,
        tp: newTp,
      };
      // Virtual replay compares with the server's rule (as the backtest does); demo/live keep the
      // client's extra point of margin.
      const v = validateOrder(req, { spec: tspec, quote: q, positions }, {
        autoAdjust: false,
        comparison: replay ? "server" : "client",
      });
      if (!v.ok) {
        c.validator_rejections++;
        await journal.append("rejection", {
          by: "validator",
          kind: "modify",
          retcode: v.retcode,
          message: v.message,
          ticket: p.ticket,
        });
        io.print(`modify refused by the validator: ${v.retcode} ${v.message}`);
        continue;
      }
      const cid = nextCid();
      const r = await tracked(
        "modify",
        cid,
        { ticket: p.ticket, sl: newSl, tp: newTp, bar: barIdx },
        () => broker.modify(cid, p.ticket, newSl, newTp),
      );
      if (!isSuccessRetcode(r.retcode)) {
        c.broker_rejections++;
        await journal.append("rejection", {
          by: "broker",
          kind: "modify",
          retcode: r.retcode,
          message: r.comment,
          ticket: p.ticket,
        });
        continue;
      }
      changed = true;
    }
    if (changed) ledger.setBrackets(sl, tp);
  };

  const executeIntents = async (intents: OrderIntent[], decisionBar: number, barIdx: number) => {
    for (const it of intents) {
      if (it.kind === "close") await closeAll("signal", barIdx);
      else if (it.kind === "entry") await openEntry(it, decisionBar, barIdx);
      else if (it.kind === "modify") await modifyBrackets(it, barIdx);
    }
  };

  // Stops and exits the broker made on its own (server-side SL/TP), learned from its deals.
  const seenDeals = new Set<string>();
  const syncExternalExits = async (barIdx: number) => {
    const deals = await broker.historyDeals();
    for (const d of deals) {
      if (seenDeals.has(d.ticket)) continue;
      seenDeals.add(d.ticket);
      if (ourCids.has(d.comment) || d.symbol !== symbol || d.entry !== 1) continue;
      const reason = d.comment.startsWith("sl") || (d as { reason?: number }).reason === 4
        ? "sl"
        : d.comment.startsWith("tp") || (d as { reason?: number }).reason === 5
        ? "tp"
        : "stop_out";
      const lots = (d.type === 0 ? 1 : -1) * d.volume;
      const recs = ledger.fill({
        lots,
        price: d.price,
        bar: barIdx,
        time: d.time_msc,
        reason,
        spreadPx: spreadPx(barIdx),
        opens: false,
      });
      await onClosed(recs);
    }
  };

  const checkKill = () => {
    if (io.signal?.aborted) throw new Halt("kill_switch", "halted by the kill switch (signal)");
    for (const f of killFiles) {
      if (existsSync(f)) throw new Halt("kill_switch", `halted by the kill switch (file ${f})`);
    }
    if (opts.durationMin !== undefined && Date.now() - startedAt.getTime() > opts.durationMin * 60_000) {
      throw new Halt("duration", `duration limit of ${opts.durationMin} min reached`);
    }
  };

  /** The control channel (lib/live/control.ts): a request written by the dashboard, acted on between bars. */
  const checkControl = async () => {
    const req = await readControlRequest(runDir);
    if (!req) return;
    await journal.append("control", { ...req });
    if (req.error) {
      io.print(`control request ignored: ${req.error}`);
      return;
    }
    if (req.action === "halt_entries") {
      if (!entriesHaltedByControl) io.print(`control: new entries halted (${req.source})`);
      entriesHaltedByControl = true;
    } else if (req.action === "close_all_stop") {
      throw new Halt("control_stop", `close all and stop requested (${req.source})`);
    }
  };

  /** Everything after bar i closed: excursions, equity, CHS, breaker, limits, decision. */
  const afterClose = async (i: number): Promise<OrderIntent[]> => {
    ledger.updateExcursions(bars.high[i], bars.low[i]);
    const eq = ledger.equityAt(bars.close[i], spreadPx(i));
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
        ? ledger.openRecords(bars.close[i], spreadPx(i), i, bars.time[i]).map((t) => ({
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
    // Daily returns for CHS (the same periods as the backtest statistics).
    const key = Math.floor(bars.time[i] / DAY_MS);
    if (key !== lastDayKey) {
      if (lastDayKey >= 0) {
        if (prevDayEq === prevDayEq && prevDayEq > 0) chs.addReturn(lastDayEq / prevDayEq - 1);
        prevDayEq = lastDayEq;
      }
      lastDayKey = key;
    }
    lastDayEq = eq;
    if (key !== dayKey) {
      dayKey = key;
      dayStartEquity = equity[i - 1] ?? eq;
    }
    const value = chs.value();
    if (value === value) {
      chsLast = value;
      chsMin = chsMin === chsMin ? Math.min(chsMin, value) : value;
      if (Math.abs(value - (chsLogged === chsLogged ? chsLogged : -1)) > 1e-12) {
        chsLogged = value;
        await journal.append("chs", { bar: i, bar_time: new Date(bars.time[i]).toISOString(), value });
      }
      const tr = breaker.update(value);
      if (tr) {
        await journal.append("breaker", {
          state: tr,
          chs: value,
          threshold: threshold,
          reset_above: breaker.resetAbove,
          bar: i,
          bar_time: new Date(bars.time[i]).toISOString(),
        });
        io.print(
          tr === "tripped"
            ? `circuit breaker TRIPPED: CHS ${value.toFixed(3)} < ${threshold}; new entries stopped`
            : `circuit breaker reset: CHS ${value.toFixed(3)} > ${breaker.resetAbove.toFixed(2)}`,
        );
        if (tr === "tripped" && opts.flattenOnBreaker) {
          flattenNext = true;
          await journal.append("limit", { what: "flatten_on_breaker", bar: i });
        }
      }
    }
    if (
      opts.maxDailyLoss !== undefined && dailyBlockedDay !== dayKey && eq < dayStartEquity - opts.maxDailyLoss
    ) {
      dailyBlockedDay = dayKey;
      c.limit_events++;
      await journal.append("limit", { what: "max_daily_loss", equity: eq, day_start_equity: dayStartEquity });
      io.print(`daily loss limit reached (${(dayStartEquity - eq).toFixed(2)}); no new entries today`);
    }
    if (opts.maxTrades !== undefined && c.entries >= opts.maxTrades && !maxTradesNoted) {
      maxTradesNoted = true;
      c.limit_events++;
      await journal.append("limit", { what: "max_trades", entries: c.entries });
    }
    // A breaker flatten goes out like a close intent: at the next bar's open (virtual) or now (demo).
    const flatten: OrderIntent[] = flattenNext ? [{ kind: "close", tag: "breaker" }] : [];
    flattenNext = false;
    if (i < start) return flatten;
    if (perBar) {
      ({ ctx, state } = initStrategy(strategy, bars, params));
      energy = energyColumn(ctx.features);
    }
    const out: OrderIntent[] = flatten;
    try {
      strategy.decide(i, ctx, state, ledger.position, out);
    } catch (e) {
      throw new Halt(
        "strategy_error",
        `strategy ${strategy.name} failed at bar ${i}: ${(e as Error)?.message ?? e}`,
      );
    }
    return out;
  };

  const doneAfterMaxTrades = () =>
    opts.maxTrades !== undefined && c.entries >= opts.maxTrades && ledger.openCount === 0;

  // ---- The session.
  let lastIndex = -1;
  let endedNormally = false;
  try {
    if (replay && paper) {
      const n = replay.length;
      for (let k = 0; k < Math.min(start, n); k++) equity[k] = cash;
      let pending: OrderIntent[] = [];
      let lastDecision = -1;
      const t0 = Date.now();
      for (let i = 0; i < n; i++) {
        checkKill();
        await checkControl();
        // Bar i opens: quote at its open, swap for the nights crossed, then the orders decided at i-1.
        // Ask = Bid + spread exactly as the backtest computes it (not re-rounded), for parity.
        paper.setQuote({
          symbol,
          bid: bars.open[i],
          ask: bars.open[i] + spreadPx(i),
          time_msc: bars.time[i],
        });
        if (i >= start) {
          if (i > 0) ledger.chargeSwap(bars.time[i - 1], bars.time[i], bars.close[i - 1]);
          const closes = pending.filter((x) => x.kind === "close");
          const entries = pending.filter((x) => x.kind !== "close");
          await executeIntents(closes, lastDecision, i);
          // Stops of positions already open, then the new entries and their own stops on this bar.
          await applyStops(i, undefined);
          const before = new Set((await paper.positions(symbol)).map((p) => p.ticket));
          await executeIntents(entries, lastDecision, i);
          const fresh = new Set(
            (await paper.positions(symbol)).map((p) => p.ticket).filter((t) => !before.has(t)),
          );
          if (fresh.size) await applyStops(i, fresh);
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
              ask: bars.close[i] + spreadPx(i),
              time_msc: bars.time[i],
            });
            await executeIntents(modifies, i, i);
          }
          pending = out.filter((x) => x.kind !== "modify");
          lastDecision = i;
        }
        if (doneAfterMaxTrades()) {
          throw new Halt("max_trades", `max trades (${opts.maxTrades}) reached and flat`);
        }
        if (speed > 0) {
          const due = t0 + ((i + 1) * 1000) / speed;
          const wait = due - Date.now();
          if (wait > 0) await sleep(wait, io.signal);
        } else if ((i & 255) === 255) {
          await sleep(0);
        }
      }
      endedNormally = true;
    } else if (server) {
      const b = broker as Mt5BridgeBroker;
      const queue: WireBar[] = [];
      let endOfData = false;
      let wake: (() => void) | null = null;
      server.onEvent((m) => {
        if (m.t === "bar" && m.symbol === symbol && (!m.timeframe || m.timeframe === timeframe)) {
          queue.push(m.bar as WireBar);
          wake?.();
        } else if (m.t === "market_state" && m.end_of_data) {
          endOfData = true;
          wake?.();
        }
      });
      server.onState(() => wake?.());
      await b.subscribeBars(symbol, timeframe);
      io.print(`streaming ${symbol} ${timeframe} bars from the terminal`);
      let downSince = 0;
      let lastBarAt = Date.now();
      while (true) {
        checkKill();
        await checkControl();
        if (!queue.length) {
          if (opts.barTimeoutMs !== undefined && Date.now() - lastBarAt > opts.barTimeoutMs) {
            throw new Halt(
              "no_bars",
              `no new bar from the terminal for ${(opts.barTimeoutMs / 1000).toFixed(1)} s`,
            );
          }
          if (endOfData) {
            endedNormally = true;
            break;
          }
          if (linkDown) {
            downSince ||= Date.now();
            if (Date.now() - downSince > (opts.reconnectTimeoutMs ?? 30_000)) {
              throw new Halt("link_lost", `the bridge link is down (${linkDown}) and did not come back`);
            }
          } else downSince = 0;
          await new Promise<void>((r) => {
            const t = setTimeout(r, 200);
            wake = () => {
              clearTimeout(t);
              r();
            };
          });
          wake = null;
          continue;
        }
        const wb = queue.shift()!;
        lastBarAt = Date.now();
        if (buffer.length && wb.time_msc <= buffer.time[buffer.length - 1]) continue; // re-sent bar
        buffer.push(wb);
        bars = buffer.view();
        if (!perBar) ctx = { ...ctx, bars };
        const i = buffer.length - 1;
        equity.length = buffer.length;
        if (lastIndex < 0) { for (let k = 0; k < i; k++) equity[k] = startCash; }
        await journal.append("bar", { bar: i, time: new Date(wb.time_msc).toISOString(), close: wb.close });
        if (lastIndex >= 0) ledger.chargeSwap(bars.time[i - 1], bars.time[i], bars.close[i - 1]);
        await syncExternalExits(i);
        const out = await afterClose(i);
        lastIndex = i;
        if (out.length) await executeIntents(out, i, i + 1);
        if (doneAfterMaxTrades()) {
          throw new Halt("max_trades", `max trades (${opts.maxTrades}) reached and flat`);
        }
      }
    }
  } catch (e) {
    if (e instanceof Halt) halted = e;
    else if (e instanceof BridgeError) {
      halted = new Halt("link_lost", `the bridge link is down and did not come back: ${e.message}`);
    } else if (e instanceof KinetraError && server) halted = new Halt(e.code, e.message);
    else {
      await server?.close();
      await journal.close();
      throw e;
    }
  }

  async function applyStops(i: number, only: Set<string> | undefined): Promise<void> {
    if (!paper) return;
    const exits = paper.processBar(symbol, {
      open: bars.open[i],
      high: bars.high[i],
      low: bars.low[i],
      spreadPoints: bars.spread ? bars.spread[i] : spec.spreadTypical,
      time_msc: bars.time[i],
    }, only);
    for (const x of exits) {
      // An exit sells a long position and buys back a short one.
      const lots = ledger.netLots > 0 ? -x.result.volume : x.result.volume;
      const recs = ledger.fill({
        lots,
        price: x.price,
        bar: i,
        time: bars.time[i],
        reason: x.reason,
        spreadPx: spreadPx(i),
        opens: false,
      });
      await onClosed(recs);
    }
  }

  // The last period's return (the backtest statistics count it too), then the final CHS.
  if (lastDayKey >= 0 && prevDayEq === prevDayEq && prevDayEq > 0) {
    chs.addReturn(lastDayEq / prevDayEq - 1);
    const v = chs.value();
    if (v === v) {
      chsLast = v;
      chsMin = chsMin === chsMin ? Math.min(chsMin, v) : v;
      await journal.append("chs", {
        bar: lastIndex,
        bar_time: new Date(bars.time[lastIndex]).toISOString(),
        final: true,
        value: v,
      });
    }
  }

  // ---- Halt handling and summary.
  if (halted) {
    io.print(`halted: ${halted.message}`);
    await journal.append("halt", { reason: halted.reason, message: halted.message });
    if ((opts.flattenOnHalt || halted.reason === "control_stop") && !(halted.reason === "link_lost")) {
      try {
        // Virtual: the market is at the last processed bar's close.
        if (paper && lastIndex >= 0) {
          paper.setQuote({
            symbol,
            bid: bars.close[lastIndex],
            ask: bars.close[lastIndex] + spreadPx(lastIndex),
            time_msc: bars.time[lastIndex],
          });
        }
        await closeAll("end", Math.max(0, lastIndex));
      } catch (e) {
        io.print(`could not flatten: ${(e as Error).message}`);
      }
    }
  }
  // Duplicates: any client order id that produced more than one deal.
  let duplicates = 0;
  try {
    const deals = await broker.historyDeals();
    const per = new Map<string, number>();
    for (const d of deals) if (ourCids.has(d.comment)) per.set(d.comment, (per.get(d.comment) ?? 0) + 1);
    for (const v of per.values()) if (v > 1) duplicates += v - 1;
  } catch { /* link down: counted from the journal only */ }
  await server?.close();

  const n = lastIndex + 1;
  const eqArr = new Float64Array(n);
  for (let k = 0; k < n; k++) eqArr[k] = equity[k] ?? startCash;
  const time = bars.time.subarray(0, n);
  const close = bars.close.subarray(0, n);
  const openTrades = n > 0 ? ledger.openRecords(close[n - 1], spreadPx(n - 1), n - 1, time[n - 1]) : [];
  const stats = computeStats({
    profile: "mt5",
    time,
    close,
    equity: eqArr,
    trades: ledger.closed,
    openTrades: openTrades.length,
    start: Math.min(replay ? start : Math.max(start, firstBar), n),
    rejected: c.validator_rejections + c.broker_rejections,
    cancelled: 0,
  });
  const summary: LiveSummary = {
    run_id: runId,
    mode,
    symbol,
    timeframe,
    strategy: strategy.name,
    params,
    started_at: startedAt.toISOString(),
    ended_at: new Date().toISOString(),
    status: halted ? "halted" : "completed",
    halt_reason: halted?.reason ?? null,
    halt_message: halted?.message ?? null,
    bars_processed: Math.max(0, n - (replay ? 0 : firstBar)),
    trades: ledger.closed,
    open_trades: openTrades,
    stats,
    chs: { last: chsLast === chsLast ? chsLast : null, min: chsMin === chsMin ? chsMin : null },
    breaker_events: breaker.trips,
    breaker_resets: breaker.resets,
    validator_rejections: c.validator_rejections,
    broker_rejections: c.broker_rejections,
    adjustments: c.adjustments,
    entries_blocked: c.entries_blocked,
    limit_events: c.limit_events,
    duplicate_orders: duplicates,
    unknown_outcomes: c.unknown_outcomes,
    reconciled: c.reconciled,
    resent: c.resent,
    account: accountInfo,
    readiness: evaluateReadiness({
      mode,
      chs: chsLast,
      omega: Number(stats.omega_trades),
      energyCapturedPct: Number(stats.energy_captured_pct),
      validatorRejections: c.validator_rejections,
      breakerEvents: breaker.trips,
      closedTrades: ledger.closed.length,
    }),
    journal: journal.path,
    summary_path: summaryPath,
  };
  await journal.append("run_end", {
    status: summary.status,
    halt_reason: summary.halt_reason,
    trades: summary.trades.length,
    breaker_events: summary.breaker_events,
    validator_rejections: summary.validator_rejections,
    duplicate_orders: duplicates,
    completed_normally: endedNormally,
  });
  await journal.close();
  await writeJsonAtomic(
    summaryPath,
    JSON.parse(JSON.stringify(summary, (_k, v) => typeof v === "number" && !Number.isFinite(v) ? null : v)),
  );
  io.print(
    `${summary.status}: ${summary.trades.length} trades, return ${Number(stats.return_pct).toFixed(2)} %, ` +
      `CHS ${
        summary.chs.last === null ? "n/a" : summary.chs.last.toFixed(3)
      }, breaker events ${summary.breaker_events}, ` +
      `validator rejections ${summary.validator_rejections}; summary ${summaryPath}`,
  );
  return summary;
}
