/**
 * The demo's research step: sma_cross optimised on one sample file (a small grid, DSR, PBO, Monte
 * Carlo; HTML report), then a short walk-forward (6-month training, 2-month test windows) whose
 * stitched out-of-sample result is judged against the promotion targets. Kept in its own file so
 * tasks/demo.ts only lists it.
 */
import { join } from "node:path";
import { scanCatalog } from "../lib/data/catalog.ts";
import { overfitVerdict, promotionLine } from "../lib/research/cli.ts";
import { optimize } from "../lib/research/optimize.ts";
import { optimizeReportHtml, walkForwardReportHtml } from "../lib/research/report.ts";
import { walkForward } from "../lib/research/walkforward.ts";
import { writeTextAtomic } from "../lib/util/fs.ts";

/** The step's context (the part of DemoContext it uses). */
export interface ResearchStepContext {
  source: string;
  out: string;
  summary: Record<string, unknown>;
  say(line: string): void;
}

const f = (x: unknown, d = 3) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(d) : "n/a");

/** Run the step; false when it could not run. */
export async function researchDemoStep(ctx: ResearchStepContext): Promise<boolean> {
  const cat = await scanCatalog(ctx.source);
  const entry = cat.files.find((e) => e.symbol.startsWith("GBPUSD")) ?? cat.files[0];
  if (!entry) {
    ctx.say(`no exports in ${ctx.source}`);
    return false;
  }
  const sweep = {
    data: { file: entry.path },
    strategy: "sma_cross",
    grid: ["fast=5:30:5", "slow=20:100:20"],
    constraints: ["fast<slow"],
    objective: "sharpe",
    seed: 1,
  };
  const opt = await optimize({ ...sweep, monteCarlo: 500, outDir: join(ctx.out, "optimize") });
  const b = opt.best;
  ctx.say(
    `optimise sma_cross on ${entry.relative_path}: ${opt.trials} trials in ${
      opt.seconds.toFixed(1)
    } s, best ${b ? `fast=${b.params.fast} slow=${b.params.slow} sharpe ${f(b.objective)}` : "none"} · DSR ${
      f(opt.deflated_sharpe.dsr)
    } · PBO ${f(opt.pbo.pbo)}`,
  );
  ctx.say(`  ${overfitVerdict(opt.deflated_sharpe, opt.pbo).text}`);
  const optReport = join(ctx.out, "reports", `optimize_${entry.symbol}_sma_cross.html`);
  await writeTextAtomic(
    optReport,
    optimizeReportHtml(opt, { title: `sma_cross optimisation on ${entry.relative_path}` }),
  );
  const wf = await walkForward({ ...sweep, train: "6M", test: "2M" });
  ctx.say(
    `walk-forward (6M train / 2M test, ${wf.windows.length} windows): out-of-sample return ${
      f(wf.oos.stats.return_pct, 2)
    } %, walk-forward efficiency ${f(wf.wfe)}`,
  );
  ctx.say(`  ${promotionLine(wf.oos.stats, "stitched out-of-sample results")}`);
  const wfReport = join(ctx.out, "reports", `walkforward_${entry.symbol}_sma_cross.html`);
  await writeTextAtomic(
    wfReport,
    walkForwardReportHtml(wf, { title: `sma_cross walk-forward on ${entry.relative_path}` }),
  );
  ctx.say(`  reports: ${optReport}, ${wfReport}`);
  ctx.summary.research = {
    file: entry.relative_path,
    trials: opt.trials,
    best: b?.params ?? null,
    dsr: opt.deflated_sharpe.dsr,
    pbo: opt.pbo.pbo,
    windows: wf.windows.length,
    oos_return_pct: wf.oos.stats.return_pct,
    wfe: wf.wfe,
    promotion: wf.promotion,
    reports: [optReport, wfReport],
  };
  return opt.trials > 0 && wf.windows.length > 0;
}
