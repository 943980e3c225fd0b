/**
 * A single-pass fast path for well-formed exports (MT5 bars and alike): `YYYY?MM?DD` dates, an
 * optional `HH:MM:SS` time (separate cell or after a space/`T`), plain decimal numbers. On
 * anything else it gives up (returns null) and the general parser takes over, which also produces
 * the detailed error messages.
 *
 * @module
 */
import { daysFromCivil, MAX_YEAR, MIN_YEAR } from "./_decode.ts";
import type { ColumnRole, Sniffed } from "./sniff.ts";

const POW10 = new Float64Array(23).map((_, i) => 10 ** i);
const SKIP = -1, DATE = -2, TIME = -3;
const PRICE_ROLES = new Set<ColumnRole>(["open", "high", "low", "close", "bid", "ask", "last"]);

/** Parsed columns, or null when the fast path does not apply to this file. */
export function parseRowsFast(
  b: Uint8Array,
  sn: Sniffed,
  roles: ColumnRole[],
  emptyOk: boolean[] = roles.map(() => false),
): { length: number; time: Float64Array; arrays: Float64Array[] } | null {
  if (sn.dateOrder !== "ymd" || sn.delimiter === 32 || sn.decimal !== 46 || sn.thousands !== 0) return null;
  // Prices must be positive: a row with a zero or negative price goes to the general parser.
  const price = Uint8Array.from(roles, (r) => PRICE_ROLES.has(r) ? 1 : 0);
  const empty = Uint8Array.from(emptyOk, (e) => e ? 1 : 0);
  const nCells = sn.cellCount;
  const kinds = new Int32Array(nCells).fill(SKIP);
  kinds[sn.roles.date] = DATE;
  if (sn.roles.time !== -1) kinds[sn.roles.time] = TIME;
  for (let r = 0; r < roles.length; r++) kinds[sn.roles[roles[r]]] = r;
  // Every cell ends at a delimiter or a line feed: a last line without one gets it (a copy), so
  // no read runs past the end.
  if (b.length > 0 && b[b.length - 1] !== 10) {
    const x = new Uint8Array(b.length + 1);
    x.set(b);
    x[b.length] = 10;
    b = x;
  }
  const n = b.length;
  // Whole-word reads of the date bytes (the day cache's key).
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  // Capacity from the average length of the first rows (+10 %); grown if the guess is short.
  let cap = estimateRows(b, sn.dataStart);
  let time: Float64Array = new Float64Array(cap);
  const arrays: Float64Array[] = [];
  for (let r = 0; r < roles.length; r++) arrays.push(new Float64Array(cap));
  const delim = sn.delimiter;
  const dsep = sn.dateSep;
  let len = 0;
  let i = sn.dataStart;
  // The day cache: the 10 raw bytes of the last checked date cell (separators included) and its
  // day number. It is keyed by the bytes, never by digit arithmetic (which a damaged byte such as
  // ':' can fake): the same 10 bytes as a checked date are that date again.
  let lastK1 = 0, lastK2 = 0, lastK3 = -1;
  let lastDays = 0;
  const last = nCells - 1;
  const timeInCell = sn.timeLayout === "in_date_column";
  while (i < n) {
    if (len === cap) {
      cap = Math.ceil(cap * 1.5) + 16;
      time = grown(time, cap);
      for (let r = 0; r < arrays.length; r++) arrays[r] = grown(arrays[r], cap);
    }
    let t = 0;
    for (let k = 0; k < nCells; k++) {
      const kind = kinds[k];
      if (kind >= 0) {
        let c = b[i];
        let neg = false;
        if (c === 45) {
          neg = true;
          c = b[++i];
        }
        // Up to 9 digits (integer part and fraction) accumulate in a small integer; a longer
        // number is parsed again from its start in doubles (same value, same checks).
        const s = i;
        let mant = 0;
        let nd = 0;
        let frac = 0;
        let dot = false;
        while ((c - 48) >>> 0 <= 9 && nd < 9) {
          mant = mant * 10 + (c - 48);
          nd++;
          c = b[++i];
        }
        if (c === 46) {
          dot = true;
          c = b[++i];
          while ((c - 48) >>> 0 <= 9 && nd < 9) {
            mant = mant * 10 + (c - 48);
            nd++;
            frac++;
            c = b[++i];
          }
        }
        let v: number = mant;
        if ((c - 48) >>> 0 <= 9) {
          i = s;
          c = b[i];
          let m = 0;
          nd = 0;
          frac = 0;
          while ((c - 48) >>> 0 <= 9) {
            m = m * 10 + (c - 48);
            nd++;
            c = b[++i];
          }
          if (c === 46) {
            c = b[++i];
            while ((c - 48) >>> 0 <= 9) {
              m = m * 10 + (c - 48);
              frac++;
              nd++;
              c = b[++i];
            }
          }
          if (nd > 15) return null;
          v = m;
        }
        if (nd === 0) {
          // An empty cell is allowed where MT5 leaves it empty (tick sides, volumes): NaN. A lone
          // '.' or '-' is not empty.
          if (neg || dot || empty[kind] === 0 || (c !== delim && c !== 13 && c !== 10 && i < n)) return null;
          arrays[kind][len] = NaN;
        } else {
          if ((neg || v === 0) && price[kind] === 1) return null;
          if (frac !== 0) v /= POW10[frac];
          arrays[kind][len] = neg ? -v : v;
        }
      } else if (kind === DATE) {
        if (i + 10 > n) return null;
        const k1 = dv.getInt32(i), k2 = dv.getInt32(i + 4), k3 = dv.getUint16(i + 8);
        if (k1 !== lastK1 || k2 !== lastK2 || k3 !== lastK3) {
          if (b[i + 4] !== dsep || b[i + 7] !== dsep) return null;
          const y0 = b[i] - 48, y1 = b[i + 1] - 48, y2 = b[i + 2] - 48, y3 = b[i + 3] - 48;
          const m0 = b[i + 5] - 48, m1 = b[i + 6] - 48, d0 = b[i + 8] - 48, d1 = b[i + 9] - 48;
          if (
            y0 >>> 0 > 9 || y1 >>> 0 > 9 || y2 >>> 0 > 9 || y3 >>> 0 > 9 || m0 >>> 0 > 9 || m1 >>> 0 > 9 ||
            d0 >>> 0 > 9 || d1 >>> 0 > 9
          ) return null;
          const y = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
          const m = m0 * 10 + m1;
          const d = d0 * 10 + d1;
          if (m < 1 || m > 12 || d < 1 || d > 31 || y < MIN_YEAR || y > MAX_YEAR) return null;
          const days = daysFromCivil(y, m, d);
          // Reject impossible days (e.g. 31 April): they would roll into the next month.
          if (new Date(days * 86400000).getUTCDate() !== d) return null;
          lastK1 = k1;
          lastK2 = k2;
          lastK3 = k3;
          lastDays = days;
        }
        t += lastDays * 86400000;
        i += 10;
        const c = b[i];
        if (c === 32 || c === 84) {
          // In-cell time: only where the layout has it (never added to a separate <TIME> cell).
          if (!timeInCell || i + 9 > n) return null;
          const tod = clock(b, i + 1);
          if (tod < 0) return null;
          t += tod;
          i += 9;
        } else if (timeInCell) return null;
      } else if (kind === TIME) {
        if (i + 8 > n) return null;
        const tod = clock(b, i);
        if (tod < 0) return null;
        t += tod;
        i += 8;
        if (b[i] === 46) {
          // Milliseconds (tick exports): exactly three digits.
          const m0 = b[i + 1] - 48, m1 = b[i + 2] - 48, m2 = b[i + 3] - 48;
          if (m0 >>> 0 > 9 || m1 >>> 0 > 9 || m2 >>> 0 > 9) return null;
          t += m0 * 100 + m1 * 10 + m2;
          i += 4;
        }
      } else {
        // Every other byte of a row is checked by its cell's parser; here only a NUL matters
        // (a line holding one is quarantined by the general parser).
        let c = b[i];
        while (c !== delim && c !== 10 && c !== 13 && i < n) {
          if (c === 0) return null;
          c = b[++i];
        }
      }
      // Expect the delimiter, or the line end after the last cell.
      const c = b[i];
      if (k < last) {
        if (c !== delim) return null;
        i++;
      } else {
        if (c === 13) i++;
        if (i < n) {
          if (b[i] !== 10) return null;
          i++;
        }
      }
    }
    time[len++] = t;
  }
  return { length: len, time: time.subarray(0, len), arrays: arrays.map((a) => a.subarray(0, len)) };
}

