/**
 * The catalog of a data folder: every export found recursively, with symbol, timeframe and date
 * range from its name and the asset class from its folder.
 *
 * @module
 */
import { basename, join, relative, sep } from "node:path";
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

/** Extension of the prepared files `deno task prepare` writes (train/ and test/ splits). */
export const PREPARED_EXTENSIONS = [".parquet"];

/** True when a file name is an export: a data extension, not a README, not a temporary file. */
function isExportName(name: string): boolean {
  const lower = name.toLowerCase();
  return EXPORT_EXTENSIONS.some((x) => lower.endsWith(x)) && !lower.startsWith("readme");
}

/** True when a file name is a prepared split (Parquet). */
function isPreparedName(name: string): boolean {
  const lower = name.toLowerCase();
  return PREPARED_EXTENSIONS.some((x) => lower.endsWith(x));
}

/**
 * The one walk of a data folder: the files under `root` whose name `keep` accepts, in name order
 * folder by folder (sub-folders where they sort), hidden names skipped, symbolic links followed
 * (a link counts as what it points to; a dangling one is skipped). Only `root` itself when
 * `recursive` is false.
 */
function walkDataFiles(root: string, keep: (name: string) => boolean, recursive: boolean): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    const entries = [...Deno.readDirSync(d)];
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const p = join(d, e.name);
      let isDir = e.isDirectory;
      if (e.isSymlink) {
        let st: Deno.FileInfo;
        try {
          st = Deno.statSync(p);
        } catch {
          continue;
        }
        isDir = st.isDirectory;
      }
      if (isDir) {
        if (recursive) walk(p);
        continue;
      }
      if (keep(e.name)) out.push(p);
    }
  };
  walk(root);
  return out;
}

/** Options of {@link scanCatalog}. */
export interface ScanOptions {
  /** Search sub-folders too (default true); false lists only the folder's own files. */
  recursive?: boolean;
}

/**
 * Scan `dir` recursively for exports (.csv, .tsv, .txt; hidden files and README files skipped;
 * symbolic links followed). The one list of a folder's data files: the batch, the fix pipeline's
 * working set, the menu, the lower-timeframe search and the conversion pairs all use it
 * ({@link scanPrepared} is its counterpart for prepared Parquet).
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
export function scanCatalog(dir: string, opts: ScanOptions = {}): Promise<Catalog> {
  try {
    return Promise.resolve(scanCatalogSync(dir, opts));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** {@link scanCatalog} without a promise (for callers that cannot await, e.g. path defaults). */
export function scanCatalogSync(dir: string, opts: ScanOptions = {}): Catalog {
  try {
    const st = Deno.statSync(dir);
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
  for (const p of walkDataFiles(dir, isExportName, opts.recursive ?? true)) {
    const rel = relative(dir, p).split(sep).join("/");
    const parts = rel.split("/");
    const name = parseFileName(basename(p));
    files.push({
      path: p,
      relative_path: rel,
      asset_class: parts.length > 1 ? parts[0] : "unclassified",
      symbol: name.symbol,
      timeframe: name.timeframe,
      start: isoTime(name.start),
      end: isoTime(name.end),
      name_matched: name.matched,
      size_bytes: Deno.statSync(p).size,
    });
  }
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

/** Options of {@link scanPrepared}. */
export interface ScanPreparedOptions extends ScanOptions {
  /** Keep only one split: paths with a `train`/`test` folder or a `_train.`/`_test.` name (default all). */
  split?: "train" | "test" | "all";
  /** List the exports found beside the Parquet too (a folder split by hand holds CSV files). */
  exports?: boolean;
}

/**
 * The prepared files under `dir` (the Parquet splits `deno task prepare` writes), sorted by path;
 * [] when the folder does not exist. The one scanner of prepared data: the batch on a prepared
 * folder, the pipeline's validation and pruning, the menu's status bar and the default data folder
 * use it. `exports: true` adds the exports of the same folders (as {@link scanCatalog} finds them).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scanPrepared } from "./catalog.ts";
 * assert.deepEqual(scanPrepared("no/such/folder"), []);
 * assert.ok(scanPrepared("data/sample", { exports: true }).length > 0);
 * ```
 */
export function scanPrepared(dir: string, opts: ScanPreparedOptions = {}): string[] {
  const keep = opts.exports ? (n: string) => isPreparedName(n) || isExportName(n) : isPreparedName;
  let found: string[];
  try {
    found = walkDataFiles(dir, keep, opts.recursive ?? true);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return [];
    throw e;
  }
  const split = opts.split ?? "all";
  const inSplit = (p: string): boolean => {
    if (split === "all") return true;
    const path = p.split(sep).join("/");
    return path.includes(`/${split}/`) || path.includes(`_${split}.`);
  };
  return found.filter(inSplit).sort();
}
