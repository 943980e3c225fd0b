/**
 * The catalog of a data folder: every export found recursively, with symbol, timeframe and date
 * range from its name and the asset class from its folder.
 *
 * @module
 */
import { join, relative, sep } from "node:path";
import { KinetraError } from "../errors.ts";
import { parseFileName } from "./file_name.ts";
import { isoTime } from "./validate.ts";

/** One file of the catalog (snake_case: printed as JSON). */
export interface CatalogEntry {
  /** Path as given (root joined with the relative path). */
  path: string;
  /** Path relative to the catalog root, with `/` separators. */
  relative_path: string;
  /** First folder under the root (`forex`, `crypto`, …); `unclassified` for files at the root. */
  asset_class: string;
  /** Instrument from the name. */
  symbol: string;
  /** Declared by the name, or null. */
  timeframe: string | null;
  /** First and last bar declared by the name (ISO 8601, export clock), or null. */
  start: string | null;
  /** Last bar declared by the name (ISO 8601, export clock), or null. */
  end: string | null;
  /** True when the name follows `SYMBOL_TF_YYYYMMDDHHMM_YYYYMMDDHHMM`. */
  name_matched: boolean;
  /** File size in bytes. */
  size_bytes: number;
}

/** A scanned folder. */
export interface Catalog {
  /** The folder scanned. */
  root: string;
  /** One entry per export, sorted by path. */
  files: CatalogEntry[];
  /** Symbols found, sorted. */
  symbols: string[];
  /** Timeframes found, in timeframe order. */
  timeframes: string[];
  /** Asset class → its symbols. */
  asset_classes: Record<string, string[]>;
  /** Symbol → the timeframes that exist for it (the symbol × timeframe pairs). */
  pairs: Record<string, string[]>;
  /** Symbol → timeframes found for other symbols but not for it (e.g. `{ "GBPUSD+": ["M30"] }`). */
  missing_pairs: Record<string, string[]>;
}

/** Extensions of files the catalog considers exports. */
export const EXPORT_EXTENSIONS = [".csv", ".tsv", ".txt"];
const TF_ORDER = ["M1", "M5", "M15", "M30", "H1", "H4", "D1", "W1", "MN1"];

/** The error for a folder that holds no data file (exit 2), naming the folder, with a hint. */
export function noDataFilesError(dir: string): KinetraError {
  return new KinetraError(
    "no_data_files",
    `no data files in ${dir}: expected MetaTrader 5 exports (${
      EXPORT_EXTENSIONS.join(", ")
    }) in it or its sub-folders; pass --source DIR (see docs/DATA.md)`,
    { details: { source: dir } },
  );
}

/**
 * Scan `dir` recursively for exports (.csv, .tsv, .txt; hidden files and README files skipped;
 * symbolic links followed). The one list of a folder's data files: the batch, the fix pipeline's
 * working set and the menu all use it.
 * Throws `source_not_found` when the folder does not exist.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scanCatalog } from "./catalog.ts";
 * const cat = await scanCatalog("data/sample");
 * assert.ok(cat.files.length > 0 && cat.asset_classes.forex.includes("AUDUSD+"));
 * ```
 */
export async function scanCatalog(dir: string): Promise<Catalog> {
  try {
    const st = await Deno.stat(dir);
    if (!st.isDirectory) {
      throw new KinetraError("source_not_a_folder", `${dir} is a file; expected a folder of exports.`);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new KinetraError(
        "source_not_found",
        `${dir}: no such folder; expected a folder of exports (e.g. data/master).`,
        {
          details: { source: dir },
        },
      );
    }
    throw e;
  }
  const files: CatalogEntry[] = [];
  async function walk(d: string): Promise<void> {
    const entries: Deno.DirEntry[] = [];
    for await (const e of Deno.readDir(d)) entries.push(e);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const p = join(d, e.name);
      let isDir = e.isDirectory;
      if (e.isSymlink) {
        const st = await Deno.stat(p).catch(() => null); // a symlink counts as what it points to
        if (!st) continue;
        isDir = st.isDirectory;
      }
      if (isDir) {
        await walk(p);
        continue;
      }
      const lower = e.name.toLowerCase();
      if (!EXPORT_EXTENSIONS.some((x) => lower.endsWith(x)) || lower.startsWith("readme")) continue;
      if (lower.endsWith(".tmp")) continue;
      const rel = relative(dir, p).split(sep).join("/");
      const parts = rel.split("/");
      const name = parseFileName(e.name);
      const size = (await Deno.stat(p)).size;
      files.push({
        path: p,
        relative_path: rel,
        asset_class: parts.length > 1 ? parts[0] : "unclassified",
        symbol: name.symbol,
        timeframe: name.timeframe,
        start: isoTime(name.start),
        end: isoTime(name.end),
        name_matched: name.matched,
        size_bytes: size,
      });
    }
  }
  await walk(dir);
  const symbols = [...new Set(files.map((f) => f.symbol))].sort();
  const timeframes = [...new Set(files.map((f) => f.timeframe).filter((t): t is string => t !== null))]
    .sort((a, b) => TF_ORDER.indexOf(a) - TF_ORDER.indexOf(b));
  const assetClasses: Record<string, string[]> = {};
  const pairs: Record<string, string[]> = {};
  for (const f of files) {
    const list = (assetClasses[f.asset_class] ??= []);
    if (!list.includes(f.symbol)) list.push(f.symbol);
    if (f.timeframe) {
      const tfs = (pairs[f.symbol] ??= []);
      if (!tfs.includes(f.timeframe)) tfs.push(f.timeframe);
    }
  }
  for (const k of Object.keys(assetClasses)) assetClasses[k].sort();
  for (const k of Object.keys(pairs)) pairs[k].sort((a, b) => TF_ORDER.indexOf(a) - TF_ORDER.indexOf(b));
  const missingPairs: Record<string, string[]> = {};
  for (const sym of symbols) {
    const lacking = timeframes.filter((tf) => !(pairs[sym] ?? []).includes(tf));
    if (lacking.length) missingPairs[sym] = lacking;
  }
  return {
    root: dir,
    files,
    symbols,
    timeframes,
    asset_classes: assetClasses,
    pairs,
    missing_pairs: missingPairs,
  };
}
