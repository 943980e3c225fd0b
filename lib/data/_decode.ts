/**
 * Byte-level helpers shared by the readers: encoding normalisation to UTF-8, number and date
 * parsing straight from bytes (no per-cell strings on the hot path).
 *
 * @module
 */
import { KinetraError } from "../errors.ts";

/** Bytes normalised to UTF-8 without BOM, with the encoding that was found. */
export interface DecodedBytes {
  bytes: Uint8Array;
  encoding: string;
  /** Repairs applied (e.g. CR-only line endings turned into LF). */
  repairs: string[];
}

/**
 * Normalise a file's bytes to BOM-less UTF-8: strip a UTF-8 BOM, transcode UTF-16 (LE/BE with BOM,
 * LE without BOM when every other byte is NUL), turn old-Mac CR-only line endings into LF.
 * Binary content (NUL bytes, many control characters) is refused with `unrecognized_format`.
 */
export function decodeToUtf8(raw: Uint8Array, source: string): DecodedBytes {
  const repairs: string[] = [];
  let bytes = raw;
  let encoding = "utf-8";
  if (raw.length >= 3 && raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf) {
    bytes = raw.subarray(3);
    encoding = "utf-8-bom";
  } else if (raw.length >= 2 && raw[0] === 0xff && raw[1] === 0xfe) {
    bytes = new TextEncoder().encode(new TextDecoder("utf-16le").decode(raw.subarray(2)));
    encoding = "utf-16le-bom";
  } else if (raw.length >= 2 && raw[0] === 0xfe && raw[1] === 0xff) {
    bytes = new TextEncoder().encode(new TextDecoder("utf-16be").decode(raw.subarray(2)));
    encoding = "utf-16be-bom";
  } else if (looksUtf16leNoBom(raw)) {
    bytes = new TextEncoder().encode(new TextDecoder("utf-16le").decode(raw));
    encoding = "utf-16le";
  }
  // Binary check on the first 4 KiB.
  const n = Math.min(bytes.length, 4096);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === 0) {
      throw new KinetraError(
        "unrecognized_format",
        `${source}: this is not a text file (a NUL byte at offset ${i}); expected a CSV/TSV export of bars or ticks.`,
        { details: { file: source, offset: i } },
      );
    }
    if (c < 9 || (c > 13 && c < 32) || c === 127) control++;
  }
  if (n > 0 && control / n > 0.01) {
    throw new KinetraError(
      "unrecognized_format",
      `${source}: this is not a text file (${control} control bytes in the first ${n}); expected a CSV/TSV export of bars or ticks.`,
      { details: { file: source } },
    );
  }
  // CR-only line endings (classic Mac): no LF at all but CRs present.
  if (bytes.indexOf(10) === -1 && bytes.indexOf(13) !== -1) {
    bytes = bytes.slice();
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 13) bytes[i] = 10;
    repairs.push("line endings were CR only (classic Mac); read as LF");
  }
  const unwrapped = unwrapQuotedLines(bytes);
  if (unwrapped) {
    bytes = unwrapped;
    repairs.push("every line was wrapped in double quotes; the outer quotes were removed");
  }
  return { bytes, encoding, repairs };
}

/**
 * When every non-blank line is wrapped in one pair of double quotes with no other quote inside
 * (some tools quote whole lines), return the bytes without them; else null.
 */
function unwrapQuotedLines(b: Uint8Array): Uint8Array | null {
  if (b.length === 0 || b[0] !== 34) return null;
  // Check every line first (cheap: this only runs for files starting with a quote).
  let i = 0;
  const n = b.length;
  while (i < n) {
    let e = b.indexOf(10, i);
    if (e === -1) e = n;
    let le = e;
    if (le > i && b[le - 1] === 13) le--;
    if (le > i) {
      if (le - i < 2 || b[i] !== 34 || b[le - 1] !== 34) return null;
      for (let k = i + 1; k < le - 1; k++) if (b[k] === 34) return null;
    }
    i = e + 1;
  }
  const out = new Uint8Array(n);
  let o = 0;
  i = 0;
  while (i < n) {
    let e = b.indexOf(10, i);
    if (e === -1) e = n;
    let le = e;
    if (le > i && b[le - 1] === 13) le--;
    if (le > i) {
      out.set(b.subarray(i + 1, le - 1), o);
      o += le - 1 - (i + 1);
    }
    out.set(b.subarray(le, Math.min(e + 1, n)), o);
    o += Math.min(e + 1, n) - le;
    i = e + 1;
  }
  return out.subarray(0, o);
}

function looksUtf16leNoBom(raw: Uint8Array): boolean {
  const n = Math.min(raw.length & ~1, 512);
  if (n < 8) return false;
  let oddZero = 0;
  let evenZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (raw[i] === 0) evenZero++;
    if (raw[i + 1] === 0) oddZero++;
  }
  return oddZero > (n / 2) * 0.9 && evenZero === 0;
}

