/**
 * The row parser behind every reader: one pass over UTF-8 bytes, cells located by delimiter
 * (quote-aware), numbers and dates parsed in place into typed arrays.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import {
  type DateOrder,
  firstTwoGroups,
  parseDateCell,
  parseNumber,
  parseTimeCell,
  textOf,
} from "./_decode.ts";
import { parseRowsFast } from "./_fast_parse.ts";
import { type ColumnRole, parseClock12, parseCompactTime, type Sniffed } from "./sniff.ts";

/** Parsed columns in file order (not yet sorted or de-duplicated). */
export interface RawColumns {
  /** Rows parsed. */
  length: number;
  /** Row times (epoch ms, export clock), in file order. */
  time: Float64Array;
  /** Numeric columns by role; a role that the file lacks is absent. */
  cols: Partial<Record<ColumnRole, Float64Array>>;
  /** Rows dropped as an incomplete last line (a truncated file). */
  truncatedLastRow: boolean;
  /** The date order finally used (`dmy` or `mdy` once decided). */
  dateOrder: DateOrder;
  /** Repairs applied while parsing (e.g. a dropped truncated line). */
  repairs: string[];
  /** True when the single-pass fast path parsed the file. */
  fastPath: boolean;
  /** Reading decisions made from the rows (date order, skipped null rows), as sentences. */
  decisions?: string[];
  /**
   * Rows of `null` prices (Yahoo's days without trading), skipped in strict and lenient reads
   * alike (never read as zero): how many and their 1-based lines (the first `ROW_ISSUE_LINES`).
   */
  nullRows?: { count: number; lines: number[] };
}

/**
 * Rows a lenient parse skipped, by error code: how many, and the first few errors (messages with
 * line, column and cell).
 */
export interface RowIssues {
  /**
   * Skipped rows per code (`non_numeric`, `invalid_date`, `column_count_mismatch`,
   * `non_finite_price`, `non_positive_price`, `nul_bytes`, `repeated_header`).
   */
  counts: Record<string, number>;
  /** Up to `ROW_ISSUE_EXAMPLES` errors per code, in file order. */
  examples: KinetraError[];
  /** 1-based line numbers of the skipped rows per code (the first `ROW_ISSUE_LINES`). */
  lines?: Record<string, number[]>;
}

/** Line numbers kept per code in `RowIssues.lines`. */
export const ROW_ISSUE_LINES = 100;

/** Errors kept per code in `RowIssues.examples`. */
export const ROW_ISSUE_EXAMPLES = 3;

/** Count an issue; true when its error should be kept as an example. */
function countIssue(issues: RowIssues, code: string, lineNo: number): boolean {
  const c = (issues.counts[code] ?? 0) + 1;
  issues.counts[code] = c;
  const lines = (issues.lines ??= {});
  const l = (lines[code] ??= []);
  if (l.length < ROW_ISSUE_LINES) l.push(lineNo);
  return c <= ROW_ISSUE_EXAMPLES;
}

/** A note for messages when a cell holds bytes outside printable ASCII (a damaged file). */
function byteNote(b: Uint8Array, s: number, e: number): string {
  const odd: string[] = [];
  for (let k = s; k < e && odd.length < 3; k++) {
    const c = b[k];
    if (c >= 0x80 || c < 9 || (c > 13 && c < 32) || c === 127) {
      odd.push("0x" + c.toString(16).padStart(2, "0"));
    }
  }
  return odd.length
    ? ` (it holds the byte(s) ${odd.join(", ")}, which are not printable text: a damaged file?)`
    : "";
}

function columnCountError(
  source: string,
  lineNo: number,
  k: number,
  nCells: number,
  line: string,
  delimName: string,
): KinetraError {
  return new KinetraError(
    "column_count_mismatch",
    `${source}: line ${lineNo} has ${k} cells but the file has ${nCells} columns: ${line}` +
      ` (delimiter ${delimName}). Expected every row to have the same cells as the header.`,
    { details: { file: source, line: lineNo, cells: k, expected: nCells } },
  );
}

