/**
 * Worker entry of `WorkerRunner`: receives jobs one at a time, runs them and posts the results.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { executeJob, type Job } from "./jobs.ts";

self.onmessage = async (ev: MessageEvent<Job>): Promise<void> => {
  self.postMessage(await executeJob(ev.data));
};
