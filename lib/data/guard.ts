/**
 * The gate every task that consumes data goes through: read a file leniently (unreadable rows are
 * quarantined and counted), validate it, and refuse it when any finding is CRITICAL unless the
 * caller passes `allowCritical` (the tasks' `--allow-critical`), saying why.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import { toArrays } from "./arrays.ts";
import { parseFileName } from "./file_name.ts";
import { barsOfLoaded, loadFile, readBars, type ReadOptions } from "./read_bars.ts";
import type { Bars } from "./types.ts";
import { type Finding, validateBars, validateLoaded } from "./validate.ts";

/** Options of `readBarsChecked`. */
export interface CheckedReadOptions extends ReadOptions {
  /** Use the file even when it has CRITICAL findings (quarantined rows stay out). Default false. */
  allowCritical?: boolean;
}

/** Bars that passed the gate, with every finding of the file (for warnings). */
export interface CheckedBars {
  /** The bars (rows that could not be read are not in them). */
  bars: Bars;
  /** Every validation finding, most severe first. */
  findings: Finding[];
}

/**
 * The CRITICAL findings that refuse a file. A mislabelled timeframe alone (`timeframe_mismatch`)
 * does not: the tasks use the detected timeframe with a warning (their `--strict` refuses it).
 */
export function blockingFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity === "CRITICAL" && f.code !== "timeframe_mismatch");
}

/** The `critical_findings` refusal for `path` (exit 2) naming each blocking CRITICAL finding. */
export function criticalError(path: string, findings: readonly Finding[]): KinetraError {
  const crit = blockingFindings(findings);
  return new KinetraError(
    "critical_findings",
    `${path}: refused: ${crit.length} CRITICAL finding(s): ${
      crit.map((f) => `${f.code}: ${f.message}`).join("; ")
    }. Check it with \`deno task data:inspect ${path}\`; pass --allow-critical to use it anyway.`,
    { details: { file: path, findings: crit.map((f) => ({ code: f.code, message: f.message })) } },
  );
}

/**
 * Read and validate a bar file for a task. CSV-like exports are read leniently (rows that cannot
 * be read are quarantined and reported as findings whose severity depends on their share), a
 * `.parquet` split is checked with `validateBars`. Throws `critical_findings` (exit 2) when a
 * finding is CRITICAL (a mislabelled timeframe alone excepted: see `blockingFindings`) and
 * `allowCritical` is not set; reader errors (`file_not_found`, …) pass through.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readBarsChecked } from "./guard.ts";
 * const { bars, findings } = await readBarsChecked("data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv");
 * assert.ok(bars.meta.symbol === "AUDUSD+" && findings.every((f) => f.severity !== "CRITICAL"));
 * ```
 */
export async function readBarsChecked(path: string, opts: CheckedReadOptions = {}): Promise<CheckedBars> {
  let bars: Bars;
  let findings: Finding[];
  if (/\.parquet$/i.test(path)) {
    bars = await readBars(path, opts);
    findings = validateBars(toArrays(bars), { timeframe: parseFileName(path).timeframe });
  } else {
    const loaded = await loadFile(path, { ...opts, lenient: true });
    findings = validateLoaded(loaded);
    bars = barsOfLoaded(loaded, opts);
  }
  if (!opts.allowCritical && blockingFindings(findings).length) {
    throw criticalError(path, findings);
  }
  return { bars, findings };
}

/**
 * Warning lines for stderr: every CRITICAL (allowed) and HIGH finding, and every quarantine of
 * rows, one line each (`warning: FILE: CODE (SEVERITY): message`). `timeframe_mismatch` is left to
 * the tasks, which say which timeframe they use.
 */
export function findingWarnings(path: string, findings: readonly Finding[]): string[] {
  return findings
    .filter((f) => f.code !== "timeframe_mismatch")
    .filter((f) => f.severity === "CRITICAL" || f.severity === "HIGH" || Array.isArray(f.lines))
    .map((f) => `warning: ${path}: ${f.code} (${f.severity}): ${f.message}`);
}