function dateError(
  source: string,
  lineNo: number,
  which: string,
  column: string | undefined,
  layout: string,
  separateTime: boolean,
  timeInCell = false,
): KinetraError {
  return new KinetraError(
    "invalid_date",
    `${source}: line ${lineNo}: cannot read the date/time ${which} (column ${column}); the file's layout is ${layout}${
      separateTime ? " + a separate HH:MM[:SS] cell" : timeInCell ? " HH:MM[:SS]" : ""
    } (from its first rows) and every cell must match it completely.`,
    { details: { file: source, line: lineNo, column, value: which } },
  );
}

function numberError(
  source: string,
  lineNo: number,
  column: string | undefined,
  cell: string,
  line: string,
  dec: number,
): KinetraError {
  return new KinetraError(
    "non_numeric",
    `${source}: line ${lineNo}, column ${column}: ${
      cell === "" ? "empty cell" : JSON.stringify(cell)
    } is not a number (line ${line}). Expected a number with '${
      String.fromCharCode(dec)
    }' as decimal separator.`,
    { details: { file: source, line: lineNo, column, value: cell } },
  );
}

/** True when `cell` is a number written in some decimal/thousands convention (`1,5`, `1.234,5`, `1,234.5`). */
function otherConvention(cell: string): boolean {
  const c = cell.replace(/^"|"$/g, "").trim().replace(/^\$/, "");
  return /^[-+]?\d+[.,]\d+$/.test(c) || /^[-+]?\d{1,3}([.,])\d{3}(\1\d{3})*([.,]\d+)?$/.test(c);
}

/** A later row written in another number format than the one decided from the file's first lines. */
function contradictionError(
  source: string,
  lineNo: number,
  column: string | undefined,
  cell: string,
  sn: Sniffed,
): KinetraError {
  cell = cell.replace(/^"|"$/g, "").trim();
  const mark = (x: number) => `'${String.fromCharCode(x)}'`;
  const decided = `${mark(sn.decimal)} as the decimal mark and ${
    sn.thousands ? mark(sn.thousands) + " as the thousands separator" : "no thousands separator"
  }`;
  return new KinetraError(
    "ambiguous_number",
    `${source}: line ${lineNo}, column ${column}: ${
      JSON.stringify(cell)
    } contradicts the number format decided from` +
      ` the file's first ${
        sn.sampleRows ?? "sampled"
      } data line(s) (${decided}): the file mixes number formats,` +
      ` so its numbers cannot be read one way. Export the file with one number format.`,
    { details: { file: source, line: lineNo, column, value: cell } },
  );
}

const NUMERIC_ROLES: ColumnRole[] = [
  "open",
  "high",
  "low",
  "close",
  "tick_volume",
  "volume",
  "spread",
  "bid",
  "ask",
  "last",
  "flags",
];
/** Roles holding prices: finite and positive, or the row is not read. */
const PRICE_ROLES = new Set<ColumnRole>(["open", "high", "low", "close", "bid", "ask", "last"]);
/** Roles whose empty cells are allowed (read as NaN: ticks carry only what changed). */
const EMPTY_OK = new Set<ColumnRole>(["bid", "ask", "last", "volume", "flags", "tick_volume", "spread"]);

function lineText(b: Uint8Array, s: number, e: number): string {
  const t = textOf(b, s, Math.min(e, s + 200)).replace(/\r$/, "");
  return JSON.stringify(t);
}

/** True when the cell (spaces and quotes aside) is `null`, `NULL` or `NaN`-free `null` text. */
function isNull(b: Uint8Array, s: number, e: number): boolean {
  const t = textOf(b, s, e).replace(/^[ "]+|[ "\r]+$/g, "");
  return t === "null" || t === "NULL" || t === "Null";
}

/**
 * A volume written with a suffix (`1.2K`, `3.4M`, `0.5B`, investing.com's "Vol.") or `-` (none,
 * read as empty): the value, or NaN.
 */
function suffixedVolume(b: Uint8Array, s: number, e: number, dec: number): number {
  const t = textOf(b, s, e).replace(/^[ "]+|[ "\r]+$/g, "");
  if (t === "-" || t === "--") return 0;
  const m = /^(\d+(?:[.,]\d+)?)([KMB])$/i.exec(t);
  if (!m) return NaN;
  const num = Number(dec === 44 ? m[1].replace(".", "").replace(",", ".") : m[1].replace(",", ""));
  const k = { k: 1e3, m: 1e6, b: 1e9 }[m[2].toLowerCase() as "k" | "m" | "b"];
  return Math.round(num * k * 1e6) / 1e6;
}

