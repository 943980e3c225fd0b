/**
 * Format sniffing: from a file's first lines, find the delimiter, header, column roles, date
 * layout and decimal separator, and tell MT5 bars, MT5 ticks, MT4 history and generic OHLCV apart.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import type { DateOrder } from "./_decode.ts";

/** Column roles the readers understand. */
export type ColumnRole =
  | "date"
  | "time"
  | "open"
  | "high"
  | "low"
  | "close"
  | "tick_volume"
  | "volume"
  | "spread"
  | "bid"
  | "ask"
  | "last"
  | "flags";

/** The result of sniffing (internal layout plus the parts that go into the ReadReport). */
export interface Sniffed {
  /** Format detected. */
  format: "mt5_bars" | "mt5_ticks" | "mt4_history" | "generic_ohlcv";
  /** Delimiter byte. */
  delimiter: number;
  /** Delimiter as a name (`tab`, `comma`, …). */
  delimiterName: string;
  /** `crlf`, `lf` or `none`. */
  lineEnding: string;
  /** True when the first line is a header. */
  hasHeader: boolean;
  /** Header cells as written, or null. */
  header: string[] | null;
  /** Byte offset where data rows start. */
  dataStart: number;
  /** Number of cells per row. */
  cellCount: number;
  /** Column index per role (-1 when absent). */
  roles: Record<ColumnRole, number>;
  /** Canonical name → source column label. */
  columns: Record<string, string>;
  /** Source columns not used. */
  ignoredColumns: string[];
  /** Date order of the date cells (`dmy_or_mdy` until decided from the data). */
  dateOrder: DateOrder | "dmy_or_mdy";
  /** Separator byte between date parts (0 for compact/epoch). */
  dateSep: number;
  /** Date layout for messages and the report, e.g. `YYYY.MM.DD`. */
  dateLayout: string;
  /** `separate_column`, `in_date_column` or `none`. */
  timeLayout: string;
  /** Decimal separator byte (46 `.` or 44 `,`). */
  decimal: number;
  /** Thousands separator byte (44 `,` or 46 `.`), or 0 when numbers have none. */
  thousands: number;
  /** A currency sign every price carries (36 `$`), read past; 0 (or absent) when none. */
  currency?: number;
  /** Date cells `YYYY-MM-DD HH-AM|PM` (read by `parseClock12`); absent or false otherwise. */
  clock12?: boolean;
  /** Digits (6 `HHMMSS` or 4 `HHMM`) of a separate compact time column (`parseCompactTime`); 0 or absent otherwise. */
  compactTime?: number;
  /** Digits of the year in `NN?NN?YY[YY]` dates (2 or 4). */
  yearDigits: number;
  /**
   * Every reading decision, as sentences (reported in `read.decisions` and the `read_decisions`
   * finding): delimiter, header row, column mapping, number format, date layout and order, time
   * zone, and anything a third-party layout needed (preamble, suffixes, skipped rows, …).
   */
  decisions: string[];
  /** Data lines the number format and layout were decided from (the sniffing sample). */
  sampleRows?: number;
  /**
   * True for a plain MT5 export (an all-`<NAME>` header and no decision beyond the fixed ones:
   * delimiter, header, columns, numbers, dates, no time zone): its layout leaves nothing to decide,
   * so validation lists its decisions in `read.decisions` without a `read_decisions` finding.
   */
  plainMt5?: boolean;
  /**
   * The date order a header's language or vendor suggests (`dmy` for Spanish, German, French,
   * Italian, Portuguese and Dukascopy headers; `mdy` for English investing.com and Nasdaq ones).
   * It never decides a date order (rows no row can settle are refused, `ambiguous_date`); it is
   * named in that refusal as a suggestion. Null when nothing is suggested.
   */
  orderHint: { order: "dmy" | "mdy"; why: string } | null;
  /** The first non-blank line (for messages). */
  firstLine: string;
  /** Repairs decided while sniffing. */
  repairs: string[];
}

const DELIMS: Array<[number, string]> = [[9, "tab"], [59, "semicolon"], [44, "comma"], [124, "pipe"]];

const NAME_ROLES: Record<string, ColumnRole> = {
  date: "date",
  day: "date",
  datetime: "date",
  date_time: "date",
  timestamp: "date",
  "": "date",
  index: "date",
  gmttime: "date",
  gmt_time: "date",
  localtime: "date",
  local_time: "date",
  open_time: "date",
  time_stamp: "date",
  dt: "date",
  time: "time",
  open: "open",
  o: "open",
  high: "high",
  h: "high",
  low: "low",
  l: "low",
  close: "close",
  c: "close",
  "close/last": "close",
  tickvol: "tick_volume",
  tick_volume: "tick_volume",
  tickvolume: "tick_volume",
  ticks: "tick_volume",
  vol: "volume",
  volume: "volume",
  real_volume: "volume",
  realvolume: "volume",
  spread: "spread",
  bid: "bid",
  ask: "ask",
  last: "last",
  flags: "flags",
  // Epoch and vendor names.
  unix: "date",
  unix_timestamp: "date",
  time_utc: "date",
  open_time_utc: "date",
  tradecount: "tick_volume",
  trade_count: "tick_volume",
  trades: "tick_volume",
  number_of_trades: "tick_volume",
  // investing.com: "Price" is the close.
  price: "close",
  // Spanish.
  fecha: "date",
  hora: "time",
  apertura: "open",
  alto: "high",
  maximo: "high",
  bajo: "low",
  minimo: "low",
  cierre: "close",
  ultimo: "close",
  volumen: "volume",
  // German.
  datum: "date",
  zeit: "time",
  eroffnung: "open",
  eroffn: "open",
  erster: "open",
  hoch: "high",
  tief: "low",
  schluss: "close",
  schlusskurs: "close",
  zuletzt: "close",
  // French.
  ouverture: "open",
  ouv: "open",
  plus_haut: "high",
  haut: "high",
  plus_bas: "low",
  bas: "low",
  cloture: "close",
  dernier: "close",
  heure: "time",
  // Italian.
  data: "date",
  massimo: "high",
  chiusura: "close",
  // Portuguese.
  abertura: "open",
  maxima: "high",
  minima: "low",
  fechamento: "close",
  fecho: "close",
};

