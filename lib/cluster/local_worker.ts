/**
 * Executes one job envelope (checked as if it came from a queue) and turns any failure into an
 * error result: the entry of local worker threads and of cluster workers' threads.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { isKinetraError } from "../errors.ts";
import { checkJob, executeJob, type JobEnvelope, type LocalWorkerReply } from "./job.ts";

export type { LocalWorkerReply } from "./job.ts";
import "./kinds.ts";

/** Check and execute one envelope; never throws. */
export async function runEnvelope(job: JobEnvelope, dataRoot: string): Promise<LocalWorkerReply> {
  const id = typeof job?.id === "string" ? job.id : "";
  try {
    const checked = await checkJob(job);
    const result = await executeJob(checked, { dataRoot });
    const err = typeof result === "object" && result !== null && "error" in result &&
      (result as { error: unknown }).error != null;
    return { id, result, error: err };
  } catch (e) {
    const code = isKinetraError(e) ? e.code : "internal_error";
    const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
    return { id, result: { error: { code, message } }, error: true };
  }
}

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
if (typeof g.WorkerGlobalScope !== "undefined" && g instanceof g.WorkerGlobalScope) {
  g.onmessage = async (ev: MessageEvent<{ job: JobEnvelope; dataRoot: string }>): Promise<void> => {
    g.postMessage(await runEnvelope(ev.data.job, ev.data.dataRoot));
  };
}
