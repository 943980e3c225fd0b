/**
 * The sessions under a logs folder (logs/live by default): one folder per run with its
 * journal.jsonl and, once it ended, summary.json. Read from the files only.
 *
 * @example
 * ```ts
 * import { listSessions } from "./sessions.ts";
 * const list = await listSessions(await Deno.makeTempDir());
 * console.log(list.length); // 0
 * ```
 *
 * @module
 */
import { join } from "node:path";

/** What the dashboard lists for a session. */
export interface SessionInfo {
  /** The run folder's name. */
  run_id: string;
  /** The run folder's path. */
  dir: string;
  /** The path of its journal.jsonl. */
  journal: string;
  /** `virtual`, `demo` or `live`, from the journal's first line (null when unreadable). */
  mode: string | null;
  /** The traded symbol, from the journal's first line (null when unreadable). */
  symbol: string | null;
  /** The timeframe, from the journal's first line (null when unreadable). */
  timeframe: string | null;
  /** The strategy's name, from the journal's first line (null when unreadable). */
  strategy: string | null;
  /** When the first journal line was written (ISO), or null. */
  started_at: string | null;
  /** `running` (no run_end journalled yet), `completed` or `halted`. */
  status: "running" | "completed" | "halted";
  /** True when the run folder holds a summary.json. */
  has_summary: boolean;
}

/** A run folder name the dashboard accepts (no path separators, no dot-dot). */
export function isRunId(s: unknown): s is string {
  return typeof s === "string" && s.length > 0 && s.length <= 200 && /^[A-Za-z0-9._+-]+$/.test(s) &&
    s !== "." && s !== "..";
}

async function head(path: string, bytes: number): Promise<string> {
  const f = await Deno.open(path, { read: true });
  try {
    const buf = new Uint8Array(bytes);
    const n = await f.read(buf);
    return new TextDecoder().decode(buf.subarray(0, n ?? 0));
  } finally {
    f.close();
  }
}

async function tailText(path: string, bytes: number): Promise<string> {
  const f = await Deno.open(path, { read: true });
  try {
    const size = (await f.stat()).size;
    const from = Math.max(0, size - bytes);
    await f.seek(from, Deno.SeekMode.Start);
    const buf = new Uint8Array(size - from);
    let got = 0;
    while (got < buf.length) {
      const r = await f.read(buf.subarray(got));
      if (r === null) break;
      got += r;
    }
    return new TextDecoder().decode(buf.subarray(0, got));
  } finally {
    f.close();
  }
}

/** One session's info, or null when `dir` holds no journal. */
export async function sessionInfo(dir: string, runId: string): Promise<SessionInfo | null> {
  const journal = join(dir, "journal.jsonl");
  let first: Record<string, unknown> = {};
  try {
    const line = (await head(journal, 64 * 1024)).split("\n")[0];
    try {
      first = JSON.parse(line);
    } catch { /* torn first line: listed without details */ }
  } catch {
    return null;
  }
  let status: SessionInfo["status"] = "running";
  let hasSummary = false;
  try {
    // Only the head: a summary holds every trade (megabytes), its status comes near the start.
    const m = /"status"\s*:\s*"(\w+)"/.exec(await head(join(dir, "summary.json"), 4096));
    hasSummary = true;
    status = m?.[1] === "halted" ? "halted" : "completed";
  } catch {
    const end = (await tailText(journal, 4096)).split("\n").filter((l) => l.includes('"run_end"')).pop();
    if (end) {
      try {
        status = JSON.parse(end).status === "halted" ? "halted" : "completed";
      } catch { /* keep running */ }
    }
  }
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    run_id: runId,
    dir,
    journal,
    mode: str(first.mode),
    symbol: str(first.symbol),
    timeframe: str(first.timeframe),
    strategy: str(first.strategy),
    started_at: str(first.ts),
    status,
    has_summary: hasSummary,
  };
}

/**
 * Every session under `logsDir`, newest first. `since` (epoch ms): only sessions started at or
 * after it (what `deno task live --dashboard` shows: the session it runs).
 */
export async function listSessions(logsDir: string, opts: { since?: number } = {}): Promise<SessionInfo[]> {
  const out: SessionInfo[] = [];
  let entries: Deno.DirEntry[] = [];
  try {
    entries = await Array.fromAsync(Deno.readDir(logsDir));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  for (const e of entries) {
    if (!e.isDirectory || !isRunId(e.name)) continue;
    const info = await sessionInfo(join(logsDir, e.name), e.name);
    if (!info) continue;
    if (opts.since !== undefined) {
      const t = info.started_at ? Date.parse(info.started_at) : NaN;
      if (!(t >= opts.since)) continue;
    }
    out.push(info);
  }
  out.sort((a, b) =>
    (b.started_at ?? "").localeCompare(a.started_at ?? "") || b.run_id.localeCompare(a.run_id)
  );
  return out;
}
