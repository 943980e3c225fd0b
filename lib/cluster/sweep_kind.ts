/**
 * The "sweep" job kind: one research job (a chunk of parameter combinations on a training range,
 * or a walk-forward window's test part; lib/research/jobs.ts) executed by research's own
 * `executeJob`. The payload is the research job with its data file relative to the data root and
 * the file's SHA-256; a worker checks both before running. `ResearchClusterRunner` adapts the
 * cluster to research's `JobRunner`, so `optimize` and `walkforward` run unchanged on it.
 *
 * @module
 */
import { relative, resolve, sep } from "node:path";
import { KinetraError } from "../errors.ts";
import {
  executeJob as executeResearchJob,
  type Job,
  type JobResult,
  type JobRunner,
} from "../research/jobs.ts";
import { listStrategies } from "../strategies/registry.ts";
import {
  type JobContext,
  type JobKind,
  makeJob,
  need,
  registerJobKind,
  resolveJobFile,
  sha256Hex,
} from "./job.ts";
import type { ClusterRunner } from "./queue.ts";

/** Payload of a sweep job. */
export interface SweepPayload {
  /** The research job; `job.data.file` is relative to the data root. */
  readonly job: Job;
  /** SHA-256 of the data file. */
  readonly sha256: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}[0-9T:.+\-Z ]{0,30}$/;

function optNum(o: Record<string, unknown>, k: string): void {
  if (o[k] !== undefined && o[k] !== null && (typeof o[k] !== "number" || !Number.isFinite(o[k]))) {
    throw new KinetraError("bad_job", `sweep job config "${k}" must be a number`);
  }
}

function validate(raw: unknown): SweepPayload {
  const p = need.obj(raw, "sweep job");
  const sha256 = need.str(p, "sha256", /^[0-9a-f]{64}$/);
  const j = need.obj(p.job, "sweep job.job");
  const kind = need.str(j, "kind", /^(train|test)$/);
  const strategy = need.str(j, "strategy", /^[a-z][a-z0-9_]{0,63}$/);
  if (!listStrategies().some((s) => s.name === strategy)) {
    throw new KinetraError("bad_job", `sweep job: "${strategy}" is not a registered strategy`);
  }
  const data = need.obj(j.data, "sweep job data");
  need.str(data, "file", /^[^\0]{1,1024}$/);
  for (const k of ["start", "end"]) {
    if (data[k] != null && (typeof data[k] !== "string" || !ISO.test(data[k] as string))) {
      throw new KinetraError("bad_job", `sweep job data.${k} must be an ISO time`);
    }
  }
  // The date order (`--date-order`) is part of the job's content: the same file read day-first or
  // month-first is different data.
  if (data.dateOrder !== undefined && data.dateOrder !== "dmy" && data.dateOrder !== "mdy") {
    throw new KinetraError("bad_job", "sweep job data.dateOrder must be dmy or mdy");
  }
  const cfg = need.obj(j.config ?? {}, "sweep job config");
  for (const k of ["cash", "commission", "spread", "margin", "leverage", "slippagePoints", "lots"]) {
    optNum(cfg, k);
  }
  if (cfg.profile !== undefined && cfg.profile !== "mt5" && cfg.profile !== "compat") {
    throw new KinetraError("bad_job", "sweep job config.profile must be mt5 or compat");
  }
  if (cfg.conversion !== undefined && cfg.conversion !== "data" && cfg.conversion !== "static") {
    throw new KinetraError("bad_job", "sweep job config.conversion must be data or static");
  }
  if (cfg.symbolsFile != null) {
    throw new KinetraError("bad_job", "sweep jobs cannot name a symbol-spec file (--symbols) on the cluster");
  }
  if (cfg.symbol != null && (typeof cfg.symbol !== "string" || !/^[^\0/\\]{1,64}$/.test(cfg.symbol))) {
    throw new KinetraError("bad_job", "sweep job config.symbol is invalid");
  }
  // Modelling mode: the lower-timeframe file is the one beside the data file on the worker (its
  // data root); a file named by the submitter (--lower) or a tick file is not accepted here.
  if (cfg.model !== undefined && cfg.model !== "open" && cfg.model !== "ohlc" && cfg.model !== "lower") {
    throw new KinetraError("bad_job", "sweep job config.model must be open, ohlc or lower on the cluster");
  }
  if (cfg.lower != null || cfg.ticks != null) {
    throw new KinetraError(
      "bad_job",
      "sweep jobs cannot name a lower-timeframe or tick file on the cluster (the lower file beside the data file is used)",
    );
  }
  for (const k of ["tradeOnClose", "finalize", "hedging", "swap"]) {
    if (cfg[k] !== undefined && typeof cfg[k] !== "boolean") {
      throw new KinetraError("bad_job", `sweep job config.${k} must be a boolean`);
    }
  }
  need.str(j, "objective", /^[a-z_][a-z0-9_]{0,63}$/);
  need.num(j, "minTrades");
  need.num(j, "partitions");
  need.str(j, "id", /^[A-Za-z0-9_.:-]{1,128}$/);
  if (!Array.isArray(j.combos) || j.combos.length === 0 || j.combos.length > 100_000) {
    throw new KinetraError("bad_job", "sweep job combos must be a non-empty list");
  }
  for (const c of j.combos) {
    const co = need.obj(c, "sweep job combo");
    if (!Number.isSafeInteger(co.index)) {
      throw new KinetraError("bad_job", "sweep job combo index must be a whole number");
    }
    need.numRecord(co.params, "sweep job combo params");
  }
  const range = (o: unknown, what: string): void => {
    if (o == null) return;
    const r = need.obj(o, what);
    for (const [k, v] of Object.entries(r)) {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new KinetraError("bad_job", `${what}.${k} must be a number`);
      }
    }
  };
  range(j.range, "sweep job range");
  range(j.test, "sweep job test");
  if (kind === "test" && j.test == null) {
    throw new KinetraError("bad_job", "a test sweep job needs its test part");
  }
  return { job: j as unknown as Job, sha256 };
}

