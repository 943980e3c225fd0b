/**
 * The Strategy contract: one code path for backtest and live.
 *
 * A strategy declares its parameters (with defaults and descriptions), the feature columns it
 * needs and its warm-up; `init` computes its indicators once, causally, from the bars and features;
 * `decide` is called once per bar `i` (after warm-up) and may only read indices `0..i`. It pushes
 * order intents into `out`; the engine (backtest) or the runner (live) turns them into orders, sizes
 * them and fills them (by default at the next bar's open).
 *
 * @module
 */
import type { FeatureArrays } from "../features/types.ts";
import type { BarArrays } from "../data/types.ts";
import { KinetraError } from "../errors.ts";

/** One tunable parameter. */
export interface ParamSpec {
  /** The value used when none is given. */
  default: number;
  /** What the parameter does, for people (menus, docs, reports). */
  description: string;
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** True when the value must be a whole number. */
  integer?: boolean;
}

/** Parameter values by name. */
export type Params = Record<string, number>;

export type { FeatureArrays } from "../features/types.ts";

/** What a strategy sees at `init`. */
export interface StrategyContext {
  /** The bars as typed arrays (read only indices up to the decision bar). */
  readonly bars: BarArrays;
  /** The feature columns the strategy declared, aligned with the bars. */
  readonly features: FeatureArrays;
  /** The resolved parameters (defaults filled in). */
  readonly params: Params;
}

/** The strategy's view of its current exposure on the symbol. */
export interface PositionView {
  /** Net signed size (units in compat, lots in mt5); 0 when flat. */
  readonly size: number;
  /** Number of open trades (more than one when hedging or scaling in). */
  readonly openTrades: number;
  /** Volume-weighted entry price of the open trades, NaN when flat. */
  readonly entryPrice: number;
  /** Bar index of the oldest open trade's entry, -1 when flat. */
  readonly entryBar: number;
}

/** An order a strategy asks for. Sizes and prices are validated and normalised by the engine. */
export type OrderIntent =
  | { readonly kind: "close"; readonly tag?: string }
  | {
    /**
     * Move the stop-loss and/or take-profit of every open trade (absent = unchanged). Used for
     * trailing stops. Added after the first version: consumers that do not support it may ignore it.
     */
    readonly kind: "modify";
    readonly sl?: number;
    readonly tp?: number;
  }
  | {
    readonly kind: "entry";
    /** +1 buy, -1 sell. */
    readonly side: 1 | -1;
    /** Default `market`. `limit`/`stop` need `price`. */
    readonly type?: "market" | "limit" | "stop";
    readonly price?: number;
    /** Stop-loss and take-profit price levels. */
    readonly sl?: number;
    readonly tp?: number;
    /**
     * Size override. Absent: the engine's sizing rule (risk-based lots in mt5, all available
     * equity in compat). In (0,1): a fraction of equity; >= 1: units (compat) or lots (mt5).
     */
    readonly size?: number;
    /** Free label kept on the trade (e.g. which agent opened it). */
    readonly tag?: string;
  };

/** A trading strategy. State is whatever `init` returns; `decide` must not allocate per bar. */
export interface Strategy<S = unknown> {
  /** Registry name, e.g. `sma_cross`. */
  readonly name: string;
  /** One line on what it trades and why. */
  readonly description: string;
  /** Its tunable parameters by name. */
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Feature column names (from lib/features) this strategy reads. */
  readonly features: readonly string[];
  /** Bars needed before the first decision with these parameters. */
  warmup(params: Params): number;
  /** Compute indicators once (causally) and return the per-run state. */
  init(ctx: StrategyContext): S;
  /** Decide at bar `i` (reading only indices <= i); push intents into `out`. */
  decide(i: number, ctx: StrategyContext, state: S, position: PositionView, out: OrderIntent[]): void;
}

/** Fill parameter defaults and reject unknown names or out-of-range values. */
export function resolveParams(strategy: Strategy, given: Params = {}): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(given)) {
    if (!(k in strategy.params)) {
      throw new KinetraError(
        "bad_parameter",
        `unknown parameter "${k}" for strategy ${strategy.name}; known: ${
          Object.keys(strategy.params).join(", ")
        }`,
      );
    }
    if (!Number.isFinite(v)) {
      throw new KinetraError("bad_parameter", `parameter ${k} must be a finite number, got ${v}`);
    }
  }
  for (const [k, spec] of Object.entries(strategy.params)) {
    const v = given[k] ?? spec.default;
    if (spec.min !== undefined && v < spec.min) {
      throw new KinetraError("bad_parameter", `parameter ${k}=${v} is below its minimum ${spec.min}`);
    }
    if (spec.max !== undefined && v > spec.max) {
      throw new KinetraError("bad_parameter", `parameter ${k}=${v} is above its maximum ${spec.max}`);
    }
    if (spec.integer && !Number.isInteger(v)) {
      throw new KinetraError("bad_parameter", `parameter ${k}=${v} must be a whole number`);
    }
    out[k] = v;
  }
  return out;
}
