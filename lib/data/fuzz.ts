/**
 * `fuzz:data`: mutate real MT5 exports (bit flips, truncation, duplicated and reordered rows,
 * NaN/inf/zero/negative/huge prices, high < low, missing or extra cells, mixed delimiters, NUL
 * bytes, invalid UTF-8, UTF-16 without BOM, CR-only line ends, out-of-range dates, times and
 * offsets), read each mutant as `data:validate` does, and compare with the independent reference
 * parse (`fuzz_reference.ts`). A read may refuse the file (a clear KinetraError) or flag it
 * CRITICAL (every task then refuses it); otherwise its bars and its count of quarantined rows must
 * equal the reference's exactly. Anything else is a silent difference; a non-KinetraError is a
 * crash. Deterministic for a seed.
 *
 * @module
 */
import { isKinetraError } from "../errors.ts";
import { type ReferenceBars, referenceParse } from "./fuzz_reference.ts";
import { loadBytes } from "./read_bars.ts";
import { validateLoaded } from "./validate.ts";

/** A seeded PRNG (mulberry32): uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The mutation kinds, in the order the issue lists them. */
export const MUTATIONS = [
  "bit_flip",
  "truncate",
  "duplicate_row",
  "reorder_rows",
  "bad_price",
  "high_below_low",
  "missing_cell",
  "extra_cell",
  "mixed_delimiter",
  "nul_byte",
  "invalid_utf8",
  "utf16_no_bom",
  "cr_only",
  "bad_date",
  "bad_time",
  "bad_offset",
] as const;

/** One mutation kind. */
export type Mutation = typeof MUTATIONS[number];

const BAD_PRICES = [
  "NaN",
  "nan",
  "inf",
  "Infinity",
  "-inf",
  "1e999",
  "0",
  "0.0",
  "-0",
  "-1.5",
  "1e308",
  "-1e308",
];
const BAD_DATES = [
  "2024.13.01",
  "2024.02.30",
  "2024.00.10",
  "2023.02.29",
  "0024.01.02",
  "9999.01.02",
  "2024.1.32",
];
const BAD_TIMES = ["24:00:00", "12:60:00", "12:00:60", "1:2:3", "12:00:00:00", "-1:00:00", "12.00.00"];
const BAD_OFFSETS = ["+25:99", "+14:30", "-15:00", "+2", "Z+01:00", "+01:60"];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

const td = new TextDecoder("latin1");
const te = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/** Apply one mutation to latin-1 text lines of a file; returns the new bytes. */
export function mutate(bytes: Uint8Array, kind: Mutation, r: () => number): Uint8Array {
  const n = bytes.length;
  if (kind === "bit_flip") {
    const out = bytes.slice();
    const k = 1 + Math.floor(r() * 3);
    for (let i = 0; i < k; i++) out[Math.floor(r() * n)] ^= 1 << Math.floor(r() * 8);
    return out;
  }
  if (kind === "truncate") return bytes.slice(0, Math.max(1, Math.floor(r() * n)));
  if (kind === "nul_byte") {
    const at = r() < 0.5
      ? Math.floor(r() * n)
      : Math.min(n - 1, 4096 + Math.floor(r() * Math.max(1, n - 4096)));
    const out = new Uint8Array(n + 1);
    out.set(bytes.subarray(0, at));
    out[at] = 0;
    out.set(bytes.subarray(at), at + 1);
    return out;
  }
  if (kind === "invalid_utf8") {
    const at = Math.floor(r() * n);
    const k = 1 + Math.floor(r() * 4);
    const out = new Uint8Array(n + k);
    out.set(bytes.subarray(0, at));
    for (let i = 0; i < k; i++) out[at + i] = 0x80 + Math.floor(r() * 0x80);
    out.set(bytes.subarray(at), at + k);
    return out;
  }
  if (kind === "utf16_no_bom") {
    const s = td.decode(bytes);
    const out = new Uint8Array(s.length * 2);
    for (let i = 0; i < s.length; i++) out[2 * i] = s.charCodeAt(i);
    return out;
  }
  if (kind === "cr_only") return te(td.decode(bytes).replace(/\r\n/g, "\r"));
  // Row-level mutations on the text lines (the header is line 0).
  const text = td.decode(bytes);
  const lines = text.split("\n");
  const body = lines.length - 2; // data lines (the last element is "" after the final LF)
  if (body < 2) return bytes;
  const row = () => 1 + Math.floor(r() * body);
  const k = row();
  const eol = lines[k].endsWith("\r") ? "\r" : "";
  const c = lines[k].replace(/\r$/, "").split("\t");
  const set = (cells: string[]) => (lines[k] = cells.join("\t") + eol);
  switch (kind) {
    case "duplicate_row":
      lines.splice(row(), 0, lines[k]);
      break;
    case "reorder_rows": {
      const j = row();
      [lines[k], lines[j]] = [lines[j], lines[k]];
      break;
    }
    case "bad_price":
      c[2 + Math.floor(r() * 4)] = pick(r, BAD_PRICES);
      set(c);
      break;
    case "high_below_low":
      [c[3], c[4]] = [c[4], c[3]];
      if (c[3] === c[4]) c[3] = String(Number(c[4]) / 2);
      set(c);
      break;
    case "missing_cell":
      c.splice(Math.floor(r() * c.length), 1);
      set(c);
      break;
    case "extra_cell":
      c.splice(Math.floor(r() * (c.length + 1)), 0, String(Math.floor(r() * 100)));
      set(c);
      break;
    case "mixed_delimiter":
      lines[k] = c.join(pick(r, [",", ";", " ", "|"])) + eol;
      break;
    case "bad_date":
      c[0] = pick(r, BAD_DATES);
      set(c);
      break;
    case "bad_time":
      c[1] = pick(r, BAD_TIMES);
      set(c);
      break;
    case "bad_offset":
      c[1] = c[1] + pick(r, BAD_OFFSETS);
      set(c);
      break;
  }
  return te(lines.join("\n"));
}

