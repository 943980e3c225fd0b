/**
 * The features room's types.
 *
 * @module
 */

/** Feature columns by name, aligned with the bars (NaN during a feature's own warm-up). */
export type FeatureArrays = Record<string, Float64Array>;