/** Normalise a header cell: trim, drop quotes and `<>`, lower case, spaces to `_`. */
export function normalizeHeader(cell: string): string {
  return cell.trim().replace(/^"|"$/g, "").replace(/^<|>$/g, "").trim().toLowerCase()
    .normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/\.$/, "").trim().replace(/[\s-]+/g, "_");
}

function splitLine(line: string, delim: string): string[] {
  if (!line.includes('"')) return line.split(delim);
  const out: string[] = [];
  let cur = "";
  let q = false;
  for (const ch of line) {
    if (ch === '"') q = !q;
    else if (ch === delim && !q) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function countCells(line: string, delim: string): number {
  return splitLine(line, delim).length;
}

const RE_CLOCK12 = /^(\d{4})-(\d\d)-(\d\d) (\d\d)-(AM|PM)$/;

/**
 * CryptoDataDownload's old hourly time `YYYY-MM-DD HH-AM` / `HH-PM` (a 12-hour clock: 12-AM is
 * 00:00, 12-PM is noon) as epoch ms, or NaN unless the whole cell (spaces and quotes aside) is
 * exactly such a time on a real calendar day.
 */
export function parseClock12(cell: string): number {
  const m = RE_CLOCK12.exec(cell.trim().replace(/^"|"$/g, "").trim());
  if (!m) return NaN;
  const [y, mo, d, h] = [m[1], m[2], m[3], m[4]].map(Number);
  if (h < 1 || h > 12 || y < 1800 || y > 2199) return NaN;
  const t = Date.UTC(y, mo - 1, d, (h % 12) + (m[5] === "PM" ? 12 : 0));
  const back = new Date(t);
  return back.getUTCMonth() === mo - 1 && back.getUTCDate() === d ? t : NaN;
}

/**
 * A separate time cell written without colons (`HHMMSS`, or `HHMM` when `digits` is 4) as ms of
 * day, or NaN unless the whole cell (spaces and quotes aside) is exactly that many digits of a
 * valid clock time.
 */
export function parseCompactTime(cell: string, digits: number): number {
  const c = cell.trim().replace(/^"|"$/g, "").trim();
  if (c.length !== digits || !/^\d+$/.test(c)) return NaN;
  const h = Number(c.slice(0, 2)), m = Number(c.slice(2, 4)), sec = digits === 6 ? Number(c.slice(4, 6)) : 0;
  return h > 23 || m > 59 || sec > 59 ? NaN : h * 3_600_000 + m * 60_000 + sec * 1000;
}

const RE_YMD = /^(\d{4})([.\-/])(\d{1,2})\2(\d{1,2})(?:$|[ T]\d)/;
const RE_XXY = /^(\d{1,2})([.\-/])(\d{1,2})\2(\d{4}|\d{2})(?:$|[ T]\d)/;
const RE_COMPACT = /^(\d{8})(?:$|[ T]?\d{2}:?\d{2})/;
const RE_EPOCH = /^\d{9,13}(\.\d+)?$/;
const RE_TIME = /^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** Recognise a date cell's layout, or null. */
export function dateLayoutOf(
  cell: string,
): {
  order: DateOrder | "dmy_or_mdy";
  sep: number;
  layout: string;
  hasTime: boolean;
  yearDigits?: number;
} | null {
  const c = cell.trim().replace(/^"|"$/g, "").trim();
  let m = RE_YMD.exec(c);
  if (m) {
    const s = m[2];
    return { order: "ymd", sep: s.charCodeAt(0), layout: `YYYY${s}MM${s}DD`, hasTime: c.length > 10 };
  }
  m = RE_XXY.exec(c);
  if (m) {
    const s = m[2];
    const yd = m[4].length;
    return {
      order: "dmy_or_mdy",
      sep: s.charCodeAt(0),
      layout: `??${s}??${s}${yd === 2 ? "YY" : "YYYY"}`,
      hasTime: /[ T]\d/.test(c),
      yearDigits: yd,
    };
  }
  if (RE_EPOCH.test(c)) {
    const digits = c.split(".")[0].length;
    return digits >= 12
      ? { order: "epoch_ms", sep: 0, layout: "epoch_ms", hasTime: true }
      : { order: "epoch_s", sep: 0, layout: "epoch_s", hasTime: true };
  }
  m = RE_COMPACT.exec(c);
  if (m) return { order: "ymd_compact", sep: 0, layout: "YYYYMMDD", hasTime: c.length > 8 };
  return null;
}

/**
 * The cells of a header line, split by the data delimiter or another one (tab, semicolon, comma,
 * pipe, quoted cells separated by spaces), when at least three of them name known columns; else
 * null.
 */
function headerCellsOf(line: string, delim: string): { cells: string[]; delimiter: string } | null {
  const tries: Array<[string, (l: string) => string[]]> = [
    [
      DELIMS.find(([c]) => String.fromCharCode(c) === delim)?.[1] ?? "space",
      (l) => delim === " " ? l.trim().split(/ +/) : splitLine(l, delim),
    ],
    ...DELIMS.map(([c, n]) =>
      [n, (l: string) => splitLine(l, String.fromCharCode(c))] as [string, (l: string) => string[]]
    ),
    ["quoted cells separated by spaces", (l) => (l.trim().match(/"[^"]*"|[^\s"]+/g) ?? [])],
  ];
  for (const [name, f] of tries) {
    const cells = f(line);
    const known = cells.filter((c) => {
      const n = normalizeHeader(c);
      return NAME_ROLES[n] !== undefined && n !== "" || /^volume_/.test(n);
    }).length;
    if (cells.length >= 3 && known >= 3) return { cells, delimiter: name };
  }
  return null;
}

