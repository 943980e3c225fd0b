/**
 * Where Kinetra's folders are. All paths are relative to the project root (the current working
 * directory when tasks run through `deno task`).
 *
 * @module
 */
import { existsSync } from "node:fs";

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
 * The full real data set for real-data tests and benchmarks: `$KINETRA_MASTER_DIR`, else
 * `../shared/data/master` when present, else `data/master` when it holds files, else the bundled
 * sample. `which` says which one was chosen so tests can print it.
 */
export function realDataDir(): { dir: string; which: "env" | "shared" | "master" | "sample" } {
  const env = Deno.env.get("KINETRA_MASTER_DIR");
  if (env) return { dir: env, which: "env" };
  if (existsSync("../shared/data/master")) return { dir: "../shared/data/master", which: "shared" };
  if (existsSync(MASTER_DIR)) {
    try {
      for (const _ of Deno.readDirSync(MASTER_DIR)) return { dir: MASTER_DIR, which: "master" };
    } catch { /* unreadable: fall through */ }
  }
  return { dir: SAMPLE_DIR, which: "sample" };
}

/** The default source folder for data tasks: data/master when it has files, else data/sample. */
export function defaultSourceDir(): string {
  if (existsSync(MASTER_DIR)) {
    for (const e of Deno.readDirSync(MASTER_DIR)) {
      if (!e.name.startsWith(".") && e.name !== "README.md") return MASTER_DIR;
    }
  }
  return SAMPLE_DIR;
}
