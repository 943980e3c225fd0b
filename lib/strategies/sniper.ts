/**
 * SNIPER: trade the moderate, confirmed setups (agent signal 1 on consecutive bars: energy and
 * direction above their means, damping inside its band) in the direction of the signal bar; exit
 * when the energy-weighted trade score fades or the signal disappears. After the original
 * `strategies_v7.SniperStrategy`, with causal features and an ATR stop for risk-based sizing.
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
  signalRun,
  TradeScore,
  V7_FEATURES,
  type V7Columns,
  v7Columns,
  v7Warmup,
} from "./_v7_common.ts";
import { AGENT } from "../features/mod.ts";

/** Per-run state of SNIPER. */
export interface SniperState {
  /** The feature and price columns the strategy reads. */
  readonly cols: V7Columns;
  /** The open trade's energy-weighted score (recomputed at each decision). */
  readonly score: TradeScore;
  /** Bar of the last entry order sent (-1 = none). */
  lastEntryOrderBar: number;
  /** Consecutive bars with the sniper signal up to the current bar (from the signal column). */
  run: number;
}

/** The SNIPER strategy. */
export const sniper: Strategy<SniperState> = {
  name: "sniper",
  description:
    "Confirmed-setup trader: enters after the v7 sniper signal holds for `confirm_bars` consecutive bars, in the signal bar's direction; exits when the energy-weighted trade score fades or the signal is gone.",
  params: {
    ...COMMON_PARAMS,
    confirm_bars: {
      default: 2,
      min: 1,
      max: 50,
      integer: true,
      description: "consecutive sniper-signal bars needed before an entry",
    },
    exit_ratio: {
      default: 0.8,
      min: 0,
      max: 1,
      description: "close when the energy-weighted score falls below this share of its peak",
    },
    score_exit_after: {
      default: 2,
      min: 0,
      integer: true,
      description: "the score exit applies once the trade is older than this many bars",
    },
    signal_exit_after: {
      default: 3,
      min: 0,
      integer: true,
      description: "close when the sniper signal is absent and the trade is older than this many bars",
    },
  },
  features: V7_FEATURES,
  warmup: v7Warmup,
  init(ctx): SniperState {
    return {
      cols: v7Columns(ctx.bars, ctx.features),
      score: new TradeScore(),
      run: 0,
      lastEntryOrderBar: -1,
    };
  },
  decide(i, ctx, s, position, out): void {
    const sig = s.cols.signal[i];
    s.run = signalRun(s.cols.signal, i, AGENT.sniper, 0);
    const p = ctx.params;
    if (position.size === 0) {
      if (s.run < p.confirm_bars) return;
      const side = entrySide(i, s.cols.close);
      if (side === 0) return;
      const intent = entryIntent(i, side, s.cols, p, "sniper");
      if (!intent) return;
      s.lastEntryOrderBar = i;
      out.push(intent);
      return;
    }
    const decided = decisionBarOf(position, s.lastEntryOrderBar);
    s.score.compute(position.entryBar, decided, i, Math.sign(position.size), position.entryPrice, s.cols);
    const held = barsInTrade(i, position);
    if (
      (held > p.score_exit_after && s.score.fading(p.exit_ratio)) ||
      (sig !== AGENT.sniper && held > p.signal_exit_after)
    ) out.push(CLOSE_INTENT);
  },
};
