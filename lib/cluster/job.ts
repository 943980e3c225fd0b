/**
 * One job model for every kind of distributable work (a batch file, a chunk of sweep
 * combinations, a walk-forward window). A job is `{ id, kind, version, payload }`: plain JSON that
 * names registered code by `kind` and carries only data (never code). Its id is the SHA-256 of its
 * identity (the data file's SHA-256, strategy, parameters, costs) and the engine version, so the
 * same work always has the same id, whichever runner (local workers or the BullMQ cluster)
 * executes it, and results are keyed by it: a result can never be counted twice, and a resumed
 * run executes only the ids it lacks.
 *
 * @module
 */
import { isAbsolute, join, normalize, resolve } from "node:path";
import { KinetraError } from "../errors.ts";

/**
 * Version of the execution semantics. A worker refuses jobs of another version (results of two
 * engine versions must never be mixed under one id). Bump it when a change alters results.
 */
export const ENGINE_VERSION = "kinetra-engine/2";

/** A job as it travels through a queue: plain JSON. */
export interface JobEnvelope<P = unknown> {
  /** SHA-256 (hex) of the identity and version: stable, content-derived. */
  readonly id: string;
  /** Registered kind, e.g. "batch". */
  readonly kind: string;
  /** ENGINE_VERSION of the submitter. */
  readonly version: string;
  /** Kind-specific, schema-checked data. */
  readonly payload: P;
}

/** What a job may use on the machine that executes it. */
export interface JobContext {
  /** Folder against which the job's relative data paths are resolved. */
  readonly dataRoot: string;
}

/** A kind of job: how to check a payload, what identifies it, and how to execute it. */
export interface JobKind<P, R> {
  /** Name carried by envelopes. */
  readonly kind: string;
  /** Check an untrusted payload; throws KinetraError("bad_job") on anything unexpected. */
  validate(payload: unknown): P;
  /** The content the id is derived from (by default the payload). */
  identity?(payload: P): unknown;
  /** Execute; the result must be plain JSON. */
  execute(payload: P, ctx: JobContext): Promise<R>;
}

// deno-lint-ignore no-explicit-any
const KINDS = new Map<string, JobKind<any, any>>();

/** Register a kind (idempotent for the same object). */
export function registerJobKind<P, R>(k: JobKind<P, R>): void {
  const prev = KINDS.get(k.kind);
  if (prev && prev !== k) throw new Error(`job kind "${k.kind}" registered twice`);
  KINDS.set(k.kind, k);
}

/** A registered kind, or a KinetraError naming the known ones. */
// deno-lint-ignore no-explicit-any
export function jobKind(kind: string): JobKind<any, any> {
  const k = KINDS.get(kind);
  if (!k) {
    throw new KinetraError(
      "bad_job",
      `unknown job kind "${kind}" (known: ${[...KINDS.keys()].sort().join(", ") || "none"})`,
    );
  }
  return k;
}

