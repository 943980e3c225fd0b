/**
 * Shared machinery of the three v7 strategies (BERSERKER, SNIPER, MULTI_AGENT_V7): the features
 * they read, the common parameters, the energy-weighted trade score that drives their exits and
 * the stop levels handed to the engine for risk-based sizing.
 *
 * @module
 */
import { featureWarmup } from "../features/mod.ts";
import type { BarArrays } from "../data/types.ts";
import type { FeatureArrays, OrderIntent, Params, ParamSpec, PositionView } from "./contract.ts";

/** Feature columns every v7 strategy reads. */
export const V7_FEATURES: readonly string[] = ["agent_signal", "energy_v7", "atr"];

/** The bars the v7 features need before they are defined (gap-free data). */
export const V7_FEATURE_WARMUP: number = featureWarmup(V7_FEATURES);

/** Parameters shared by the three strategies. */
export const COMMON_PARAMS: Readonly<Record<string, ParamSpec>> = {
  warmup_bars: {
    default: 500,
    min: 0,
    integer: true,
    description:
      `bars skipped before the first decision (the original's 500-bar rolling windows); never less than the features' own warm-up (${V7_FEATURE_WARMUP})`,
  },
  sl_atr: {
    default: 2,
    min: 0.1,
    max: 50,
    description:
      "stop-loss distance in ATR(14) from the signal bar's close; the engine sizes the trade from this risk",
  },
  tp_atr: {
    default: 0,
    min: 0,
    max: 100,
    description: "take-profit distance in ATR(14); 0 = none (exits are energy-based, as in the original)",
  },
};

/** Warm-up for the given parameters: the larger of `warmup_bars` and the features' warm-up. */
export function v7Warmup(params: Params): number {
  return Math.max(params.warmup_bars ?? COMMON_PARAMS.warmup_bars.default, V7_FEATURE_WARMUP);
}

/** The feature arrays a v7 strategy holds in its state. */
export interface V7Columns {
  readonly signal: Float64Array;
  readonly energy: Float64Array;
  readonly atr: Float64Array;
  readonly close: Float64Array;
}

/** Pick the v7 columns from the context (the engine computes the declared features). */
export function v7Columns(bars: BarArrays, features: FeatureArrays): V7Columns {
  return { signal: features.agent_signal, energy: features.energy_v7, atr: features.atr, close: bars.close };
}

/**
 * Energy-weighted score of the open trade (the original exit logic). Each bar in the trade adds
 * |ΔC|·E_t/E_entry while the close is on the profitable side of the entry price and subtracts half
 * of that otherwise; the score is floored at 0 and its running maximum kept. The trade is "fading"
 * when score / max < threshold. E_entry is the v7 energy of the bar the entry was decided on.
 *
 * The score is recomputed from the trade's entry bar at every decision (trades last a few bars),
 * so it depends only on the bars and the position, never on state carried between calls: a
 * runner that re-creates the strategy state at every bar (the live runner) gets the same exits.
 */
export class TradeScore {
  score = 0;
  max = 0;

  /**
   * Score of the trade entered at `entryBar` (decided on `decisionBar`) with direction `side`
   * and entry price `entry`, over bars entryBar..i.
   */
  compute(
    entryBar: number,
    decisionBar: number,
    i: number,
    side: number,
    entry: number,
    cols: V7Columns,
  ): void {
    const e0 = decisionBar >= 0 ? cols.energy[decisionBar] : NaN;
    const entryEnergy = e0 > 0 ? e0 : 1e-10;
    let score = 0;
    let max = 0;
    for (let k = Math.max(1, entryBar); k <= i; k++) {
      const c = cols.close[k];
      const e = cols.energy[k];
      const delta = Math.abs(c - cols.close[k - 1]) * (e === e ? e / entryEnergy : 1);
      if ((c - entry) * side > 0) score += delta;
      else score -= 0.5 * delta;
      if (score < 0) score = 0;
      if (score > max) max = score;
    }
    this.score = score;
    this.max = max;
  }

  /** True when the score fell below `threshold` of its peak (only once the trade has had a peak). */
  fading(threshold: number): boolean {
    return this.max > 0 && this.score / this.max < threshold;
  }
}

/**
 * The bar an open trade's entry was decided on: the bar of the strategy's last entry order when
 * that order explains the fill (next-open fill: entryBar − 1; fill at the signal close: entryBar),
 * else entryBar − 1 (the engine's and the live runner's default fill at the next bar's open).
 */
export function decisionBarOf(position: PositionView, lastEntryOrderBar: number): number {
  const e = position.entryBar;
  return lastEntryOrderBar === e - 1 || lastEntryOrderBar === e ? lastEntryOrderBar : e - 1;
}

/**
 * Consecutive bars up to `i` (not before `from`) whose signal equals `code`: computed from the
 * signal column, so it needs no state carried between decisions.
 */
export function signalRun(signal: Float64Array, i: number, code: number, from: number): number {
  let k = i;
  while (k >= from && signal[k] === code) k--;
  return i - k;
}

/** Reusable close intent (no allocation on exits). */
export const CLOSE_INTENT: OrderIntent = { kind: "close" };

/**
 * Direction of a fresh entry: long when the close rose on the signal bar, short when it fell,
 * 0 (no entry) when unchanged.
 */
export function entrySide(i: number, close: Float64Array): 1 | -1 | 0 {
  const d = close[i] - close[i - 1];
  return d > 0 ? 1 : d < 0 ? -1 : 0;
}

/** A market entry with an ATR stop (and optional ATR target); null when the ATR is undefined. */
export function entryIntent(
  i: number,
  side: 1 | -1,
  cols: V7Columns,
  params: Params,
  tag: string,
): OrderIntent | null {
  const atr = cols.atr[i];
  if (!(atr > 0)) return null;
  const c = cols.close[i];
  const sl = c - side * params.sl_atr * atr;
  if (!(sl > 0)) return null;
  const tp = params.tp_atr > 0 ? c + side * params.tp_atr * atr : undefined;
  return tp !== undefined && tp > 0 ? { kind: "entry", side, sl, tp, tag } : { kind: "entry", side, sl, tag };
}

/** Bars since the open trade's entry (0 on the fill bar). */
export function barsInTrade(i: number, position: PositionView): number {
  return i - position.entryBar;
}
