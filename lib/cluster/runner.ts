/**
 * The runner interface shared by local execution (Deno Workers on this machine, no services) and
 * the BullMQ cluster (lib/cluster/queue.ts). Both take the same job envelopes and report each
 * result by job id; callers (batch, sweeps, walk-forward) do not know which one runs them.
 *
 * @module
 */
import type { JobEnvelope } from "./job.ts";
import type { LocalWorkerReply } from "./job.ts";

/** Progress of a run of jobs. */
export interface JobProgress {
  /** Jobs finished (including ones found already finished). */
  readonly done: number;
  /** Jobs of the run. */
  readonly total: number;
  /** Jobs that ended with an error result. */
  readonly failed: number;
}

/** Options of `JobRunner.run`. */
export interface RunJobsOptions {
  /** Stops the run: running jobs are abandoned; finished results are already reported. */
  readonly signal?: AbortSignal;
  /** After each finished job. */
  readonly onProgress?: (p: JobProgress) => void;
}

/** How a run of jobs ended. */
export interface RunJobsOutcome {
  /** True when every job has a result. */
  readonly complete: boolean;
  /** Why it stopped early (aborted, the queue was lost), or null. */
  readonly stopped: { readonly code: string; readonly message: string } | null;
}

/** Executes job envelopes and reports results by id. */
export interface JobRunner {
  /** "local" or "cluster". */
  readonly name: string;
  /**
   * Run `jobs`; `onResult` is called once per finished job id (a result may be an error result
   * produced by the job's own code). Never throws for a failing job.
   */
  run(
    jobs: readonly JobEnvelope[],
    onResult: (id: string, result: unknown) => void,
    opts?: RunJobsOptions,
  ): Promise<RunJobsOutcome>;
  /** Release threads and connections. */
  close(): Promise<void>;
}

/** Runs jobs in `workers` Deno Worker threads (0 = in this thread). */
export class LocalRunner implements JobRunner {
  readonly name = "local";
  readonly #workers: number;
  readonly #dataRoot: string;

  /** `dataRoot`: the folder the jobs' relative data paths are resolved against. */
  constructor(opts: { workers: number; dataRoot: string }) {
    this.#workers = Math.max(0, Math.floor(opts.workers));
    this.#dataRoot = opts.dataRoot;
  }

  async run(
    jobs: readonly JobEnvelope[],
    onResult: (id: string, result: unknown) => void,
    opts: RunJobsOptions = {},
  ): Promise<RunJobsOutcome> {
    const { signal, onProgress } = opts;
    let done = 0;
    let failed = 0;
    const report = (id: string, result: unknown, isError: boolean): void => {
      done++;
      if (isError) failed++;
      onResult(id, result);
      onProgress?.({ done, total: jobs.length, failed });
    };
    if (this.#workers === 0) {
      const { runEnvelope } = await import("./local_worker.ts");
      for (const job of jobs) {
        if (signal?.aborted) return { complete: false, stopped: aborted() };
        const r = await runEnvelope(job, this.#dataRoot);
        report(job.id, r.result, r.error);
      }
      return { complete: true, stopped: null };
    }
    let next = 0;
    const url = new URL("./local_worker.ts", import.meta.url);
    const live = new Set<Worker>();
    const dataRoot = this.#dataRoot;
    const n = Math.min(this.#workers, jobs.length);
    const finished = await new Promise<boolean>((resolveAll) => {
      let active = 0;
      if (signal?.aborted || jobs.length === 0) return resolveAll(!signal?.aborted);
      signal?.addEventListener("abort", () => {
        next = jobs.length;
        for (const w of live) w.terminate();
        live.clear();
        resolveAll(false);
      }, { once: true });
      const start = (): void => {
        const worker = new Worker(url, { type: "module" });
        live.add(worker);
        active++;
        let current: JobEnvelope | null = null;
        const feed = (): void => {
          if (next >= jobs.length) {
            worker.terminate();
            live.delete(worker);
            if (--active === 0) resolveAll(true);
            return;
          }
          current = jobs[next++];
          worker.postMessage({ job: current, dataRoot });
        };
        worker.onmessage = (ev: MessageEvent<LocalWorkerReply>): void => {
          if (!current || ev.data.id !== current.id || signal?.aborted) return;
          current = null;
          report(ev.data.id, ev.data.result, ev.data.error);
          feed();
        };
        worker.onerror = (ev: ErrorEvent): void => {
          ev.preventDefault();
          worker.terminate();
          live.delete(worker);
          active--;
          const lost = current;
          current = null;
          if (lost) {
            report(
              lost.id,
              { error: { code: "worker_crashed", message: ev.message || "worker crashed" } },
              true,
            );
          }
          if (next < jobs.length) start();
          else if (active === 0) resolveAll(true);
        };
        feed();
      };
      for (let k = 0; k < n; k++) start();
    });
    return finished ? { complete: true, stopped: null } : { complete: false, stopped: aborted() };
  }

  async close(): Promise<void> {}
}

function aborted(): { code: string; message: string } {
  return { code: "interrupted", message: "the run was interrupted" };
}

/** A runner for `--cluster URL` or the local one; the cluster module loads only when asked. */
export async function makeRunner(
  opts: { cluster?: string | null; workers: number; dataRoot: string },
): Promise<JobRunner> {
  if (!opts.cluster) return new LocalRunner(opts);
  const { ClusterRunner } = await import("./queue.ts");
  return await ClusterRunner.connect(opts.cluster); // throws cluster_unreachable (exit 2)
}
