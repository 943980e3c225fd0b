/**
 * File names of MT5 exports: `SYMBOL_TF_YYYYMMDDHHMM_YYYYMMDDHHMM.csv`.
 *
 * @module
 */
import { TIMEFRAME_MINUTES } from "./types.ts";

/** What a file name declares. Times are epoch milliseconds in the export's clock. */
export interface ParsedFileName {
  /** Instrument as written in the name (may contain `+` and `-`). */
  symbol: string;
  /** Declared timeframe (M1 … MN1), or null when the name does not declare a known one. */
  timeframe: string | null;
  /** Open time of the first bar declared by the name (epoch ms), or null. */
  start: number | null;
  /** Open time of the last bar declared by the name (epoch ms), or null. */
  end: number | null;
  /** True when the name follows the full `SYMBOL_TF_START_END` pattern. */
  matched: boolean;
}

const STAMP = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$/;

function stampToMs(s: string): number | null {
  const m = STAMP.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return null;
  return Date.UTC(y, mo - 1, d, h, mi, sec);
}

/**
 * Parse an export's file name (a path is accepted; only the last segment is used).
 * Accepts 12-digit `YYYYMMDDHHMM` and 14-digit `YYYYMMDDHHMMSS` stamps. A name that does not
 * match gives `matched: false` with the stem as symbol (and a timeframe when the second part is one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFileName } from "./file_name.ts";
 * const p = parseFileName("data/master/forex/EURUSD+_H1_202401020000_202512300900.csv");
 * assert.ok(p.symbol === "EURUSD+" && p.timeframe === "H1" && p.matched);
 * ```
 */
export function parseFileName(name: string): ParsedFileName {
  const base = name.split(/[\\/]/).pop() ?? name;
  const stem = base.replace(/\.[A-Za-z0-9]+$/, "");
  const parts = stem.split("_");
  const tfCandidate = parts.length >= 2 ? parts[1].toUpperCase() : "";
  const timeframe = tfCandidate in TIMEFRAME_MINUTES ? tfCandidate : null;
  if (parts.length === 4 && parts[0] !== "" && timeframe) {
    const start = stampToMs(parts[2]);
    const end = stampToMs(parts[3]);
    if (start !== null && end !== null) {
      return { symbol: parts[0], timeframe, start, end, matched: true };
    }
  }
  return {
    symbol: timeframe ? parts[0] : stem,
    timeframe,
    start: null,
    end: null,
    matched: false,
  };
}
