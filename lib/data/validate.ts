/**
 * Validation of bars: each finding has a stable `code`, a `severity` and a human `message`.
 * Codes are documented in docs/DATA.md; the fix pipeline maps them to error categories.
 *
 * @module
 */
import { isKinetraError } from "../errors.ts";
import { toArrays } from "./arrays.ts";
import { findGaps } from "./gaps.ts";
import { parseFileName } from "./file_name.ts";
import { type LoadedFile, loadFile, type ReadOptions } from "./read_bars.ts";
import { detectTimeframe, timeframeMs } from "./timeframe.ts";
import type { BarArrays, Bars } from "./types.ts";

/** Severity of a finding, most severe first. */
export type Severity = "CRITICAL" | "HIGH" | "MEDIUM" | "LOW";

/** Severities in order (index 0 = most severe). */
export const SEVERITIES: readonly Severity[] = ["CRITICAL", "HIGH", "MEDIUM", "LOW"];

/** One validation finding. Extra fields (count, examples, …) depend on the code. */
export interface Finding {
  /** Stable machine code, e.g. `timeframe_mismatch`, `duplicate_bars`, `non_numeric`. */
  code: string;
  /** How serious the finding is. */
  severity: Severity;
  /** Human explanation: what was seen and where. */
  message: string;
  /** How many rows/bars/gaps are affected, when it applies. */
  count?: number;
  /** A few examples (times as ISO 8601 in the export's clock, line numbers, values). */
  examples?: unknown[];
  /** Code-specific fields (documented in docs/DATA.md). */
  [extra: string]: unknown;
}

/** What the file name (or the caller) declares, for the checks against it. */
export interface ValidateOptions {
  /** Declared timeframe (default: none, so no timeframe_mismatch check). */
  timeframe?: string | null;
  /** Declared first and last bar open times (epoch ms). */
  start?: number | null;
  /** Declared open time of the last bar (epoch ms). */
  end?: number | null;
  /** Raw file-order times (to detect unsorted and duplicate rows before the reader fixed them). */
  rawTime?: Float64Array;
}

/** ISO 8601 without offset (times are in the export's clock, not UTC); milliseconds only when non-zero. */
export function isoTime(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return null;
  const s = new Date(ms).toISOString();
  return s.endsWith(".000Z") ? s.slice(0, 19) : s.slice(0, 23);
}

/** The most severe severity among findings, or null when there are none. */
export function worstSeverity(findings: readonly Finding[]): Severity | null {
  let best = 4;
  for (const f of findings) best = Math.min(best, SEVERITIES.indexOf(f.severity));
  return best < 4 ? SEVERITIES[best] : null;
}

/** Sort findings most severe first (stable). */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
}

/**
 * Validate bars (typed arrays or a Bars value). Checks: timeframe declared vs detected, date range
 * vs declared, unsorted and duplicate times (from `rawTime` when given), gaps beyond the normal
 * weekend and daily breaks, bars off the timeframe grid, non-positive prices, high/low
 * inconsistent with open/close, negative volumes or spreads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateBars } from "./validate.ts";
 * const t = Float64Array.from([0, 3_600_000, 7_200_000]);
 * const p = Float64Array.from([1, 1, -1]);
 * const f = validateBars({ length: 3, time: t, open: p, high: p, low: p, close: p,
 *   tickVolume: new Float64Array(3), volume: new Float64Array(3), spread: null }, { timeframe: "H4" });
 * assert.ok(f.some((x) => x.code === "non_positive_price") && f.some((x) => x.code === "timeframe_mismatch"));
 * ```
 */
