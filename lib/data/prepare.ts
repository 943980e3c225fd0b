/**
 * Preparation: a chronological train/test split of every export of a folder, written as Parquet
 * to `<out>/train` and `<out>/test` (mirroring the source's sub-folders) with `<out>/manifest.json`.
 * Unchanged sources (same sha256 and test ratio, for `NN/NN/YYYY` dates the same date order,
 * outputs present with the size and sha256 the manifest records) are skipped on re-runs. Never writes inside the source folder (real paths
 * compared); every write is atomic and the manifest is replaced only after every output it names
 * is in place, so a run killed at any point leaves nothing that a later run would trust wrongly;
 * temporary files a killed run left are removed at the start of the next.
 *
 * @module
 */
import { join } from "node:path";
import { isKinetraError, KinetraError } from "../errors.ts";
import { assertNotInside, produceAtomic, writeJsonAtomic } from "../util/fs.ts";
import { preparedFrame } from "./arrays.ts";
import { parseFileName } from "./file_name.ts";
import { noDataFilesError, scanCatalog } from "./catalog.ts";
import { loadBytes, readFileBytes } from "./read_bars.ts";
import { detectTimeframe } from "./timeframe.ts";
import type { BarArrays } from "./types.ts";
import { isoTime, type Severity, validateLoaded, worstSeverity } from "./validate.ts";
import { blockingFindings, criticalError } from "./guard.ts";
import { DEFAULT_TEST_RATIO } from "../util/defaults.ts";

/** Options of `prepareDataset`. */
export interface PrepareOptions {
  /** Source folder (read only). */
  source: string;
  /** Output folder (default `data/prepared`). Must not be inside `source`. */
  out?: string;
  /** Share of each file's bars (the most recent ones) that goes to test; 0 < r < 1, default 0.2. */
  testRatio?: number;
  /**
   * Keep the manifest entries of files this run did not read (default true: a run only adds or
   * updates). A tool that owns its output folder (the fix pipeline) passes false so the manifest
   * lists exactly the files it read.
   */
  keepOtherEntries?: boolean;
  /** Rebuild every file even when unchanged. */
  force?: boolean;
  /** Prepare files whose validation has CRITICAL findings too (default: recorded as failed, `critical_findings`). */
  allowCritical?: boolean;
  /** Settles `NN/NN/YYYY` dates no row settles (`dmy` or `mdy`; the CLI's `--date-order`). */
  dateOrder?: "dmy" | "mdy";
  /** Called after each file with a short label (`prepared forex/X.csv`) and the manifest entry. */
  onProgress?: (done: number, total: number, label: string, entry: ManifestEntry) => void;
  /**
   * Aborting stops between files with a `cancelled` error (exit 130); the manifest is still written
   * with the files that finished (nothing half-written stays).
   */
  signal?: AbortSignal;
}

/** One file of the manifest (snake_case; documented in docs/DATA.md). */
export interface ManifestEntry {
  /** Source path relative to the source folder. */
  file: string;
  /** Symbol from the file name. */
  symbol: string;
  /** Folder under the source (`unclassified` at its root). */
  asset_class: string;
  /** Timeframe in the file name, or null. */
  timeframe_declared: string | null;
  /** Timeframe detected from bar spacing, or null. */
  timeframe_detected: string | null;
  /** Format the source was read as. */
  format: string | null;
  /** Bars after sorting/de-duplication. */
  rows: number;
  /** Bars in the train part. */
  train_rows: number;
  /** Bars in the test part. */
  test_rows: number;
  /** Open time of the first train bar (ISO 8601, export clock). */
  train_start: string | null;
  /** Open time of the last train bar. */
  train_end: string | null;
  /** Open time of the first test bar. */
  test_start: string | null;
  /** Open time of the last test bar. */
  test_end: string | null;
  /** sha256 of the source file's bytes (hex). */
  source_sha256: string;
  /** Test ratio this entry's outputs were split with. */
  test_ratio?: number;
  /**
   * True when the source's dates are `NN/NN/YYYY` (their day/month order is a decision: settled by a
   * row with a part above 12, or by `--date-order`); false when its date layout fixes the order.
   * Absent in manifests written before it existed.
   */
  date_order_matters?: boolean;
  /** The `--date-order` the outputs were read with (`dmy`/`mdy`), null when none was passed or it did not apply. */
  date_order?: "dmy" | "mdy" | null;
  /** True when the outputs were written despite blocking CRITICAL findings (`--allow-critical`). */
  critical_allowed?: boolean;
  /** Size in bytes and sha256 of the train output as written (a skip verifies both). */
  train_bytes?: number;
  /** sha256 (hex) of the train output. */
  train_sha256?: string;
  /** Size in bytes of the test output. */
  test_bytes?: number;
  /** sha256 (hex) of the test output. */
  test_sha256?: string;
  /** Output paths relative to the output folder (null when the file failed). */
  train_path: string | null;
  /** Test output relative to the output folder (null when failed). */
  test_path: string | null;
  /** `prepared` (written now), `skipped` (unchanged since the last run) or `failed`. */
  status: "prepared" | "skipped" | "failed";
  /** Worst validation severity of the source (null when no findings). */
  severity: Severity | null;
  /** Codes of the source's validation findings. */
  finding_codes: string[];
  /** Error code and message when `status` is `failed`. */
  error?: { code: string; message: string };
}

