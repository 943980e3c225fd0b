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

/**
 * A test strategy that trails its stop, without state (demo and live recompute `init` on every bar):
 * every 20 bars, when flat, it enters (alternating sides) with a stop 30 pips from the decision close;
 * while in a position, on each new best close since the entry it moves the stop to 15.3 pips behind
 * that close (an off-grid level, which the engine and the runner must both put on the grid) once that
 * tightens the initial stop; every 37th bar it asks for a stop on the wrong side (refused by both).
 */
export const trail: Strategy<null> = {
  name: "test_trail",
  description: "test fixture: entries every 20 bars with a trailing stop (modify intents)",
  params: {},
  features: [],
  warmup: () => 20,
  init: () => null,
  decide(i: number, ctx: StrategyContext, _s: null, pos: PositionView, out: OrderIntent[]): void {
    const close = ctx.bars.close;
    const c = close[i];
    if (pos.size === 0) {
      if (i % 20 !== 0) return;
      const side = (i / 20) % 2 === 0 ? 1 : -1;
      out.push({ kind: "entry", side, sl: c - side * 0.003, tp: c + side * 0.02 });
      return;
    }
    const side = pos.size > 0 ? 1 : -1;
    if (i % 37 === 0) {
      out.push({ kind: "modify", sl: c + side * 0.001 });
      return;
    }
    const decided = pos.entryBar - 1;
    let best = close[decided];
    for (let k = decided + 1; k < i; k++) {
      best = side > 0 ? Math.max(best, close[k]) : Math.min(best, close[k]);
    }
    const next = c - side * 0.00153;
    const initial = close[decided] - side * 0.003;
    if ((side > 0 ? c > best : c < best) && (side > 0 ? next > initial : next < initial)) {
      out.push({ kind: "modify", sl: next });
    }
  },
};
