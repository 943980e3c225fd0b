/**
 * What a strategy looks at, drawn on its report: the moving averages of an SMA crossover, the
 * energy its v7 agents trade on (own panel), the agents' signal or the market regime as a strip
 * under the price. Stops are drawn per trade from the trades' own stop-loss levels.
 *
 * @example
 * ```ts
 * import { strategyOverlays } from "./strategy_overlays.ts";
 * const close = Float64Array.from({ length: 50 }, (_, i) => 100 + i);
 * const { overlays } = strategyOverlays({ features: [] }, { fast: 3, slow: 5 }, { close });
 * console.log(overlays.map((o) => o.name)); // ["SMA 3", "SMA 5"]
 * ```
 *
 * @module
 */
import type { Overlay, RegimeStrip } from "./candles.ts";
import { PALETTE } from "./figure.ts";

/** Simple moving average (NaN until `n` values are there). */
export function sma(values: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(values.length).fill(NaN);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= n) sum -= values[i - n];
    if (i >= n - 1) out[i] = sum / n;
  }
  return out;
}

const REGIME_LABELS: Record<string, string> = {
  0: "underdamped",
  1: "critical",
  2: "overdamped",
  3: "laminar",
  4: "breakout",
};

/**
 * The overlays and strip of a strategy: `fast`/`slow` parameters give SMA lines on the price; the
 * features it declares (already computed, e.g. by `computeFeatures`) give an energy panel
 * (`energy_v7`, `energy`), the v7 agent signal strip (`agent_signal`) or the regime strip (`regime`).
 */
export function strategyOverlays(
  strategy: { features: readonly string[] },
  params: Readonly<Record<string, number>>,
  bars: { close: ArrayLike<number> },
  features: Readonly<Record<string, ArrayLike<number>>> = {},
): { overlays: Overlay[]; regimes?: RegimeStrip } {
  const overlays: Overlay[] = [];
  const fast = params.fast, slow = params.slow;
  if (Number.isInteger(fast) && Number.isInteger(slow) && fast > 0 && slow > 0) {
    overlays.push({ name: `SMA ${fast}`, values: sma(bars.close, fast), color: PALETTE[1] });
    overlays.push({ name: `SMA ${slow}`, values: sma(bars.close, slow), color: PALETTE[4] });
  }
  for (const name of ["energy_v7", "energy"]) {
    if (strategy.features.includes(name) && features[name]) {
      overlays.push({ name, values: features[name], panel: "energy", color: PALETTE[2] });
      break;
    }
  }
  let regimes: RegimeStrip | undefined;
  if (strategy.features.includes("agent_signal") && features.agent_signal) {
    const sig = features.agent_signal;
    regimes = {
      title: "signal",
      labels: Array.from({ length: sig.length }, (_, i) => (sig[i] === 1 || sig[i] === 2 ? sig[i] : null)),
      names: { 1: "sniper", 2: "berserker" },
      colors: { sniper: "#7e57c2", berserker: "#ef6c00" },
    };
  } else if (strategy.features.includes("regime") && features.regime) {
    regimes = { title: "regime", labels: features.regime, names: REGIME_LABELS };
  }
  return regimes ? { overlays, regimes } : { overlays };
}
