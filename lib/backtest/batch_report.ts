/**
 * `deno task backtest:batch --report`: after the batch, each file is run again in this thread with
 * the same plan (so the figures are the batch's own) to write every run's report under
 * `<run>/reports/` (sharing one `plotly.min.js`), then the summary page `<run>/report.html`.
 *
 * @module
 */
import { join } from "node:path";
import { type BatchPageRun, batchSummaryHtml } from "../plot/batch_report.ts";
import { plotlyJs } from "../plot/html.ts";
import { writeTextAtomic } from "../util/fs.ts";
import { type BatchOptions, type BatchRun, planBatch } from "./batch.ts";
import { runBatchJob } from "./batch_job.ts";

/** Write the per-run reports and the summary page of a finished batch; returns the page's path. */
export async function writeBatchReport(
  run: BatchRun,
  opts: BatchOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<string> {
  const reportDir = join(run.runDir, "reports");
  await Deno.mkdir(reportDir, { recursive: true });
  await writeTextAtomic(join(reportDir, "plotly.min.js"), plotlyJs());
  const jobs = await planBatch(opts, "");
  const runs: BatchPageRun[] = [];
  let done = 0;
  for (const job of jobs) {
    for (const r of await runBatchJob({ ...job, reportDir })) {
      runs.push({
        file: r.file,
        symbol: r.symbol,
        timeframe: r.timeframe,
        strategy: r.strategy,
        stats: r.stats as unknown as Record<string, number | string | null> | null,
        error: r.error,
        report_file: r.report_file,
        equity_curve: r.equity_curve,
      });
    }
    onProgress?.(++done, jobs.length);
  }
  const path = join(run.runDir, "report.html");
  await writeTextAtomic(
    path,
    batchSummaryHtml({
      title: `Batch ${run.runDir.split(/[\\/]/).pop()}`,
      subtitle: `source ${opts.source} · split ${opts.split ?? "all"} · profile ${opts.profile ?? "mt5"}`,
      runs,
    }),
  );
  return path;
}
