/**
 * The `data:inspect` / `data:validate` record of one file: format, rows, range, timeframe
 * declared and detected, findings.
 *
 * @module
 */
import { parseFileName } from "./file_name.ts";
import { loadBytes, type LoadedFile, readFileBytes, type ReadOptions } from "./read_bars.ts";
import { detectTimeframe } from "./timeframe.ts";
import type { ReadReport } from "./types.ts";
import {
  errorFinding,
  type Finding,
  isoTime,
  type Severity,
  validateLoaded,
  worstSeverity,
} from "./validate.ts";

/** One inspected file (snake_case; every field is documented in docs/DATA.md). */
export interface InspectRecord {
  /** The path inspected. */
  file: string;
  /** Symbol from the file name. */
  symbol: string;
  /** `mt5_bars`, `mt5_ticks`, `mt4_history`, `generic_ohlcv`, or null when unreadable. */
  format: string | null;
  /** Bars (ticks for a tick file) after sorting and de-duplication; 0 when unreadable. */
  rows: number;
  /** Open time of the first bar (ISO 8601, export clock, no offset). */
  first_time: string | null;
  /** Open time of the last bar. */
  last_time: string | null;
  /** Close of the first bar (bid for ticks). */
  first_close: number | null;
  /** Close of the last bar (bid for ticks). */
  last_close: number | null;
  /** Timeframe in the file name, or null. */
  timeframe_declared: string | null;
  /** Timeframe of the most common bar spacing, or null. */
  timeframe_detected: string | null;
  /** The most severe finding's severity, or null when there are no findings. */
  severity: Severity | null;
  /** Validation findings, most severe first. */
  findings: Finding[];
  /** How the file was read (null when unreadable). */
  read: ReadReport | null;
}

/** The inspect record of an already loaded file. */
export function inspectLoaded(loaded: LoadedFile): InspectRecord {
  const name = parseFileName(loaded.path);
  const findings = validateLoaded(loaded);
  const isTicks = loaded.ticks !== null;
  const time = isTicks ? loaded.ticks!.time : loaded.arrays!.time;
  const close = isTicks ? loaded.ticks!.bid : loaded.arrays!.close;
  const n = time.length;
  return {
    file: loaded.path,
    symbol: name.symbol,
    format: loaded.sniffed.format,
    rows: n,
    first_time: n ? isoTime(time[0]) : null,
    last_time: n ? isoTime(time[n - 1]) : null,
    first_close: n ? close[0] : null,
    last_close: n ? close[n - 1] : null,
    timeframe_declared: isTicks ? null : name.timeframe,
    timeframe_detected: isTicks ? null : detectTimeframe(time),
    severity: worstSeverity(findings),
    findings,
    read: loaded.report,
  };
}

/** The record of a file that could not be read: one CRITICAL finding with the reader's code. */
export function failedRecord(path: string, e: unknown): InspectRecord {
  const name = parseFileName(path);
  const f = errorFinding(e);
  return {
    file: path,
    symbol: name.symbol,
    format: null,
    rows: 0,
    first_time: null,
    last_time: null,
    first_close: null,
    last_close: null,
    timeframe_declared: name.timeframe,
    timeframe_detected: null,
    severity: "CRITICAL",
    findings: [f],
    read: null,
  };
}

/**
 * Inspect one file: read it (tick files are validated as M1 bars), validate it, and return the
 * record `deno task data:inspect` prints. Never throws for bad input: an unreadable file gives a
 * record with `format: null` and one CRITICAL finding carrying the reader's code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inspectFile } from "./inspect.ts";
 * const r = await inspectFile("data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv");
 * assert.ok(r.format === "mt5_bars" && r.timeframe_detected === "H4" && r.rows > 0);
 * ```
 */
export async function inspectFile(path: string, opts: ReadOptions = {}): Promise<InspectRecord> {
  try {
    const bytes = await readFileBytes(path);
    return inspectLoaded(
      loadBytes(path, bytes, { lenient: true, ...opts, timeframe: opts.timeframe ?? "M1" }),
    );
  } catch (e) {
    return failedRecord(path, e);
  }
}
