/**
 * The "probe" job kind: does no work and returns its sequence number. It measures the queue's own
 * per-job cost (`deno task bench:cluster`) and lets an operator check that workers answer.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import { type JobKind, need, registerJobKind } from "./job.ts";

/** Payload of a probe job. */
export interface ProbePayload {
  /** Any whole number (distinguishes the jobs). */
  readonly seq: number;
}

/** The registered "probe" kind. */
export const PROBE_KIND: JobKind<ProbePayload, { seq: number }> = {
  kind: "probe",
  validate(raw) {
    const o = need.obj(raw, "probe job");
    const seq = need.num(o, "seq");
    if (!Number.isSafeInteger(seq)) {
      throw new KinetraError("bad_job", "probe job: seq must be a whole number");
    }
    return { seq };
  },
  execute(p) {
    return Promise.resolve({ seq: p.seq });
  },
};

registerJobKind(PROBE_KIND);
