/**
 * The portfolio engine: one account (cash, equity, margin, stop-out) over several symbols, each
 * with its own specification, costs, netting or hedging, on the backtest engine's execution core
 * (one `Engine` per symbol booking into a shared account).
 *
 * Per time of the union of the symbols' times: (a) every symbol with a bar then opens it (swap,
 * pending orders against its open/high/low; fills size against the whole account), (b) marks its
 * open trades at its close; symbols without a bar keep their last quote and marks, (c) the account
 * is checked: below the stop-out level the most losing position is closed first, and again, until
 * the margin level is restored (MT5's order); at zero equity everything is closed and the run
 * stops, (d) strategies decide: a broadcast single-symbol strategy on each symbol that had a bar, a
 * portfolio strategy once with every symbol in view.
 *
 * @example
 * ```ts
 * import { runPortfolio } from "./engine.ts";
 * import { getStrategy } from "../strategies/registry.ts";
 * const bars = (phase: number) => {
 *   const n = 300;
 *   const close = Float64Array.from({ length: n }, (_, i) => 1.1 + 0.01 * Math.sin(i / 9 + phase));
 *   return {
 *     length: n, time: Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * 3_600_000),
 *     open: close, high: close.map((c) => c + 0.001), low: close.map((c) => c - 0.001), close,
 *     tickVolume: new Float64Array(n), volume: new Float64Array(n), spread: null,
 *   };
 * };
 * const r = runPortfolio({
 *   symbols: [{ symbol: "AUDUSD+", bars: bars(0) }, { symbol: "GBPUSD+", bars: bars(1) }],
 *   strategy: getStrategy("sma_cross"),
 *   config: { sizing: { mode: "lots", lots: 0.1 } },
 * });
 * console.log(r.stats.trades, r.symbols.map((s) => s.net_profit));
 * ```
 *
 * @module
 */
import type { BarArrays } from "../data/types.ts";
import { KinetraError } from "../errors.ts";
import { type BacktestConfig, resolveConfig } from "../backtest/config.ts";
import { Engine, type EngineAccount, type EngineOutput } from "../backtest/engine.ts";
import type { Rejection, TradeRecord } from "../execution/types.ts";
import { checkBacktestBars, type ConversionSummary } from "../backtest/run.ts";
import { type Instrument, symbolSpec, validateInstrument } from "../market/instrument.ts";
import {
  type FeatureArrays,
  type OrderIntent,
  type Params,
  type PositionView,
  resolveParams,
  type Strategy,
} from "../strategies/contract.ts";
import { alignUnion } from "./align.ts";
import {
  isPortfolioStrategy,
  type PortfolioContext,
  type PortfolioIntent,
  type PortfolioStrategy,
  type PortfolioView,
} from "./contract.ts";

/** Per-symbol settings that may differ from the account's (costs, netting/hedging). */
export type SymbolOverrides = Partial<
  Pick<BacktestConfig, "spread" | "commission" | "hedging" | "slippagePoints" | "swap" | "sizing">
>;

/** One symbol of the basket. */
export interface PortfolioSymbol {
  /** Name (selects the built-in spec when `spec` is absent). */
  symbol: string;
  /** Its bars (`toArrays`). */
  bars: BarArrays;
  /** Its specification (default `symbolSpec(symbol)`). */
  spec?: Instrument;
  /** Feature columns its strategy needs. */
  features?: FeatureArrays;
  /** Settings that differ from the account's. */
  overrides?: SymbolOverrides;
  /** Conversion at the rate of the moment (`conversionForFile`); absent = static rates. */
  conversion?: {
    readonly valueScale: { readonly open: Float64Array; readonly close: Float64Array } | null;
    readonly info: ConversionSummary;
  } | null;
}

/** Allocation limits checked when an entry intent becomes an order. */
export interface PortfolioLimits {
  /** Most open positions (open trades plus pending entries) on the account. */
  maxPositions?: number;
  /** Most notional exposure in total, % of equity (open trades at their last close). */
  maxExposurePct?: number;
  /** Most notional exposure per asset class, % of equity (one number for every class, or per class). */
  maxClassExposurePct?: number | Readonly<Record<string, number>>;
}

