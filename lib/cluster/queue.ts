/**
 * The BullMQ cluster: `ClusterRunner` enqueues job envelopes on Redis and collects their results
 * from queue events; `runClusterWorker` executes them on any number of machines
 * (`deno task worker --cluster URL`). BullMQ provides persistence, retries with backoff and
 * stalled-job recovery (a worker killed mid-job loses its lock and another worker takes the job).
 * Results are keyed by the content-derived job id, so a job executed twice is counted once.
 *
 * @module
 */
import { Job, Queue, QueueEvents, UnrecoverableError, Worker as BullWorker } from "bullmq";
import { KinetraError } from "../errors.ts";
import type { JobEnvelope } from "./job.ts";
import type { LocalWorkerReply } from "./job.ts";
import type { JobRunner, RunJobsOptions, RunJobsOutcome } from "./runner.ts";
import { type ClusterConnection, parseClusterUrl } from "./url.ts";

/** Name of the BullMQ queue all Kinetra jobs go through. */
export const QUEUE_NAME = "kinetra-jobs";

/** Job-level error codes that no retry on another worker can fix. */
const UNRECOVERABLE = new Set(["bad_job", "version_mismatch"]);

function bullConnection(c: ClusterConnection, lazy = false) {
  return {
    host: c.host,
    port: c.port,
    username: c.username,
    password: c.password,
    db: c.db,
    maxRetriesPerRequest: null,
    lazyConnect: lazy,
    // Reconnect with a short backoff; the runner's watchdog decides when a loss is final.
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  };
}

async function within<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let t: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<"timeout">((r) => t = setTimeout(() => r("timeout"), ms))]);
  } finally {
    clearTimeout(t);
  }
}

function unreachable(c: ClusterConnection): KinetraError {
  return new KinetraError(
    "cluster_unreachable",
    `cannot reach Redis at ${c.redacted}: is redis-server running there and reachable from this machine?`,
  );
}

/** Enqueues jobs on the cluster and collects their results. */
export class ClusterRunner implements JobRunner {
  readonly name = "cluster";
  readonly #conn: ClusterConnection;
  readonly #queue: Queue;
  readonly #events: QueueEvents;

  private constructor(conn: ClusterConnection, queue: Queue, events: QueueEvents) {
    this.#conn = conn;
    this.#queue = queue;
    this.#events = events;
  }

  /** Printable (redacted) address of the cluster. */
  get address(): string {
    return this.#conn.redacted;
  }

