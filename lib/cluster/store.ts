/**
 * Results of a run's jobs, keyed by job id, in `<run>/jobs.jsonl` (one `{ "id", "result" }` line
 * per finished job, appended and synced as each job finishes). The first result of an id wins, so a
 * job that was executed twice (a retried stalled job) is counted once; a torn last line from a
 * crash is ignored. `--resume RUN_DIR` reads this file to run only the missing ids.
 *
 * @module
 */
import { join } from "node:path";
import { appendLine } from "../util/fs.ts";

/** File name of the job results inside a run folder. */
export const JOBS_FILE = "jobs.jsonl";

/** Append-only, id-keyed result store of one run folder. */
export class JobStore {
  readonly #path: string;
  readonly #results = new Map<string, unknown>();
  #queue: Promise<void> = Promise.resolve();

  private constructor(runDir: string) {
    this.#path = join(runDir, JOBS_FILE);
  }

  /** Open (or create) the store of `runDir`, loading what earlier runs finished. */
  static async open(runDir: string): Promise<JobStore> {
    const s = new JobStore(runDir);
    let text = "";
    try {
      text = await Deno.readTextFile(s.#path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as { id?: unknown; result?: unknown };
        if (typeof r.id === "string" && !s.#results.has(r.id)) s.#results.set(r.id, r.result);
      } catch { /* a torn last line after a crash */ }
    }
    return s;
  }

  /** True when `id` has a result. */
  has(id: string): boolean {
    return this.#results.has(id);
  }

  /** The result of `id`, or undefined. */
  get(id: string): unknown {
    return this.#results.get(id);
  }

  /** Number of results held. */
  get size(): number {
    return this.#results.size;
  }

  /**
   * Record a result; returns false (and writes nothing) when `id` already has one. Writes are
   * serialised; `flush()` waits for them.
   */
  put(id: string, result: unknown): boolean {
    if (this.#results.has(id)) return false;
    this.#results.set(id, result);
    const line = JSON.stringify({ id, result });
    this.#queue = this.#queue.then(() => appendLine(this.#path, line));
    return true;
  }

  /** Wait until every recorded result is on disk. */
  async flush(): Promise<void> {
    await this.#queue;
  }
}