/** Inputs of a portfolio run. */
export interface PortfolioOptions {
  /** The symbols of the basket. */
  symbols: readonly PortfolioSymbol[];
  /** A single-symbol strategy (broadcast to every symbol) or a portfolio strategy. */
  strategy: Strategy | PortfolioStrategy;
  /** Strategy parameters (defaults filled in, unknown names refused). */
  params?: Params;
  /** Account configuration (profile, cash, margin/leverage, stop-out, sizing, finalize, …). */
  config?: Partial<BacktestConfig>;
  /** Allocation limits (none by default). */
  limits?: PortfolioLimits;
}

/** One symbol's part of the run. */
export interface PortfolioSymbolResult {
  /** Symbol name. */
  symbol: string;
  /** Its asset class. */
  asset_class: string;
  /** The specification used. */
  spec: Instrument;
  /** Closed trades (bar indexes into the symbol's own bars, as a lone run reports them). */
  trades: TradeRecord[];
  /** Trades still open at the end (marked at its last close). */
  openTrades: TradeRecord[];
  /** Sum of the closed trades' net profit (account currency). */
  net_profit: number;
  /** Realised plus unrealised P&L at the end (closed trades, open trades at the last close). */
  contribution: number;
  /** Share of its own bars with a trade open, %. */
  exposure_pct: number;
  /** Orders refused (broker rules and portfolio limits). */
  rejections: Rejection[];
  /** Its currency conversion, or null at static rates. */
  conversion: ConversionSummary | null;
  /** The engine's output (trade log, start bar). */
  output: EngineOutput;
  /** Contribution (realised + unrealised) at each union time. */
  contributionSeries: Float64Array;
}

/** Everything a portfolio run produced (statistics in `portfolioStats`). */
export interface PortfolioRun {
  /** The resolved account configuration. */
  config: BacktestConfig;
  /** The resolved strategy parameters. */
  params: Params;
  /** Union of the symbols' times. */
  time: Float64Array;
  /** Account equity at each union time. */
  equity: Float64Array;
  /** Union index where the account ran out of money (-1 if it did not). */
  ruinedAt: number;
  /** First union time a decision could be taken. */
  start: number;
  /** Per symbol, in the order given. */
  symbols: PortfolioSymbolResult[];
  /** Notional exposure per asset class at each union time, % of equity. */
  exposureByClass: Record<string, Float64Array>;
  /** Margin of every open trade at each union time (after that time's stop-out closes), account currency. */
  margin: Float64Array;
  /**
   * Lowest margin level (equity ÷ margin × 100) at any mark while margin was used, before that
   * time's stop-out closes (so below the stop-out level when one happened); Infinity if never.
   */
  marginLevelMinPct: number;
  /** Union indexes at which a stop-out closed positions. */
  stopOutTimes: number[];
  /** Cash at the end (after finalize): the account's balance. */
  balance: number;
  /** Per symbol: its last bar at or before each union time. */
  barIndex: Int32Array[];
}

const NOOP: Strategy = {
  name: "portfolio_leg",
  description: "a symbol driven by a portfolio strategy",
  params: {},
  features: [],
  warmup: () => 1,
  init: () => null,
  decide: () => {},
};

/** Run one account over several symbols. Synchronous and pure (no I/O). */
export function runPortfolio(opts: PortfolioOptions): PortfolioRun {
  const sim = createPortfolioSimulation(opts);
  while (sim.step());
  return sim.finish();
}

/** A closed trade reported by `PortfolioSimulation.takeClosedTrades`. */
export interface ClosedTrade {
  /** Index of the symbol. */
  symbol: number;
  /** The trade (bar indexes into the symbol's own bars). */
  trade: TradeRecord;
}

/**
 * A portfolio run driven one union time at a time (the live runner's virtual basket drives it
 * between its own checks: kill switch, control channel, CHS and breaker). `runPortfolio` is
 * `while (sim.step()); sim.finish()`.
 */
