/**
 * The catalog of every feature Kinetra computes: name, group, description, the features it is
 * built from, and its warm-up (the bar index from which it is defined on gap-free data).
 * `computeFeatures` resolves names through this catalog.
 *
 * @module
 */
import type { BarArrays } from "../data/types.ts";
import { rollingPercentile } from "./_rolling.ts";
import {
  averageTrueRange,
  buyingPressure,
  damping,
  diff,
  entropy,
  eta,
  kineticEnergy,
  PHYSICS_WINDOWS,
  potentialEnergy,
  reynolds,
  velocity,
} from "./physics.ts";
import { classifyRegimes } from "./regimes.ts";
import {
  agentSignal,
  bodyRatio,
  dampingV7,
  directionScore,
  dominantPeriod,
  energyV7,
  entropyV7,
  V7_WINDOWS,
} from "./v7.ts";

/** Window of every rolling percentile (as in the original). */
export const PERCENTILE_WINDOW = 500;

/** Feature groups. */
export type FeatureGroup = "physics" | "percentile" | "v7" | "regime" | "volatility";

/** How to compute one feature column. */
export interface FeatureSpec {
  /** Column name, e.g. `energy_pct`. */
  readonly name: string;
  /** Family of the feature. */
  readonly group: FeatureGroup;
  /** What the column holds, with its formula and window. */
  readonly description: string;
  /** Features this one is computed from. */
  readonly deps: readonly string[];
  /** Bar index from which the value is defined (gap-free data); NaN before. */
  readonly warmup: number;
  /** Compute the column from the bars and already computed dependencies. */
  compute(bars: BarArrays, dep: (name: string) => Float64Array): Float64Array;
}

/** A feature's public description (what `listFeatures()` returns). */
export interface FeatureInfo {
  /** Column name. */
  readonly name: string;
  /** Family of the feature. */
  readonly group: FeatureGroup;
  /** What the column holds, with its formula and window. */
  readonly description: string;
  /** Features it is computed from. */
  readonly deps: readonly string[];
  /** Bar index from which it is defined (gap-free data). */
  readonly warmup: number;
}

const PW = PERCENTILE_WINDOW;

function pct(
  name: string,
  source: string,
  sourceWarmup: number,
  description: string,
  abs = false,
): FeatureSpec {
  return {
    name,
    group: "percentile",
    description:
      `${description}: share of the last ${PW} values <= the current one (rolling percentile rank, 0..1)`,
    deps: [source],
    warmup: sourceWarmup + PW - 1,
    compute: (_b, dep) => {
      let src = dep(source);
      if (abs) src = src.map(Math.abs);
      return rollingPercentile(src, PW, PW);
    },
  };
}

const W = PHYSICS_WINDOWS;
const periodWarmup = 1 + V7_WINDOWS.periodWindow - 1 + V7_WINDOWS.maxLag;

