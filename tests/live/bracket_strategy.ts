// A test strategy whose trades end only on their stop-loss or take-profit: every 12 bars, when
// flat, it enters (alternating long and short) with SL and TP 20 pips away, on the price grid.
import type { OrderIntent, PositionView, Strategy, StrategyContext } from "../../lib/strategies/contract.ts";

export const bracket: Strategy<null> = {
  name: "test_bracket",
  description: "test fixture: bracketed entries every 12 bars",
  params: {},
  features: [],
  warmup: () => 12,
  init: () => null,
  decide(i: number, ctx: StrategyContext, _s: null, pos: PositionView, out: OrderIntent[]): void {
    if (i % 12 !== 0 || pos.size !== 0) return;
    const c = ctx.bars.close[i];
    const side = (i / 12) % 2 === 0 ? 1 : -1;
    const d = 0.002;
    out.push({
      kind: "entry",
      side,
      sl: Number((c - side * d).toFixed(5)),
      tp: Number((c + side * d).toFixed(5)),
    });
  },
};

/**
 * A test strategy that reverses without closing first: every 8 bars it enters the other side, 1 lot
 * the first time and 2 lots after, so each reversal closes the open lot and opens one the other way.
 */
export const flip: Strategy<null> = {
  name: "test_flip",
  description: "test fixture: alternate long/short entries every 8 bars, never an explicit close",
  params: {},
  features: [],
  warmup: () => 8,
  init: () => null,
  decide(i: number, _ctx: StrategyContext, _s: null, pos: PositionView, out: OrderIntent[]): void {
    if (i % 8 !== 0) return;
    out.push({ kind: "entry", side: (i / 8) % 2 === 0 ? 1 : -1, size: pos.size === 0 ? 1 : 2 });
  },
};

/** State of `trail`: the stop it last asked for, NaN when flat. */
interface TrailState {
  sl: number;
}

/**
 * A test strategy that trails its stop: every 20 bars, when flat, it enters (alternating sides) with
 * a stop 30 pips away; while in a position it moves the stop (an off-grid level, which the engine
 * and the runner must both put on the grid) to 15.3 pips behind the close whenever that tightens it,
 * and every 37th bar it asks for a stop on the wrong side of the market (refused by both).
 */
export const trail: Strategy<TrailState> = {
  name: "test_trail",
  description: "test fixture: entries every 20 bars with a trailing stop (modify intents)",
  params: {},
  features: [],
  warmup: () => 20,
  init: () => ({ sl: NaN }),
  decide(i: number, ctx: StrategyContext, s: TrailState, pos: PositionView, out: OrderIntent[]): void {
    const c = ctx.bars.close[i];
    if (pos.size === 0) {
      s.sl = NaN;
      if (i % 20 !== 0) return;
      const side = (i / 20) % 2 === 0 ? 1 : -1;
      s.sl = c - side * 0.003;
      out.push({ kind: "entry", side, sl: s.sl, tp: c + side * 0.02 });
      return;
    }
    const side = pos.size > 0 ? 1 : -1;
    if (i % 37 === 0) {
      out.push({ kind: "modify", sl: c + side * 0.001 });
      return;
    }
    const next = c - side * 0.00153;
    if (side > 0 ? next > s.sl : next < s.sl) {
      s.sl = next;
      out.push({ kind: "modify", sl: next });
    }
  },
};
