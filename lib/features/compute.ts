/**
 * `computeFeatures`: the one entry point that turns bars into named feature columns.
 *
 * @module
 */
import type { BarArrays } from "../data/types.ts";
import { KinetraError } from "../errors.ts";
import type { FeatureArrays } from "./types.ts";
import { FEATURE_SPECS, type FeatureInfo, type FeatureSpec } from "./catalog.ts";

const BY_NAME: ReadonlyMap<string, FeatureSpec> = new Map(FEATURE_SPECS.map((s) => [s.name, s]));

function specOf(name: string): FeatureSpec {
  const spec = BY_NAME.get(name);
  if (!spec) {
    throw new KinetraError(
      "unknown_feature",
      `unknown feature "${name}"; known features: ${FEATURE_SPECS.map((s) => s.name).join(", ")}`,
    );
  }
  return spec;
}

/**
 * Compute the named feature columns (and, internally, whatever they are built from) for the
 * bars. Each column is a Float64Array aligned with the bars, NaN during its own warm-up. Every
 * feature is causal: its value at bar t depends only on bars 0..t.
 *
 * @example
 * ```ts
 * import { computeFeatures } from "./compute.ts";
 * const n = 600;
 * const close = Float64Array.from({ length: n }, (_, i) => 100 + Math.sin(i / 7));
 * const bars = {
 *   length: n, time: new Float64Array(n), open: close, high: close.map((c) => c + 0.5),
 *   low: close.map((c) => c - 0.5), close, tickVolume: new Float64Array(n).fill(100),
 *   volume: new Float64Array(n), spread: null,
 * };
 * const f = computeFeatures(bars, ["velocity", "energy_pct"]);
 * console.log(f.energy_pct[599] >= 0 && f.energy_pct[599] <= 1); // true
 * ```
 */
export function computeFeatures(bars: BarArrays, names: readonly string[]): FeatureArrays {
  const cache = new Map<string, Float64Array>();
  const resolving = new Set<string>();
  const get = (name: string): Float64Array => {
    const hit = cache.get(name);
    if (hit) return hit;
    const spec = specOf(name);
    if (resolving.has(name)) {
      throw new KinetraError("feature_cycle", `feature ${name} depends on itself`, { exitCode: 70 });
    }
    resolving.add(name);
    const col = spec.compute(bars, get);
    resolving.delete(name);
    if (col.length !== bars.length) {
      throw new KinetraError(
        "feature_length",
        `feature ${name} has ${col.length} values for ${bars.length} bars`,
        {
          exitCode: 70,
        },
      );
    }
    cache.set(name, col);
    return col;
  };
  const out: FeatureArrays = {};
  for (const name of names) out[name] = get(name);
  return out;
}

/** Every feature's name, group, description, dependencies and warm-up, in catalog order. */
export function listFeatures(): FeatureInfo[] {
  return FEATURE_SPECS.map(({ name, group, description, deps, warmup }) => ({
    name,
    group,
    description,
    deps,
    warmup,
  }));
}

/** Every feature name. */
export const FEATURE_NAMES: readonly string[] = FEATURE_SPECS.map((s) => s.name);

/**
 * The bar index from which all the named features are defined on gap-free data (the largest of
 * their warm-ups): a strategy reading them can decide from this bar on.
 */
export function featureWarmup(names: readonly string[]): number {
  let w = 0;
  for (const name of names) w = Math.max(w, specOf(name).warmup);
  return w;
}
