/**
 * What data exists, for choices that list only real options: the symbols and timeframes present
 * in the data folder (from the file names), and the strategies registered.
 *
 * @module
 */
import { join } from "node:path";
import { KinetraError } from "../errors.ts";
import { parseFileName } from "../data/file_name.ts";
import { TIMEFRAME_MINUTES } from "../data/types.ts";
import type { Prompter } from "./prompter.ts";
import { countDataFiles } from "./status.ts";

/** One data file the menu can offer. */
export interface DatasetFile {
  /** Path to open. */
  path: string;
  /** Path relative to the data folder. */
  rel: string;
  /** First folder level (forex, crypto, ...). */
  assetClass: string;
  /** Symbol from the file name. */
  symbol: string;
  /** Declared by the file name, or null. */
  timeframe: string | null;
}

/** Every data file of `dataDir` with its symbol and timeframe. */
export async function listDatasets(dataDir: string): Promise<DatasetFile[]> {
  const count = await countDataFiles(dataDir);
  return count.paths.map((rel) => {
    const parts = rel.split(/[\\/]/);
    const name = parseFileName(parts[parts.length - 1]);
    return {
      path: join(dataDir, rel),
      rel,
      assetClass: parts.length > 1 ? parts[0] : "(no class folder)",
      symbol: name.symbol,
      timeframe: name.timeframe,
    };
  });
}

/** Throw a clear error when a folder has no data. */
export function requireData(files: readonly DatasetFile[], dataDir: string): void {
  if (files.length === 0) {
    throw new KinetraError(
      "no_data",
      `no data files in ${dataDir}: put MetaTrader 5 exports there (see docs/DATA.md), or start the menu with --data-dir`,
    );
  }
}

/** Ask for a symbol, then a timeframe present for it; returns the file. */
export async function pickDataset(ask: Prompter, dataDir: string): Promise<DatasetFile> {
  let files = await listDatasets(dataDir);
  requireData(files, dataDir);
  const symbols = [...new Set(files.map((f) => f.symbol))].sort();
  // Timeframes by duration (M15 before H1 before H4), not alphabetically.
  const minutes = (tf: string | null): number =>
    (tf ? TIMEFRAME_MINUTES[tf] : undefined) ?? Number.MAX_SAFE_INTEGER;
  files = [...files].sort((a, b) =>
    minutes(a.timeframe) - minutes(b.timeframe) || a.rel.localeCompare(b.rel)
  );
  const label = (s: string) => {
    const f = files.filter((x) => x.symbol === s);
    return `${s.padEnd(12)} ${f[0].assetClass.padEnd(12)} ${f.map((x) => x.timeframe ?? "?").join(" ")}`;
  };
  const symbol = symbols[await ask.choose("Symbol", symbols.map(label), 0)];
  const forSymbol = files.filter((f) => f.symbol === symbol);
  if (forSymbol.length === 1) {
    ask.say(`  Timeframe: ${forSymbol[0].timeframe ?? "undeclared"} (the only one for ${symbol})`);
    return forSymbol[0];
  }
  const i = await ask.choose("Timeframe", forSymbol.map((f) => `${f.timeframe ?? "?"}  ${f.rel}`), 0);
  return forSymbol[i];
}