const POW10 = new Float64Array(23).map((_, i) => 10 ** i);
const LATIN1 = new TextDecoder("latin1");

/** The text of `bytes[s, e)` (for messages and slow paths). */
export function textOf(bytes: Uint8Array, s: number, e: number): string {
  return new TextDecoder().decode(bytes.subarray(s, e));
}

/**
 * Parse a decimal number in `bytes[s, e)`; surrounding spaces and double quotes are ignored.
 * `decimal` is the decimal separator byte (46 `.` or 44 `,`). Returns NaN when the cell is not a
 * number (including an empty cell). Results equal `parseFloat` of the same text.
 */
export function parseNumber(bytes: Uint8Array, s: number, e: number, decimal: number): number {
  while (s < e && (bytes[s] === 32 || bytes[s] === 34)) s++;
  while (e > s && (bytes[e - 1] === 32 || bytes[e - 1] === 34 || bytes[e - 1] === 13)) e--;
  if (s >= e) return NaN;
  let i = s;
  let neg = false;
  let c = bytes[i];
  if (c === 45) {
    neg = true;
    i++;
  } else if (c === 43) i++;
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let any = false;
  while (i < e) {
    c = bytes[i];
    if (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      if (mant !== 0) digits++;
      any = true;
      i++;
    } else break;
  }
  if (i < e && bytes[i] === decimal) {
    i++;
    while (i < e) {
      c = bytes[i];
      if (c >= 48 && c <= 57) {
        mant = mant * 10 + (c - 48);
        if (mant !== 0) digits++;
        frac++;
        any = true;
        i++;
      } else break;
    }
  }
  if (!any) return NaN;
  if (i < e) {
    // Exponent or junk: let the slow path decide.
    if (bytes[i] === 101 || bytes[i] === 69) {
      const t = LATIN1.decode(bytes.subarray(s, e));
      const v = Number(decimal === 44 ? t.replace(",", ".") : t);
      return v;
    }
    return NaN;
  }
  if (digits > 15 || frac > 22) {
    const t = LATIN1.decode(bytes.subarray(s, e));
    return Number(decimal === 44 ? t.replace(",", ".") : t);
  }
  const v = frac === 0 ? mant : mant / POW10[frac];
  return neg ? -v : v;
}

const digit = (x: number): boolean => (x >>> 0) <= 9;

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Date orders the parser knows. */
export type DateOrder = "ymd" | "dmy" | "mdy" | "ymd_compact" | "epoch_s" | "epoch_ms";

/** Scratch for `scanGroups`: up to 8 digit groups with lengths and the separator before each. */
const G = new Float64Array(8);
const GL = new Int32Array(8);
const GS = new Int32Array(8);
let groupCount = 0;
let tzMinutes = 0;

/** Split a date/time cell into digit groups; records a trailing `Z` / `±HH:MM` offset. */
function scanGroups(b: Uint8Array, s: number, e: number): void {
  groupCount = 0;
  tzMinutes = 0;
  let inGroup = false;
  let sep = 0;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c >= 48 && c <= 57) {
      if (!inGroup) {
        if (groupCount === 8) {
          groupCount = 9;
          return;
        }
        G[groupCount] = 0;
        GL[groupCount] = 0;
        GS[groupCount] = sep;
        groupCount++;
        inGroup = true;
      }
      G[groupCount - 1] = G[groupCount - 1] * 10 + (c - 48);
      GL[groupCount - 1]++;
    } else {
      inGroup = false;
      if (c === 34 || c === 32 && (i === s || i === e - 1)) continue;
      if ((c === 43 || c === 45) && groupCount >= 5) {
        // Timezone offset after the time: +HH:MM, +HHMM, -HH
        let j = i + 1;
        let h = 0;
        let m = 0;
        let k = 0;
        while (j < e && k < 2 && b[j] >= 48 && b[j] <= 57) h = h * 10 + (b[j++] - 48), k++;
        if (j < e && b[j] === 58) j++;
        k = 0;
        while (j < e && k < 2 && b[j] >= 48 && b[j] <= 57) m = m * 10 + (b[j++] - 48), k++;
        tzMinutes = (c === 45 ? -1 : 1) * (h * 60 + m);
        return;
      }
      if (c === 90 && groupCount >= 5) return; // 'Z'
      sep = c;
    }
  }
}

/** Bytes allowed between date groups for each layout separator check. */
function validDate(y: number, m: number, d: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && d <= MONTH_DAYS[m - 1] &&
    (m !== 2 || d < 29 || (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)));
}

let lastY = -1, lastM = -1, lastD = -1, lastDays = 0;
function cachedDays(y: number, m: number, d: number): number {
  if (y === lastY && m === lastM && d === lastD) return lastDays;
  lastY = y;
  lastM = m;
  lastD = d;
  lastDays = daysFromCivil(y, m, d);
  return lastDays;
}

/**
 * Parse a date (optionally with time) cell into epoch ms in the file's clock. `dateSep` is the
 * separator byte the file's layout uses (0 for compact/epoch); a different one means a mixed
 * date format and gives NaN. Returns NaN for anything that is not a valid date.
 */
