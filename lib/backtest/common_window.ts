/**
 * Like-for-like comparisons: every strategy of a set is evaluated over one common window, the one
 * after the longest warm-up of the set. Each strategy still gets its own warm-up history just before
 * the window (its bars are cut so that its first traded bar is the window's first bar), so buy & hold,
 * bar counts and start dates agree across the rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commonWindowStart } from "./common_window.ts";
 * const a = { name: "a", warmup: () => 10 }, b = { name: "b", warmup: () => 50 };
 * assert.deepEqual(commonWindowStart([{ strategy: a, params: {} }, { strategy: b, params: {} }]), { start: 50, longest: "b" });
 * ```
 *
 * @module
 */
import type { BarArrays } from "../data/types.ts";
import type { FeatureArrays, Params } from "../strategies/contract.ts";

/** The first bar a strategy trades on (the engine's rule: its warm-up, at least 1). */
export function firstTradedBar(strategy: { warmup(params: Params): number }, params: Params): number {
  return Math.max(1, Math.floor(Math.max(0, strategy.warmup(params))));
}

/** The common window's first bar (the longest warm-up of the set) and which strategy sets it. */
export function commonWindowStart(
  set: readonly { strategy: { name: string; warmup(params: Params): number }; params: Params }[],
): { start: number; longest: string } {
  let start = 1, longest = set[0]?.strategy.name ?? "";
  for (const { strategy, params } of set) {
    const s = firstTradedBar(strategy, params);
    if (s > start) {
      start = s;
      longest = strategy.name;
    }
  }
  return { start, longest };
}

/**
 * The bars and features a strategy runs on so that its first traded bar is `windowStart` of the
 * full series: everything from `windowStart - firstTradedBar` on (views, no copies).
 */
export function barsForWindow(
  bars: BarArrays,
  features: FeatureArrays,
  windowStart: number,
  strategyFirstBar: number,
): { bars: BarArrays; features: FeatureArrays } {
  const from = Math.max(0, windowStart - strategyFirstBar);
  if (from === 0) return { bars, features };
  const s = (a: Float64Array): Float64Array => a.subarray(from);
  const f: FeatureArrays = {};
  for (const [k, v] of Object.entries(features)) f[k] = s(v);
  return {
    bars: {
      length: bars.length - from,
      time: s(bars.time),
      open: s(bars.open),
      high: s(bars.high),
      low: s(bars.low),
      close: s(bars.close),
      tickVolume: s(bars.tickVolume),
      volume: s(bars.volume),
      spread: bars.spread ? s(bars.spread) : null,
    },
    features: f,
  };
}
