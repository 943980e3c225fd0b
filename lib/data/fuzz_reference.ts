/**
 * An independent reference parse of MetaTrader 5 bar exports for `fuzz:data`. It shares no code
 * with the reader (no sniffing, no byte parser, no fast path): plain strings, regular expressions
 * and `Date.UTC`, written from the export format and the reader's documented rules (docs/DATA.md):
 * lines split on LF (CR only when the file has no LF), blank lines skipped, the first non-blank
 * line is the header, a row is read only when every cell matches its layout completely, prices are
 * finite and positive, an incomplete last line without a line end is dropped as truncation,
 * repeated times keep the last row.
 *
 * @module
 */

/** Bars as the reference reads them (sorted, unique times). */
export interface ReferenceBars {
  time: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  tickVolume: number[];
  volume: number[];
  /** Null when the header has no spread column. */
  spread: number[] | null;
  /** Non-blank data lines that could not be read (every cause counted once per line). */
  bad: number;
  /** True when the last line was incomplete without a line end (dropped, not counted as bad). */
  truncated: boolean;
}

/** Decode like a text editor would: BOMs, UTF-16 LE without BOM; otherwise one char per byte. */
function decode(b: Uint8Array): string {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return new TextDecoder("latin1").decode(b.subarray(3));
  if (b[0] === 0xff && b[1] === 0xfe) return new TextDecoder("utf-16le").decode(b.subarray(2));
  if (b[0] === 0xfe && b[1] === 0xff) return new TextDecoder("utf-16be").decode(b.subarray(2));
  const n = Math.min(b.length & ~1, 512);
  if (n >= 8) {
    let odd = 0, even = 0;
    for (let i = 0; i < n; i += 2) {
      if (b[i] === 0) even++;
      if (b[i + 1] === 0) odd++;
    }
    if (odd > (n / 2) * 0.9 && even === 0) return new TextDecoder("utf-16le").decode(b);
  }
  return new TextDecoder("latin1").decode(b);
}

/** Cells of a line split on tabs; a cell that starts with `"` runs to the next `"` (or the end). */
function cellsOf(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let j = i;
    if (line[j] === '"') {
      const q = line.indexOf('"', j + 1);
      j = q === -1 ? line.length : q + 1;
    }
    const t = line.indexOf("\t", j);
    if (t === -1) {
      out.push(line.slice(i));
      return out;
    }
    out.push(line.slice(i, t));
    i = t + 1;
  }
}

const trimCell = (c: string) => c.replace(/^[ "]+/, "").replace(/[ "\r]+$/, "");
const RE_NUM = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const RE_DATE = /^(\d{4})\.(\d{1,2})\.(\d{1,2})$/;
const RE_TIME = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/;

function num(c: string): number {
  const t = trimCell(c);
  return RE_NUM.test(t) ? Number(t) : NaN;
}

function dateMs(c: string): number {
  const m = RE_DATE.exec(trimCell(c));
  if (!m) return NaN;
  const y = +m[1], mo = +m[2], d = +m[3];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return NaN;
  return y < 1800 || y > 2199 ? NaN : ms;
}

function timeMs(c: string): number {
  const m = RE_TIME.exec(trimCell(c));
  if (!m) return NaN;
  const h = +m[1], mi = +m[2], s = m[3] === undefined ? 0 : +m[3];
  if (h > 23 || mi > 59 || s > 59) return NaN;
  const frac = m[4] === undefined ? 0 : Math.round(Number("0." + m[4]) * 1000);
  return h * 3600000 + mi * 60000 + s * 1000 + frac;
}

const NAMES = ["date", "time", "open", "high", "low", "close", "tickvol", "vol", "spread"] as const;

/**
 * Read an MT5 bar export (tab-separated, `<DATE> <TIME> <OPEN> <HIGH> <LOW> <CLOSE> <TICKVOL>
 * <VOL> <SPREAD>`, any letter case). Null when the header does not name date, open, high, low
 * and close columns.
 */
export function referenceParse(bytes: Uint8Array): ReferenceBars | null {
  const text = decode(bytes);
  const sep = text.includes("\n") ? "\n" : "\r";
  const lines = text.split(sep);
  const endsWithBreak = text.endsWith(sep);
  if (endsWithBreak) lines.pop();
  let h = 0;
  while (h < lines.length && lines[h].replace(/\r$/, "").trim() === "") h++;
  if (h === lines.length) return null;
  const headerLine = lines[h].replace(/\r$/, "");
  const header = headerLine.split("\t").map((x) => x.trim().toLowerCase());
  while (header.length && header[header.length - 1] === "") header.pop();
  const col: Record<string, number> = {};
  for (const name of NAMES) col[name] = header.indexOf(`<${name}>`);
  if (col.date < 0 || col.open < 0 || col.high < 0 || col.low < 0 || col.close < 0) return null;
  const ncols = header.length;
  type Row = { t: number; v: number[]; i: number };
  const rows: Row[] = [];
  let bad = 0;
  let truncated = false;
  for (let k = h + 1; k < lines.length; k++) {
    const line = lines[k].replace(/\r$/, "");
    if (/^[ \t,;"\r]*$/.test(line)) continue;
    if (line.trim() === headerLine.trim()) {
      bad++;
      continue;
    }
    if (line.includes("\u0000")) {
      bad++;
      continue;
    }
    const c = cellsOf(line);
    if (c.length !== ncols) {
      if (k === lines.length - 1 && !endsWithBreak && c.length < ncols) {
        truncated = true;
        break;
      }
      bad++;
      continue;
    }
    let t = dateMs(c[col.date]);
    if (col.time >= 0) t += timeMs(c[col.time]);
    if (!Number.isFinite(t)) {
      bad++;
      continue;
    }
    const prices = [col.open, col.high, col.low, col.close].map((i) => num(c[i]));
    if (prices.some((p) => !(p > 0) || p === Infinity)) {
      bad++;
      continue;
    }
    const rest = [col.tickvol, col.vol, col.spread].map((i) => {
      if (i < 0) return 0;
      const cell = trimCell(c[i]);
      if (cell === "" || /^[ \t,;"\r]*$/.test(c[i])) return 0; // empty volumes and spreads read as 0
      const v = num(cell);
      return Number.isFinite(v) ? v : NaN;
    });
    if (rest.some((v) => v !== v)) {
      bad++;
      continue;
    }
    rows.push({ t, v: [...prices, ...rest], i: k });
  }
  rows.sort((a, b) => a.t - b.t || a.i - b.i);
  const kept: Row[] = [];
  for (const r of rows) {
    if (kept.length && kept[kept.length - 1].t === r.t) kept[kept.length - 1] = r;
    else kept.push(r);
  }
  const hasTick = col.tickvol >= 0, hasVol = col.vol >= 0;
  return {
    time: kept.map((r) => r.t),
    open: kept.map((r) => r.v[0]),
    high: kept.map((r) => r.v[1]),
    low: kept.map((r) => r.v[2]),
    close: kept.map((r) => r.v[3]),
    // One volume column fills both (as documented for MT4/generic files).
    tickVolume: kept.map((r) => (hasTick ? r.v[4] : r.v[5])),
    volume: kept.map((r) => (hasVol ? r.v[5] : r.v[4])),
    spread: col.spread >= 0 ? kept.map((r) => r.v[6]) : null,
    bad,
    truncated,
  };
}