export function validateBars(input: BarArrays | Bars, opts: ValidateOptions = {}): Finding[] {
  const a: BarArrays = "meta" in input ? toArrays(input) : input;
  const out: Finding[] = [];
  const n = a.length;
  const t = a.time;
  if (n === 0) {
    out.push({ code: "header_only", severity: "CRITICAL", message: "no bars", count: 0 });
    return out;
  }

  // Order and duplicates: on the raw file order when known.
  const raw = opts.rawTime ?? t;
  let backwards = 0;
  let desc = raw.length > 1;
  let equalNeighbours = false;
  const backEx: unknown[] = [];
  for (let i = 1; i < raw.length; i++) {
    const x = raw[i], p = raw[i - 1];
    if (x > p) desc = false;
    else if (x < p) {
      backwards++;
      if (backEx.length < 3) backEx.push({ row: i + 1, time: isoTime(x), after: isoTime(p) });
    } else {
      desc = false;
      if (x === p) equalNeighbours = true;
    }
  }
  if (desc) {
    out.push({
      code: "newest_first",
      severity: "LOW",
      message: `rows are newest-first (${raw.length} rows); they are reversed on read`,
      count: raw.length,
    });
  } else if (backwards > 0) {
    out.push({
      code: "unsorted_bars",
      severity: "HIGH",
      message: `${backwards} row(s) go back in time; the reader sorts them, but the export is out of order`,
      count: backwards,
      examples: backEx,
    });
  }
  if (backwards > 0 || equalNeighbours) {
    const sorted = Float64Array.from(raw).sort();
    let dups = 0;
    const ex: unknown[] = [];
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] === sorted[i - 1]) {
        dups++;
        if (ex.length < 3 && (ex.length === 0 || ex[ex.length - 1] !== isoTime(sorted[i]))) {
          ex.push(isoTime(sorted[i]));
        }
      }
    }
    if (dups > 0) {
      out.push({
        code: "duplicate_bars",
        severity: "HIGH",
        message: `${dups} row(s) repeat an earlier bar time (the reader keeps the last of each)`,
        count: dups,
        examples: ex,
      });
    }
  }

  // Prices and volumes.
  let nonPos = 0, nonFin = 0, hl = 0, oc = 0, negVol = 0, spikes = 0;
  const npEx: unknown[] = [],
    nfEx: unknown[] = [],
    hlEx: unknown[] = [],
    ocEx: unknown[] = [],
    spEx: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const o = a.open[i], h = a.high[i], l = a.low[i], c = a.close[i];
    if (!(o > 0 && h > 0 && l > 0 && c > 0)) {
      nonPos++;
      if (npEx.length < 3) npEx.push({ time: isoTime(t[i]), open: o, high: h, low: l, close: c });
    } else if (o === Infinity || h === Infinity || l === Infinity || c === Infinity) {
      nonFin++;
      if (nfEx.length < 3) nfEx.push({ time: isoTime(t[i]), open: o, high: h, low: l, close: c });
    }
    if (h < l) {
      hl++;
      if (hlEx.length < 3) hlEx.push({ time: isoTime(t[i]), high: h, low: l });
    } else if (h < o || h < c || l > o || l > c) {
      oc++;
      if (ocEx.length < 3) ocEx.push({ time: isoTime(t[i]), open: o, high: h, low: l, close: c });
    }
    if (a.tickVolume[i] < 0 || a.volume[i] < 0 || (a.spread !== null && a.spread[i] < 0)) negVol++;
    // Price spikes: a close more than 10 times (or under a tenth of) both neighbours' closes is a
    // damaged value (e.g. a digit or exponent gone wrong), not a market move.
    if (c > 0 && c !== Infinity) {
      const p = i > 0 ? a.close[i - 1] : NaN, q = i + 1 < n ? a.close[i + 1] : NaN;
      const okP = p > 0 && p !== Infinity, okQ = q > 0 && q !== Infinity;
      // Cheap common case first: within a factor 10 of either neighbour is no spike.
      if (
        (okP || okQ) && !(okP && c <= p * 10 && c * 10 >= p) && !(okQ && c <= q * 10 && c * 10 >= q)
      ) {
        spikes++;
        if (spEx.length < 3) spEx.push({ time: isoTime(t[i]), close: c, previous: p, next: q });
      }
    }
  }
  if (nonPos) {
    out.push({
      code: "non_positive_price",
      severity: "CRITICAL",
      message: `${nonPos} bar(s) have a price <= 0`,
      count: nonPos,
      examples: npEx,
    });
  }
  if (nonFin) {
    out.push({
      code: "non_finite_price",
      severity: "CRITICAL",
      message: `${nonFin} bar(s) have an infinite price`,
      count: nonFin,
      examples: nfEx,
    });
  }
  if (spikes) {
    out.push({
      code: "price_spike",
      severity: "CRITICAL",
      message: `${spikes} bar(s) close more than 10 times above or below their neighbours (a damaged value?)`,
      count: spikes,
      examples: spEx,
    });
  }
  // Bars in the future (beyond a day from now) cannot be real history.
  const tomorrow = Date.now() + 86_400_000;
  let future = 0;
  for (let i = n - 1; i >= 0 && t[i] > tomorrow; i--) future++;
  if (future) {
    out.push({
      code: "future_bars",
      severity: "CRITICAL",
      message: `${future} bar(s) are dated in the future (last: ${isoTime(t[n - 1])})`,
      count: future,
    });
  }
  if (hl || oc) {
    out.push({
      code: "ohlc_inconsistent",
      severity: hl ? "CRITICAL" : "HIGH",
      message: `${hl} bar(s) with high below low, ${oc} bar(s) with open or close outside [low, high]`,
      count: hl + oc,
      high_below_low: hl,
      open_close_outside: oc,
      examples: [...hlEx, ...ocEx].slice(0, 3),
    });
  }
  if (negVol) {
    out.push({
      code: "negative_volume",
      severity: "MEDIUM",
      message: `${negVol} bar(s) have a negative tick volume, volume or spread`,
      count: negVol,
    });
  }

  // Timeframe: declared vs detected.
  const detected = detectTimeframe(t);
  const declared = opts.timeframe ? opts.timeframe.toUpperCase() : null;
  if (declared && detected && declared !== detected) {
    out.push({
      code: "timeframe_mismatch",
      severity: "CRITICAL",
      message: `the name declares ${declared} but the bars are ${detected} apart (most common spacing)`,
      timeframe_declared: declared,
      timeframe_detected: detected,
    });
  } else if (!detected && n >= 3) {
    out.push({
      code: "timeframe_undetected",
      severity: declared ? "MEDIUM" : "LOW",
      message: `the most common bar spacing matches no timeframe${
        declared ? ` (the name declares ${declared})` : ""
      }`,
    });
  }

  // Date range vs declared.
  if (opts.start != null && opts.end != null && (opts.start !== t[0] || opts.end !== t[n - 1])) {
    out.push({
      code: "date_range_mismatch",
      severity: "MEDIUM",
      message: `the name declares ${isoTime(opts.start)} .. ${isoTime(opts.end)} but the bars run ${
        isoTime(t[0])
      } .. ${isoTime(t[n - 1])}`,
      declared_start: isoTime(opts.start),
      declared_end: isoTime(opts.end),
      first_time: isoTime(t[0]),
      last_time: isoTime(t[n - 1]),
    });
  }

  // Grid alignment and gaps at the detected (else declared) timeframe.
  const tf = detected ?? declared;
  const tfMs = timeframeMs(tf);
  if (tfMs !== null && tfMs <= 4 * 3_600_000) {
    // The grid is the most common offset of the open times (00/04/08… for MT5 H4, :15 for a
    // market opening at 09:15); bars off that grid are misaligned.
    // Usually one offset holds most bars: count the first bar's offset before building a histogram.
    const first = gridOffset(t[0], tfMs);
    let grid = first, gridCount = 0;
    for (let i = 0; i < n; i++) if (gridOffset(t[i], tfMs) === first) gridCount++;
    if (gridCount * 2 <= n) {
      const offsets = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const o = gridOffset(t[i], tfMs);
        offsets.set(o, (offsets.get(o) ?? 0) + 1);
      }
      gridCount = -1;
      for (const [o, c] of offsets) {
        if (c > gridCount || (c === gridCount && o < grid)) {
          grid = o;
          gridCount = c;
        }
      }
    }
    const off = n - gridCount;
    if (off) {
      const ex: unknown[] = [];
      for (let i = 0; i < n && ex.length < 3; i++) {
        if (gridOffset(t[i], tfMs) !== grid) ex.push(isoTime(t[i]));
      }
      out.push({
        code: "misaligned_bars",
        severity: "MEDIUM",
        message: `${off} bar(s) do not open on the ${tf} grid of the other bars` +
          (grid ? ` (which is offset by ${grid / 60000} min)` : ""),
        count: off,
        grid_offset_minutes: grid / 60000,
        examples: ex,
      });
    }
  }
  if (tfMs !== null) {
    const g = findGaps(t, tfMs);
    if (g.abnormal.length) {
      const largest = g.abnormal[0];
      const week = 7 * 86_400_000;
      out.push({
        code: "gaps",
        severity: largest.to - largest.from >= week ? "MEDIUM" : "LOW",
        message:
          `${g.abnormal.length} gap(s) beyond the normal breaks (largest: ${largest.missingBars} ${tf} bars missing after ${
            isoTime(largest.from)
          })`,
        count: g.abnormal.length,
        missing_bars: g.abnormal.reduce((s, x) => s + x.missingBars, 0),
        weekend_gaps: g.weekendGaps,
        session_gaps: g.sessionGaps,
        session_breaks: g.sessionBreaks,
        trades_weekends: g.tradesWeekends,
        examples: g.abnormal.slice(0, 3).map((x) => ({
          from: isoTime(x.from),
          to: isoTime(x.to),
          missing_bars: x.missingBars,
        })),
      });
    }
  }
  if (n < 2) {
    out.push({
      code: "too_few_bars",
      severity: "LOW",
      message: `only ${n} bar; nothing can be detected from spacing`,
    });
  }
  return sortFindings(out);
}

