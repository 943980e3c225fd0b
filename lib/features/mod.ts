/**
 * Physics features, computed causally from bars: velocity, kinetic energy, damping, entropy,
 * Reynolds number, potential energy, eta, jerk, buying pressure and their rolling percentiles; the
 * v7 features the strategies trade on (body-ratio energy, range-ratio damping, volume-CoV entropy,
 * dominant period, direction score, agent signal); regimes from causal percentile rules; ATR.
 *
 * ```ts ignore
 * import { computeFeatures, listFeatures, regimeName } from "kinetra/features/mod.ts";
 * const f = computeFeatures(bars, ["energy_pct", "regime"]);
 * regimeName(f.regime[bars.length - 1]); // e.g. "critical"
 * ```
 *
 * @module
 */
export { computeFeatures, FEATURE_NAMES, featureWarmup, listFeatures } from "./compute.ts";
export {
  FEATURE_SPECS,
  type FeatureGroup,
  type FeatureInfo,
  type FeatureSpec,
  PERCENTILE_WINDOW,
} from "./catalog.ts";
export { classifyRegimes, REGIME, REGIME_NAMES, type RegimeName, regimeName } from "./regimes.ts";
export { AGENT, V7_WINDOWS } from "./v7.ts";
export { PHYSICS_WINDOWS } from "./physics.ts";
export type { BarArrays } from "../data/types.ts";
export type { FeatureArrays } from "./types.ts";
