/**
 * Validate every export of a folder (the `data:validate` task and the data benchmark).
 *
 * @module
 */
import { type Catalog, scanCatalog } from "./catalog.ts";
import { failedRecord, inspectLoaded, type InspectRecord } from "./inspect.ts";
import { loadBytes, readFileBytes, type ReadOptions } from "./read_bars.ts";

/** A `data:validate` record: the inspect record plus the file's asset class. */
export interface ValidateRecord extends InspectRecord {
  /** Asset class from the folder (`unclassified` at the root). */
  asset_class: string;
}

/** The result of validating a folder. */
export interface FolderValidation {
  /** The catalog of the folder. */
  catalog: Catalog;
  /** One record per file, in catalog order. */
  records: ValidateRecord[];
  /** Count of records by worst severity (`none` = no findings). */
  by_severity: Record<string, number>;
  /** True when any record has a CRITICAL finding. */
  has_critical: boolean;
}

/**
 * Read and validate every file of `dir` (recursively). Unreadable files become records with one
 * CRITICAL finding; nothing throws for bad files (a missing folder throws `source_not_found`).
 * `opts.dateOrder` settles `NN/NN/YYYY` dates of files no row settles (`--date-order`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateFolder } from "./validate_folder.ts";
 * const v = await validateFolder("data/sample");
 * assert.ok(v.records.length === v.catalog.files.length);
 * ```
 */
export async function validateFolder(
  dir: string,
  onFile?: (done: number, total: number, record: ValidateRecord) => void,
  opts: Pick<ReadOptions, "dateOrder"> = {},
): Promise<FolderValidation> {
  const catalog = await scanCatalog(dir);
  const records: ValidateRecord[] = [];
  // Overlap the next file's read with the current file's parsing.
  let next: Promise<Uint8Array | Error> | null = null;
  const read = (p: string) => readFileBytes(p).catch((e: Error) => e);
  for (let i = 0; i < catalog.files.length; i++) {
    const c = catalog.files[i];
    const bytes = await (next ?? read(c.path));
    next = i + 1 < catalog.files.length ? read(catalog.files[i + 1].path) : null;
    let rec: InspectRecord;
    try {
      if (bytes instanceof Error) throw bytes;
      rec = inspectLoaded(
        loadBytes(c.path, bytes, { timeframe: "M1", lenient: true, dateOrder: opts.dateOrder }),
      );
    } catch (e) {
      rec = failedRecord(c.path, e);
    }
    const r: ValidateRecord = { ...rec, file: c.path, asset_class: c.asset_class };
    records.push(r);
    onFile?.(i + 1, catalog.files.length, r);
  }
  const bySeverity: Record<string, number> = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, none: 0 };
  for (const r of records) bySeverity[r.severity ?? "none"]++;
  return { catalog, records, by_severity: bySeverity, has_critical: bySeverity.CRITICAL > 0 };
}