/**
 * `((x % m) + m) % m`, the offset of time `x` in a grid of step `m` (both whole ms, m > 0). For
 * whole `x` below 2^52 in size the quotient is exact, so `x - floor(x / m) * m` is the same number
 * without the floating remainder (a slow library call, once per bar); anything else takes `%`.
 */
function gridOffset(x: number, m: number): number {
  if (x === Math.floor(x) && x < 4503599627370496 && x > -4503599627370496) return x - Math.floor(x / m) * m;
  return ((x % m) + m) % m;
}

/** Findings that come from how the file was read (repairs, truncation). */
export function readFindings(loaded: LoadedFile): Finding[] {
  const out: Finding[] = [];
  if (loaded.raw.truncatedLastRow) {
    out.push({
      code: "truncated_file",
      severity: "MEDIUM",
      message: "the last line is incomplete (the file looks truncated); it was dropped",
    });
  }
  if (loaded.rowIssues) {
    const bad = Object.values(loaded.rowIssues.counts).reduce((a, b) => a + b, 0);
    const total = loaded.raw.length + bad;
    for (const [code, count] of Object.entries(loaded.rowIssues.counts)) {
      const ex = loaded.rowIssues.examples.filter((e) => e.code === code);
      const lines = loaded.rowIssues.lines?.[code] ?? [];
      const share = total > 0 ? count / total : 1;
      out.push({
        code,
        severity: rowIssueSeverity(code, share),
        message: `${count} row(s) (${pct(share)} of ${total}) ${
          code === "repeated_header"
            ? "repeat the header line"
            : code === "null_rows"
            ? "hold null prices (no trading)"
            : "cannot be read"
        } and were quarantined (lines ${lines.slice(0, 10).join(", ")}${count > 10 ? ", …" : ""}); first: ${
          ex[0]?.message ?? ""
        }`,
        count,
        share,
        lines,
        examples: ex.map((e) => ({ ...e.details, message: e.message })),
      });
    }
  }
  // Rows of null prices (Yahoo): skipped in strict and lenient reads alike; a LOW finding with
  // their count and first line (never read as zero).
  const nul = loaded.raw.nullRows;
  if (nul) {
    const total = loaded.raw.length + nul.count;
    out.push({
      code: "null_rows",
      severity: "LOW",
      message:
        `${nul.count} row(s) (${pct(nul.count / total)} of ${total}) hold null prices (no trading) and were` +
        ` skipped, never read as zero; the first is line ${nul.lines[0]} (lines ${
          nul.lines.slice(0, 10).join(", ")
        }${nul.count > 10 ? ", …" : ""})`,
      count: nul.count,
      share: nul.count / total,
      line: nul.lines[0],
      lines: nul.lines,
    });
  }
  // Every decision of the read, as one LOW finding (a plain MT5 export, whose fixed layout leaves
  // nothing to decide, lists them in `read.decisions` only).
  const decisions = loaded.report.decisions ?? [];
  const plain = loaded.sniffed.plainMt5 === true && decisions.length === loaded.sniffed.decisions.length;
  if (decisions.length && !plain) {
    out.push({
      code: "read_decisions",
      severity: "LOW",
      message: `read by these decisions: ${decisions.join("; ")}`,
      decisions,
    });
  }
  const header = loaded.sniffed.header;
  if (header) {
    // A header cell that is not clean text (a damaged byte): its column was ignored.
    const damaged = header.filter((h) => {
      for (const ch of h) {
        const c = ch.charCodeAt(0);
        if (c === 0xfffd || c < 9 || (c > 13 && c < 32) || c === 127) return true;
      }
      return false;
    });
    if (damaged.length) {
      out.push({
        code: "header_damaged",
        severity: "HIGH",
        message: `header cell(s) ${
          damaged.map((h) => JSON.stringify(h)).join(", ")
        } hold bytes that are not text; the column(s) were ignored (data rows start after the header as usual)`,
        cells: damaged,
      });
    }
    // An MT5 (<ANGLE>) header with a name Kinetra does not know: its column was ignored.
    const unknown = loaded.sniffed.format === "mt5_bars" || loaded.sniffed.format === "mt5_ticks"
      ? loaded.sniffed.ignoredColumns.filter((h) => /^<.*>$/.test(h.trim()) && !damaged.includes(h))
      : [];
    if (unknown.length) {
      out.push({
        code: "unknown_columns",
        severity: "HIGH",
        message: `MT5 header column(s) ${unknown.join(", ")} are not known MT5 columns and were ignored` +
          ` (known: <DATE> <TIME> <OPEN> <HIGH> <LOW> <CLOSE> <TICKVOL> <VOL> <SPREAD>, ticks <BID> <ASK> <LAST> <VOLUME> <FLAGS>)`,
        columns: unknown,
      });
    }
  }
  const other = loaded.report.repairs.filter((r) =>
    !r.startsWith("the last line") && !r.startsWith("rows were") && !r.includes("repeated an earlier time")
  );
  if (other.length) {
    out.push({
      code: "repaired_on_read",
      severity: "LOW",
      message: `read with repairs: ${other.join("; ")}`,
      repairs: other,
    });
  }
  return out;
}

