/**
 * Worker entry of `runBatch`: receives jobs one at a time, runs them and posts the results.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { runBatchJob } from "./batch_job.ts";
import type { BatchJob, WorkerMessage } from "./batch_types.ts";

self.onmessage = async (ev: MessageEvent<BatchJob>): Promise<void> => {
  const job = ev.data;
  const results = await runBatchJob(job);
  const msg: WorkerMessage = { type: "done", jobId: job.id, results };
  self.postMessage(msg);
};
