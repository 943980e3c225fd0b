/**
 * The "batch" job kind: one file with the strategies of a batch (features computed once per file),
 * as `deno task backtest:batch` plans it. The payload names the file relative to the data root with
 * its SHA-256; trades come back inline (a cluster worker cannot write into the submitter's run
 * folder) and the collector writes them.
 *
 * @module
 */
import { KinetraError } from "../errors.ts";
import { runBatchJob } from "../backtest/batch_job.ts";
import type { BatchResult, Split } from "../backtest/batch_types.ts";
import { type JobContext, jobFilePath, type JobKind, need, registerJobKind } from "./job.ts";

/** Payload of a batch job. */
export interface BatchPayload {
  /** File relative to the data root (forward slashes). */
  readonly file: string;
  /** SHA-256 of the file's bytes. */
  readonly sha256: string;
  /** Symbol from the file name. */
  readonly symbol: string;
  /** Timeframe from the file name, or null. */
  readonly timeframe: string | null;
  /** Asset class (folder). */
  readonly assetClass: string;
  /** Registered strategy names. */
  readonly strategies: readonly string[];
  /** Part of the file traded. */
  readonly split: Split;
  /** Test share for raw files. */
  readonly testRatio: number;
  /** True for files of a prepared train/ or test/ folder. */
  readonly presplit: boolean;
  /** Engine profile. */
  readonly profile: "mt5" | "compat";
  /** Parameter overrides. */
  readonly params: Readonly<Record<string, number>>;
  /** Refuse a file whose name and bar spacing disagree on the timeframe. */
  readonly strictTimeframe: boolean;
  /** Use a file whose validation has CRITICAL findings (lib/data's gate); absent = refused. */
  readonly allowCritical?: boolean;
  /** Settles `NN/NN/YYYY` dates no row settles (`--date-order`); absent = such a file is refused. */
  readonly dateOrder?: "dmy" | "mdy";
  /** Modelling mode. */
  readonly model: "open" | "ohlc" | "lower";
}

/** Result of a batch job: one BatchResult per strategy, trades inline as CSV text. */
export interface BatchJobResult {
  /** Per strategy, `file` relative to the data root, `trades_csv` holding the trades. */
  readonly results: (BatchResult & { trades_csv?: string })[];
}

const NAME = /^[a-z][a-z0-9_]{0,63}$/;

function validate(raw: unknown): BatchPayload {
  const o = need.obj(raw, "batch job");
  const strategies = o.strategies;
  if (
    !Array.isArray(strategies) || !strategies.length ||
    strategies.some((s) => typeof s !== "string" || !NAME.test(s))
  ) {
    throw new KinetraError("bad_job", "batch job: strategies must be a list of strategy names");
  }
  const split = need.str(o, "split", /^(train|test|all)$/) as Split;
  const profile = need.str(o, "profile", /^(mt5|compat)$/) as "mt5" | "compat";
  const testRatio = need.num(o, "testRatio");
  if (!(testRatio > 0 && testRatio < 1)) {
    throw new KinetraError("bad_job", "batch job: testRatio must be in (0, 1)");
  }
  const tf = o.timeframe;
  if (tf !== null && (typeof tf !== "string" || !/^[A-Z]{1,2}\d{0,2}$/.test(tf))) {
    throw new KinetraError("bad_job", "batch job: timeframe is invalid");
  }
  return {
    file: need.str(o, "file", /^[^\0]{1,1024}$/),
    sha256: need.str(o, "sha256", /^[0-9a-f]{64}$/),
    symbol: need.str(o, "symbol", /^[^\0/\\]{1,64}$/),
    timeframe: tf as string | null,
    assetClass: need.str(o, "assetClass", /^[^\0/\\]{1,64}$/),
    strategies: strategies as string[],
    split,
    testRatio,
    presplit: need.bool(o, "presplit"),
    profile,
    params: need.numRecord(o.params ?? {}, "batch job params"),
    strictTimeframe: o.strictTimeframe === undefined ? false : need.bool(o, "strictTimeframe"),
    allowCritical: o.allowCritical === undefined ? undefined : need.bool(o, "allowCritical"),
    dateOrder: o.dateOrder === undefined
      ? undefined
      : need.str(o, "dateOrder", /^(dmy|mdy)$/) as BatchPayload["dateOrder"],
    model: o.model === undefined
      ? "ohlc"
      : need.str(o, "model", /^(open|ohlc|lower)$/) as BatchPayload["model"],
  };
}

async function execute(p: BatchPayload, ctx: JobContext): Promise<BatchJobResult> {
  const abs = jobFilePath(ctx, p.file);
  const results = await runBatchJob({
    id: 0,
    file: abs,
    symbol: p.symbol,
    timeframe: p.timeframe,
    assetClass: p.assetClass,
    strategies: p.strategies,
    split: p.split,
    testRatio: p.testRatio,
    presplit: p.presplit,
    tradesDir: "",
    engine: { profile: p.profile },
    params: p.params,
    expectSha256: p.sha256,
    strictTimeframe: p.strictTimeframe,
    allowCritical: p.allowCritical === true,
    ...(p.dateOrder ? { dateOrder: p.dateOrder } : {}),
    model: p.model,
  });
  const refused = results.find((r) =>
    r.error?.code === "sha256_mismatch" || r.error?.code === "file_not_found"
  );
  if (refused?.error) {
    throw new KinetraError(
      refused.error.code,
      refused.error.code === "file_not_found"
        ? `${p.file} is not under this worker's data root ${ctx.dataRoot} (map the shared folder with --data-root)`
        : `${refused.error.message}: the shared data is out of sync`,
    );
  }
  return { results: results.map((r) => ({ ...r, file: p.file })) };
}

/** The registered "batch" kind. */
export const BATCH_KIND: JobKind<BatchPayload, BatchJobResult> = {
  kind: "batch",
  validate,
  execute,
};

registerJobKind(BATCH_KIND);