/** A price written after the file's currency sign (`"$148.56"`), or NaN. */
function signedPrice(b: Uint8Array, s: number, e: number, sign: number, dec: number, thou: number): number {
  while (s < e && (b[s] === 32 || b[s] === 34)) s++;
  return s < e && b[s] === sign ? parseNumber(b, s + 1, e, dec, thou) : NaN;
}

/** True when the (trimmed) cell starts with a digit (a date, not a header word). */
function isDigitStart(b: Uint8Array, s: number, e: number): boolean {
  while (s < e && (b[s] === 32 || b[s] === 34)) s++;
  return s < e && b[s] >= 48 && b[s] <= 57;
}

function isBlank(b: Uint8Array, s: number, e: number): boolean {
  for (let k = s; k < e; k++) {
    const c = b[k];
    if (c !== 32 && c !== 9 && c !== 44 && c !== 59 && c !== 13 && c !== 34) return false;
  }
  return true;
}

function grow(arrays: Float64Array[], cap: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (const a of arrays) {
    const x = new Float64Array(cap);
    x.set(a);
    out.push(x);
  }
  return out;
}

/** Decide between day-first and month-first from every row's first two date groups. */
function decideDayFirst(b: Uint8Array, sn: Sniffed, source: string, decisions: string[]): DateOrder {
  let maxA = 0;
  let maxB = 0;
  let lineA = 0, lineB = 0, cellA = "", cellB = "";
  const n = b.length;
  let i = sn.dataStart;
  let lineNo = 1;
  for (let k = 0; k < sn.dataStart; k++) if (b[k] === 10) lineNo++;
  const dc = sn.roles.date;
  const delim = sn.delimiter;
  while (i < n) {
    let e = b.indexOf(10, i);
    if (e === -1) e = n;
    // find cell dc
    let s = i;
    for (let k = 0; k < dc && s < e; k++) {
      const j = b.indexOf(delim, s);
      s = j === -1 || j > e ? e : j + 1;
    }
    let ce = b.indexOf(delim, s);
    if (ce === -1 || ce > e) ce = e;
    const [a, bb] = firstTwoGroups(b, s, ce);
    if (a > 12 && !lineA) (lineA = lineNo), (cellA = textOf(b, s, ce));
    if (bb > 12 && !lineB) (lineB = lineNo), (cellB = textOf(b, s, ce));
    if (a > maxA) maxA = a;
    if (bb > maxB) maxB = bb;
    i = e + 1;
    lineNo++;
  }
  if (maxA > 12 && maxB <= 12) {
    decisions.push(
      `dates are day-first: line ${lineA} has ${JSON.stringify(cellA.trim())} (a first part above 12)`,
    );
    return "dmy";
  }
  if (maxB > 12 && maxA <= 12) {
    decisions.push(
      `dates are month-first: line ${lineB} has ${JSON.stringify(cellB.trim())} (a second part above 12)`,
    );
    return "mdy";
  }
  if (maxA > 12 && maxB > 12) {
    throw new KinetraError(
      "invalid_date",
      `${source}: dates like ${sn.dateLayout} mix day-first and month-first rows (both parts exceed 12 somewhere);` +
        ` expected one consistent layout, ideally YYYY-MM-DD.`,
      { details: { file: source } },
    );
  }
  // No row can tell: refused (a header's language or vendor only suggests an order, it never decides).
  const hint = sn.orderHint
    ? ` (${
      sn.orderHint.why.replace(/, (whose exports write|which writes) (day|month)-first$/, "")
    }; such exports usually write ${
      sn.orderHint.order === "dmy" ? "day" : "month"
    }-first, but the rows cannot confirm it)`
    : "";
  throw new KinetraError(
    "ambiguous_date",
    `${source}: dates like ${sn.dateLayout} are ambiguous: no row has a part above 12 (every row checked), so day-first and month-first both fit${hint}.` +
      ` Pass the order: --date-order dmy or --date-order mdy (data:inspect, data:validate, prepare, backtest, backtest:batch, optimize, walkforward, portfolio, live, model:compare, menu),` +
      ` or readBars(path, { dateOrder: "dmy" }) / { dateOrder: "mdy" }; or export dates as YYYY-MM-DD.`,
    {
      details: {
        file: source,
        date_layout: sn.dateLayout,
        option: "dateOrder",
        flag: "--date-order dmy|mdy",
      },
    },
  );
}

