/**
 * MULTI_AGENT_V7: BERSERKER and SNIPER in one book. A berserker signal enters at once; a sniper
 * signal enters after `sniper_confirm_bars` consecutive bars. The trade keeps the agent that
 * opened it (the original overwrote it with later signals) and exits by that agent's score
 * threshold, or when no agent has signalled for a while. Trades are tagged with the agent.
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

/** Per-run state of MULTI_AGENT_V7. */
export interface MultiAgentState {
  /** The feature and price columns the strategy reads. */
  readonly cols: V7Columns;
  /** The open trade's energy-weighted score (recomputed at each decision). */
  readonly score: TradeScore;
  /** Consecutive bars with the sniper signal, up to the current bar. */
  sniperRun: number;
  /** Agent of the last entry order sent. */
  pendingAgent: number;
  /** Bar of the last entry order sent (-1 = none). */
  lastEntryOrderBar: number;
  /** Agent that opened the open trade (AGENT.berserker or AGENT.sniper; 0 when flat). */
  tradeAgent: number;
}

/** The MULTI_AGENT_V7 strategy. */
export const multiAgentV7: Strategy<MultiAgentState> = {
  name: "multi_agent_v7",
  description:
    "Berserker and sniper agents sharing one position: berserker signals enter immediately, sniper signals after confirmation; each trade exits by the rules of the agent that opened it.",
  params: {
    ...COMMON_PARAMS,
    sniper_confirm_bars: {
      default: 3,
      min: 1,
      max: 50,
      integer: true,
      description:
        "consecutive sniper-signal bars before a sniper entry (3 = the original's effective rule, its counter started at 0)",
    },
    berserker_exit_ratio: {
      default: 0.85,
      min: 0,
      max: 1,
      description: "score-fade threshold for trades opened by the berserker agent",
    },
    sniper_exit_ratio: {
      default: 0.8,
      min: 0,
      max: 1,
      description: "score-fade threshold for trades opened by the sniper agent",
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
      description: "close when no agent signals and the trade is older than this many bars",
    },
  },
  features: V7_FEATURES,
  warmup: v7Warmup,
  init(ctx): MultiAgentState {
    return {
      cols: v7Columns(ctx.bars, ctx.features),
      score: new TradeScore(),
      sniperRun: 0,
      pendingAgent: AGENT.none,
      lastEntryOrderBar: -1,
      tradeAgent: AGENT.none,
    };
  },
  decide(i, ctx, s, position, out): void {
    const sig = s.cols.signal[i];
    s.sniperRun = signalRun(s.cols.signal, i, AGENT.sniper, 0);
    const p = ctx.params;
    if (position.size === 0) {
      s.tradeAgent = AGENT.none;
      let agent: number = AGENT.none;
      if (sig === AGENT.berserker) agent = AGENT.berserker;
      else if (s.sniperRun >= p.sniper_confirm_bars) agent = AGENT.sniper;
      if (agent === AGENT.none) return;
      const side = entrySide(i, s.cols.close);
      if (side === 0) return;
      const intent = entryIntent(i, side, s.cols, p, agent === AGENT.berserker ? "berserker" : "sniper");
      if (!intent) return;
      s.pendingAgent = agent;
      s.lastEntryOrderBar = i;
      out.push(intent);
      return;
    }
    // The opening agent: the one of our last entry order when it explains this trade, else the
    // signal on the decision bar (state re-created since the entry, as the live runner does).
    const decided = decisionBarOf(position, s.lastEntryOrderBar);
    s.tradeAgent = decided === s.lastEntryOrderBar
      ? s.pendingAgent
      : s.cols.signal[decided] === AGENT.berserker
      ? AGENT.berserker
      : AGENT.sniper;
    s.score.compute(position.entryBar, decided, i, Math.sign(position.size), position.entryPrice, s.cols);
    const held = barsInTrade(i, position);
    const ratio = s.tradeAgent === AGENT.berserker ? p.berserker_exit_ratio : p.sniper_exit_ratio;
    if (
      (held > p.score_exit_after && s.score.fading(ratio)) ||
      (sig === AGENT.none && held > p.signal_exit_after)
    ) out.push(CLOSE_INTENT);
  },
};
