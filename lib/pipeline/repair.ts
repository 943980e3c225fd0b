/**
 * Data repair: write a repaired copy of an MT5 bar export (never touching the source), with a
 * log of every change and a quarantine file holding each dropped row and its reason.
 *
 * The repaired copy is in MT5's own export layout (UTF-8, tab, CRLF, `<DATE> <TIME> ...` header)
 * with price and volume cells kept verbatim. Rows that cannot be trusted (cut short, non-numeric,
 * unreadable time, non-positive or inconsistent prices, repeated bar times) go to quarantine;
 * rows are sorted by time; with a detected timeframe the copy is filed under that timeframe,
 * and its name carries the first and last bar times actually present.
 *
 * @example
 * ```ts
 * import { repairFile } from "./repair.ts";
 * const r = await repairFile({ source: "data/sample/forex/AUDUSD+_H4_202401020000_202512300800.csv",
 *   relPath: "forex/AUDUSD+_H4_202401020000_202512300800.csv", outDir: "/tmp/repaired", dryRun: true });
 * console.log(r.rowsOut, r.changes.length);
 * ```
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { KinetraError } from "../errors.ts";
import { decodeToUtf8 } from "../data/_decode.ts";
import { parseFileName } from "../data/file_name.ts";
import { detectTimeframe } from "../data/timeframe.ts";
import { appendLine, writeJsonAtomic, writeTextAtomic } from "../util/fs.ts";

/** How the raw file is laid out. */
export interface RawLayout {
  encoding: "utf-8" | "utf-8-bom" | "utf-16le" | "utf-16be";
  delimiter: "\t" | "," | ";";
  lineEnding: "crlf" | "lf";
  /** Header cells as written, or null when the first line is data. */
  header: string[] | null;
}

/** One change made by a repair, as written to the change log. */
export interface ChangeRecord {
  action:
    | "decode_utf16"
    | "strip_bom"
    | "rewrite_delimiter"
    | "quarantine_rows"
    | "remove_duplicates"
    | "sort_rows"
    | "rename_timeframe"
    | "rename_range";
  /** Rows affected (0 for file-level changes). */
  rows: number;
  reason: string;
}

/** One row moved to quarantine. */
export interface QuarantinedRow {
  /** 1-based line number in the source file. */
  line: number;
  reason: string;
  /** The original line (without its line ending). */
  text: string;
}

/** Options of {@link repairFile}. */
export interface RepairOptions {
  /** The source file (read only). */
  source: string;
  /** Its path relative to the source folder (keeps the asset-class folder in the output). */
  relPath: string;
  /** Repaired root folder (data/repaired by default in the pipeline). */
  outDir: string;
  /** File the copy under this timeframe (a detected timeframe that differs from the name's). */
  fileUnderTimeframe?: string | null;
  /** Compute everything but write nothing. */
  dryRun?: boolean;
}

/** What a repair did (or would do with `dryRun`). */
export interface RepairResult {
  source: string;
  relPath: string;
  /** Path of the repaired copy. */
  output: string;
  /** Path of the quarantine file, or null when no row was dropped. */
  quarantine: string | null;
  layout: RawLayout;
  rowsIn: number;
  rowsOut: number;
  changes: ChangeRecord[];
  quarantined: QuarantinedRow[];
  timeframeDeclared: string | null;
  timeframeDetected: string | null;
  sourceSha256: string;
  firstTime: string | null;
  lastTime: string | null;
}

/** Canonical MT5 column order and the header names written. */
const CANON = ["date", "time", "open", "high", "low", "close", "tickvol", "vol", "spread"] as const;
type Canon = typeof CANON[number];
const CANON_HEADER: Record<Canon, string> = {
  date: "<DATE>",
  time: "<TIME>",
  open: "<OPEN>",
  high: "<HIGH>",
  low: "<LOW>",
  close: "<CLOSE>",
  tickvol: "<TICKVOL>",
  vol: "<VOL>",
  spread: "<SPREAD>",
};
const ALIASES: Record<string, Canon> = {
  date: "date",
  time: "time",
  open: "open",
  high: "high",
  low: "low",
  close: "close",
  tickvol: "tickvol",
  tickvolume: "tickvol",
  ticks: "tickvol",
  vol: "vol",
  volume: "vol",
  realvolume: "vol",
  spread: "spread",
};
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^(\d{4})[.\-/](\d{2})[.\-/](\d{2})$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * Decode an export with lib/data's reader rules (`decodeToUtf8`: UTF-8 BOM, UTF-16 with or without
 * a BOM, CR-only line endings); a file the reader refuses as binary is decoded as plain UTF-8 so
 * the repair can quarantine its rows.
 */
