/**
 * File-system helpers: atomic writes (temporary file in the same folder, then rename) and
 * a guard that refuses to write inside a protected source folder.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import { basename, dirname, join, resolve, sep } from "node:path";

/** Write text atomically: write `path.<random>.tmp` next to it, then rename over `path`. */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  await writeBytesAtomic(path, new TextEncoder().encode(text));
}

/** Write bytes atomically: temporary file in the same folder, fsync, rename. */
export async function writeBytesAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    const f = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      let off = 0;
      while (off < bytes.length) off += await f.write(bytes.subarray(off));
      await f.sync();
    } finally {
      f.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** Write JSON (2-space indented, trailing newline) atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeTextAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Produce a file atomically with a writer that needs a path (e.g. polars `writeParquet`):
 * the writer writes a temporary path, which is then renamed over `path`.
 */
export async function produceAtomic(
  path: string,
  write: (tmpPath: string) => void | Promise<void>,
): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await write(tmp);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** Append one line (newline added) to a file, creating folders; used for journals and logs. */
export async function appendLine(path: string, line: string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const f = await Deno.open(path, { append: true, create: true });
  try {
    const bytes = new TextEncoder().encode(line + "\n");
    let off = 0;
    while (off < bytes.length) off += await f.write(bytes.subarray(off));
    await f.sync();
  } finally {
    f.close();
  }
}

/**
 * The real path of `path` with symbolic links resolved: the longest existing prefix goes through
 * `realPath`, the part that does not exist yet is appended as written (lexical when nothing can
 * be resolved).
 */
export function realPathOf(path: string): string {
  const abs = resolve(path);
  let cur = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      return rest.length ? join(Deno.realPathSync(cur), ...rest.reverse()) : Deno.realPathSync(cur);
    } catch {
      const parent = dirname(cur);
      if (parent === cur) return abs;
      rest.push(basename(cur));
      cur = parent;
    }
  }
}

function lexicallyInside(p: string, d: string): boolean {
  return p === d || p.startsWith(d.endsWith(sep) ? d : d + sep);
}

/**
 * True when `path` is `dir` itself or lies inside it, compared both as written (resolved) and as
 * real paths (symbolic links followed), so a link into `dir` or `dir` given through a link is
 * caught.
 */
export function isInside(path: string, dir: string): boolean {
  return lexicallyInside(resolve(path), resolve(dir)) || lexicallyInside(realPathOf(path), realPathOf(dir));
}

/** Throw a KinetraError when `outPath` would be written inside the protected `sourceDir`. */
export function assertNotInside(outPath: string, sourceDir: string): void {
  if (isInside(outPath, sourceDir)) {
    throw new KinetraError(
      "write_into_source",
      `Refusing to write ${outPath}: it is inside the source folder ${sourceDir}, which Kinetra never modifies.`,
    );
  }
}

/** True when a path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** UTC timestamp safe for folder names: 20261122T021500Z (with milliseconds when `ms`). */
export function utcStamp(date = new Date(), ms = false): string {
  const iso = date.toISOString().replace(/[-:]/g, "");
  return ms ? iso.replace(".", "").replace("Z", "Z") : iso.replace(/\.\d{3}/, "");
}