const DAY_FIRST_WORDS: Record<string, string> = {
  fecha: "Spanish",
  apertura: "Spanish or Italian",
  cierre: "Spanish",
  ultimo: "Spanish, Portuguese or Italian",
  datum: "German",
  eroffnung: "German",
  schlusskurs: "German",
  ouverture: "French",
  cloture: "French",
  chiusura: "Italian",
  abertura: "Portuguese",
  fechamento: "Portuguese",
  dernier: "French",
  ouv: "French",
  plus_haut: "French",
  plus_bas: "French",
  zuletzt: "German",
  eroffn: "German",
  hoch: "German",
  tief: "German",
  schluss: "German",
  massimo: "Italian",
  minimo: "Spanish or Italian",
  maxima: "Portuguese",
  minima: "Portuguese",
  gmt_time: "Dukascopy",
  local_time: "Dukascopy",
};

/** The date order a header's language or vendor implies (see `Sniffed.orderHint`). */
function orderHintOf(header: string[] | null): Sniffed["orderHint"] {
  if (!header) return null;
  const norm = header.map(normalizeHeader);
  // The most specific word decides the language named (e.g. "abertura" over "ultimo").
  const hits = norm.filter((n) => DAY_FIRST_WORDS[n]);
  const n = hits.find((h) => !DAY_FIRST_WORDS[h].includes(" or ")) ?? hits[0];
  if (n) {
    return {
      order: "dmy",
      why: `the header is ${DAY_FIRST_WORDS[n]} (${JSON.stringify(n)}), whose exports write day-first`,
    };
  }
  if (norm.includes("price") && norm.some((n) => n === "change_%")) {
    return {
      order: "mdy",
      why: "the header is investing.com's English one (Price, Change %), which writes month-first",
    };
  }
  if (norm.includes("close/last")) {
    return { order: "mdy", why: "the header is Nasdaq's (Close/Last), which writes month-first" };
  }
  return null;
}

function modeOf(xs: number[]): number {
  const m = new Map<number, number>();
  let best = xs[0] ?? 0, bestN = 0;
  for (const x of xs) {
    const c = (m.get(x) ?? 0) + 1;
    m.set(x, c);
    if (c > bestN) {
      best = x;
      bestN = c;
    }
  }
  return best;
}

function show(line: string): string {
  const s = line.length > 120 ? line.slice(0, 120) + "…" : line;
  return JSON.stringify(s);
}

/**
 * Sniff decoded UTF-8 bytes. Throws KinetraError (`empty_file`, `header_only`,
 * `unrecognized_format`, `missing_column`) with what was seen and what is expected.
 */