export interface PortfolioSimulation {
  /** Union of the symbols' times. */
  readonly time: Float64Array;
  /** The symbols' names, in order. */
  readonly symbols: readonly string[];
  /** Index of the union time advanced to (after `advance`, until `decide`), else of the next one. */
  readonly next: number;
  /** Account equity at the last time processed. */
  readonly equity: number;
  /** Open trades on the account. */
  readonly openTrades: number;
  /** Process the next union time; false when done (or the account ran out of money). */
  step(): boolean;
  /**
   * The first half of `step`: opens, marks and the account check of the next time (its index is
   * `next`); false when done. `decide` (or the next `advance`) then takes its decisions.
   */
  advance(): boolean;
  /** The second half of `step`: the strategies decide at the time advanced to. */
  decide(): void;
  /** While non-null, every new entry is refused with this reason (a `portfolio_limit` rejection). */
  blockEntries(reason: string | null): void;
  /** Close every open position (orders filled at each symbol's next bar), tagged `tag`. */
  flattenAll(tag: string): void;
  /** Trades closed since the last call, in symbol order. */
  takeClosedTrades(): ClosedTrade[];
  /** Finalize (when configured) and build the run. */
  finish(): PortfolioRun;
}

/** Set up a portfolio run to be stepped (see `PortfolioSimulation`). */
export function createPortfolioSimulation(opts: PortfolioOptions): PortfolioSimulation {
  const syms = opts.symbols;
  if (!syms.length) throw new KinetraError("bad_portfolio", "a portfolio needs at least one symbol");
  const names = new Set<string>();
  for (const s of syms) {
    if (names.has(s.symbol)) throw new KinetraError("bad_portfolio", `symbol ${s.symbol} is given twice`);
    names.add(s.symbol);
    try {
      checkBacktestBars(s.bars);
    } catch (e) {
      if (e instanceof KinetraError) throw new KinetraError(e.code, `${s.symbol}: ${e.message}`);
      throw e;
    }
  }
  const config = resolveConfig(opts.config);
  const strategy = opts.strategy;
  const portfolio = isPortfolioStrategy(strategy);
  const params = resolveParams(strategy as Strategy, opts.params ?? {});
  const K = syms.length;
  const specs = syms.map((s) => s.spec ?? symbolSpec(s.symbol));
  specs.forEach(validateInstrument);
  const features = syms.map((s) => s.features ?? {});
  for (let k = 0; k < K; k++) {
    for (const f of strategy.features) {
      if (!features[k][f]) {
        throw new KinetraError(
          "missing_features",
          `strategy ${strategy.name} needs feature "${f}" on ${
            syms[k].symbol
          }; compute it with computeFeatures`,
        );
      }
    }
  }

  // The shared account: cash, and each engine's last marks (the others' part of equity and margin).
  const engines: Engine[] = [];
  const slot = new Map<Engine, number>();
  const openPnl = new Float64Array(K), marginEntry = new Float64Array(K), marginClose = new Float64Array(K);
  const account: EngineAccount = {
    cash: config.cash,
    othersOpen(self: Engine): number {
      const me = slot.get(self)!;
      let s = 0;
      for (let k = 0; k < K; k++) if (k !== me) s += openPnl[k];
      return s;
    },
    othersMargin(self: Engine): number {
      const me = slot.get(self)!;
      let s = 0;
      for (let k = 0; k < K; k++) if (k !== me) s += marginEntry[k];
      return s;
    },
  };
  const cfgs: BacktestConfig[] = [];
  for (let k = 0; k < K; k++) {
    const cfg = resolveConfig({ ...config, ...(syms[k].overrides ?? {}), symbol: specs[k] });
    cfgs.push(cfg);
    const e = new Engine(syms[k].bars, cfg, specs[k], features[k], {
      valueScale: syms[k].conversion?.valueScale ?? null,
      account,
    });
    engines.push(e);
    slot.set(e, k);
  }

  const align = alignUnion(syms.map((s) => s.bars.time));
  const U = align.time.length;
  const equity = new Float64Array(U);
  const contrib = syms.map(() => new Float64Array(U));
  const realized = new Float64Array(K);
  const classes = [...new Set(specs.map((s) => s.assetClass as string))].sort();
  const classOf = specs.map((s) => classes.indexOf(s.assetClass));
  const exposure = classes.map(() => new Float64Array(U));
  /** Notional value of each symbol's open trades at its last close (exposure; margin is this × rate ÷ leverage). */
  const valueClose = new Float64Array(K);
  const margin = new Float64Array(U);
  const stopOutTimes: number[] = [];
  let marginLevelMin = Infinity;

  const refresh = (k: number) => {
    const e = engines[k];
    openPnl[k] = e.openPnl;
    marginEntry[k] = e.marginAtEntry;
    marginClose[k] = e.marginAtClose;
    valueClose[k] = e.valueAtClose;
  };
  /** Run `f` on engine k, booking the cash it moves to k's realised P&L. */
  const booked = (k: number, f: () => void) => {
    const before = account.cash;
    f();
    realized[k] += account.cash - before;
  };
  const accountEquity = () => {
    let eq = account.cash;
    for (let k = 0; k < K; k++) eq += openPnl[k];
    return eq;
  };

  // Limits: checked per entry intent (decision time) against the last marks.
  const lim = opts.limits ?? {};
  const classCap = (c: number): number => {
    const m = lim.maxClassExposurePct;
    if (m === undefined) return Infinity;
    return typeof m === "number" ? m : m[classes[c]] ?? Infinity;
  };
  const anyLimit = lim.maxPositions !== undefined || lim.maxExposurePct !== undefined ||
    lim.maxClassExposurePct !== undefined;
  let blocked: string | null = null;
  {
    for (let k = 0; k < K; k++) {
      const e = engines[k];
      e.entryGate = (_side, size, flattening) => {
        if (blocked !== null) return blocked;
        if (!anyLimit) return null;
        if (lim.maxPositions !== undefined) {
          let count = 0;
          for (let j = 0; j < K; j++) count += engines[j].openTradeCount + engines[j].pendingEntries;
          if (flattening) count -= e.openTradeCount;
          if (count + 1 > lim.maxPositions) {
            return `maximum open positions (${lim.maxPositions}) reached on the account`;
          }
        }
        const eq = accountEquity();
        if (!(eq > 0)) return "no equity";
        // The new entry's notional when its volume is known (fixed lots), else 0 (sized at the fill).
        const s = e.lastBar >= 0 ? syms[k].bars.close[e.lastBar] : syms[k].bars.close[0];
        const fixed = size !== undefined && size >= 1
          ? size
          : cfgs[k].sizing?.mode === "lots"
          ? (cfgs[k].sizing as { lots: number }).lots
          : 0;
        const add = fixed * s * e.valuePerPriceUnit;
        let total = 0, inClass = 0;
        for (let j = 0; j < K; j++) {
          // Pending entries of fixed volume count at their symbol's last close (several symbols may
          // decide at the same time: the first orders are not filled yet when the next is checked).
          const pv = engines[j].pendingEntryVolume;
          const pending = pv > 0
            ? pv * syms[j].bars.close[Math.max(0, engines[j].lastBar)] * engines[j].valuePerPriceUnit
            : 0;
          total += pending;
          if (classOf[j] === classOf[k]) inClass += pending;
          if (flattening && j === k) continue;
          const notional = valueClose[j];
          total += notional;
          if (classOf[j] === classOf[k]) inClass += notional;
        }
        if (lim.maxExposurePct !== undefined && (total + add) / eq * 100 > lim.maxExposurePct) {
          return `total exposure would exceed ${lim.maxExposurePct}% of equity`;
        }
        const cap = classCap(classOf[k]);
        if ((inClass + add) / eq * 100 > cap) {
          return `${classes[classOf[k]]} exposure would exceed ${cap}% of equity`;
        }
        return null;
      };
    }
  }

  // Strategies.
  const starts = new Int32Array(K);
  for (let k = 0; k < K; k++) {
    starts[k] = engines[k].begin(
      portfolio ? NOOP : strategy as Strategy,
      portfolio ? {} : params,
      features[k],
    );
  }
  let pctx: PortfolioContext | null = null;
  let pstate: unknown = null;
  const pout: PortfolioIntent[] = [];
  const bar = new Int32Array(K);
  const fresh = new Uint8Array(K);
  const positions: PositionView[] = engines.map((e) => e.positionView);
  const view = { bar, fresh, positions, equity: 0 };
  if (portfolio) {
    pctx = {
      symbols: syms.map((s, k) => ({
        symbol: s.symbol,
        assetClass: specs[k].assetClass,
        bars: s.bars,
        features: features[k],
      })),
      time: align.time,
      params,
    };
    try {
      pstate = (strategy as PortfolioStrategy).init(pctx);
    } catch (e) {
      if (e instanceof KinetraError) throw e;
      throw new KinetraError(
        "strategy_error",
        `strategy ${strategy.name} failed in init: ${(e as Error)?.message ?? e}`,
      );
    }
  }
  const stopOut = config.profile === "mt5" ? config.stopOutLevelPct : 0;
  const single: OrderIntent[] = [];

  let ruinedAt = -1;
  const last = align.last, fr = align.fresh;
  let u = 0;
  let lastEquity = config.cash;
  const seen = new Int32Array(K);
  /** Opens, marks and the account check of time u; false when there is nothing (more) to do. */
  let advanced = false;
  const advance = (): boolean => {
    if (advanced) decide();
    if (u >= U || ruinedAt >= 0) return false;
    for (let k = 0; k < K; k++) {
      if (fr[k][u]) {
        const i = last[k][u];
        booked(k, () => engines[k].openPhase(i));
      }
    }
    for (let k = 0; k < K; k++) {
      if (fr[k][u]) {
        engines[k].markPhase(last[k][u]);
        refresh(k);
      }
    }
    let eq = accountEquity();
    let used = 0;
    for (let k = 0; k < K; k++) used += marginClose[k];
    if (used > 0 && eq / used * 100 < marginLevelMin) marginLevelMin = eq / used * 100;
    if (stopOut > 0) {
      if (used > 0 && eq < used * stopOut / 100) stopOutTimes.push(u);
      // MT5: close the most losing position first, until the margin level is back above the level.
      while (used > 0 && eq < used * stopOut / 100) {
        let worstK = -1, worstT = -1, worst = Infinity;
        for (let k = 0; k < K; k++) {
          const v = engines[k].openTradesView();
          for (let t = 0; t < v.length; t++) {
            if (v[t].pnl < worst) {
              worst = v[t].pnl;
              worstK = k;
              worstT = t;
            }
          }
        }
        if (worstK < 0) break;
        booked(worstK, () => engines[worstK].closeTradeAtLastClose(worstT, "stop_out"));
        refresh(worstK);
        eq = accountEquity();
        used = 0;
        for (let k = 0; k < K; k++) used += marginClose[k];
      }
    }
    if (!(eq > 0)) {
      if (eq !== eq) {
        throw new KinetraError(
          "nan_equity",
          `account equity became NaN at ${new Date(align.time[u]).toISOString()}`,
        );
      }
      for (let k = 0; k < K; k++) {
        booked(k, () => engines[k].closeAllAtLastClose("out_of_money"));
        refresh(k);
      }
      account.cash = 0;
      equity.fill(0, u);
      for (let k = 0; k < K; k++) contrib[k].fill(realized[k] + openPnl[k], u);
      ruinedAt = u;
      lastEquity = 0;
      u++;
      return false;
    }
    equity[u] = eq;
    margin[u] = used;
    lastEquity = eq;
    for (let k = 0; k < K; k++) {
      contrib[k][u] = realized[k] + openPnl[k];
      exposure[classOf[k]][u] += valueClose[k] / eq * 100;
    }
    advanced = true;
    return true;
  };

  /** The decisions of the time advanced to. */
  const decide = (): void => {
    if (!advanced) return;
    advanced = false;
    if (portfolio) {
      for (let k = 0; k < K; k++) {
        bar[k] = last[k][u];
        fresh[k] = fr[k][u];
      }
      view.equity = lastEquity;
      pout.length = 0;
      (strategy as PortfolioStrategy).decide(u, pctx!, pstate, view as PortfolioView, pout);
      for (const p of pout) {
        const k = p.symbol;
        if (!(k >= 0 && k < K) || bar[k] < 0) {
          throw new KinetraError(
            "strategy_error",
            `strategy ${strategy.name} sent an order to symbol #${k}, which has no bar yet or does not exist`,
          );
        }
        single.length = 0;
        single.push(p.intent);
        engines[k].submit(bar[k], single);
      }
    } else {
      for (let k = 0; k < K; k++) if (fr[k][u]) engines[k].decidePhase(last[k][u]);
    }
    u++;
  };

  const step = (): boolean => {
    if (!advance()) return false;
    decide();
    return u < U;
  };

  const closeIntent: OrderIntent[] = [];
  const sim: PortfolioSimulation = {
    time: align.time,
    symbols: syms.map((s) => s.symbol),
    get next() {
      return u;
    },
    get equity() {
      return lastEquity;
    },
    get openTrades() {
      let n = 0;
      for (const e of engines) n += e.openTradeCount;
      return n;
    },
    step,
    advance,
    decide,
    blockEntries(reason: string | null) {
      blocked = reason;
    },
    flattenAll(tag: string) {
      closeIntent.length = 0;
      closeIntent.push({ kind: "close", tag });
      for (let k = 0; k < K; k++) {
        if (engines[k].openTradeCount && engines[k].lastBar >= 0) {
          engines[k].submit(engines[k].lastBar, closeIntent);
        }
      }
    },
    takeClosedTrades() {
      const out: ClosedTrade[] = [];
      for (let k = 0; k < K; k++) {
        const log = engines[k].closedLog;
        for (; seen[k] < log.length; seen[k]++) {
          out.push({ symbol: k, trade: log.record(seen[k], syms[k].bars.time) });
        }
      }
      return out;
    },
    finish: () => finish(),
  };
  return sim;

  function finish(): PortfolioRun {
    // Stopped early (a live halt): the account stays as it was at the last time processed.
    if (u < U && ruinedAt < 0) {
      equity.fill(lastEquity, u);
      margin.fill(u ? margin[u - 1] : 0, u);
      for (let k = 0; k < K; k++) contrib[k].fill(u ? contrib[k][u - 1] : 0, u);
    }
    // End: finalize per symbol (at its last bar), then the last equity point.
    const outputs: EngineOutput[] = [];
    for (let k = 0; k < K; k++) {
      let out!: EngineOutput;
      booked(k, () => out = engines[k].finish(ruinedAt >= 0));
      refresh(k);
      outputs.push(out);
    }
    if (ruinedAt < 0 && config.finalize && U > 0) {
      equity[U - 1] = Math.max(0, accountEquity());
      for (let k = 0; k < K; k++) contrib[k][U - 1] = realized[k] + openPnl[k];
    }

    const symbols: PortfolioSymbolResult[] = syms.map((s, k) => {
      const out = outputs[k];
      const trades = out.log.toRecords(s.bars.time);
      let net = 0;
      for (const t of trades) net += t.pnl;
      return {
        symbol: s.symbol,
        asset_class: specs[k].assetClass,
        spec: specs[k],
        trades,
        openTrades: out.openTrades,
        net_profit: net,
        contribution: U ? contrib[k][U - 1] : 0,
        exposure_pct: exposurePct(trades, out.openTrades, s.bars.length, out.start),
        rejections: out.rejections,
        conversion: s.conversion?.info ?? null,
        output: out,
        contributionSeries: contrib[k],
      };
    });
    let start = U;
    for (let k = 0; k < K; k++) {
      // The union time of each symbol's first decision bar.
      const t = syms[k].bars.time[Math.min(starts[k], syms[k].bars.length - 1)];
      const u = lowerBound(align.time, t);
      if (u < start) start = u;
    }
    const exposureByClass: Record<string, Float64Array> = {};
    classes.forEach((c, j) => exposureByClass[c] = exposure[j]);
    return {
      config,
      params,
      time: align.time,
      equity,
      ruinedAt,
      start: Math.min(start, U),
      symbols,
      exposureByClass,
      margin,
      marginLevelMinPct: marginLevelMin,
      stopOutTimes,
      balance: account.cash,
      barIndex: align.last,
    };
  }
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m] < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** Share of bars from `start` inside a trade (closed or still open), %. */
function exposurePct(trades: TradeRecord[], open: TradeRecord[], n: number, start: number): number {
  const span = n - start;
  if (span <= 0) return 0;
  const iv = [...trades, ...open].map((t) => [t.entry_bar, t.exit_bar] as const).sort((a, b) => a[0] - b[0]);
  let covered = 0, curA = -1, curB = -2;
  for (const [a, b] of iv) {
    if (a > curB) {
      if (curB >= curA && curA >= 0) covered += curB - curA + 1;
      curA = a;
      curB = b;
    } else if (b > curB) curB = b;
  }
  if (curA >= 0 && curB >= curA) covered += curB - curA + 1;
  return covered / span * 100;
}
