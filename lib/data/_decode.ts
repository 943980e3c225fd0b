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
  // Binary check on the first 4 KiB: many control bytes (NUL included) mean a binary file. A few
  // stray ones (a damaged line) are left to the row parser, which quarantines their lines.
  const n = Math.min(bytes.length, 4096);
  let control = 0;
  let firstNul = -1;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === 0 && firstNul === -1) firstNul = i;
    if (c < 9 || (c > 13 && c < 32) || c === 127) control++;
  }
  if (n > 0 && control / n > 0.01) {
    throw new KinetraError(
      "unrecognized_format",
      `${source}: this is not a text file (${control} control bytes in the first ${n}${
        firstNul >= 0 ? `, a NUL byte at offset ${firstNul}` : ""
      }); expected a CSV/TSV export of bars or ticks.`,
      { details: { file: source, offset: firstNul >= 0 ? firstNul : undefined } },
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
    repairs.push(
      "every line was wrapped in double quotes (a spreadsheet re-quoting the CSV); the outer quotes were removed and doubled quotes undone",
    );
  }
  return { bytes, encoding, repairs };
}

/**
 * When every non-blank line is wrapped in one pair of double quotes with no other quote inside
 * (some tools quote whole lines), return the bytes without them; else null.
 */
function unwrapQuotedLines(b: Uint8Array): Uint8Array | null {
  if (b.length === 0 || b[0] !== 34) return null;
  // Check every line first (cheap: this only runs for files starting with a quote). Inside the
  // outer quotes, a quote must be doubled ("" — a spreadsheet re-quoting a CSV line).
  let i = 0;
  const n = b.length;
  let doubled = false;
  while (i < n) {
    let e = b.indexOf(10, i);
    if (e === -1) e = n;
    let le = e;
    if (le > i && b[le - 1] === 13) le--;
    if (le > i) {
      if (le - i < 2 || b[i] !== 34 || b[le - 1] !== 34) return null;
      for (let k = i + 1; k < le - 1; k++) {
        if (b[k] !== 34) continue;
        if (k + 1 < le - 1 && b[k + 1] === 34) {
          doubled = true;
          k++;
        } else return null;
      }
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
      for (let k = i + 1; k < le - 1; k++) {
        out[o++] = b[k];
        if (doubled && b[k] === 34) k++; // "" -> "
      }
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
export function parseNumber(
  bytes: Uint8Array,
  s: number,
  e: number,
  decimal: number,
  thousands = 0,
): number {
  if (thousands !== 0) return parseGrouped(bytes, s, e, decimal, thousands);
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

/**
 * A number written with a thousands separator (`1,234.50`, `1.234,50`): the separators must sit
 * between groups of exactly three digits before the decimal mark. NaN otherwise.
 */
function parseGrouped(b: Uint8Array, s: number, e: number, decimal: number, thousands: number): number {
  while (s < e && (b[s] === 32 || b[s] === 34)) s++;
  while (e > s && (b[e - 1] === 32 || b[e - 1] === 34 || b[e - 1] === 13)) e--;
  let t = "";
  let group = -1; // digits since the last separator (-1: none seen yet)
  let seenDecimal = false;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c === thousands && !seenDecimal) {
      if (group === 0 || (group !== -1 && group !== 3) || t === "" || t === "-") return NaN;
      group = 0;
      continue;
    }
    if (c === decimal) {
      if (seenDecimal || (group !== -1 && group !== 3)) return NaN;
      seenDecimal = true;
      t += ".";
      continue;
    }
    if (c >= 48 && c <= 57) {
      if (!seenDecimal && group !== -1) group++;
      t += String.fromCharCode(c);
      continue;
    }
    if ((c === 45 || c === 43) && i === s) {
      t += String.fromCharCode(c);
      continue;
    }
    return NaN;
  }
  if (group !== -1 && !seenDecimal && group !== 3) return NaN;
  if (!/\d/.test(t)) return NaN;
  return Number(t);
}

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

/** Position after the last `digitsAt` call (module scratch: the parser is single-threaded). */
let P = 0;

/**
 * Read between `min` and `max` digits at `i` (stopping before `e`); the value, or -1 when fewer
 * than `min` digits are there. `P` is set to the position after the digits read.
 */
function digitsAt(b: Uint8Array, i: number, e: number, min: number, max: number): number {
  let v = 0;
  let k = 0;
  while (i < e && k < max) {
    const c = b[i] - 48;
    if (c >>> 0 > 9) break;
    v = v * 10 + c;
    i++;
    k++;
  }
  P = i;
  return k < min ? -1 : v;
}

/** Years a bar may carry (outside: a damaged digit, never history). */
export const MIN_YEAR = 1800, MAX_YEAR = 2199;

/** True for a valid proleptic Gregorian calendar date within MIN_YEAR..MAX_YEAR. */
function validDate(y: number, m: number, d: number): boolean {
  return y >= MIN_YEAR && y <= MAX_YEAR && m >= 1 && m <= 12 && d >= 1 && d <= MONTH_DAYS[m - 1] &&
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

/** Trim spaces, double quotes and a CR from both ends of `[s, e)`: sets `TS`/`TE`. */
let TS = 0, TE = 0;
function trimCell(b: Uint8Array, s: number, e: number): void {
  while (s < e && (b[s] === 32 || b[s] === 34)) s++;
  while (e > s && (b[e - 1] === 32 || b[e - 1] === 34 || b[e - 1] === 13)) e--;
  TS = s;
  TE = e;
}

/**
 * A clock time at `i`: `H[H]:MM[:SS[.f…]]` (fraction `.` or `,`, 1–9 digits). Milliseconds of day,
 * or NaN when the bytes do not match exactly that or the values are out of range. `P` is set to
 * the position after the time.
 */
function clockAt(b: Uint8Array, i: number, e: number): number {
  const h = digitsAt(b, i, e, 1, 2);
  if (h < 0 || h > 23 || P >= e || b[P] !== 58) return NaN;
  const mi = digitsAt(b, P + 1, e, 2, 2);
  if (mi < 0 || mi > 59) return NaN;
  let ms = h * 3600000 + mi * 60000;
  if (P < e && b[P] === 58) {
    const sec = digitsAt(b, P + 1, e, 2, 2);
    if (sec < 0 || sec > 59) return NaN;
    ms += sec * 1000;
    if (P < e && (b[P] === 46 || b[P] === 44)) {
      const start = P + 1;
      const f = digitsAt(b, start, e, 1, 9);
      if (f < 0) return NaN;
      ms += Math.round((f / POW10[P - start]) * 1000);
    }
  }
  return ms;
}

/** `HHMM[SS]` without colons (HistData's `20100103 170000`) at `i`; ms of day or NaN; sets `P`. */
function compactClockAt(b: Uint8Array, i: number, e: number): number {
  if (i + 2 < e && b[i + 2] === 58) return clockAt(b, i, e);
  const h = digitsAt(b, i, e, 2, 2);
  if (h < 0 || h > 23) return NaN;
  const mi = digitsAt(b, P, e, 2, 2);
  if (mi < 0 || mi > 59) return NaN;
  let ms = h * 3600000 + mi * 60000;
  if (P < e && digit(b[P] - 48)) {
    const sec = digitsAt(b, P, e, 2, 2);
    if (sec < 0 || sec > 59) return NaN;
    ms += sec * 1000;
    // HistData tick files: HHMMSS then exactly three digits of milliseconds ("170000065").
    if (P < e && digit(b[P] - 48)) {
      const milli = digitsAt(b, P, e, 3, 3);
      if (milli < 0) return NaN;
      ms += milli;
    }
  }
  return ms;
}

/**
 * A time-zone suffix at `i` up to `e`: `Z`, or `±HH[[:]MM]` within ±14:00. Minutes east of UTC, or
 * NaN when it is anything else (an offset such as `+25:99` is refused, never applied).
 */
function zoneAt(b: Uint8Array, i: number, e: number): number {
  if (i === e) return 0;
  // " GMT+0200", " UTC", " GMT" (Dukascopy and others): a space, the name, an optional offset.
  if (b[i] === 32 && i + 4 <= e) {
    const w = String.fromCharCode(b[i + 1], b[i + 2], b[i + 3]);
    if (w === "GMT" || w === "UTC") return i + 4 === e ? 0 : zoneAt(b, i + 4, e);
    return NaN;
  }
  if (b[i] === 90) return i + 1 === e ? 0 : NaN; // Z
  const c = b[i];
  if (c !== 43 && c !== 45) return NaN;
  const h = digitsAt(b, i + 1, e, 2, 2);
  if (h < 0) return NaN;
  let m = 0;
  if (P < e) {
    const j = b[P] === 58 ? P + 1 : P;
    m = digitsAt(b, j, e, 2, 2);
    if (m < 0) return NaN;
  }
  if (P !== e || m > 59 || h * 60 + m > 14 * 60) return NaN;
  return (c === 45 ? -1 : 1) * (h * 60 + m);
}

/**
 * Parse a date cell (with its time when `timeInCell`) into epoch ms (UTC when the cell carries an
 * offset, else the file's clock). The cell must match the layout completely (surrounding spaces
 * and double quotes aside): `order` and the separator byte `dateSep` (0 for compact/epoch); with
 * `timeInCell` a space or `T`, a clock time and an optional zone must follow, without it nothing
 * may follow. Epoch cells hold 9–10 digits (seconds) or 12–13 (milliseconds), an optional
 * fraction. Anything else (a stray byte, a wrong separator, an impossible date, an offset beyond
 * ±14:00) gives NaN.
 */
export function parseDateCell(
  b: Uint8Array,
  s: number,
  e: number,
  order: DateOrder,
  dateSep: number,
  timeInCell = false,
  yearDigits = 4,
): number {
  if (
    !timeInCell && order === "ymd" && e - s === 10 && b[s + 4] === dateSep && b[s + 7] === dateSep
  ) {
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
  trimCell(b, s, e);
  s = TS;
  e = TE;
  if (s >= e) return NaN;
  if (order === "epoch_s" || order === "epoch_ms") {
    let i = s;
    while (i < e && digit(b[i] - 48)) i++;
    const nd = i - s;
    if (order === "epoch_s" ? nd < 9 || nd > 10 : nd < 12 || nd > 13) return NaN;
    if (i < e) {
      if (b[i] !== 46 || i + 1 === e) return NaN;
      for (let k = i + 1; k < e; k++) if (!digit(b[k] - 48)) return NaN;
    }
    const v = Number(LATIN1.decode(b.subarray(s, e)));
    return order === "epoch_s" ? Math.round(v * 1000) : Math.round(v);
  }
  let y: number, m: number, d: number;
  if (order === "ymd_compact") {
    const v = digitsAt(b, s, e, 8, 8);
    if (v < 0) return NaN;
    y = Math.floor(v / 10000);
    m = Math.floor(v / 100) % 100;
    d = v % 100;
  } else if (order === "ymd") {
    y = digitsAt(b, s, e, 4, 4);
    if (y < 0 || P >= e || b[P] !== dateSep) return NaN;
    m = digitsAt(b, P + 1, e, 1, 2);
    if (m < 0 || P >= e || b[P] !== dateSep) return NaN;
    d = digitsAt(b, P + 1, e, 1, 2);
    if (d < 0) return NaN;
  } else {
    const a = digitsAt(b, s, e, 1, 2);
    if (a < 0 || P >= e || b[P] !== dateSep) return NaN;
    const c = digitsAt(b, P + 1, e, 1, 2);
    if (c < 0 || P >= e || b[P] !== dateSep) return NaN;
    const ys = P + 1;
    y = digitsAt(b, ys, e, yearDigits, yearDigits);
    if (y < 0) return NaN;
    if (yearDigits === 2) y += y < 70 ? 2000 : 1900;
    if (order === "dmy") d = a, m = c;
    else m = a, d = c;
  }
  if (!validDate(y, m, d)) return NaN;
  let ms = cachedDays(y, m, d) * 86400000;
  let i = P;
  if (!timeInCell) return i === e ? ms : NaN;
  if (i >= e || (b[i] !== 32 && b[i] !== 84)) return NaN;
  const t = order === "ymd_compact" ? compactClockAt(b, i + 1, e) : clockAt(b, i + 1, e);
  if (t !== t) return NaN;
  i = P;
  const tz = zoneAt(b, i, e);
  if (tz !== tz) return NaN;
  ms += t - tz * 60000;
  return ms;
}

/**
 * Parse a separate time cell (`H[H]:MM`, `H[H]:MM:SS`, `H[H]:MM:SS.f…`) into ms of day; NaN unless
 * the whole cell (spaces and quotes aside) is exactly such a time.
 */
export function parseTimeCell(b: Uint8Array, s: number, e: number): number {
  if (e - s === 8 && b[s + 2] === 58 && b[s + 5] === 58) {
    // Fast path: HH:MM:SS exactly.
    const h0 = b[s] - 48, h1 = b[s + 1] - 48, m0 = b[s + 3] - 48, m1 = b[s + 4] - 48;
    const s0 = b[s + 6] - 48, s1 = b[s + 7] - 48;
    if (digit(h0) && digit(h1) && digit(m0) && digit(m1) && digit(s0) && digit(s1)) {
      const h = h0 * 10 + h1, mi = m0 * 10 + m1, sec = s0 * 10 + s1;
      if (h > 23 || mi > 59 || sec > 59) return NaN;
      return h * 3600000 + mi * 60000 + sec * 1000;
    }
  }
  trimCell(b, s, e);
  if (TS >= TE) return NaN;
  const t = clockAt(b, TS, TE);
  return P === TE ? t : NaN;
}

/** The first two digit groups of a `NN?NN?YYYY` date cell (for day-first / month-first decisions). */
export function firstTwoGroups(b: Uint8Array, s: number, e: number): [number, number] {
  trimCell(b, s, e);
  const a = digitsAt(b, TS, TE, 1, 2);
  if (a < 0 || P >= TE) return [NaN, NaN];
  const c = digitsAt(b, P + 1, TE, 1, 2);
  return c < 0 ? [NaN, NaN] : [a, c];
}
