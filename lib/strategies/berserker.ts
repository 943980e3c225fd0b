/**
 * BERSERKER: trade the rare energetic, directional, undamped bursts (agent signal 2) in the
 * direction of the signal bar, and get out when the energy-weighted progress of the trade fades.
 * After the original `strategies_v7.BerserkerStrategy`, with causal features, an ATR stop so the
 * engine can size by risk, and fills at the next bar's open (see docs/STRATEGIES.md).
 *
 * @module
 */
import type { Strategy } from "./contract.ts";
import {
  barsInTrade,
  CLOSE_INTENT,
  COMMON_PARAMS,
  decisionBarOf,
  entryIntent,
  entrySide,
  TradeScore,
  V7_FEATURES,
  type V7Columns,
  v7Columns,
  v7Warmup,
} from "./_v7_common.ts";
import { AGENT } from "../features/mod.ts";

/** Per-run state of BERSERKER. */
export interface BerserkerState {
  /** The feature and price columns the strategy reads. */
  readonly cols: V7Columns;
  /** The open trade's energy-weighted score (recomputed at each decision). */
  readonly score: TradeScore;
  /** Bar of the last entry order sent (-1 = none). */
  lastEntryOrderBar: number;
}

/** The BERSERKER strategy. */
export const berserker: Strategy<BerserkerState> = {
  name: "berserker",
  description:
    "Fat-candle hunter: enters on the v7 berserker signal (energy and direction far above, damping far below their adaptive bands) in the signal bar's direction; exits when the energy-weighted trade score fades or the signal has been gone too long.",
  params: {
    ...COMMON_PARAMS,
    exit_ratio: {
      default: 0.85,
      min: 0,
      max: 1,
      description: "close when the energy-weighted score falls below this share of its peak",
    },
    score_exit_after: {
      default: 3,
      min: 0,
      integer: true,
      description: "the score exit applies once the trade is older than this many bars",
    },
    signal_exit_after: {
      default: 5,
      min: 0,
      integer: true,
      description: "close when the berserker signal is absent and the trade is older than this many bars",
    },
  },
  features: V7_FEATURES,
  warmup: v7Warmup,
  init(ctx): BerserkerState {
    return { cols: v7Columns(ctx.bars, ctx.features), score: new TradeScore(), lastEntryOrderBar: -1 };
  },
  decide(i, ctx, s, position, out): void {
    const sig = s.cols.signal[i];
    if (position.size === 0) {
      if (sig !== AGENT.berserker) return;
      const side = entrySide(i, s.cols.close);
      if (side === 0) return;
      const intent = entryIntent(i, side, s.cols, ctx.params, "berserker");
      if (!intent) return;
      s.lastEntryOrderBar = i;
      out.push(intent);
      return;
    }
    const decided = decisionBarOf(position, s.lastEntryOrderBar);
    s.score.compute(position.entryBar, decided, i, Math.sign(position.size), position.entryPrice, s.cols);
    const held = barsInTrade(i, position);
    const p = ctx.params;
    if (
      (held > p.score_exit_after && s.score.fading(p.exit_ratio)) ||
      (sig !== AGENT.berserker && held > p.signal_exit_after)
    ) out.push(CLOSE_INTENT);
  },
};