export function sniffBytes(bytes: Uint8Array, source: string): Sniffed {
  const repairs: string[] = [];
  // Take the first non-blank lines as text. Line boundaries and offsets come from the bytes, each
  // line decoded on its own: an invalid UTF-8 byte in the header never moves where data starts.
  const head = new TextDecoder().decode(bytes.subarray(0, Math.min(bytes.length, 65536)));
  const limit = Math.min(bytes.length, 65536);
  const lines: string[] = [];
  const offsets: number[] = [];
  const dec = new TextDecoder();
  let complete = 0;
  for (let pos = 0; pos < limit && lines.length < 30;) {
    let e = bytes.indexOf(10, pos);
    if (e === -1 || e >= limit) {
      if (bytes.length > limit) break; // the line runs past the sample
      e = bytes.length;
    }
    complete++;
    const l = dec.decode(bytes.subarray(pos, e)).replace(/\r$/, "");
    if (l.trim() !== "") {
      lines.push(l);
      offsets.push(pos);
    }
    pos = e + 1;
  }
  if (lines.length === 0 && complete === 0 && head.trim() !== "") {
    throw new KinetraError(
      "unrecognized_format",
      `${source}: no line break in the first 64 KiB (starts with ${show(head.slice(0, 80))});` +
        ` expected a CSV/TSV export with one bar per line.`,
      { details: { file: source, first_line: head.slice(0, 120) } },
    );
  }
  if (lines.length === 0) {
    throw new KinetraError("empty_file", `${source}: the file is empty; expected a header line and bars.`, {
      details: { file: source },
    });
  }
  const nl = head.indexOf("\n");
  const lineEnding = nl === -1 ? "none" : nl > 0 && head[nl - 1] === "\r" ? "crlf" : "lf";

  // Delimiter: the first candidate (tab, semicolon, comma, pipe) that splits every sampled line
  // into the same number (>= 3) of cells; else space-separated; else unrecognised.
  const sample = lines.slice(0, 12);
  let delim = "";
  let delimName = "";
  for (const [code, name] of DELIMS) {
    const d = String.fromCharCode(code);
    const counts = sample.map((l) => countCells(l, d));
    // The header may differ (checked later); data lines must mostly agree (a stray row is reported
    // by the parser with its line number).
    const dataCounts = counts.length > 1 ? counts.slice(1) : counts;
    const n0 = modeOf(dataCounts);
    const agree = dataCounts.filter((c) => c === n0).length;
    if (n0 >= 3 && agree >= Math.max(1, Math.ceil(dataCounts.length * 0.6))) {
      delim = d;
      delimName = name;
      break;
    }
  }
  if (!delim) {
    const counts = sample.map((l) => l.trim().split(/ +/).length);
    if (counts[0] >= 5 && counts.every((c) => c === counts[0])) {
      delim = " ";
      delimName = "space";
    }
  }
  if (!delim) {
    const seen = DELIMS.filter(([c]) => lines[0].includes(String.fromCharCode(c))).map(([, n]) => n);
    throw new KinetraError(
      "unrecognized_format",
      `${source}: cannot find a delimiter. First line: ${show(lines[0])}` +
        ` (delimiters seen: ${
          seen.length ? seen.join(", ") : "none"
        }; the lines do not split into the same number of cells).` +
        ` Expected a tab-, comma- or semicolon-separated export with date, open, high, low, close columns.`,
      { details: { file: source, first_line: lines[0] } },
    );
  }
  const split = (l: string) => (delim === " " ? l.trim().split(/ +/) : splitLine(l, delim));
  const decisions: string[] = [];
  // The header: the first line (among the first six) whose first cell is a date (then there is no
  // header) or which names at least three known columns, split by the data's delimiter or, when
  // the header was written differently, by another one (comma header over tab rows, quoted cells
  // separated by spaces). Lines before it that split like neither are a preamble (a title, a URL).
  let h = 0;
  let headerCells: string[] | null = null;
  let firstIsDate = false;
  for (let i = 0; i < Math.min(lines.length, 6); i++) {
    if (dateLayoutOf(split(lines[i])[0] ?? "") !== null) {
      h = i;
      firstIsDate = true;
      break;
    }
    const hc = headerCellsOf(lines[i], delim);
    if (hc) {
      h = i;
      headerCells = hc.cells;
      if (hc.delimiter !== delimName) {
        decisions.push(`the header is split by ${hc.delimiter}, the rows by ${delimName}`);
      }
      break;
    }
  }
  if (!firstIsDate && !headerCells) {
    // No recognisable header: the first line is taken as the header (missing columns are named).
    h = 0;
    headerCells = split(lines[0]);
  }
  if (h > 0) {
    decisions.push(
      `${h} line(s) before the header were skipped as a preamble: ${lines.slice(0, h).map(show).join(", ")}`,
    );
  }
  const firstLine = lines[h];
  const hasHeader = !firstIsDate;
  const firstCells = headerCells ?? split(firstLine);
  let header = hasHeader ? firstCells.map((c) => c.trim().replace(/^"|"$/g, "")) : null;
  const dataLines = hasHeader ? lines.slice(h + 1) : lines.slice(h);
  if (dataLines.length === 0) {
    throw new KinetraError(
      "header_only",
      `${source}: the file has a header (${show(firstLine)}) but no data rows.`,
      { details: { file: source, first_line: firstLine } },
    );
  }
  // The typical data row: the first one of the most common shape (digit runs collapsed), so one
  // damaged row near the top never decides the layout.
  const shapes = dataLines.map((l) => l.replace(/[0-9]+/g, "9"));
  const shapeCount = new Map<string, number>();
  for (const sh of shapes) shapeCount.set(sh, (shapeCount.get(sh) ?? 0) + 1);
  let refRow = 0;
  for (let i = 1; i < shapes.length; i++) {
    if (shapeCount.get(shapes[i])! > shapeCount.get(shapes[refRow])!) refRow = i;
  }
  const dataCells = split(dataLines[refRow]);

  if (header) {
    // Trailing empty header cells (a trailing delimiter) do not count.
    let hn = header.length;
    while (hn > dataCells.length && header[hn - 1].trim() === "") hn--;
    header = header.slice(0, hn);
    // Rows with trailing empty cells the header does not name (a trailing delimiter on every row).
    let dn = dataCells.length;
    while (dn > hn && dataCells[dn - 1].trim() === "") dn--;
    if (dn === hn && dataCells.length > hn) {
      decisions.push(
        `rows end with ${dataCells.length - hn} empty cell(s) the header does not name; ignored`,
      );
      while (header.length < dataCells.length) header.push("");
      hn = header.length;
    }
    // A header naming trailing columns the rows do not have (e.g. "Filename"): those names are dropped
    // when none of them is a column Kinetra needs.
    if (hn > dataCells.length) {
      const extra = header.slice(dataCells.length);
      if (extra.every((x) => NAME_ROLES[normalizeHeader(x)] === undefined || normalizeHeader(x) === "")) {
        decisions.push(
          `the header names ${
            extra.map((x) => JSON.stringify(x)).join(", ")
          } but the rows have no such cells; ignored`,
        );
        header = header.slice(0, dataCells.length);
        hn = header.length;
      }
    }
    if (hn !== dataCells.length) {
      const hint = delim === "," && dataCells.length > hn
        ? " Decimal commas in a comma-separated file cannot be told apart from delimiters: export with '.' decimals or a tab/semicolon delimiter."
        : "";
      throw new KinetraError(
        "column_count_mismatch",
        `${source}: the header has ${hn} cells but the first data row has ${dataCells.length} (delimiter ${delimName}).` +
          ` Header: ${show(firstLine)}; first row: ${show(dataLines[refRow])}.${hint}`,
        { details: { file: source, first_line: firstLine, header_cells: hn, row_cells: dataCells.length } },
      );
    }
  }
  const cellCount = dataCells.length;

  const roles: Record<ColumnRole, number> = {
    date: -1,
    time: -1,
    open: -1,
    high: -1,
    low: -1,
    close: -1,
    tick_volume: -1,
    volume: -1,
    spread: -1,
    bid: -1,
    ask: -1,
    last: -1,
    flags: -1,
  };
  const columns: Record<string, string> = {};
  const ignoredColumns: string[] = [];
  let angle = false;
  let timeIsSeparate = false;
  let compactTime = 0;

  if (header) {
    angle = header.some((h) => /^<.*>$/.test(h.trim()));
    const norm = header.map(normalizeHeader);
    for (let i = 0; i < norm.length; i++) {
      let role: ColumnRole | undefined = NAME_ROLES[norm[i]];
      if (norm[i] === "" && i !== 0) role = undefined;
      // "Volume BTC", "Volume USDT": the first one is the volume (the base asset's).
      if (!role && /^vol(ume)?_/.test(norm[i]) && roles.volume === -1) role = "volume";
      if (role && roles[role] === -1) {
        roles[role] = i;
      } else ignoredColumns.push(header[i] === "" ? `#${i + 1}` : header[i]);
    }
    // A blank-named first column (a pandas index) that holds row numbers, not dates, while another
    // column holds the times: the index is ignored.
    if (roles.date === 0 && norm[0] === "" && dateLayoutOf(dataCells[0] ?? "") === null) {
      const other = norm.findIndex((n, i) => i > 0 && (NAME_ROLES[n] === "date" || NAME_ROLES[n] === "time"));
      if (other > 0) {
        roles.date = -1;
        ignoredColumns.unshift("#1");
        const r = NAME_ROLES[norm[other]];
        if (r === "time") roles.time = other;
        else roles.date = other;
        const k = ignoredColumns.indexOf(header[other]);
        if (k >= 0) ignoredColumns.splice(k, 1);
        decisions.push("the unnamed first column holds row numbers (a pandas index); ignored");
      }
    }
    // A lone "time" column with no date column is the timestamp.
    if (roles.date === -1 && roles.time !== -1) {
      roles.date = roles.time;
      roles.time = -1;
    }
    // Date column given, and a separate time column whose cells look like clock times.
    if (roles.time !== -1) {
      const cell = (dataCells[roles.time] ?? "").trim().replace(/^"|"$/g, "");
      if (RE_TIME.test(cell)) timeIsSeparate = true;
      else if (/^(\d{4}|\d{6})$/.test(cell)) {
        // Stooq's and Finam's `<TIME>` column: HHMMSS (or HHMM) without colons. Ignoring it would
        // fold intraday bars onto their dates.
        timeIsSeparate = true;
        compactTime = cell.length;
        decisions.push(
          `the time column ${JSON.stringify(header[roles.time])} holds compact ${
            cell.length === 6 ? "HHMMSS" : "HHMM"
          } times (${JSON.stringify(cell)})`,
        );
      } else {
        ignoredColumns.push(header[roles.time]);
        roles.time = -1;
      }
    }
    // The first column holds dates but has an unknown name: treat it as the date column.
    if (roles.date === -1 && dateLayoutOf(dataCells[0] ?? "") !== null) {
      roles.date = 0;
      const k = ignoredColumns.indexOf(header[0] === "" ? "#1" : header[0]);
      if (k >= 0) ignoredColumns.splice(k, 1);
    }
  } else {
    // No header: date [time] open high low close [volume [spread]] (MT4 history and similar).
    roles.date = 0;
    // HistData's tick files: no header, `YYYYMMDD HHMMSSfff,bid,ask,volume` (the time to the
    // millisecond, which no bar layout carries). Read as ticks only when every sampled row has its
    // bid at or below its ask; anything else stays a refusal below.
    if (
      dataCells.length === 4 && /^\d{8} \d{9}$/.test((dataCells[0] ?? "").trim()) &&
      dataLines.every((l) => {
        const c = split(l);
        return c.length !== 4 || (Number(c[1]) > 0 && Number(c[1]) <= Number(c[2]));
      })
    ) {
      roles.bid = 1;
      roles.ask = 2;
      roles.volume = 3;
      decisions.push(
        "no header, YYYYMMDD HHMMSSfff and three numbers with the second never below the first: HistData's tick layout (date-time, bid, ask, volume); read as ticks",
      );
    }
  }
  if (!header && roles.bid === -1) {
    let next = 1;
    const c1 = (dataCells[1] ?? "").trim();
    if (RE_TIME.test(c1)) {
      roles.time = 1;
      timeIsSeparate = true;
      next = 2;
    }
    const rest = dataCells.length - next;
    if (rest < 4) {
      throw new KinetraError(
        "missing_column",
        `${source}: a row has ${dataCells.length} cells (${
          show(dataLines[refRow])
        }); without a header the expected` +
          ` layout is date[,time],open,high,low,close[,volume].`,
        { details: { file: source, first_line: firstLine } },
      );
    }
    roles.open = next;
    roles.high = next + 1;
    roles.low = next + 2;
    roles.close = next + 3;
    if (rest >= 5) roles.tick_volume = next + 4;
    if (rest >= 6) roles.volume = next + 5;
    if (rest >= 7) roles.spread = next + 6;
    for (let i = next + 7; i < dataCells.length; i++) ignoredColumns.push(`#${i + 1}`);
  }

  // A tick file with a single price column (time, price[, volume]): bid and ask are that price.
  // Never for an MT5 <...> header (a damaged MT5 bar header stays a missing-column refusal).
  if (
    header && !angle && roles.open === -1 && roles.high === -1 && roles.low === -1 && roles.bid === -1 &&
    roles.ask === -1 && (roles.close !== -1 || roles.last !== -1)
  ) {
    const col = roles.close !== -1 ? roles.close : roles.last;
    roles.bid = col;
    roles.ask = col;
    roles.close = -1;
    decisions.push(
      `a single price column (${
        JSON.stringify(header[col])
      }) and no open/high/low: read as ticks with bid = ask = that price (resampled to bars when a timeframe is given)`,
    );
  }
  const isTicks = roles.bid !== -1 && roles.ask !== -1 && roles.open === -1;
  const format: Sniffed["format"] = isTicks
    ? "mt5_ticks"
    : angle
    ? "mt5_bars"
    : timeIsSeparate && (dataCells[roles.date] ?? "").includes(".")
    ? "mt4_history"
    : "generic_ohlcv";

  if (roles.date === -1) {
    throw new KinetraError(
      "missing_column",
      `${source}: no date/time column in the header ${show(firstLine)}; expected a column named Date, Time,` +
        ` Datetime or Timestamp (or <DATE>).`,
      { details: { file: source, first_line: firstLine, column: "date" } },
    );
  }
  const needed: ColumnRole[] = isTicks ? ["bid", "ask"] : ["open", "high", "low", "close"];
  for (const r of needed) {
    if (roles[r] === -1) {
      throw new KinetraError(
        "missing_column",
        `${source}: no '${r}' column in the header ${show(firstLine)}; expected ${
          isTicks ? "<BID> and <ASK>" : "Open, High, Low and Close"
        } columns (any letter case, <> allowed).`,
        { details: { file: source, first_line: firstLine, column: r } },
      );
    }
  }

  // A date column whose cells are not times (e.g. an epoch column Excel turned into "1.63521E+12",
  // which lost its precision) while another date column holds readable ones: that one is used.
  if (header && roles.date !== -1 && dateLayoutOf(dataCells[roles.date] ?? "") === null) {
    const alt = header.findIndex((x, i) =>
      i !== roles.date && NAME_ROLES[normalizeHeader(x)] === "date" &&
      dateLayoutOf(dataCells[i] ?? "") !== null
    );
    if (alt !== -1) {
      decisions.push(
        `column ${JSON.stringify(header[roles.date])} does not hold readable times (${
          JSON.stringify(dataCells[roles.date])
        }); the times are read from column ${JSON.stringify(header[alt])}`,
      );
      ignoredColumns.push(header[roles.date]);
      const k = ignoredColumns.indexOf(header[alt]);
      if (k >= 0) ignoredColumns.splice(k, 1);
      roles.date = alt;
    }
  }
  // Date layout from the first data rows.
  const dl = dateLayoutOf(dataCells[roles.date] ?? "");
  if (!dl) {
    throw new KinetraError(
      "invalid_date",
      `${source}: cannot read the date ${show(dataCells[roles.date] ?? "")} in the first data row ${
        show(dataLines[refRow])
      }; expected YYYY.MM.DD, YYYY-MM-DD, DD/MM/YYYY, YYYYMMDD or epoch seconds/milliseconds.`,
      { details: { file: source, first_line: firstLine, row: 1 } },
    );
  }
  if (timeIsSeparate && dl.hasTime && dl.order !== "epoch_s" && dl.order !== "epoch_ms") {
    throw new KinetraError(
      "ambiguous_time",
      `${source}: the date column ${
        show(dataCells[roles.date] ?? "")
      } already holds a time and the separate` +
        ` time column holds ${
          show(dataCells[roles.time] ?? "")
        }; Kinetra never adds the two. Export either the date and time in separate columns or one date-time column.`,
      { details: { file: source, first_line: firstLine } },
    );
  }
  const timeLayout = timeIsSeparate ? "separate_column" : dl.hasTime ? "in_date_column" : "none";
  const clock12 = !timeIsSeparate &&
    RE_CLOCK12.test((dataCells[roles.date] ?? "").trim().replace(/^"|"$/g, ""));
  if (clock12) {
    decisions.push(
      `times are written on a 12-hour clock (${
        JSON.stringify((dataCells[roles.date] ?? "").trim())
      }, CryptoDataDownload's old layout): 12-AM is 00:00, 12-PM is noon`,
    );
  }

  // Decimal mark and thousands separator, from every sampled price cell: a cell holding both marks
  // decides ("1.234,50" or "1,234.50"); else a comma followed by other than three digits is a
  // decimal comma; commas always followed by three digits are thousands in a comma-delimited
  // (quoted) file and decimal commas otherwise (reported either way).
  let decimal = 46;
  let thousands = 0;
  let currency = 0;
  {
    const idx = (isTicks ? [roles.bid, roles.ask] : [roles.open, roles.high, roles.low, roles.close])
      .filter((i) => i >= 0);
    const cells: string[] = [];
    for (const l of dataLines) {
      const c = split(l);
      if (c.length !== cellCount) continue;
      for (const i of idx) cells.push((c[i] ?? "").trim().replace(/^"|"$/g, "").trim());
    }
    // Prices written with a dollar sign ("$148.56", nasdaq.com's exports): read without it when
    // every sampled price carries one; reported.
    if (cells.length && cells.every((v) => /^\$\d/.test(v))) {
      currency = 36;
      for (let k = 0; k < cells.length; k++) cells[k] = cells[k].slice(1);
      decisions.push(
        `prices are written with a '$' sign (${JSON.stringify(cells[0] && "$" + cells[0])}); read without it`,
      );
    }
    const euro = cells.find((v) => /^-?\d{1,3}(\.\d{3})+,\d+$/.test(v));
    const anglo = cells.find((v) => /^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(v) && v.includes("."));
    const commaOnly = cells.filter((v) => /^-?\d+,\d+$/.test(v));
    if (euro && anglo) {
      throw new KinetraError(
        "ambiguous_number",
        `${source}: prices are written both as ${JSON.stringify(euro)} and ${
          JSON.stringify(anglo)
        }; the decimal mark cannot be told. Export with one number format.`,
        { details: { file: source } },
      );
    } else if (euro) {
      decimal = 44;
      thousands = 46;
      decisions.push(
        `numbers like ${JSON.stringify(euro)}: ',' is the decimal mark and '.' separates thousands`,
      );
    } else if (anglo) {
      thousands = 44;
      decisions.push(
        `numbers like ${JSON.stringify(anglo)}: '.' is the decimal mark and ',' separates thousands`,
      );
    } else if (commaOnly.length) {
      const notThree = commaOnly.find((v) => !/,\d{3}$/.test(v));
      const hint = orderHintOf(header);
      const european = hint !== null && hint.order === "dmy" && !hint.why.includes("Dukascopy");
      if (notThree || delim !== "," || european) {
        decimal = 44;
        decisions.push(
          "decimal commas (e.g. " + JSON.stringify(notThree ?? commaOnly[0]) + ") read as decimal points",
        );
        if (!notThree) {
          decisions.push(
            `every comma in the sampled prices is followed by three digits (${
              JSON.stringify(commaOnly[0])
            }); read as a decimal comma because ${
              european
                ? hint!.why.replace("write day-first", "write decimal commas")
                : `the delimiter is ${delimName}`
            }`,
          );
        }
      } else {
        thousands = 44;
        decisions.push(
          `every comma in the sampled prices is followed by three digits (${
            JSON.stringify(commaOnly[0])
          }); read as a thousands separator (comma-delimited, quoted cells)`,
        );
      }
    }
  }
  // Decimal commas in the prices and dots grouping three digits in another numeric column (ariva's
  // "1.153.245" share counts beside "73,73" prices): with ',' the decimal mark a dot can only
  // separate thousands; reported. (The parser still requires groups of exactly three digits.)
  if (decimal === 44 && thousands === 0) {
    const numeric = (["tick_volume", "volume", "spread"] as ColumnRole[]).map((r) => roles[r]).filter((i) =>
      i >= 0
    );
    let grouped: string | undefined;
    for (const l of dataLines) {
      const c = split(l);
      if (c.length !== cellCount) continue;
      grouped = numeric.map((i) => (c[i] ?? "").trim().replace(/^"|"$/g, "").trim())
        .find((v) => /^-?\d{1,3}(\.\d{3})+(,\d+)?$/.test(v));
      if (grouped) break;
    }
    if (grouped) {
      thousands = 46;
      decisions.push(
        `numbers like ${
          JSON.stringify(grouped)
        } beside decimal-comma prices: '.' separates thousands (',' is the decimal mark)`,
      );
    }
  }
  // Dots always followed by exactly three digits and no comma anywhere ("113.431"): a thousands dot
  // under a European-language header (investing.com's index points), else a decimal point; either
  // way reported (an MT5 export's prices are never ambiguous).
  if (thousands === 0 && decimal === 46 && !angle) {
    const idx = (isTicks ? [roles.bid, roles.ask] : [roles.open, roles.high, roles.low, roles.close])
      .filter((i) => i >= 0);
    const dotted: string[] = [];
    for (const l of dataLines) {
      const c = split(l);
      if (c.length !== cellCount) continue;
      for (const i of idx) {
        const v = (c[i] ?? "").trim().replace(/^"|"$/g, "").trim();
        if (/\./.test(v)) dotted.push(v);
      }
    }
    if (dotted.length && dotted.every((v) => /^-?\d{1,3}(\.\d{3})+$/.test(v))) {
      const hint = orderHintOf(header);
      if (hint && hint.order === "dmy" && !hint.why.includes("Dukascopy")) {
        thousands = 46;
        decimal = 44;
        decisions.push(
          `every dot in the sampled prices is followed by three digits (${
            JSON.stringify(dotted[0])
          }); read as a thousands separator because ${
            hint.why.replace("write day-first", "write decimal commas")
          }`,
        );
      } else {
        decisions.push(
          `every dot in the sampled prices is followed by three digits (${
            JSON.stringify(dotted[0])
          }); read as a decimal point`,
        );
      }
    }
  }
  // Fixed conventions of known vendor layouts.
  const timeZoneNotes: string[] = [];
  if (!hasHeader && delim === ";" && dl.order === "ymd_compact" && dl.hasTime) {
    timeZoneNotes.push(
      "HistData ASCII layout (YYYYMMDD HHMMSS;open;high;low;close;volume): its times are EST, UTC-05:00 all year (no daylight saving); kept as written",
    );
  } else if (!hasHeader && isTicks && dl.order === "ymd_compact") {
    timeZoneNotes.push(
      "HistData's tick times are EST, UTC-05:00 all year (no daylight saving); kept as written",
    );
  }
  if (
    /GMT|UTC|Z$|[+-]\d\d:?\d\d$/.test((dataCells[roles.date] ?? "").trim().replace(/^"|"$/g, "")) &&
    dl.hasTime
  ) {
    timeZoneNotes.push("the times carry a UTC offset; converted to UTC");
  }
  if (dl.order === "epoch_s" || dl.order === "epoch_ms") {
    timeZoneNotes.push(`the times are epoch ${dl.order === "epoch_s" ? "seconds" : "milliseconds"} (UTC)`);
  }
  if (dl.yearDigits === 2) decisions.push("two-digit years: 70–99 are 1970–1999, 00–69 are 2000–2069");
  const label = (i: number) => (header ? (header[i] === "" ? `#${i + 1}` : header[i]) : `#${i + 1}`);
  for (const r of Object.keys(roles) as ColumnRole[]) {
    if (roles[r] !== -1) columns[r] = label(roles[r]);
  }
  const dataStart = hasHeader ? offsets[h + 1] : offsets[h];
  // The decisions every file gets (delimiter, header row, columns, numbers, dates, time zone), in
  // front of the layout-specific ones, so each can be checked in data:inspect and data:validate.
  let headerLineNo = 1;
  for (let k = 0; k < offsets[h]; k++) if (bytes[k] === 10) headerLineNo++;
  const mapped = (Object.keys(roles) as ColumnRole[]).filter((r) => roles[r] !== -1)
    .sort((a, b) => roles[a] - roles[b])
    .map((r) => `${header ? JSON.stringify(label(roles[r])) : label(roles[r])} → ${r}`);
  const mark = (x: number) => `'${String.fromCharCode(x)}'`;
  const always = [
    `delimiter: ${delimName} (the sampled rows split into ${cellCount} cells)`,
    hasHeader
      ? `header: line ${headerLineNo} ${show(firstLine)}`
      : `no header: line ${headerLineNo} already starts with a date; columns taken by position`,
    `columns mapped by ${header ? "name" : "position"}: ${mapped.join(", ")}${
      ignoredColumns.length ? `; ignored: ${ignoredColumns.map((x) => JSON.stringify(x)).join(", ")}` : ""
    }`,
    `numbers: ${mark(decimal)} is the decimal mark, ${
      thousands ? `${mark(thousands)} separates thousands` : "no thousands separator"
    } (decided from the first ${dataLines.length} data line(s); a later row written otherwise is refused)`,
    dl.order === "dmy_or_mdy"
      ? `dates: ${dl.layout}, day/month order decided from every row`
      : `dates: ${dl.layout}${
        dl.order === "ymd" || dl.order === "ymd_compact" ? " (year first, unambiguous)" : ""
      }; times ${
        timeLayout === "separate_column"
          ? `in column ${JSON.stringify(label(roles.time))}`
          : timeLayout === "in_date_column"
          ? "in the date cells"
          : "none (one bar per date)"
      }`,
  ];
  const noZone = timeZoneNotes.length === 0;
  if (noZone) {
    timeZoneNotes.push("time zone: none written in the file; times kept as written (the export's clock)");
  }
  const plainMt5 = (format === "mt5_bars" || format === "mt5_ticks") && noZone && decisions.length === 0 &&
    header !== null && header.every((x) => /^<.*>$/.test(x.trim())) && ignoredColumns.length === 0;
  decisions.unshift(...always);
  decisions.push(...timeZoneNotes);
  return {
    format,
    delimiter: delim.charCodeAt(0),
    delimiterName: delimName,
    lineEnding,
    hasHeader,
    header,
    dataStart,
    cellCount,
    roles,
    columns,
    ignoredColumns,
    dateOrder: dl.order,
    dateSep: dl.sep,
    dateLayout: dl.layout,
    timeLayout,
    decimal,
    orderHint: orderHintOf(header),
    thousands,
    currency,
    clock12,
    compactTime,
    yearDigits: dl.yearDigits ?? 4,
    firstLine,
    repairs,
    decisions,
    sampleRows: dataLines.length,
    plainMt5,
  };
}