/** JSON with object keys sorted at every level (stable text for hashing). */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") {
    if (typeof v === "number" && !Number.isFinite(v)) return "null";
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${
    Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) =>
      `${JSON.stringify(k)}:${canonicalJson(o[k])}`
    )
      .join(",")
  }}`;
}

/** SHA-256 of bytes or text, hex. */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Build an envelope: validates the payload and derives its id. */
export async function makeJob<P>(kind: string, payload: P): Promise<JobEnvelope<P>> {
  const k = jobKind(kind);
  const checked = k.validate(payload) as P;
  const identity = k.identity ? k.identity(checked) : checked;
  const id = await sha256Hex(canonicalJson({ kind, version: ENGINE_VERSION, identity }));
  return { id, kind, version: ENGINE_VERSION, payload: checked };
}

/**
 * Check an envelope received from a queue (untrusted): shape, version, registered kind, payload
 * schema, and that the id matches the content. Returns the checked envelope.
 */
export async function checkJob(raw: unknown): Promise<JobEnvelope> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new KinetraError("bad_job", "a job must be a JSON object");
  }
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== "string" || !/^[0-9a-f]{64}$/.test(r.id)) {
    throw new KinetraError("bad_job", "job id is not a SHA-256");
  }
  if (typeof r.kind !== "string") throw new KinetraError("bad_job", "job has no kind");
  if (r.version !== ENGINE_VERSION) {
    throw new KinetraError(
      "version_mismatch",
      `job ${r.id.slice(0, 12)} was made by engine ${
        String(r.version)
      }, this worker runs ${ENGINE_VERSION}; ` +
        "update the worker (or the submitter) so both run the same Kinetra",
    );
  }
  const fresh = await makeJob(r.kind, r.payload);
  if (fresh.id !== r.id) {
    throw new KinetraError("bad_job", `job ${r.id.slice(0, 12)}: id does not match its content`);
  }
  return fresh;
}

/** Execute a checked envelope with its kind's code. */
export async function executeJob(job: JobEnvelope, ctx: JobContext): Promise<unknown> {
  return await jobKind(job.kind).execute(job.payload, ctx);
}

// Files already verified in this thread: path -> size, mtime and hash (a sweep runs many jobs on one file).
const verified = new Map<string, { size: number; mtime: number; sha: string }>();

/**
 * A data file named by a job: `rel` under the data root, which must not climb out of it, and
 * whose bytes must hash to `sha256`. Returns the absolute path. A file is hashed once per thread
 * while its size and modification time stay the same.
 */
export async function resolveJobFile(ctx: JobContext, rel: string, sha256: string): Promise<string> {
  const path = jobFilePath(ctx, rel);
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new KinetraError(
        "file_not_found",
        `job file ${rel} is not under this worker's data root ${ctx.dataRoot} (map the shared folder with --data-root)`,
      );
    }
    throw e;
  }
  const mtime = st.mtime?.getTime() ?? 0;
  const known = verified.get(path);
  let got = known && known.size === st.size && known.mtime === mtime ? known.sha : null;
  if (!got) {
    got = await sha256Hex(await Deno.readFile(path));
    verified.set(path, { size: st.size, mtime, sha: got });
  }
  if (got !== sha256) {
    throw new KinetraError(
      "sha256_mismatch",
      `${path} differs from the submitter's file (sha256 ${got.slice(0, 12)}… expected ${
        sha256.slice(0, 12)
      }…): the shared data is out of sync`,
    );
  }
  return path;
}

/** The absolute path of a job's data file; refuses a path that climbs out of the data root. */
export function jobFilePath(ctx: JobContext, rel: string): string {
  const clean = normalize(rel);
  if (isAbsolute(clean) || clean === ".." || clean.startsWith("../") || clean.includes("\0")) {
    throw new KinetraError("bad_job", `job file "${rel}" must be a path inside the data root`);
  }
  return resolve(join(ctx.dataRoot, clean));
}

/** Payload helpers for validators. */
export const need = {
  str(o: Record<string, unknown>, k: string, re?: RegExp): string {
    const v = o[k];
    if (typeof v !== "string" || (re && !re.test(v))) {
      throw new KinetraError("bad_job", `job field "${k}" is invalid`);
    }
    return v;
  },
  num(o: Record<string, unknown>, k: string): number {
    const v = o[k];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new KinetraError("bad_job", `job field "${k}" must be a number`);
    }
    return v;
  },
  bool(o: Record<string, unknown>, k: string): boolean {
    const v = o[k];
    if (typeof v !== "boolean") throw new KinetraError("bad_job", `job field "${k}" must be true or false`);
    return v;
  },
  obj(v: unknown, what: string): Record<string, unknown> {
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      throw new KinetraError("bad_job", `${what} must be an object`);
    }
    return v as Record<string, unknown>;
  },
  numRecord(v: unknown, what: string): Record<string, number> {
    const o = need.obj(v, what);
    const out: Record<string, number> = {};
    for (const [k, x] of Object.entries(o)) {
      if (!/^[A-Za-z_]\w{0,63}$/.test(k) || typeof x !== "number" || !Number.isFinite(x)) {
        throw new KinetraError("bad_job", `${what}: "${k}" must be a parameter name with a finite number`);
      }
      out[k] = x;
    }
    return out;
  },
};

/** A worker thread's reply. */
export interface LocalWorkerReply {
  /** Job id. */
  readonly id: string;
  /** The job's result, or `{ error: { code, message } }`. */
  readonly result: unknown;
  /** True when the job failed as a whole (the kind's own per-item errors are inside `result`). */
  readonly error: boolean;
}
