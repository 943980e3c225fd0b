/**
 * The data layer: read MetaTrader (and other OHLCV) exports into the canonical Bars frame, sniff
 * and report formats, catalog a data folder, validate files and prepare train/test splits.
 *
 * ```ts
 * import { readBars, toArrays } from "./mod.ts";
 * const bars = await readBars("data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv");
 * const a = toArrays(bars); // epoch-ms time + Float64 columns for hot loops
 * console.log(bars.meta.symbol, bars.meta.timeframeDetected, a.length);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export { type ParsedFileName, parseFileName } from "./file_name.ts";
export { barsFromArrays, frameFromArrays, toArrays } from "./arrays.ts";
export {
  barsOfLoaded,
  loadBytes,
  type LoadedFile,
  loadFile,
  readBars,
  readFileBytes,
  type ReadOptions,
  readTicks,
} from "./read_bars.ts";
export { type DataTz, nyCloseOffsetMs, parseTz, timesToUtc, toUtcMs } from "./tz.ts";
export { bucketStart, inferDigits, resampleTicks, type Ticks, ticksFromColumns } from "./ticks.ts";
export {
  detectTimeframe,
  modalSpacingMs,
  resolveTimeframe,
  type TimeframeChoice,
  timeframeMs,
} from "./timeframe.ts";
export { type ColumnRole, dateLayoutOf, normalizeHeader, sniffBytes, type Sniffed } from "./sniff.ts";
export { findGaps, type Gap, type GapReport } from "./gaps.ts";
export {
  errorFinding,
  type Finding,
  isoTime,
  readFindings,
  SEVERITIES,
  type Severity,
  sortFindings,
  validateBars,
  validateFile,
  validateLoaded,
  type ValidateOptions,
  worstSeverity,
} from "./validate.ts";
export {
  type Catalog,
  type CatalogEntry,
  EXPORT_EXTENSIONS,
  noDataFilesError,
  PREPARED_EXTENSIONS,
  scanCatalog,
  scanCatalogSync,
  type ScanOptions,
  scanPrepared,
  type ScanPreparedOptions,
} from "./catalog.ts";
export { failedRecord, inspectFile, inspectLoaded, type InspectRecord } from "./inspect.ts";
export { type FolderValidation, validateFolder, type ValidateRecord } from "./validate_folder.ts";
export {
  type Manifest,
  type ManifestEntry,
  prepareDataset,
  type PrepareOptions,
  splitIndex,
} from "./prepare.ts";
export { makeProgress, type Progress } from "./progress.ts";
export { formatInspect, formatManifest, formatValidation } from "./report.ts";
export { DATE_ORDER_FLAG, dateOrderArg, parseTaskArgs } from "./cli_args.ts";
export {
  blockingFindings,
  type CheckedBars,
  type CheckedReadOptions,
  criticalError,
  findingWarnings,
  readBarsChecked,
} from "./guard.ts";
export type { DateOrder } from "./_decode.ts";
export { type RawColumns, ROW_ISSUE_EXAMPLES, type RowIssues } from "./_parse.ts";
