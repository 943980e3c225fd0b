/**
 * The one policy for a trade's `energy_at_entry` (and so for energy captured and the CHS), shared
 * by the engine and the live runner: the column named by `energyFeature` when one is configured,
 * else a supplied `energy` column, else kinetic energy ½·v² of the close (the `kinetic_energy`
 * feature: a supplied column, or the same value computed from the closes on demand).
 *
 * @example
 * ```ts
 * import { energyAt } from "./energy.ts";
 * const close = Float64Array.from([100, 101, 100.5]);
 * const at = energyAt(close, {}, null);
 * console.log(at(1) === 0.5 * Math.log(101 / 100) ** 2 || Math.abs(at(1) - 0.5 * Math.log(1.01) ** 2) < 1e-18);
 * ```
 *
 * @module
 */
import type { FeatureArrays } from "../features/types.ts";
import { kineticEnergy, kineticEnergyAt, velocity } from "../features/physics.ts";
import { KinetraError } from "../errors.ts";

/** The feature the policy falls back to (always available: computed from the closes). */
export const DEFAULT_ENERGY_FEATURE = "kinetic_energy";

function configuredColumn(features: FeatureArrays, energyFeature: string | null): Float64Array | null {
  if (energyFeature) {
    const col = features[energyFeature];
    if (!col) {
      throw new KinetraError(
        "missing_features",
        `energyFeature "${energyFeature}" is not among the computed features (${
          Object.keys(features).join(", ") || "none"
        })`,
      );
    }
    return col;
  }
  return features.energy ?? features[DEFAULT_ENERGY_FEATURE] ?? null;
}

/** The energy at bar i under the policy (no allocation when the column has to be derived). */
export function energyAt(
  close: Float64Array,
  features: FeatureArrays,
  energyFeature: string | null,
): (i: number) => number {
  const col = configuredColumn(features, energyFeature);
  return col ? (i) => col[i] : (i) => kineticEnergyAt(close, i);
}

/** The energy column under the policy (materialised when it has to be derived). */
export function energyColumn(
  close: Float64Array,
  features: FeatureArrays,
  energyFeature: string | null,
): Float64Array {
  return configuredColumn(features, energyFeature) ?? kineticEnergy(velocity(close));
}