function grown(a: Float64Array, cap: number): Float64Array {
  const x = new Float64Array(cap);
  x.set(a);
  return x;
}

/** Rows expected after `start`: bytes left over the average length of up to 64 lines, +10 %. */
function estimateRows(b: Uint8Array, start: number): number {
  let i = start;
  let lines = 0;
  while (lines < 64) {
    const e = b.indexOf(10, i);
    if (e === -1) break;
    i = e + 1;
    lines++;
  }
  const avg = lines > 0 ? (i - start) / lines : 40;
  return Math.ceil(((b.length - start) / avg) * 1.1) + 16;
}

/** `HH:MM:SS` at `i` → ms of day, or -1. */
function clock(b: Uint8Array, i: number): number {
  if (b[i + 2] !== 58 || b[i + 5] !== 58) return -1;
  const h0 = b[i] - 48, h1 = b[i + 1] - 48, m0 = b[i + 3] - 48, m1 = b[i + 4] - 48;
  const s0 = b[i + 6] - 48, s1 = b[i + 7] - 48;
  if (h0 >>> 0 > 2 || h1 >>> 0 > 9 || m0 >>> 0 > 5 || m1 >>> 0 > 9 || s0 >>> 0 > 5 || s1 >>> 0 > 9) return -1;
  const h = h0 * 10 + h1;
  if (h > 23) return -1;
  return h * 3600000 + (m0 * 10 + m1) * 60000 + (s0 * 10 + s1) * 1000;
}