  /** Connect (5 s at most) or throw `cluster_unreachable` (exit 2). */
  static async connect(url: string, timeoutMs = 5000): Promise<ClusterRunner> {
    const conn = parseClusterUrl(url, { KINETRA_REDIS_PASSWORD: Deno.env.get("KINETRA_REDIS_PASSWORD") });
    const queue = new Queue(QUEUE_NAME, { connection: bullConnection(conn) });
    const events = new QueueEvents(QUEUE_NAME, { connection: bullConnection(conn) });
    queue.on("error", () => {});
    events.on("error", () => {});
    const ok = await within(Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), timeoutMs)
      .catch(() => "timeout" as const);
    if (ok === "timeout") {
      await Promise.allSettled([within(queue.disconnect(), 1000), within(events.disconnect(), 1000)]);
      throw unreachable(conn);
    }
    return new ClusterRunner(conn, queue, events);
  }

  async run(
    jobs: readonly JobEnvelope[],
    onResult: (id: string, result: unknown) => void,
    opts: RunJobsOptions = {},
  ): Promise<RunJobsOutcome> {
    const { signal, onProgress } = opts;
    const pending = new Map(jobs.map((j) => [j.id, j]));
    let done = 0;
    let failed = 0;
    const total = pending.size;
    let finish: (o: RunJobsOutcome) => void = () => {};
    const outcome = new Promise<RunJobsOutcome>((r) => finish = r);
    const take = (id: string, result: unknown, isError: boolean): void => {
      if (!pending.delete(id)) return; // not ours, or already counted
      done++;
      if (isError) failed++;
      onResult(id, result);
      onProgress?.({ done, total, failed });
      if (pending.size === 0) finish({ complete: true, stopped: null });
    };
    const parse = (v: unknown): unknown => {
      if (typeof v !== "string") return v;
      try {
        return JSON.parse(v);
      } catch {
        return v;
      }
    };
    const onCompleted = ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }): void => {
      const r = parse(returnvalue);
      const isErr = typeof r === "object" && r !== null && "error" in r &&
        (r as { error: unknown }).error != null;
      take(jobId, r, isErr);
    };
    const onFailed = async (
      { jobId, failedReason }: { jobId: string; failedReason: string },
    ): Promise<void> => {
      if (!pending.has(jobId)) return;
      try {
        const state = await this.#queue.getJobState(jobId);
        if (state !== "failed") return; // a retry is coming
      } catch {
        return;
      }
      const m = failedReason.match(/^\[([a-z0-9_]+)\] (.*)$/s);
      take(jobId, { error: { code: m?.[1] ?? "job_failed", message: m?.[2] ?? failedReason } }, true);
    };
    this.#events.on("completed", onCompleted);
    this.#events.on("failed", onFailed);
    const client = await this.#queue.client;
    let lostSince = 0;
    const watchdog = setInterval(() => {
      if (client.status === "ready") {
        lostSince = 0;
        return;
      }
      lostSince ||= Date.now();
      if (Date.now() - lostSince > 3000) {
        finish({
          complete: false,
          stopped: {
            code: "cluster_lost",
            message: `lost the connection to Redis at ${this.#conn.redacted}`,
          },
        });
      }
    }, 250);
    const onAbort = (): void =>
      finish({ complete: false, stopped: { code: "interrupted", message: "the run was interrupted" } });
    signal?.addEventListener("abort", onAbort, { once: true });
    // A slow trickle of polls catches results whose event was missed (e.g. a reconnect).
    let polling = false;
    const poll = setInterval(async () => {
      if (polling || client.status !== "ready") return;
      polling = true;
      try {
        for (const id of [...pending.keys()].slice(0, 200)) {
          try {
            const j = await Job.fromId(this.#queue, id);
            if (j?.finishedOn && j.returnvalue !== undefined && j.returnvalue !== null && !j.failedReason) {
              onCompleted({ jobId: id, returnvalue: j.returnvalue });
            }
          } catch { /* connection trouble: the watchdog decides */ }
        }
      } finally {
        polling = false;
      }
    }, 2000);
    // Enqueue in the background: a Redis lost meanwhile must not hang the run (the watchdog ends it).
    const enqueue = async (): Promise<void> => {
      try {
        if (total === 0) finish({ complete: true, stopped: null });
        // Jobs already finished on the cluster (same id = same content) are taken as they are.
        const fresh: JobEnvelope[] = [];
        for (let k = 0; k < jobs.length; k += 200) {
          const chunk = jobs.slice(k, k + 200);
          const found = await Promise.all(chunk.map((j) => Job.fromId(this.#queue, j.id)));
          for (let i = 0; i < chunk.length; i++) {
            const j = chunk[i];
            const existing = found[i];
            if (!existing) {
              fresh.push(j);
              continue;
            }
            const state = await existing.getState();
            if (state === "completed") onCompleted({ jobId: j.id, returnvalue: existing.returnvalue });
            else if (state === "failed") {
              await existing.remove();
              fresh.push(j);
            } // waiting/active/delayed: its events will come
          }
        }
        for (let k = 0; k < fresh.length; k += 500) {
          await this.#queue.addBulk(
            fresh.slice(k, k + 500).map((j) => ({
              name: j.kind,
              data: j,
              opts: {
                jobId: j.id,
                attempts: 3,
                backoff: { type: "exponential", delay: 1000 },
                removeOnComplete: { age: 24 * 3600 },
                removeOnFail: { age: 24 * 3600 },
              },
            })),
          );
        }
      } catch (e) {
        if (!(e instanceof KinetraError)) {
          finish({
            complete: false,
            stopped: {
              code: "cluster_lost",
              message: `could not enqueue on ${this.#conn.redacted}: ${(e as Error).message}`,
            },
          });
        }
      }
    };
    void enqueue();
    const o = await outcome;
    clearInterval(watchdog);
    clearInterval(poll);
    signal?.removeEventListener("abort", onAbort);
    this.#events.off("completed", onCompleted);
    this.#events.off("failed", onFailed);
    return o;
  }

  async close(): Promise<void> {
    // Bounded: with Redis gone, close() and even disconnect() can wait forever.
    const bounded = async (c: { close(): Promise<void>; disconnect(): Promise<void> }): Promise<void> => {
      if ((await within(c.close(), 2000).catch(() => "timeout" as const)) === "timeout") {
        await within(c.disconnect(), 1000).catch(() => {});
      }
    };
    await Promise.allSettled([bounded(this.#events), bounded(this.#queue)]);
  }
}

/** Options of a cluster worker process. */
export interface ClusterWorkerOptions {
  /** redis:// URL. */
  readonly url: string;
  /** Jobs executed at once (one thread each). */
  readonly concurrency: number;
  /** Folder the jobs' data paths are resolved against. */
  readonly dataRoot: string;
  /** Lock duration: a job whose worker stopped renewing its lock this long is retried elsewhere. */
  readonly lockMs?: number;
  /** Log line sink (never given credentials). */
  readonly log?: (line: string) => void;
  /** Stops the worker (finishing running jobs first). */
  readonly signal?: AbortSignal;
  /** Log a line when each job starts and ends (with its short id). */
  readonly verbose?: boolean;
}

/** Run a worker until `signal` aborts; returns the number of jobs it executed. */
export async function runClusterWorker(opts: ClusterWorkerOptions): Promise<number> {
  const conn = parseClusterUrl(opts.url, { KINETRA_REDIS_PASSWORD: Deno.env.get("KINETRA_REDIS_PASSWORD") });
  const log = opts.log ?? ((l: string) => console.error(l));
  const n = Math.max(1, Math.floor(opts.concurrency));
  const threads: { w: Worker; busy: boolean }[] = [];
  const url = new URL("./local_worker.ts", import.meta.url);
  for (let k = 0; k < n; k++) threads.push({ w: new Worker(url, { type: "module" }), busy: false });
  const exec = (job: unknown): Promise<LocalWorkerReply> =>
    new Promise((resolveJob, reject) => {
      const t = threads.find((x) => !x.busy);
      if (!t) return reject(new Error("no free thread"));
      t.busy = true;
      t.w.onmessage = (ev: MessageEvent<LocalWorkerReply>) => {
        t.busy = false;
        resolveJob(ev.data);
      };
      t.w.onerror = (ev: ErrorEvent) => {
        ev.preventDefault();
        t.busy = false;
        t.w.terminate();
        t.w = new Worker(url, { type: "module" });
        reject(new Error(ev.message || "worker thread crashed"));
      };
      t.w.postMessage({ job, dataRoot: opts.dataRoot });
    });
  let executed = 0;
  const lockMs = opts.lockMs ?? 30_000;
  const worker = new BullWorker(
    QUEUE_NAME,
    async (job) => {
      const short = String(job.id).slice(0, 12);
      if (opts.verbose) log(`job ${short} start`);
      const reply = await exec(job.data);
      executed++;
      if (opts.verbose) log(`job ${short} done`);
      const err = (reply.result as { error?: { code: string; message: string } })?.error;
      if (reply.error && err && !("results" in (reply.result as object))) {
        log(`job ${job.id?.slice(0, 12)} refused: [${err.code}] ${err.message}`);
        const msg = `[${err.code}] ${err.message}`;
        if (UNRECOVERABLE.has(err.code)) throw new UnrecoverableError(msg);
        throw new Error(msg);
      }
      return reply.result;
    },
    {
      connection: bullConnection(conn),
      concurrency: n,
      lockDuration: lockMs,
      stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
      maxStalledCount: 3,
    },
  );
  worker.on("error", () => {});
  const ready = await within(worker.waitUntilReady(), 5000).catch(() => "timeout" as const);
  if (ready === "timeout") {
    await within(worker.disconnect(), 1000).catch(() => {});
    for (const t of threads) t.w.terminate();
    throw unreachable(conn);
  }
  log(
    `worker: connected to ${conn.redacted}, queue ${QUEUE_NAME}, ${n} thread(s), data root ${opts.dataRoot}`,
  );
  await new Promise<void>((r) => {
    if (opts.signal?.aborted) return r();
    opts.signal?.addEventListener("abort", () => r(), { once: true });
  });
  // Bounded: with Redis gone, close() and even disconnect() can wait forever.
  if ((await within(worker.close(), 10_000).catch(() => "timeout" as const)) === "timeout") {
    await within(worker.disconnect(), 1000).catch(() => {});
  }
  for (const t of threads) t.w.terminate();
  return executed;
}
