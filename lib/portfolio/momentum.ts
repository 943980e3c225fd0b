/**
 * RELATIVE_MOMENTUM: a cross-sectional portfolio strategy. Every `rebalance` union times it ranks
 * the symbols by their return over their last `lookback` bars, goes long the `top` strongest and
 * short the `bottom` weakest (when their momentum has the matching sign), and closes the rest.
 * Orders use the account's sizing (fixed lots or risk); each fills at its symbol's next bar.
 *
 * @example
 * ```ts
 * import { relativeMomentum } from "./momentum.ts";
 * console.log(relativeMomentum.name, Object.keys(relativeMomentum.params)); // relative_momentum [...]
 * ```
 *
 * @module
 */
import type { OrderIntent } from "../strategies/contract.ts";
import type { PortfolioStrategy } from "./contract.ts";

/** The strategy's per-run scratch (no allocation per decision). */
export interface MomentumState {
  /** Trailing return per symbol (NaN before `lookback` bars). */
  mom: Float64Array;
  /** Symbols ranked, strongest first. */
  order: number[];
  /** Wanted side per symbol: +1, −1 or 0. */
  target: Int8Array;
}

const CLOSE: OrderIntent = { kind: "close", tag: "rebalance" };
const LONG: OrderIntent = { kind: "entry", side: 1, tag: "momentum_long" };
const SHORT: OrderIntent = { kind: "entry", side: -1, tag: "momentum_short" };

/** Long the strongest, short the weakest symbols by trailing return, rebalanced periodically. */
export const relativeMomentum: PortfolioStrategy<MomentumState> = {
  kind: "portfolio",
  name: "relative_momentum",
  description: "Cross-sectional momentum: long the top N, short the bottom N by trailing return",
  params: {
    lookback: {
      default: 120,
      description: "bars of each symbol for the trailing return",
      min: 2,
      integer: true,
    },
    rebalance: { default: 24, description: "union times between rebalances", min: 1, integer: true },
    top: { default: 1, description: "symbols held long", min: 0, integer: true },
    bottom: { default: 1, description: "symbols held short", min: 0, integer: true },
  },
  features: [],
  init(ctx) {
    const K = ctx.symbols.length;
    return { mom: new Float64Array(K), order: [], target: new Int8Array(K) };
  },
  decide(u, ctx, state, view, out) {
    const p = ctx.params;
    if (u % p.rebalance !== 0) return;
    const K = ctx.symbols.length;
    const { mom, order, target } = state;
    order.length = 0;
    for (let k = 0; k < K; k++) {
      const i = view.bar[k];
      target[k] = 0;
      if (i < p.lookback) {
        mom[k] = NaN;
        continue;
      }
      const c = ctx.symbols[k].bars.close;
      mom[k] = c[i] / c[i - p.lookback] - 1;
      order.push(k);
    }
    // Strongest first; ties by symbol order (deterministic).
    order.sort((a, b) => (mom[b] - mom[a]) || a - b);
    const nLong = Math.min(p.top, order.length);
    const nShort = Math.min(p.bottom, order.length - nLong);
    for (let r = 0; r < nLong; r++) if (mom[order[r]] > 0) target[order[r]] = 1;
    for (let r = 0; r < nShort; r++) {
      const k = order[order.length - 1 - r];
      if (mom[k] < 0) target[k] = -1;
    }
    for (let k = 0; k < K; k++) {
      if (view.bar[k] < 0) continue;
      const held = Math.sign(view.positions[k].size);
      if (held === target[k]) continue;
      if (held !== 0) out.push({ symbol: k, intent: CLOSE });
      if (target[k] !== 0) out.push({ symbol: k, intent: target[k] > 0 ? LONG : SHORT });
    }
  },
};

/** Portfolio strategies by name. */
export const PORTFOLIO_STRATEGIES: Readonly<Record<string, PortfolioStrategy>> = {
  relative_momentum: relativeMomentum as PortfolioStrategy,
};