export function parseDateCell(
  b: Uint8Array,
  s: number,
  e: number,
  order: DateOrder,
  dateSep: number,
): number {
  if (order === "epoch_s" || order === "epoch_ms") {
    const v = parseNumber(b, s, e, 46);
    return order === "epoch_s" ? Math.round(v * 1000) : v;
  }
  if (order === "ymd" && e - s === 10 && b[s + 4] === dateSep && b[s + 7] === dateSep) {
    // Fast path: YYYY?MM?DD exactly.
    const y0 = b[s] - 48, y1 = b[s + 1] - 48, y2 = b[s + 2] - 48, y3 = b[s + 3] - 48;
    const m0 = b[s + 5] - 48, m1 = b[s + 6] - 48, d0 = b[s + 8] - 48, d1 = b[s + 9] - 48;
    if (
      digit(y0) && digit(y1) && digit(y2) && digit(y3) && digit(m0) && digit(m1) && digit(d0) && digit(d1)
    ) {
      const y = y0 * 1000 + y1 * 100 + y2 * 10 + y3, m = m0 * 10 + m1, d = d0 * 10 + d1;
      if (y === lastY && m === lastM && d === lastD) return lastDays * 86400000;
      if (validDate(y, m, d)) return cachedDays(y, m, d) * 86400000;
      return NaN;
    }
  }
  scanGroups(b, s, e);
  if (groupCount > 8) return NaN;
  let y: number, m: number, d: number, first: number;
  if (order === "ymd_compact") {
    if (groupCount < 1 || GL[0] !== 8) return NaN;
    const v = G[0];
    y = Math.floor(v / 10000);
    m = Math.floor(v / 100) % 100;
    d = v % 100;
    first = 1;
  } else {
    if (groupCount < 3 || GS[1] !== dateSep || GS[2] !== dateSep) return NaN;
    if (order === "ymd") {
      if (GL[0] !== 4 || GL[1] > 2 || GL[2] > 2) return NaN;
      y = G[0], m = G[1], d = G[2];
    } else {
      if (GL[2] !== 4 || GL[0] > 2 || GL[1] > 2) return NaN;
      y = G[2];
      if (order === "dmy") d = G[0], m = G[1];
      else m = G[0], d = G[1];
    }
    first = 3;
  }
  if (!validDate(y, m, d)) return NaN;
  let ms = cachedDays(y, m, d) * 86400000;
  const nt = groupCount - first;
  if (nt > 0) {
    const t = timeFromGroups(first, nt);
    if (t !== t) return NaN;
    ms += t - tzMinutes * 60000;
  }
  return ms;
}

/** Milliseconds of day from groups [first, first+n): H, M, S, fraction. NaN when invalid. */
function timeFromGroups(first: number, n: number): number {
  if (n < 2 || n > 4) return NaN;
  const h = G[first], mi = G[first + 1];
  const sec = n >= 3 ? G[first + 2] : 0;
  if (h > 23 || mi > 59 || sec > 60 || GL[first] > 2 || GL[first + 1] !== 2) return NaN;
  let ms = h * 3600000 + mi * 60000 + sec * 1000;
  if (n === 4) {
    const sepBefore = GS[first + 3];
    if (sepBefore !== 46 && sepBefore !== 44) return NaN;
    ms += Math.round(G[first + 3] / POW10[GL[first + 3]] * 1000);
  }
  return ms;
}

/** Parse a separate time cell (`HH:MM`, `HH:MM:SS`, `HH:MM:SS.fff`) into ms of day; NaN if invalid. */
export function parseTimeCell(b: Uint8Array, s: number, e: number): number {
  if (e - s === 8 && b[s + 2] === 58 && b[s + 5] === 58) {
    // Fast path: HH:MM:SS exactly.
    const h0 = b[s] - 48, h1 = b[s + 1] - 48, m0 = b[s + 3] - 48, m1 = b[s + 4] - 48;
    const s0 = b[s + 6] - 48, s1 = b[s + 7] - 48;
    if (digit(h0) && digit(h1) && digit(m0) && digit(m1) && digit(s0) && digit(s1)) {
      const h = h0 * 10 + h1, mi = m0 * 10 + m1, sec = s0 * 10 + s1;
      if (h > 23 || mi > 59 || sec > 60) return NaN;
      return h * 3600000 + mi * 60000 + sec * 1000;
    }
  }
  scanGroups(b, s, e);
  if (groupCount > 4 || groupCount < 2) return NaN;
  if (GS[1] !== 58) return NaN;
  return timeFromGroups(0, groupCount);
}

/** The first two digit groups of a date cell (for day-first / month-first decisions). */
export function firstTwoGroups(b: Uint8Array, s: number, e: number): [number, number] {
  scanGroups(b, s, e);
  return groupCount >= 2 ? [G[0], G[1]] : [NaN, NaN];
}