/**
 * Parse every data row (the single-pass fast path first unless `allowFast` is false; tests
 * compare both paths). With `issues`, rows that cannot be read are skipped and counted there
 * instead of throwing (validation wants every problem, reading wants the first). Errors carry the 1-based line number, the column and the cell seen.
 * `dateOrder` settles `DD/MM/YYYY` (`dmy`) vs `MM/DD/YYYY` (`mdy`) when given; else every row is
 * scanned and a file no row can settle is refused (`ambiguous_date`).
 */
export function parseRows(
  b: Uint8Array,
  sn: Sniffed,
  source: string,
  dateOrder?: "dmy" | "mdy",
  allowFast = true,
  issues: RowIssues | null = null,
): RawColumns {
  const repairs: string[] = [];
  const decisions: string[] = [];
  let order: DateOrder;
  if (sn.dateOrder === "dmy_or_mdy") {
    order = dateOrder === undefined ? decideDayFirst(b, sn, source, decisions) : dateOrder;
    if (dateOrder !== undefined) {
      decisions.push(
        `dates read ${dateOrder === "dmy" ? "day" : "month"}-first as told (date order ${dateOrder})`,
      );
    }
    sn.dateLayout = sn.dateLayout.replace("??", order === "dmy" ? "DD" : "MM").replace(
      "??",
      order === "dmy" ? "MM" : "DD",
    );
  } else order = sn.dateOrder;

  const n = b.length;
  // Capacity estimate from the average length of the first rows.
  const roles = NUMERIC_ROLES.filter((r) => sn.roles[r] !== -1);
  const fast = allowFast && !sn.compactTime
    ? parseRowsFast(b, sn, roles, roles.map((r) => EMPTY_OK.has(r)))
    : null;
  if (fast) {
    const cols: Partial<Record<ColumnRole, Float64Array>> = {};
    for (let j = 0; j < roles.length; j++) cols[roles[j]] = fast.arrays[j];
    return {
      length: fast.length,
      time: fast.time,
      cols,
      truncatedLastRow: false,
      dateOrder: order,
      repairs,
      fastPath: true,
      decisions,
    };
  }
  let cap = Math.max(16, Math.ceil((n - sn.dataStart) / 40));
  let time = new Float64Array(cap);
  const idx = Int32Array.from(roles.map((r) => sn.roles[r]));
  let arrays: Float64Array[] = roles.map(() => new Float64Array(cap));
  const emptyOk = roles.map((r) => EMPTY_OK.has(r));
  const nCells = sn.cellCount;
  const cs = new Int32Array(nCells + 1);
  const ce = new Int32Array(nCells + 1);
  const delim = sn.delimiter;
  const spaceDelim = delim === 32;
  const dateIdx = sn.roles.date;
  const timeIdx = sn.roles.time;
  const dec = sn.decimal;
  const dateSep = sn.dateSep;
  let len = 0;
  let lineNo = sn.hasHeader ? 2 : 1;
  // Count header and blank lines before dataStart for accurate line numbers.
  lineNo = 1;
  for (let k = 0; k < sn.dataStart; k++) if (b[k] === 10) lineNo++;
  let truncatedLastRow = false;
  let i = sn.dataStart;
  let nextNul = b.indexOf(0, i);
  const timeInCell = sn.timeLayout === "in_date_column";
  const isPrice = roles.map((r) => PRICE_ROLES.has(r));
  const isVolume = roles.map((r) => r === "volume" || r === "tick_volume");
  const thou = sn.thousands;
  const headerText = sn.hasHeader ? sn.firstLine.trim() : null;
  let nullCount = 0, firstNull = "";
  const nullLines: number[] = [];
  let suffixLine = 0, suffixCell = "";
  for (; i < n; lineNo++) {
    // Locate the cells and the line end in one scan (quote-aware at cell starts).
    let k = 0;
    let j = i;
    if (spaceDelim) { while (j < n && b[j] === 32) j++; }
    for (;;) {
      const s = j;
      if (j < n && b[j] === 34) {
        j++;
        while (j < n && b[j] !== 34 && b[j] !== 10) j++;
        if (j < n && b[j] === 34) j++;
      }
      while (j < n) {
        const c = b[j];
        if (c === delim || c === 10) break;
        j++;
      }
      if (k <= nCells) {
        cs[k] = s;
        ce[k] = j > s && b[j - 1] === 13 ? j - 1 : j;
      }
      k++;
      if (j >= n || b[j] === 10) break;
      j++;
      if (spaceDelim) {
        while (j < n && b[j] === 32) j++;
        if (j >= n || b[j] === 10 || b[j] === 13) {
          while (j < n && b[j] !== 10) j++;
          break;
        }
      }
    }
    const hasNewline = j < n;
    const e = j;
    const le = e > i && b[e - 1] === 13 ? e - 1 : e;
    // A line of spaces, tabs, delimiters and quotes only is a blank line.
    if (isBlank(b, i, le)) {
      i = e + 1;
      continue;
    }
    // The header line again (concatenated exports): quarantined, never read as data.
    if (headerText !== null && (k !== nCells || !isDigitStart(b, cs[dateIdx], ce[dateIdx]))) {
      if (textOf(b, i, le).trim() === headerText) {
        const err = new KinetraError(
          "repeated_header",
          `${source}: line ${lineNo} repeats the header line; it was skipped.`,
          { details: { file: source, line: lineNo } },
        );
        if (issues === null) throw err;
        if (countIssue(issues, "repeated_header", lineNo)) issues.examples.push(err);
        i = e + 1;
        continue;
      }
    }
    // A NUL byte anywhere in the line: the line is not text.
    if (nextNul !== -1 && nextNul < i) nextNul = b.indexOf(0, i);
    if (nextNul !== -1 && nextNul < e) {
      const err = new KinetraError(
        "nul_bytes",
        `${source}: line ${lineNo} holds a NUL byte (offset ${nextNul}): ${
          lineText(b, i, le)
        }; the line is not text.`,
        { details: { file: source, line: lineNo, offset: nextNul } },
      );
      if (issues === null) throw err;
      if (countIssue(issues, "nul_bytes", lineNo)) issues.examples.push(err);
      i = e + 1;
      continue;
    }
    if (k !== nCells) {
      if (!hasNewline && k < nCells) {
        truncatedLastRow = true;
        repairs.push(
          `the last line (line ${lineNo}) is incomplete (${k} of ${nCells} cells, no line end): the file looks truncated; the line was dropped`,
        );
        break;
      }
      if (issues === null) {
        throw columnCountError(source, lineNo, k, nCells, lineText(b, i, le), sn.delimiterName);
      }
      if (countIssue(issues, "column_count_mismatch", lineNo)) {
        issues.examples.push(
          columnCountError(source, lineNo, k, nCells, lineText(b, i, le), sn.delimiterName),
        );
      }
      i = e + 1;
      continue;
    }
    if (len === cap) {
      cap *= 2;
      const t2 = new Float64Array(cap);
      t2.set(time);
      time = t2;
      arrays = grow(arrays, cap);
    }
    let t = sn.clock12
      ? parseClock12(textOf(b, cs[dateIdx], ce[dateIdx]))
      : parseDateCell(b, cs[dateIdx], ce[dateIdx], order, dateSep, timeInCell, sn.yearDigits);
    if (timeIdx !== -1 && t === t) {
      const tod = sn.compactTime
        ? parseCompactTime(textOf(b, cs[timeIdx], ce[timeIdx]), sn.compactTime)
        : parseTimeCell(b, cs[timeIdx], ce[timeIdx]);
      t = tod === tod ? t + tod : NaN;
    }
    if (t !== t) {
      const which = timeIdx !== -1
        ? `${JSON.stringify(textOf(b, cs[dateIdx], ce[dateIdx]))} ${
          JSON.stringify(textOf(b, cs[timeIdx], ce[timeIdx]))
        }`
        : JSON.stringify(textOf(b, cs[dateIdx], ce[dateIdx]));
      const note = byteNote(b, cs[dateIdx], ce[dateIdx]) ||
        (timeIdx !== -1 ? byteNote(b, cs[timeIdx], ce[timeIdx]) : "");
      const err = issues === null || countIssue(issues, "invalid_date", lineNo)
        ? dateError(source, lineNo, which + note, sn.columns.date, sn.dateLayout, timeIdx !== -1, timeInCell)
        : null;
      if (issues === null) throw err;
      if (err) issues.examples.push(err);
      i = e + 1;
      continue;
    }
    time[len] = t;
    let badRow = false;
    for (let r = 0; r < idx.length; r++) {
      const c = idx[r];
      let v = parseNumber(b, cs[c], ce[c], dec, thou);
      if (v !== v && isVolume[r]) {
        v = suffixedVolume(b, cs[c], ce[c], dec);
        if (v === v && !suffixLine) {
          suffixLine = lineNo;
          suffixCell = textOf(b, cs[c], ce[c]).replace(/^[ "]+|[ "\r]+$/g, "");
        }
      }
      if (v !== v && isPrice[r] && sn.currency) v = signedPrice(b, cs[c], ce[c], sn.currency, dec, thou);
      if (v !== v) {
        if (isPrice[r] && isNull(b, cs[c], ce[c])) {
          // Yahoo-style rows of `null` (no trading): skipped and counted (a finding and a decision,
          // in strict and lenient reads alike), never read as zero.
          nullCount++;
          if (nullLines.length < ROW_ISSUE_LINES) nullLines.push(lineNo);
          if (nullCount === 1) firstNull = lineText(b, i, le);
          badRow = true;
          break;
        }
        if (!(emptyOk[r] && isBlank(b, cs[c], ce[c]))) {
          const cell = textOf(b, cs[c], ce[c]).trim();
          // A number the file's format (decided from its first lines) rejects but the other
          // convention reads: the file mixes number formats; refused, saying so (never quarantined
          // as one bad row, never read one way silently). MT5 exports fix '.' as the mark.
          if (sn.format !== "mt5_bars" && sn.format !== "mt5_ticks" && otherConvention(cell)) {
            throw contradictionError(source, lineNo, sn.columns[roles[r]], cell, sn);
          }
          const err = numberError(source, lineNo, sn.columns[roles[r]], cell, lineText(b, i, le), dec);
          if (issues === null) throw err;
          if (countIssue(issues, "non_numeric", lineNo)) issues.examples.push(err);
          badRow = true;
          break;
        }
      } else if (v === Infinity || v === -Infinity || (isPrice[r] && v <= 0)) {
        // Non-finite numbers and non-positive prices never become a bar.
        const code = v === Infinity || v === -Infinity
          ? (isPrice[r] ? "non_finite_price" : "non_numeric")
          : "non_positive_price";
        const cell = textOf(b, cs[c], ce[c]).trim();
        const err = new KinetraError(
          code,
          `${source}: line ${lineNo}, column ${sn.columns[roles[r]]}: ${JSON.stringify(cell)} is ${
            code === "non_positive_price" ? "not a positive price" : "not a finite number"
          } (line ${lineText(b, i, le)}); the row was not read.`,
          { details: { file: source, line: lineNo, column: sn.columns[roles[r]], value: cell } },
        );
        if (issues === null) throw err;
        if (countIssue(issues, code, lineNo)) issues.examples.push(err);
        badRow = true;
        break;
      }
      arrays[r][len] = v;
    }
    if (badRow) {
      i = e + 1;
      continue;
    }
    len++;
    i = e + 1;
  }
  if (suffixLine) {
    decisions.push(
      `volumes are written with K/M/B suffixes or '-' (line ${suffixLine}: ${
        JSON.stringify(suffixCell)
      }): read as thousands, millions, billions ('-' as 0)`,
    );
  }
  if (nullCount) {
    decisions.push(
      `${nullCount} row(s) of null prices (no trading) skipped, never read as zero; the first is line ${
        nullLines[0]
      }: ${firstNull}`,
    );
  }
  const cols: Partial<Record<ColumnRole, Float64Array>> = {};
  for (let j = 0; j < roles.length; j++) cols[roles[j]] = arrays[j].subarray(0, len);
  return {
    nullRows: nullCount ? { count: nullCount, lines: nullLines } : undefined,
    length: len,
    time: time.subarray(0, len),
    cols,
    truncatedLastRow,
    dateOrder: order,
    repairs,
    fastPath: false,
    decisions,
  };
}