async function execute(p: SweepPayload, ctx: JobContext): Promise<JobResult> {
  const path = await resolveJobFile(ctx, p.job.data.file, p.sha256);
  return await executeResearchJob({ ...p.job, data: { ...p.job.data, file: path } });
}

/** The registered "sweep" kind. */
export const SWEEP_KIND: JobKind<SweepPayload, JobResult> = { kind: "sweep", validate, execute };

registerJobKind(SWEEP_KIND);

/**
 * Research's `JobRunner` on the cluster: each research job becomes a "sweep" envelope (data file
 * relative to `dataRoot`, with its SHA-256) and its result comes back under the research job's id.
 * A job already completed on the cluster with the same content is taken without running again.
 */
export class ResearchClusterRunner implements JobRunner {
  readonly slots: number;
  readonly #cluster: ClusterRunner;
  readonly #dataRoot: string;
  readonly #hashes = new Map<string, Promise<string>>();
  /** Set when the last run stopped early (the cluster was lost, or interrupted). */
  stopped: { code: string; message: string } | null = null;

  /** `slots`: how many jobs a sweep is split into per round (more, smaller jobs spread better). */
  constructor(cluster: ClusterRunner, opts: { dataRoot: string; slots?: number }) {
    this.#cluster = cluster;
    this.#dataRoot = resolve(opts.dataRoot);
    this.slots = Math.max(1, Math.floor(opts.slots ?? 8));
  }

  #rel(file: string): string {
    const rel = relative(this.#dataRoot, resolve(file));
    if (rel.startsWith("..") || resolve(rel) === rel) {
      throw new KinetraError(
        "bad_argument",
        `--data ${file} is outside the cluster's data root ${this.#dataRoot} (give --data-root, the folder the workers share)`,
      );
    }
    return rel.split(sep).join("/");
  }

  #sha(file: string): Promise<string> {
    const abs = resolve(file);
    let p = this.#hashes.get(abs);
    if (!p) {
      p = Deno.readFile(abs).then(sha256Hex);
      this.#hashes.set(abs, p);
    }
    return p;
  }

  async run(jobs: readonly Job[], onResult: (r: JobResult) => void, signal?: AbortSignal): Promise<void> {
    const envs = [];
    for (const j of jobs) {
      if (j.config.lower || j.config.ticks || j.config.model === "ticks") {
        throw new KinetraError(
          "bad_argument",
          "--cluster runs --model open|ohlc|lower only, and lower finds the finer file beside the data file on the workers: drop --lower/--ticks",
        );
      }
    }
    const researchId = new Map<string, string>();
    for (const j of jobs) {
      const payload: SweepPayload = {
        job: { ...j, data: { ...j.data, file: this.#rel(j.data.file) } },
        sha256: await this.#sha(j.data.file),
      };
      const env = await makeJob("sweep", payload);
      researchId.set(env.id, j.id);
      envs.push(env);
    }
    const outcome = await this.#cluster.run(envs, (id, result) => {
      const rid = researchId.get(id);
      if (!rid) return;
      const r = result as Partial<JobResult> & { error?: { code: string; message: string } };
      onResult({
        id: rid,
        trials: Array.isArray(r.trials) ? r.trials : [],
        ...(r.error ? { error: r.error } : {}),
      });
    }, { signal });
    this.stopped = outcome.stopped;
    if (outcome.stopped && outcome.stopped.code !== "interrupted") {
      throw new KinetraError(
        outcome.stopped.code,
        `${outcome.stopped.message}; finished jobs stay on the cluster for 24 h, so running the same command again executes only the missing ones`,
        { exitCode: 1 },
      );
    }
  }

  close(): void {
    void this.#cluster.close();
  }
}