/** What one case found. */
export interface FuzzCase {
  /** Case number (0-based). */
  index: number;
  /** Source file. */
  file: string;
  /** Mutations applied, in order. */
  mutations: Mutation[];
  /**
   * `refused` (clear KinetraError), `critical` (read, CRITICAL finding: tasks refuse it),
   * `identical` (same bars and quarantine count as the reference), `silent_difference` or `crash`.
   */
  outcome: "refused" | "critical" | "identical" | "silent_difference" | "crash";
  /** Why, for the failures (and the refusal code). */
  detail?: string;
}

/** Summary of a run. */
export interface FuzzReport {
  seed: number;
  cases: number;
  files: number;
  outcomes: Record<FuzzCase["outcome"], number>;
  /** The failing cases (silent differences and crashes), with what to reproduce them. */
  failures: FuzzCase[];
  /** Cases per mutation kind. */
  by_mutation: Record<string, number>;
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(a[i] === b[i])) return false;
  return true;
}

/** First difference between Kinetra's read and the reference, or null when identical. */
function difference(
  got: { arrays: import("./types.ts").BarArrays; bad: number; truncated: boolean },
  ref: ReferenceBars,
): string | null {
  const a = got.arrays;
  if (got.bad !== ref.bad) return `quarantined rows: kinetra ${got.bad}, reference ${ref.bad}`;
  if (got.truncated !== ref.truncated) {
    return `truncation: kinetra ${got.truncated}, reference ${ref.truncated}`;
  }
  if (a.length !== ref.time.length) return `bars: kinetra ${a.length}, reference ${ref.time.length}`;
  const cols: Array<[string, ArrayLike<number>, ArrayLike<number>]> = [
    ["time", a.time, ref.time],
    ["open", a.open, ref.open],
    ["high", a.high, ref.high],
    ["low", a.low, ref.low],
    ["close", a.close, ref.close],
    ["tick_volume", a.tickVolume, ref.tickVolume],
    ["volume", a.volume, ref.volume],
  ];
  for (const [name, x, y] of cols) {
    if (!sameArray(x, y)) {
      let i = 0;
      while (i < x.length && (x[i] === y[i] || Object.is(x[i], y[i]))) i++;
      return `${name}[${i}]: kinetra ${x[i]}, reference ${y[i]} (time ${new Date(a.time[i]).toISOString()})`;
    }
  }
  if ((a.spread === null) !== (ref.spread === null)) return "spread column present in one read only";
  if (a.spread && ref.spread && !sameArray(a.spread, ref.spread)) return "spread differs";
  return null;
}

