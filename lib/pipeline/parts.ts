/**
 * Kinetra's other parts, loaded on demand. The pipeline exercises parts that may not exist yet on
 * a given checkout; a missing part makes its stage `unavailable` (never `passed`), so these are
 * dynamic imports of computed URLs rather than static imports.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BarArrays, Bars } from "../data/types.ts";
import type { FeatureArrays, Params, Strategy } from "../strategies/contract.ts";

/** A validation finding as lib/data reports it (only the fields the pipeline reads). */
export interface DataFinding {
  code: string;
  severity?: string;
  message: string;
  [k: string]: unknown;
}

/** What the pipeline uses from lib/data. */
export interface DataPart {
  readBars(path: string, opts?: Record<string, unknown>): Promise<Bars>;
  toArrays(x: Bars | unknown): BarArrays;
  validateFile?: (path: string, opts?: Record<string, unknown>) => Promise<unknown>;
  inspectFile?: (path: string, opts?: Record<string, unknown>) => Promise<unknown>;
  scanCatalog?: (dir: string, opts?: Record<string, unknown>) => Promise<unknown>;
  prepareDataset?: (opts: Record<string, unknown>) => Promise<unknown>;
}

/** What the pipeline uses from lib/backtest. */
export interface BacktestPart {
  runBacktest(opts: {
    bars: BarArrays;
    meta?: unknown;
    strategy: Strategy;
    params?: Params;
    features?: FeatureArrays;
    config?: Record<string, unknown>;
  }): {
    stats: Record<string, unknown>;
    trades: Record<string, unknown>[];
    equity: Float64Array | number[];
  };
}

/** What the pipeline uses from lib/strategies. */
export interface StrategiesPart {
  getStrategy(name: string): Strategy;
  listStrategies(): Strategy[];
}

/** What the pipeline uses from lib/features. */
export interface FeaturesPart {
  computeFeatures(bars: BarArrays, names: readonly string[]): FeatureArrays;
}

/** A part that could not be loaded, with the reason. */
export interface Missing {
  missing: true;
  module: string;
  reason: string;
}

/** URL of a module of lib/ (relative to lib/). */
export function libUrl(rel: string): URL {
  return new URL(`../${rel}`, import.meta.url);
}

/** True when a lib/ module file exists. */
export function libModuleExists(rel: string): boolean {
  return existsSync(fileURLToPath(libUrl(rel)));
}

/** Import a lib/ module, or say why it cannot be used (absent, or failing to load). */
export async function loadPart<T>(rel: string, required: readonly string[]): Promise<T | Missing> {
  if (!libModuleExists(rel)) {
    return { missing: true, module: `lib/${rel}`, reason: `lib/${rel} does not exist yet` };
  }
  let mod: Record<string, unknown>;
  try {
    mod = await import(libUrl(rel).href);
  } catch (e) {
    return {
      missing: true,
      module: `lib/${rel}`,
      reason: `lib/${rel} failed to load: ${(e as Error).message}`,
    };
  }
  const absent = required.filter((name) => typeof mod[name] !== "function");
  if (absent.length) {
    return {
      missing: true,
      module: `lib/${rel}`,
      reason: `lib/${rel} does not export ${absent.join(", ")} yet`,
    };
  }
  return mod as T;
}

/** Type guard for {@link Missing}. */
export function isMissing(x: unknown): x is Missing {
  return typeof x === "object" && x !== null && (x as Missing).missing === true;
}

/** The data part (readBars and toArrays required; the rest optional). */
export function loadData(): Promise<DataPart | Missing> {
  return loadPart<DataPart>("data/mod.ts", ["readBars", "toArrays"]);
}

/** The engine. */
export function loadBacktest(): Promise<BacktestPart | Missing> {
  return loadPart<BacktestPart>("backtest/mod.ts", ["runBacktest"]);
}

/** The strategy registry (lib/strategies/mod.ts, else registry.ts). */
export async function loadStrategies(): Promise<StrategiesPart | Missing> {
  const a = await loadPart<StrategiesPart>("strategies/mod.ts", ["getStrategy", "listStrategies"]);
  if (!isMissing(a)) return a;
  return loadPart<StrategiesPart>("strategies/registry.ts", ["getStrategy", "listStrategies"]);
}

/** The features. */
export function loadFeatures(): Promise<FeaturesPart | Missing> {
  return loadPart<FeaturesPart>("features/mod.ts", ["computeFeatures"]);
}
