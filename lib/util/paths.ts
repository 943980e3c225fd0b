/**
 * Where Kinetra's folders are. All paths are relative to the project root (the current working
 * directory when tasks run through `deno task`).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { scanCatalogSync, scanPrepared } from "../data/catalog.ts";

/** The user's raw exports (never written). */
export const MASTER_DIR = "data/master";
/** Small real exports bundled with the repository. */
export const SAMPLE_DIR = "data/sample";
/** Train/test outputs of `deno task prepare`. */
export const PREPARED_DIR = "data/prepared";
/** Repaired copies written by the fix pipeline. */
export const REPAIRED_DIR = "data/repaired";
/** Run outputs. */
export const LOGS_DIR = "logs";

/**
 * True when `dir` holds at least one data file (an export or a prepared Parquet, searched
 * recursively by lib/data's scanner); false when it is missing or unreadable.
 */
export function hasDataFiles(dir: string): boolean {
  try {
    return scanPrepared(dir, { exports: true }).length > 0;
  } catch {
    return false; // unreadable
  }
}

/**
 * The full real data set for real-data tests and benchmarks: `$KINETRA_MASTER_DIR`, else
 * `../shared/data/master` when present, else `data/master` when it holds data files, else the
 * bundled sample. `which` says which one was chosen so tests can print it.
 */
export function realDataDir(): { dir: string; which: "env" | "shared" | "master" | "sample" } {
  const env = Deno.env.get("KINETRA_MASTER_DIR");
  if (env) return { dir: env, which: "env" };
  if (existsSync("../shared/data/master")) return { dir: "../shared/data/master", which: "shared" };
  if (hasDataFiles(MASTER_DIR)) return { dir: MASTER_DIR, which: "master" };
  return { dir: SAMPLE_DIR, which: "sample" };
}

/**
 * The third-party vendor files of the issue 20 corpus (listed with sources and licences in
 * tests/fixtures/thirdparty/README.md). They are other people's data and are not committed:
 * `$KINETRA_THIRDPARTY_DIR`, else `../shared/data/thirdparty` when present, else local copies in
 * tests/fixtures/thirdparty; null when none holds a CSV file.
 */
export function thirdPartyDir(): { dir: string; which: "env" | "shared" | "local" } | null {
  const has = (d: string): boolean => {
    try {
      return scanCatalogSync(d, { recursive: false }).files.some((f) =>
        f.path.toLowerCase().endsWith(".csv")
      );
    } catch {
      return false; // missing
    }
  };
  const env = Deno.env.get("KINETRA_THIRDPARTY_DIR");
  if (env) return { dir: env, which: "env" };
  if (has("../shared/data/thirdparty")) return { dir: "../shared/data/thirdparty", which: "shared" };
  if (has("tests/fixtures/thirdparty")) return { dir: "tests/fixtures/thirdparty", which: "local" };
  return null;
}

/**
 * backtesting.py's reference data (GOOG.csv, EURUSD.csv, BTCUSD.csv): `$KINETRA_REFERENCE_DIR`, else
 * `../shared/data/reference` when present, else the committed copy in tests/fixtures/reference.
 */
export function referenceDataDir(): string {
  const env = Deno.env.get("KINETRA_REFERENCE_DIR");
  if (env) return env;
  if (existsSync("../shared/data/reference/GOOG.csv")) return "../shared/data/reference";
  return "tests/fixtures/reference";
}

/**
 * The default source folder for data tasks: data/master when it has data files, else data/sample.
 * With `announce`, falling back to the sample prints a one-line note on stderr (stdout stays clean
 * for `--json`).
 */
export function defaultSourceDir(opts: { announce?: boolean } = {}): string {
  if (hasDataFiles(MASTER_DIR)) return MASTER_DIR;
  if (opts.announce) {
    console.error(
      `note: ${MASTER_DIR} holds no exports yet; using the bundled sample ${SAMPLE_DIR} (put your MT5 exports in ${MASTER_DIR} or pass --source DIR)`,
    );
  }
  return SAMPLE_DIR;
}
