/**
 * The rooms the pipeline exercises, imported statically: every part exists, so no stage asks
 * whether one loaded. The `*Part` types name the subset of each room the pipeline calls.
 *
 * @module
 */
import * as backtest from "../backtest/mod.ts";
import * as data from "../data/mod.ts";
import * as features from "../features/mod.ts";
import * as strategies from "../strategies/mod.ts";

/** A validation finding as lib/data reports it (only the fields the pipeline reads). */
export interface DataFinding {
  code: string;
  severity?: string;
  message: string;
  [k: string]: unknown;
}

/** What the pipeline uses from lib/data. */
export type DataPart = Pick<
  typeof data,
  "readBars" | "toArrays" | "validateFile" | "inspectFile" | "scanCatalog" | "prepareDataset"
>;
/** What the pipeline uses from lib/backtest. */
export type BacktestPart = Pick<typeof backtest, "runBacktest">;
/** What the pipeline uses from lib/strategies. */
export type StrategiesPart = Pick<typeof strategies, "getStrategy" | "listStrategies">;
/** What the pipeline uses from lib/features. */
export type FeaturesPart = Pick<typeof features, "computeFeatures">;

/** lib/data. */
export const DATA: DataPart = data;
/** lib/backtest. */
export const BACKTEST: BacktestPart = backtest;
/** lib/strategies. */
export const STRATEGIES: StrategiesPart = strategies;
/** lib/features. */
export const FEATURES: FeaturesPart = features;

/** URL of a module of lib/ (relative to lib/), for the import check's dynamic imports. */
export function libUrl(rel: string): URL {
  return new URL(`../${rel}`, import.meta.url);
}