/** Row codes that are CRITICAL whatever their share (a wrong price must never be traded on). */
const ALWAYS_CRITICAL = new Set(["non_finite_price", "non_positive_price"]);

/**
 * Severity of quarantined rows: non-finite or non-positive prices are CRITICAL; a repeated header
 * line is LOW (no data lost); other unreadable rows by their share of the file's rows: over 1 %
 * CRITICAL, over 0.1 % HIGH, else MEDIUM.
 */
export function rowIssueSeverity(code: string, share: number): Severity {
  if (ALWAYS_CRITICAL.has(code)) return "CRITICAL";
  if (code === "repeated_header" || code === "null_rows") return "LOW";
  return share > 0.01 ? "CRITICAL" : share > 0.001 ? "HIGH" : "MEDIUM";
}

function pct(share: number): string {
  const p = share * 100;
  return `${p >= 1 ? p.toFixed(1) : p >= 0.01 ? p.toFixed(2) : p.toPrecision(1)} %`;
}

/** A read failure as a CRITICAL finding with the reader's code. */
export function errorFinding(e: unknown): Finding {
  if (isKinetraError(e)) {
    return { code: e.code, severity: "CRITICAL", message: e.message, ...(e.details ?? {}) };
  }
  throw e;
}

/** Validate a loaded file against what its name declares. */
export function validateLoaded(loaded: LoadedFile): Finding[] {
  const out = readFindings(loaded);
  if (loaded.arrays) {
    const name = parseFileName(loaded.path);
    out.push(...validateBars(loaded.arrays, {
      timeframe: loaded.sniffed.format === "mt5_ticks" ? null : name.timeframe,
      start: name.start,
      end: name.end,
      rawTime: loaded.sniffed.format === "mt5_ticks" ? undefined : loaded.raw.time,
    }));
    const dup = out.find((f) => f.code === "duplicate_bars");
    if (dup && loaded.raw.cols.close) conflictingDuplicates(dup, loaded.raw.time, loaded.raw.cols.close);
  }
  return sortFindings(out);
}

