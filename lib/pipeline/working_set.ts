/**
 * The data the pipeline works on: every export under the source folder, with a verified repaired
 * copy standing in for its source once a fix has been applied. The source folder is only read.
 *
 * @module
 */
import { join } from "node:path";
import { KinetraError } from "../errors.ts";
import { scanCatalog } from "../data/catalog.ts";
import { assertNotInside } from "../util/fs.ts";

/** One data file of the working set. */
export interface DataFile {
  /** Path relative to the source folder: the file's identity in reports. */
  rel: string;
  /** Path to read (the source, or its repaired copy). */
  path: string;
  /** The source file. */
  sourcePath: string;
  /** True when `path` is a repaired copy. */
  repaired: boolean;
}

/** Every export under `dir`, recursively (relative paths, sorted): `scanCatalog`'s list. */
export async function listDataFiles(dir: string): Promise<string[]> {
  try {
    return (await scanCatalog(dir)).files.map((f) => f.relative_path).sort();
  } catch (e) {
    if (e instanceof KinetraError && (e.code === "source_not_found" || e.code === "source_not_a_folder")) {
      throw new KinetraError("file_not_found", `source folder ${dir} does not exist or is not a folder`, {
        exitCode: 2,
      });
    }
    throw e;
  }
}

/** The working set of a pipeline run. */
export class WorkingSet {
  readonly source: string;
  private readonly rels: string[];
  private readonly substitutes = new Map<string, string>();
  private readonly excludedFiles = new Map<string, string>();

  private constructor(source: string, rels: string[]) {
    this.source = source;
    this.rels = rels;
  }

  /** Scan the source folder. */
  static async open(source: string): Promise<WorkingSet> {
    return new WorkingSet(source, await listDataFiles(source));
  }

  /** The files as they stand now (repaired copies in place of their sources; excluded ones left out). */
  files(): DataFile[] {
    return this.rels.filter((rel) => !this.excludedFiles.has(rel)).map((rel) => {
      const sourcePath = join(this.source, rel);
      const sub = this.substitutes.get(rel);
      return { rel, sourcePath, path: sub ?? sourcePath, repaired: !!sub };
    });
  }

  /** One file by relative path. */
  file(rel: string): DataFile | undefined {
    return this.files().find((f) => f.rel === rel);
  }

  /** Use a repaired copy for `rel` from now on (it must not be inside the source folder). */
  useRepaired(rel: string, path: string): void {
    assertNotInside(path, this.source);
    this.substitutes.set(rel, path);
  }

  /** Go back to the source for `rel` (a fix whose verification failed). */
  useSource(rel: string): void {
    this.substitutes.delete(rel);
  }

  /** Leave `rel` out of the working set (e.g. a byte-identical duplicate of another export). */
  exclude(rel: string, reason: string): void {
    this.excludedFiles.set(rel, reason);
  }

  /** Put an excluded file back. */
  include(rel: string): void {
    this.excludedFiles.delete(rel);
  }

  /** Excluded files and why. */
  excluded(): Record<string, string> {
    return Object.fromEntries(this.excludedFiles);
  }

  /** Relative paths with a repaired copy in use. */
  repairedRels(): string[] {
    return [...this.substitutes.keys()];
  }

  /**
   * Lay the working set out as a folder (symbolic links to the files in use) for parts that take
   * a folder, such as prepareDataset; the link names are those of the files in use, so a copy
   * filed under a detected timeframe keeps that name. Returns `viewDir`, rebuilt from scratch.
   */
  async materialize(viewDir: string): Promise<string> {
    assertNotInside(viewDir, this.source);
    return await materializeFiles(this.files(), viewDir);
  }
}

/**
 * Lay `files` out under `viewDir` (rebuilt from scratch) as symbolic links named after the files
 * in use, keeping each file's folder (asset class).
 */
export async function materializeFiles(files: readonly DataFile[], viewDir: string): Promise<string> {
  await Deno.remove(viewDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(viewDir, { recursive: true });
  for (const f of files) {
    const relDir = f.rel.includes("/") ? f.rel.slice(0, f.rel.lastIndexOf("/")) : "";
    const name = f.path.slice(f.path.lastIndexOf("/") + 1);
    const dest = join(viewDir, relDir, name);
    await Deno.mkdir(join(viewDir, relDir), { recursive: true });
    try {
      await Deno.symlink(await Deno.realPath(f.path), dest);
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) {
        throw new KinetraError(
          "name_collision",
          `two files of the working set are both named ${
            relDir ? relDir + "/" : ""
          }${name} (${f.rel} and another)`,
        );
      }
      throw e;
    }
  }
  return viewDir;
}