/** The manifest written to `<out>/manifest.json`. */
export interface Manifest {
  /** When the run finished (ISO 8601 UTC). */
  prepared_at: string;
  /** Source folder. */
  source: string;
  /** Output folder. */
  out: string;
  /** Share of each file in test. */
  test_ratio: number;
  /** Always `parquet`. */
  output_format: string;
  /**
   * Layout of the Parquet files: 2 = bar columns plus the source's format, symbol and timeframe.
   * Outputs of an older layout are rebuilt even when their source is unchanged.
   */
  parquet_layout: number;
  /**
   * Counts over the files this run read: prepared now, skipped (unchanged), failed, and bars; `kept`
   * counts the entries of earlier runs (files this run did not read) that stay in the manifest.
   */
  totals: { files: number; prepared: number; skipped: number; failed: number; rows: number; kept: number };
  /** One entry per prepared source file: this run's, then earlier runs' (a run only adds or updates). */
  files: ManifestEntry[];
}

/** The current {@link Manifest.parquet_layout}. */
const PARQUET_LAYOUT = 2;

/** The first `floor(n·(1−r))` bars go to train, the rest to test. */
export function splitIndex(n: number, testRatio: number): number {
  return Math.floor(n * (1 - testRatio) + 1e-9);
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let s = "";
  for (const b of d) s += b.toString(16).padStart(2, "0");
  return s;
}

function sliceArrays(a: BarArrays, s: number, e: number): BarArrays {
  return {
    length: e - s,
    time: a.time.subarray(s, e),
    open: a.open.subarray(s, e),
    high: a.high.subarray(s, e),
    low: a.low.subarray(s, e),
    close: a.close.subarray(s, e),
    tickVolume: a.tickVolume.subarray(s, e),
    volume: a.volume.subarray(s, e),
    spread: a.spread ? a.spread.subarray(s, e) : null,
  };
}

/**
 * True when both outputs of a manifest entry are in place exactly as written: same size and
 * sha256 as recorded (an entry without hashes, from an older manifest, is never trusted).
 */
async function outputsIntact(out: string, e: ManifestEntry): Promise<boolean> {
  if (!e.train_path || !e.test_path || !e.train_sha256 || !e.test_sha256) return false;
  for (
    const [rel, size, sha] of [
      [e.train_path, e.train_bytes, e.train_sha256],
      [e.test_path, e.test_bytes, e.test_sha256],
    ] as const
  ) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(join(out, rel));
    } catch {
      return false;
    }
    if (bytes.length !== size || (await sha256Hex(bytes)) !== sha) return false;
  }
  return true;
}

