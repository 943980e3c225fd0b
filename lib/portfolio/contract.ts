/**
 * The portfolio strategy contract: a strategy that sees every symbol of the basket at once
 * (cross-sectional ranking, pairs) and returns orders per symbol.
 *
 * `decide(u, …)` is called at every time `u` of the union of the symbols' times, after every
 * symbol's bar at that time has been processed; it may read each symbol's bars up to
 * `view.bar[k]` (its last bar at or before that time) and nothing later. Its intents are the
 * single-symbol ones (`OrderIntent`), addressed to a symbol; they fill from that symbol's next bar.
 *
 * Any single-symbol `Strategy` can also run on a portfolio: it is broadcast, one instance per
 * symbol, and each symbol's decisions are exactly those of a lone run.
 *
 * @module
 */
import type { BarArrays } from "../data/types.ts";
import type {
  FeatureArrays,
  OrderIntent,
  Params,
  ParamSpec,
  PositionView,
  Strategy,
} from "../strategies/contract.ts";

/** One symbol as a portfolio strategy sees it. */
export interface PortfolioSymbolView {
  /** Symbol name as in the file names. */
  readonly symbol: string;
  /** Asset class of the symbol (forex, metals, …). */
  readonly assetClass: string;
  /** Its bars (read only up to `PortfolioView.bar[k]`). */
  readonly bars: BarArrays;
  /** Its feature columns (those the strategy declares). */
  readonly features: FeatureArrays;
}

/** What a portfolio strategy sees at `init`. */
export interface PortfolioContext {
  /** The symbols of the basket, in order (intents address them by index). */
  readonly symbols: readonly PortfolioSymbolView[];
  /** The union of the symbols' bar times (epoch ms). */
  readonly time: Float64Array;
  /** The resolved parameters. */
  readonly params: Params;
}

/** The account at a union time. */
export interface PortfolioView {
  /** Per symbol: index of its last bar at or before this time (-1 before its first). */
  readonly bar: Int32Array;
  /** Per symbol: 1 when it has a bar at exactly this time. */
  readonly fresh: Uint8Array;
  /** Per symbol: its position. */
  readonly positions: readonly PositionView[];
  /** Account equity at this time. */
  readonly equity: number;
}

/** An order for one symbol (index into `PortfolioContext.symbols`). */
export interface PortfolioIntent {
  /** Index of the symbol in `PortfolioContext.symbols`. */
  readonly symbol: number;
  /** The order, as a single-symbol strategy would give it. */
  readonly intent: OrderIntent;
}

/** A strategy over the whole basket. */
export interface PortfolioStrategy<S = unknown> {
  /** Tells it from a single-symbol `Strategy`. */
  readonly kind: "portfolio";
  /** Name used on the command line. */
  readonly name: string;
  /** One line saying what it does. */
  readonly description: string;
  /** Its parameters with defaults and ranges. */
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Feature columns it reads (computed per symbol). */
  readonly features: readonly string[];
  /** Compute indicators once (causally) and return the run's state. */
  init(ctx: PortfolioContext): S;
  /** Decide at union time `u`; push intents into `out`. */
  decide(u: number, ctx: PortfolioContext, state: S, view: PortfolioView, out: PortfolioIntent[]): void;
}

/** True when `s` is a portfolio strategy (else a single-symbol one to broadcast). */
export function isPortfolioStrategy(s: Strategy | PortfolioStrategy): s is PortfolioStrategy {
  return (s as PortfolioStrategy).kind === "portfolio";
}