/** Run one case: read the mutant as data:validate does and judge it against the reference. */
export function judge(name: string, bytes: Uint8Array): Pick<FuzzCase, "outcome" | "detail"> {
  let loaded;
  try {
    loaded = loadBytes(name, bytes, { lenient: true, timeframe: "M1" });
  } catch (e) {
    if (isKinetraError(e)) return { outcome: "refused", detail: e.code };
    return { outcome: "crash", detail: String((e as Error)?.stack ?? e) };
  }
  let critical: boolean;
  try {
    critical = validateLoaded(loaded).some((f) => f.severity === "CRITICAL");
  } catch (e) {
    return { outcome: "crash", detail: String((e as Error)?.stack ?? e) };
  }
  const ref = referenceParse(bytes);
  const bad = Object.values(loaded.rowIssues?.counts ?? {}).reduce((s, x) => s + x, 0);
  const diff = ref === null
    ? "the reference cannot read this file (no date/open/high/low/close header) but Kinetra did"
    : loaded.arrays
    ? difference({ arrays: loaded.arrays, bad, truncated: loaded.raw.truncatedLastRow }, ref)
    : "no bars";
  if (diff === null) return { outcome: "identical" };
  return critical ? { outcome: "critical", detail: diff } : { outcome: "silent_difference", detail: diff };
}

/** Options of `runFuzz`. */
export interface FuzzOptions {
  /** Real MT5 bar exports to mutate. */
  files: string[];
  /** Number of cases (default 500). */
  cases?: number;
  /** Seed (default 1). */
  seed?: number;
  /** Data lines kept per source (a window of the real file; default 1500; 0 = whole file). */
  maxRows?: number;
  /** Called after each case with the mutant's bytes (to keep failing ones). */
  onCase?: (c: FuzzCase, bytes: Uint8Array) => void;
}

/** Run `cases` seeded cases over `files`. */
export function runFuzz(opts: FuzzOptions): FuzzReport {
  const seed = opts.seed ?? 1;
  const cases = opts.cases ?? 500;
  const maxRows = opts.maxRows ?? 1500;
  const r = rng(seed);
  const sources = new Map<string, Uint8Array>();
  const report: FuzzReport = {
    seed,
    cases,
    files: opts.files.length,
    outcomes: { refused: 0, critical: 0, identical: 0, silent_difference: 0, crash: 0 },
    failures: [],
    by_mutation: {},
  };
  for (let i = 0; i < cases; i++) {
    const file = opts.files[Math.floor(r() * opts.files.length)];
    let src = sources.get(file);
    if (!src) {
      src = Deno.readFileSync(file);
      if (maxRows > 0) {
        // A window of whole lines: the header and `maxRows` consecutive data lines.
        const text = td.decode(src);
        const ls = text.split("\n");
        if (ls.length > maxRows + 2) {
          const start = 1 + Math.floor(r() * (ls.length - maxRows - 2));
          src = te([ls[0], ...ls.slice(start, start + maxRows)].join("\n") + "\n");
        }
      }
      sources.set(file, src);
    }
    const k = 1 + Math.floor(r() * 3);
    const muts: Mutation[] = [];
    let bytes = src;
    for (let j = 0; j < k; j++) {
      let m = MUTATIONS[Math.floor(r() * MUTATIONS.length)];
      // Whole-file encodings go last (row mutations work on the UTF-8/latin-1 text).
      if ((m === "utf16_no_bom" || m === "cr_only") && j < k - 1) m = "bit_flip";
      muts.push(m);
      bytes = mutate(bytes, m, r);
      report.by_mutation[m] = (report.by_mutation[m] ?? 0) + 1;
    }
    const name = file.split(/[\\/]/).pop()!;
    const j = judge(name, bytes);
    const c: FuzzCase = { index: i, file, mutations: muts, ...j };
    report.outcomes[c.outcome]++;
    if (c.outcome === "silent_difference" || c.outcome === "crash") report.failures.push(c);
    opts.onCase?.(c, bytes);
  }
  return report;
}
