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