/** Every feature, in dependency order. */
export const FEATURE_SPECS: readonly FeatureSpec[] = [
  // ---- physics engine ----
  {
    name: "velocity",
    group: "physics",
    description: "log return ln(C_t) − ln(C_t−1)",
    deps: [],
    warmup: 1,
    compute: (b) => velocity(b.close),
  },
  {
    name: "acceleration",
    group: "physics",
    description: "change of velocity v_t − v_t−1",
    deps: ["velocity"],
    warmup: 2,
    compute: (_b, dep) => diff(dep("velocity")),
  },
  {
    name: "jerk",
    group: "physics",
    description: "change of acceleration a_t − a_t−1",
    deps: ["acceleration"],
    warmup: 3,
    compute: (_b, dep) => diff(dep("acceleration")),
  },
  {
    name: "kinetic_energy",
    group: "physics",
    description: "kinetic energy ½·v² (unit mass)",
    deps: ["velocity"],
    warmup: 1,
    compute: (_b, dep) => kineticEnergy(dep("velocity")),
  },
  {
    name: "damping",
    group: "physics",
    description: `damping ζ = std_${W.damping}(v) / mean_${W.damping}(|v|)`,
    deps: ["velocity"],
    warmup: W.damping,
    compute: (_b, dep) => damping(dep("velocity")),
  },
  {
    name: "entropy",
    group: "physics",
    description:
      `Shannon entropy of a ${W.entropyBins}-bin histogram of the last ${W.entropy} velocities / ln ${W.entropyBins}`,
    deps: ["velocity"],
    warmup: W.entropy,
    compute: (_b, dep) => entropy(dep("velocity")),
  },
  {
    name: "reynolds",
    group: "physics",
    description:
      `Reynolds number |mean_${W.reynoldsSlow}(v)| / std_${W.reynoldsFast}(v) (high = laminar trend)`,
    deps: ["velocity"],
    warmup: W.reynoldsSlow,
    compute: (_b, dep) => reynolds(dep("velocity")),
  },
  {
    name: "potential_energy",
    group: "physics",
    description: `potential energy 1 / std_${W.potential}(v) (compressed, quiet market = high)`,
    deps: ["velocity"],
    warmup: W.potential,
    compute: (_b, dep) => potentialEnergy(dep("velocity")),
  },
  {
    name: "eta",
    group: "physics",
    description: "kinetic over potential energy E / PE",
    deps: ["kinetic_energy", "potential_energy"],
    warmup: W.potential,
    compute: (_b, dep) => eta(dep("kinetic_energy"), dep("potential_energy")),
  },
  {
    name: "buying_pressure",
    group: "physics",
    description: "close location in the bar's range (C − L) / (H − L); 0.5 for a bar without range",
    deps: [],
    warmup: 0,
    compute: (b) => buyingPressure(b.high, b.low, b.close),
  },
  // ---- rolling percentiles ----
  pct("energy_pct", "kinetic_energy", 1, "kinetic energy"),
  pct("damping_pct", "damping", W.damping, "damping"),
  pct("entropy_pct", "entropy", W.entropy, "entropy"),
  pct("reynolds_pct", "reynolds", W.reynoldsSlow, "Reynolds number"),
  pct("pe_pct", "potential_energy", W.potential, "potential energy"),
  pct("eta_pct", "eta", W.potential, "eta"),
  pct("velocity_pct", "velocity", 1, "|velocity|", true),
  pct("jerk_pct", "jerk", 3, "|jerk|", true),
  pct("buying_pressure_pct", "buying_pressure", 0, "buying pressure"),
  // ---- regimes ----
  {
    name: "regime",
    group: "regime",
    description:
      "regime code from causal percentile rules: 0 underdamped, 1 critical, 2 overdamped, 3 laminar, 4 breakout (see regimeName)",
    deps: ["energy_pct", "damping_pct", "entropy_pct", "reynolds_pct", "eta_pct"],
    warmup: W.potential + PW - 1,
    compute: (_b, dep) =>
      classifyRegimes(
        dep("energy_pct"),
        dep("damping_pct"),
        dep("entropy_pct"),
        dep("reynolds_pct"),
        dep("eta_pct"),
      ),
  },
  // ---- v7 engine ----
  {
    name: "body_ratio",
    group: "v7",
    description: "bar body over range |C − O| / (H − L), 0..1",
    deps: [],
    warmup: 0,
    compute: (b) => bodyRatio(b.open, b.high, b.low, b.close),
  },
  {
    name: "energy_v7",
    group: "v7",
    description:
      `body-ratio energy: body_ratio² × EWMA_${V7_WINDOWS.volumeEwmaSpan}(tick volume) / SMA_${V7_WINDOWS.energyBaseline} of that EWMA`,
    deps: ["body_ratio"],
    warmup: V7_WINDOWS.energyBaseline - 1,
    compute: (b, dep) => energyV7(dep("body_ratio"), b.tickVolume),
  },
  {
    name: "damping_v7",
    group: "v7",
    description: "range-ratio damping (H − L)_t / (H − L)_t−1, clipped to 0.01..10",
    deps: [],
    warmup: 1,
    compute: (b) => dampingV7(b.high, b.low),
  },
  {
    name: "entropy_v7",
    group: "v7",
    description:
      `volume coefficient of variation std_${V7_WINDOWS.entropy}(V) / mean_${V7_WINDOWS.entropy}(V)`,
    deps: [],
    warmup: V7_WINDOWS.entropy - 1,
    compute: (b) => entropyV7(b.tickVolume),
  },
  {
    name: "dominant_period",
    group: "v7",
    description:
      `rolling dominant period: lag ${V7_WINDOWS.minLag}..${V7_WINDOWS.maxLag} with the largest |autocovariance| of returns over the last ${V7_WINDOWS.periodWindow} bars`,
    deps: ["velocity"],
    warmup: periodWarmup,
    compute: (_b, dep) => dominantPeriod(dep("velocity")),
  },
  {
    name: "direction_score",
    group: "v7",
    description:
      "direction persistence 0..1: mean of the share of the last T returns with the current sign and the same-sign run / T (T = dominant period)",
    deps: ["velocity", "dominant_period"],
    warmup: periodWarmup,
    compute: (_b, dep) => directionScore(dep("velocity"), dep("dominant_period")),
  },
  {
    name: "agent_signal",
    group: "v7",
    description: "v7 agent signal: 0 none, 1 sniper, 2 berserker (adaptive bands over the dominant period)",
    deps: ["energy_v7", "direction_score", "damping_v7", "dominant_period"],
    warmup: periodWarmup + V7_WINDOWS.maxLag,
    compute: (_b, dep) =>
      agentSignal(dep("energy_v7"), dep("direction_score"), dep("damping_v7"), dep("dominant_period")),
  },
  // ---- volatility ----
  {
    name: "atr",
    group: "volatility",
    description: "average true range over 14 bars (price units), used for stop distances",
    deps: [],
    warmup: 13,
    compute: (b) => averageTrueRange(b.high, b.low, b.close, 14),
  },
];
