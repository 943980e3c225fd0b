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