/** Remove temporary files (`<name>.<8 hex>.tmp`) a killed run left under `out`. */
async function removeLeftovers(out: string): Promise<void> {
  const walk = async (dir: string): Promise<void> => {
    let it: AsyncIterable<Deno.DirEntry>;
    try {
      it = Deno.readDir(dir);
    } catch {
      return;
    }
    try {
      for await (const e of it) {
        const p = join(dir, e.name);
        if (e.isDirectory && !e.isSymlink) await walk(p);
        else if (e.isFile && /\.[0-9a-f]{8}\.tmp$/.test(e.name)) await Deno.remove(p).catch(() => {});
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  };
  await walk(out);
}

async function readManifest(path: string): Promise<Manifest | null> {
  try {
    const m = JSON.parse(await Deno.readTextFile(path)) as Manifest;
    return Array.isArray(m.files) ? m : null;
  } catch {
    return null;
  }
}

/**
 * Prepare every export of `opts.source`. Returns the manifest (also written to
 * `<out>/manifest.json`). Files that cannot be read are recorded as `failed` with the reader's
 * error code; the others are written even when validation found problems (the manifest carries
 * their severity and finding codes).
 *
 * @example
 * ```ts ignore
 * import { prepareDataset } from "./prepare.ts";
 * const m = await prepareDataset({ source: "data/sample", out: "data/prepared", testRatio: 0.2 });
 * console.log(m.totals);
 * ```
 */
export async function prepareDataset(opts: PrepareOptions): Promise<Manifest> {
  const out = opts.out ?? "data/prepared";
  const testRatio = opts.testRatio ?? DEFAULT_TEST_RATIO;
  if (!(testRatio > 0 && testRatio < 1)) {
    throw new KinetraError(
      "bad_argument",
      `test ratio ${testRatio} is out of range; expected a number between 0 and 1 (e.g. 0.2).`,
    );
  }
  assertNotInside(out, opts.source);
  const catalog = await scanCatalog(opts.source);
  await removeLeftovers(out);
  // An empty source is a mistake (a wrong folder), never a reason to touch the manifest.
  if (catalog.files.length === 0) throw noDataFilesError(opts.source);
  const manifestPath = join(out, "manifest.json");
  const previous = await readManifest(manifestPath);
  const prevByFile = new Map((previous?.files ?? []).map((f) => [f.file, f]));
  const sameRatio = previous?.test_ratio === testRatio && previous?.parquet_layout === PARQUET_LAYOUT;
  const entries: ManifestEntry[] = [];
  let done = 0;
  const write = async (): Promise<Manifest> => {
    const read = new Set(entries.map((e) => e.file));
    const kept = opts.keepOtherEntries === false
      ? []
      : (previous?.files ?? []).filter((f) => !read.has(f.file));
    const manifest: Manifest = {
      prepared_at: new Date().toISOString(),
      source: opts.source,
      out,
      test_ratio: testRatio,
      output_format: "parquet",
      parquet_layout: PARQUET_LAYOUT,
      totals: {
        files: entries.length,
        prepared: entries.filter((e) => e.status === "prepared").length,
        skipped: entries.filter((e) => e.status === "skipped").length,
        failed: entries.filter((e) => e.status === "failed").length,
        rows: entries.reduce((s, e) => s + e.rows, 0),
        kept: kept.length,
      },
      files: [...entries, ...kept],
    };
    await writeJsonAtomic(manifestPath, manifest);
    return manifest;
  };
  for (const c of catalog.files) {
    if (opts.signal?.aborted) {
      await write();
      throw new KinetraError(
        "cancelled",
        `preparation cancelled after ${done} of ${catalog.files.length} files (the manifest lists the finished ones)`,
        { exitCode: 130 },
      );
    }
    let entry: ManifestEntry;
    let bytes: Uint8Array | null = null;
    let sha = "";
    try {
      bytes = await readFileBytes(c.path);
      sha = await sha256Hex(bytes);
    } catch (e) {
      if (!isKinetraError(e)) throw e;
    }
    const prev = prevByFile.get(c.relative_path);
    if (
      !opts.force && bytes && prev && (prev.test_ratio ?? (sameRatio ? testRatio : NaN)) === testRatio &&
      prev.source_sha256 === sha && prev.status !== "failed" &&
      (opts.allowCritical || !prev.critical_allowed) && sameDateOrder(prev, opts.dateOrder) &&
      await outputsIntact(out, prev)
    ) {
      entry = { ...prev, test_ratio: testRatio, status: "skipped" };
    } else {
      entry = await prepareOne(
        c.path,
        c.relative_path,
        c.symbol,
        c.asset_class,
        bytes,
        sha,
        out,
        testRatio,
        opts.allowCritical ?? false,
        opts.source,
        opts.dateOrder,
      );
    }
    entries.push(entry);
    done++;
    opts.onProgress?.(done, catalog.files.length, `${entry.status} ${entry.file}`, entry);
  }
  return await write();
}

/**
 * Whether `prev`'s outputs were read with the date order a run with `dateOrder` would use: always
 * for a source whose date layout fixes the order; for `NN/NN/YYYY` dates only when the same order
 * was passed (or none both times). An entry of an older manifest, which does not say, is trusted
 * only when no order is passed now.
 */
function sameDateOrder(prev: ManifestEntry, dateOrder: "dmy" | "mdy" | undefined): boolean {
  if (prev.date_order_matters === undefined) return dateOrder === undefined;
  return !prev.date_order_matters || (prev.date_order ?? null) === (dateOrder ?? null);
}

async function prepareOne(
  path: string,
  rel: string,
  symbol: string,
  assetClass: string,
  bytes: Uint8Array | null,
  sha: string,
  out: string,
  testRatio: number,
  allowCritical: boolean,
  source: string,
  dateOrder?: "dmy" | "mdy",
): Promise<ManifestEntry> {
  const base: ManifestEntry = {
    file: rel,
    symbol,
    asset_class: assetClass,
    timeframe_declared: null,
    timeframe_detected: null,
    format: null,
    rows: 0,
    train_rows: 0,
    test_rows: 0,
    train_start: null,
    train_end: null,
    test_start: null,
    test_end: null,
    source_sha256: sha,
    train_path: null,
    test_path: null,
    status: "failed",
    severity: "CRITICAL",
    finding_codes: [],
  };
  try {
    if (!bytes) bytes = await readFileBytes(path);
    // Lenient: unreadable rows are quarantined and reported; CRITICAL findings refuse the file.
    const loaded = loadBytes(path, bytes, { timeframe: "M1", lenient: true, dateOrder });
    const a = loaded.arrays!;
    const findings = validateLoaded(loaded);
    if (!allowCritical && blockingFindings(findings).length) {
      base.finding_codes = findings.map((f) => f.code);
      throw criticalError(path, findings);
    }
    base.format = loaded.sniffed.format;
    base.date_order_matters = loaded.sniffed.dateOrder === "dmy_or_mdy";
    base.date_order = base.date_order_matters ? dateOrder ?? null : null;
    base.severity = worstSeverity(findings);
    base.finding_codes = findings.map((f) => f.code);
    base.timeframe_declared = loaded.ticks ? "M1" : parseFileName(rel).timeframe;
    base.timeframe_detected = detectTimeframe(a.time);
    base.rows = a.length;
    if (a.length < 2) {
      throw new KinetraError(
        "too_few_bars",
        `${path}: ${a.length} bar(s); a train/test split needs at least 2.`,
      );
    }
    const k = Math.min(Math.max(splitIndex(a.length, testRatio), 1), a.length - 1);
    const stem = rel.replace(/\.[^./]+$/, "");
    const trainRel = `train/${stem}.parquet`;
    const testRel = `test/${stem}.parquet`;
    // Each output is checked too: a sub-folder of `out` may be a link into the source.
    assertNotInside(join(out, trainRel), source);
    assertNotInside(join(out, testRel), source);
    const train = sliceArrays(a, 0, k);
    const test = sliceArrays(a, k, a.length);
    const src = { format: base.format, symbol, timeframe: base.timeframe_declared };
    await produceAtomic(join(out, trainRel), (tmp) => preparedFrame(train, src).writeParquet(tmp));
    await produceAtomic(join(out, testRel), (tmp) => preparedFrame(test, src).writeParquet(tmp));
    const trainBytes = await Deno.readFile(join(out, trainRel));
    const testBytes = await Deno.readFile(join(out, testRel));
    return {
      ...base,
      critical_allowed: blockingFindings(findings).length > 0,
      test_ratio: testRatio,
      train_bytes: trainBytes.length,
      train_sha256: await sha256Hex(trainBytes),
      test_bytes: testBytes.length,
      test_sha256: await sha256Hex(testBytes),
      train_rows: train.length,
      test_rows: test.length,
      train_start: isoTime(train.time[0]),
      train_end: isoTime(train.time[train.length - 1]),
      test_start: isoTime(test.time[0]),
      test_end: isoTime(test.time[test.length - 1]),
      train_path: trainRel,
      test_path: testRel,
      status: "prepared",
    };
  } catch (e) {
    if (!isKinetraError(e)) throw e;
    return {
      ...base,
      status: "failed",
      severity: "CRITICAL",
      finding_codes: base.finding_codes.length ? base.finding_codes : [e.code],
      error: { code: e.code, message: e.message },
    };
  }
}