export function decodeExport(bytes: Uint8Array): { text: string; encoding: RawLayout["encoding"] } {
  try {
    const d = decodeToUtf8(bytes, "export");
    const encoding: RawLayout["encoding"] = d.encoding.startsWith("utf-16le")
      ? "utf-16le"
      : d.encoding.startsWith("utf-16be")
      ? "utf-16be"
      : d.encoding === "utf-8-bom"
      ? "utf-8-bom"
      : "utf-8";
    return { text: new TextDecoder().decode(d.bytes), encoding };
  } catch (e) {
    if (!(e instanceof KinetraError && e.code === "unrecognized_format")) throw e;
    return { text: new TextDecoder().decode(bytes), encoding: "utf-8" };
  }
}

function detectDelimiter(line: string): RawLayout["delimiter"] {
  const counts: [RawLayout["delimiter"], number][] = [
    ["\t", line.split("\t").length - 1],
    [",", line.split(",").length - 1],
    [";", line.split(";").length - 1],
  ];
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0][1] > 0 ? counts[0][0] : "\t";
}

function canonName(cell: string): Canon | undefined {
  return ALIASES[cell.trim().replace(/[<>\s_"]/g, "").toLowerCase()];
}

/**
 * Sniff an export's layout from its bytes: encoding, delimiter, line ending and header. Used by
 * the pipeline's own format check (non-UTF-8 encodings and non-tab delimiters are reported as
 * `format_variant`) and by {@link repairFile}.
 */
export function sniffLayout(bytes: Uint8Array): RawLayout & { text: string } {
  const { text, encoding } = decodeExport(bytes);
  const firstNl = text.indexOf("\n");
  const first = (firstNl < 0 ? text : text.slice(0, firstNl)).replace(/\r$/, "");
  const delimiter = detectDelimiter(first);
  const cells = first.split(delimiter);
  const isHeader = cells.some((c) => canonName(c) !== undefined);
  return {
    text,
    encoding,
    delimiter,
    lineEnding: firstNl > 0 && text[firstNl - 1] === "\r" ? "crlf" : "lf",
    header: isHeader ? cells : null,
  };
}

/**
 * Parse `SYMBOL_TF_YYYYMMDDHHMM_YYYYMMDDHHMM.csv` with lib/data's `parseFileName` (null when the
 * name does not follow it), keeping the stamps as written and the extension for the repaired name.
 */
export function parseExportName(
  name: string,
): { symbol: string; timeframe: string; start: string; end: string; ext: string } | null {
  const p = parseFileName(name);
  if (!p.matched || p.timeframe === null) return null;
  const base = basename(name);
  const ext = base.match(/\.[A-Za-z]+$/)?.[0] ?? "";
  const parts = base.slice(0, base.length - ext.length).split("_");
  return { symbol: p.symbol, timeframe: p.timeframe, start: parts[2], end: parts[3], ext };
}

function stamp12(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${
    p(d.getUTCMinutes())
  }`;
}

function mt5DateTime(ms: number): [string, string] {
  const iso = new Date(ms).toISOString();
  return [iso.slice(0, 10).replace(/-/g, "."), iso.slice(11, 19)];
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return [...h].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** sha256 (hex) of a file's bytes. */
export async function sha256File(path: string): Promise<string> {
  return sha256Hex(await Deno.readFile(path));
}

interface ParsedRow {
  line: number;
  timeMs: number;
  cells: Map<Canon, string>;
  text: string;
}

/**
 * Repair one export into `outDir` (see the module doc). Throws KinetraError `unrecognized_format`
 * when the file has no recognisable header (nothing can be repaired safely).
 */
export async function repairFile(opts: RepairOptions): Promise<RepairResult> {
  const bytes = await Deno.readFile(opts.source);
  const layout = sniffLayout(bytes);
  const changes: ChangeRecord[] = [];
  const quarantined: QuarantinedRow[] = [];
  if (!layout.header) {
    throw new KinetraError(
      "unrecognized_format",
      `${opts.relPath}: no header line with <DATE> <OPEN> <HIGH> <LOW> <CLOSE> columns; cannot repair safely`,
    );
  }
  const cols = layout.header.map(canonName);
  for (const need of ["date", "open", "high", "low", "close"] as const) {
    if (!cols.includes(need)) {
      throw new KinetraError("missing_column", `${opts.relPath}: column ${CANON_HEADER[need]} is missing`);
    }
  }
  if (layout.encoding === "utf-16le" || layout.encoding === "utf-16be") {
    changes.push({ action: "decode_utf16", rows: 0, reason: `decoded ${layout.encoding}, written as UTF-8` });
  } else if (layout.encoding === "utf-8-bom") {
    changes.push({ action: "strip_bom", rows: 0, reason: "UTF-8 byte-order mark removed" });
  }
  if (layout.delimiter !== "\t") {
    const name = layout.delimiter === "," ? "comma" : "semicolon";
    changes.push({
      action: "rewrite_delimiter",
      rows: 0,
      reason: `${name}-separated, written tab-separated`,
    });
  }

  const lines = layout.text.split("\n");
  const rows: ParsedRow[] = [];
  const numeric = cols.map((c) => c !== undefined && c !== "date" && c !== "time");
  let rowsIn = 0;
  for (let i = 1; i < lines.length; i++) {
    const text = lines[i].replace(/\r$/, "");
    if (text.trim() === "") continue;
    rowsIn++;
    const lineNo = i + 1;
    const cells = text.split(layout.delimiter);
    if (cells.length !== cols.length) {
      quarantined.push({
        line: lineNo,
        reason: `wrong field count: ${cells.length} of ${cols.length} (truncated or malformed row)`,
        text,
      });
      continue;
    }
    const m = new Map<Canon, string>();
    let bad: string | null = null;
    for (let j = 0; j < cols.length; j++) {
      const c = cols[j];
      if (!c) continue;
      const v = cells[j].trim();
      if (numeric[j] && !NUMBER.test(v)) {
        bad = `non-numeric value "${v.slice(0, 40)}" in ${CANON_HEADER[c]}`;
        break;
      }
      m.set(c, v);
    }
    if (bad) {
      quarantined.push({ line: lineNo, reason: bad, text });
      continue;
    }
    const dm = (m.get("date") ?? "").match(DATE);
    const tm = m.has("time") ? (m.get("time") ?? "").match(TIME) : ["", "00", "00", "00"];
    if (!dm || !tm) {
      quarantined.push({ line: lineNo, reason: "unreadable date or time", text });
      continue;
    }
    const timeMs = Date.UTC(+dm[1], +dm[2] - 1, +dm[3], +tm[1], +tm[2], +(tm[3] ?? 0));
    if (!Number.isFinite(timeMs)) {
      quarantined.push({ line: lineNo, reason: "impossible date or time", text });
      continue;
    }
    const o = +m.get("open")!, h = +m.get("high")!, l = +m.get("low")!, c = +m.get("close")!;
    if (!(o > 0 && h > 0 && l > 0 && c > 0)) {
      quarantined.push({ line: lineNo, reason: "non-positive price", text });
      continue;
    }
    if (h < Math.max(o, c, l) || l > Math.min(o, c)) {
      quarantined.push({ line: lineNo, reason: "high/low inconsistent with open/close", text });
      continue;
    }
    rows.push({ line: lineNo, timeMs, cells: m, text });
  }
  const reasons = new Map<string, number>();
  for (const q of quarantined) {
    const k = q.reason.replace(/"[^"]*"/, '"…"');
    reasons.set(k, (reasons.get(k) ?? 0) + 1);
  }
  for (const [reason, n] of reasons) changes.push({ action: "quarantine_rows", rows: n, reason });

  // Sort (stable, so equal times keep their file order), then drop repeated times.
  let unsorted = 0;
  for (let i = 1; i < rows.length; i++) if (rows[i].timeMs < rows[i - 1].timeMs) unsorted++;
  if (unsorted) {
    rows.sort((a, b) => a.timeMs - b.timeMs);
    changes.push({
      action: "sort_rows",
      rows: unsorted,
      reason: `${unsorted} row(s) were earlier than the row before them`,
    });
  }
  const kept: ParsedRow[] = [];
  let dups = 0;
  for (const r of rows) {
    const prev = kept[kept.length - 1];
    if (prev && prev.timeMs === r.timeMs) {
      // The last row of a repeated time wins, as in the data reader (a later row is a correction).
      const same = CANON.every((c) => prev.cells.get(c) === r.cells.get(c));
      quarantined.push({
        line: prev.line,
        reason: same
          ? `duplicate of line ${r.line} (same bar time and values)`
          : `bar time repeated at line ${r.line} with different values (last kept)`,
        text: prev.text,
      });
      kept[kept.length - 1] = r;
      dups++;
      continue;
    }
    kept.push(r);
  }
  if (dups) {
    changes.push({ action: "remove_duplicates", rows: dups, reason: "repeated bar times (last kept)" });
  }

  const times = kept.map((r) => r.timeMs);
  const detected = detectTimeframe(Float64Array.from(times));
  const parsedName = parseExportName(opts.relPath);
  let outName = basename(opts.relPath);
  if (parsedName && kept.length) {
    let tf = parsedName.timeframe;
    if (opts.fileUnderTimeframe && opts.fileUnderTimeframe !== tf) {
      changes.push({
        action: "rename_timeframe",
        rows: 0,
        reason:
          `name declares ${tf}, bar spacing shows ${opts.fileUnderTimeframe}; filed under ${opts.fileUnderTimeframe}`,
      });
      tf = opts.fileUnderTimeframe;
    }
    const start = stamp12(times[0]), end = stamp12(times[times.length - 1]);
    if (start !== parsedName.start.slice(0, 12) || end !== parsedName.end.slice(0, 12)) {
      changes.push({
        action: "rename_range",
        rows: 0,
        reason: `name range ${parsedName.start}-${parsedName.end}, bars ${start}-${end}`,
      });
    }
    outName = `${parsedName.symbol}_${tf}_${start}_${end}${parsedName.ext}`;
  }
  const relDir = dirname(opts.relPath);
  const output = join(opts.outDir, relDir, outName);
  const present = CANON.filter((c) => cols.includes(c));
  const out: string[] = [present.map((c) => CANON_HEADER[c]).join("\t")];
  for (const r of kept) {
    const [d, t] = mt5DateTime(r.timeMs);
    out.push(present.map((c) => c === "date" ? d : c === "time" ? t : r.cells.get(c)!).join("\t"));
  }
  const quarantinePath = quarantined.length
    ? join(opts.outDir, "quarantine", relDir, `${outName}.quarantine.tsv`)
    : null;
  if (!opts.dryRun) {
    await writeTextAtomic(output, out.join("\r\n") + "\r\n");
    if (quarantinePath) {
      const q = ["line\treason\toriginal", ...quarantined.map((x) => `${x.line}\t${x.reason}\t${x.text}`)];
      await writeTextAtomic(quarantinePath, q.join("\n") + "\n");
    }
  }
  return {
    source: opts.source,
    relPath: opts.relPath,
    output,
    quarantine: quarantinePath,
    layout: {
      encoding: layout.encoding,
      delimiter: layout.delimiter,
      lineEnding: layout.lineEnding,
      header: layout.header,
    },
    rowsIn,
    rowsOut: kept.length,
    changes,
    quarantined,
    timeframeDeclared: parsedName?.timeframe ?? null,
    timeframeDetected: detected,
    sourceSha256: await sha256Hex(bytes),
    firstTime: kept.length ? new Date(times[0]).toISOString() : null,
    lastTime: kept.length ? new Date(times[times.length - 1]).toISOString() : null,
  };
}

/** One entry of the repaired folder's manifest.json. */
export interface RepairManifestEntry {
  /** True when the file was left out of the working set instead of copied (see `excluded_reason`). */
  excluded?: boolean;
  excluded_reason?: string;
  /** The export this file duplicates, when excluded as a duplicate. */
  duplicate_of?: string;
  source: string;
  rel_path: string;
  source_sha256: string;
  output: string;
  quarantine: string | null;
  timeframe_declared: string | null;
  timeframe_detected: string | null;
  filed_under_timeframe: string | null;
  rows_in: number;
  rows_out: number;
  rows_quarantined: number;
  changes: ChangeRecord[];
  repaired_at: string;
}

/** The repaired folder's manifest: one entry per source file (relative path) with a repaired copy. */
export interface RepairManifest {
  updated_at: string;
  files: Record<string, RepairManifestEntry>;
}

/** Read `<outDir>/manifest.json` (empty when absent). */
export async function readRepairManifest(outDir: string): Promise<RepairManifest> {
  try {
    return JSON.parse(await Deno.readTextFile(join(outDir, "manifest.json"))) as RepairManifest;
  } catch {
    return { updated_at: new Date().toISOString(), files: {} };
  }
}

/** Record a repair: manifest entry and one change-log line per change (repair_log.jsonl). */
export async function recordRepair(
  outDir: string,
  r: RepairResult,
  filedUnder: string | null,
): Promise<void> {
  const manifest = await readRepairManifest(outDir);
  const now = new Date().toISOString();
  const old = manifest.files[r.relPath];
  if (old && old.output !== r.output) await Deno.remove(old.output).catch(() => {});
  manifest.files[r.relPath] = {
    source: r.source,
    rel_path: r.relPath,
    source_sha256: r.sourceSha256,
    output: r.output,
    quarantine: r.quarantine,
    timeframe_declared: r.timeframeDeclared,
    timeframe_detected: r.timeframeDetected,
    filed_under_timeframe: filedUnder,
    rows_in: r.rowsIn,
    rows_out: r.rowsOut,
    rows_quarantined: r.quarantined.length,
    changes: r.changes,
    repaired_at: now,
  };
  manifest.updated_at = now;
  await writeJsonAtomic(join(outDir, "manifest.json"), manifest);
  for (const c of r.changes) {
    await appendLine(
      join(outDir, "repair_log.jsonl"),
      JSON.stringify({ time: now, file: r.relPath, source: r.source, output: r.output, ...c }),
    );
  }
}

/**
 * Record that `relPath` was left out of the working set (a byte-identical duplicate of another
 * export once filed under its detected timeframe): manifest entry and change-log line.
 */
export async function recordExclusion(
  outDir: string,
  e: {
    relPath: string;
    source: string;
    sourceSha256: string;
    duplicateOf: string;
    reason: string;
    timeframeDeclared: string | null;
    timeframeDetected: string | null;
  },
): Promise<void> {
  const manifest = await readRepairManifest(outDir);
  const now = new Date().toISOString();
  manifest.files[e.relPath] = {
    excluded: true,
    excluded_reason: e.reason,
    duplicate_of: e.duplicateOf,
    source: e.source,
    rel_path: e.relPath,
    source_sha256: e.sourceSha256,
    output: "",
    quarantine: null,
    timeframe_declared: e.timeframeDeclared,
    timeframe_detected: e.timeframeDetected,
    filed_under_timeframe: null,
    rows_in: 0,
    rows_out: 0,
    rows_quarantined: 0,
    changes: [],
    repaired_at: now,
  };
  manifest.updated_at = now;
  await writeJsonAtomic(join(outDir, "manifest.json"), manifest);
  await appendLine(
    join(outDir, "repair_log.jsonl"),
    JSON.stringify({
      time: now,
      file: e.relPath,
      source: e.source,
      action: "exclude_duplicate",
      duplicate_of: e.duplicateOf,
      reason: e.reason,
    }),
  );
}

/** Undo a repair: delete the repaired copy and its quarantine file, drop the manifest entry, log it. */
export async function revertRepair(outDir: string, relPath: string, reason: string): Promise<void> {
  const manifest = await readRepairManifest(outDir);
  const e = manifest.files[relPath];
  if (!e) return;
  if (e.output) await Deno.remove(e.output).catch(() => {});
  if (e.quarantine) await Deno.remove(e.quarantine).catch(() => {});
  delete manifest.files[relPath];
  manifest.updated_at = new Date().toISOString();
  await writeJsonAtomic(join(outDir, "manifest.json"), manifest);
  await appendLine(
    join(outDir, "repair_log.jsonl"),
    JSON.stringify({ time: manifest.updated_at, file: relPath, action: "revert", reason }),
  );
}