/**
 * Rows that repeat a time with a different close conflict (the reader keeps the last one, so the
 * others are lost); over 1 % of the rows that is CRITICAL (e.g. a damaged <TIME> header collapsing
 * intraday bars into days), else the finding stays HIGH. Adds `conflicting` to the finding.
 */
function conflictingDuplicates(f: Finding, time: Float64Array, close: Float64Array): void {
  const n = time.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => time[a] - time[b] || a - b);
  let conflicting = 0;
  for (let k = 1; k < n; k++) {
    const a = idx[k - 1], b = idx[k];
    if (time[a] === time[b] && close[a] !== close[b]) conflicting++;
  }
  f.conflicting = conflicting;
  if (conflicting > 0.01 * n) {
    f.severity = "CRITICAL";
    f.message +=
      `; ${conflicting} of them hold different prices (more than 1 % of the rows: the times are not unique bars)`;
  }
}

/**
 * Read and validate one file. Unreadable input gives a single CRITICAL finding carrying the
 * reader's code (`file_not_found`, `empty_file`, `header_only`, `unrecognized_format`,
 * `missing_column`, `non_numeric`, `invalid_date`, …) instead of throwing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateFile } from "./validate.ts";
 * const findings = await validateFile("no/such/file.csv");
 * assert.ok(findings[0].code === "file_not_found" && findings[0].severity === "CRITICAL");
 * ```
 */
export async function validateFile(path: string, opts: ReadOptions = {}): Promise<Finding[]> {
  try {
    return validateLoaded(
      await loadFile(path, { lenient: true, ...opts, timeframe: opts.timeframe ?? "M1" }),
    );
  } catch (e) {
    return [errorFinding(e)];
  }
}
