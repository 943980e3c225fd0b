/**
 * `deno task demo [--source DIR] [--out DIR] [--json]`: Kinetra's main job on the bundled sample.
 *
 * The demo is a sequence of separate steps sharing one context; each step prints its own section
 * and adds its results to the summary. Steps so far: inspect one file, validate the folder,
 * prepare the train/test split. Later steps (backtests, reports) append to `STEPS`.
 *
 * Outputs go to `<out>` (default logs/demo): `prepared/` (train/test Parquet + manifest.json) and
 * `summary.json`. The source folder is only read.
 */
import { join } from "node:path";
import {
  formatInspect,
  formatManifest,
  formatValidation,
  inspectFile,
  makeProgress,
  parseTaskArgs,
  prepareDataset,
  scanCatalog,
  validateFolder,
} from "../lib/data/mod.ts";
import { runBatch } from "../lib/backtest/batch.ts";
import { summaryTable } from "../lib/backtest/batch_summary.ts";
import { runTask } from "../lib/util/cli.ts";
import { portfolioDemoStep } from "./_demo_portfolio.ts";
import { researchDemoStep } from "./_demo_research.ts";
import { dashboardDemoStep } from "./_demo_dashboard.ts";
import { thirdPartyDemoStep } from "./_demo_third_party.ts";
import { writeJsonAtomic } from "../lib/util/fs.ts";
import { SAMPLE_DIR } from "../lib/util/paths.ts";

/** What every step can read and add to. */
export interface DemoContext {
  /** Folder of exports the demo runs on (read only). */
  source: string;
  /** Output folder of this demo run. */
  out: string;
  /** True with --json: steps print nothing, the summary is printed as JSON at the end. */
  json: boolean;
  /** Results by step name (becomes summary.json). */
  summary: Record<string, unknown>;
  /** Print a line of the human report (silent with --json). */
  say(line: string): void;
}

/** One step of the demo: a title and a function that does the work and fills `ctx.summary`. */
export interface DemoStep {
  name: string;
  title: string;
  /** Return false to mark the step as failed (the demo goes on and exits 1 at the end). */
  run(ctx: DemoContext): Promise<boolean>;
}

/** Step 1: inspect the first file of the source. */
const inspectStep: DemoStep = {
  name: "inspect",
  title: "Inspect one export",
  async run(ctx) {
    const cat = await scanCatalog(ctx.source);
    const first = cat.files[0]?.path;
    if (!first) {
      ctx.say(`no exports in ${ctx.source}`);
      return false;
    }
    const rec = await inspectFile(first);
    ctx.say(formatInspect(rec));
    ctx.summary.inspect = {
      file: rec.file,
      format: rec.format,
      rows: rec.rows,
      timeframe_detected: rec.timeframe_detected,
      severity: rec.severity,
    };
    return rec.format !== null;
  },
};

/** Step 2: validate every file of the source. */
const validateStep: DemoStep = {
  name: "validate",
  title: "Validate every export",
  async run(ctx) {
    const v = await validateFolder(ctx.source);
    ctx.say(formatValidation(v));
    ctx.summary.validate = {
      files: v.records.length,
      bars: v.records.reduce((s, r) => s + r.rows, 0),
      by_severity: v.by_severity,
      critical_files: v.records.filter((r) => r.severity === "CRITICAL").map((r) => r.file),
    };
    return !v.has_critical;
  },
};

/** Step 3: chronological train/test split into `<out>/prepared`. */
const prepareStep: DemoStep = {
  name: "prepare",
  title: "Prepare train/test splits",
  async run(ctx) {
    const progress = ctx.json ? undefined : makeProgress();
    const m = await prepareDataset({
      source: ctx.source,
      out: join(ctx.out, "prepared"),
      onProgress: progress ? (d, t, label) => progress(d, t, label) : undefined,
    });
    ctx.say(formatManifest(m));
    ctx.summary.prepare = { out: m.out, test_ratio: m.test_ratio, totals: m.totals };
    return m.totals.failed === 0;
  },
};

/** Step: the three physics strategies on every sample file, in parallel workers. */
const strategiesStep: DemoStep = {
  name: "strategies",
  title: "Backtest BERSERKER, SNIPER and MULTI_AGENT_V7 on every file",
  async run(ctx) {
    const run = await runBatch({
      source: ctx.source,
      strategies: ["berserker", "sniper", "multi_agent_v7"],
      outDir: join(ctx.out, "backtests"),
    });
    ctx.say(summaryTable(run.summary));
    const failed = run.results.filter((r) => r.error);
    for (const r of failed) ctx.say(`  failed: ${r.file} ${r.strategy}: ${r.error!.message}`);
    ctx.say(`  ${run.results.length} runs in ${(run.wallMs / 1000).toFixed(2)} s; results in ${run.runDir}`);
    ctx.summary.strategies = {
      run_dir: run.runDir,
      runs: run.results.length,
      failed: failed.length,
      summary: run.summary.filter((r) => r.asset_class === "all"),
    };
    return failed.length === 0;
  },
};

/** Step: SmaCross on every sample file (mt5 profile for MT5 exports), one HTML report per file. */
const smaCrossStep: DemoStep = {
  name: "sma_cross",
  title: "Backtest SmaCross(10, 30) on every file, with HTML reports",
  async run(ctx) {
    const { runBacktest } = await import("../lib/backtest/run.ts");
    const { getStrategy } = await import("../lib/strategies/registry.ts");
    const { backtestReportHtml } = await import("../lib/plot/mod.ts");
    const { readBars, toArrays } = await import("../lib/data/mod.ts");
    const { writeTextAtomic } = await import("../lib/util/fs.ts");
    const strategy = getStrategy("sma_cross");
    const cat = await scanCatalog(ctx.source);
    const rows: Record<string, unknown>[] = [];
    let ok = true;
    ctx.say("  file                              trades  return %   sharpe  max DD %     CHS  report");
    for (const f of cat.files) {
      try {
        const bars = await readBars(f.path);
        const a = toArrays(bars);
        const profile = bars.meta.format.startsWith("mt5") ? "mt5" : "compat";
        const r = runBacktest({ bars: a, meta: bars.meta, strategy, config: { profile } });
        const tf = bars.meta.timeframe ?? bars.meta.timeframeDetected ?? "";
        const report = join(ctx.out, "reports", `${bars.meta.symbol}_${tf}_sma_cross.html`);
        const stats = r.toJSON().stats;
        await writeTextAtomic(
          report,
          backtestReportHtml({
            title: `sma_cross on ${bars.meta.symbol} ${tf}`,
            subtitle: `${profile} profile · fast=10 slow=30 · ${f.path}`,
            time: a.time,
            open: a.open,
            high: a.high,
            low: a.low,
            close: a.close,
            equity: r.equity,
            drawdownPct: r.drawdownPct,
            trades: r.trades as unknown as Parameters<typeof backtestReportHtml>[0]["trades"],
            stats,
          }),
        );
        const s = r.stats;
        const n = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "-");
        ctx.say(
          `  ${`${bars.meta.symbol} ${tf}`.padEnd(32)} ${String(s.trades).padStart(7)} ${
            n(s.return_pct).padStart(9)
          } ${n(s.sharpe).padStart(8)} ${n(s.max_drawdown_pct).padStart(9)} ${
            n(s.chs, 3).padStart(7)
          }  ${report}`,
        );
        rows.push({
          file: f.path,
          profile,
          trades: s.trades,
          return_pct: stats.return_pct,
          sharpe: stats.sharpe,
          max_drawdown_pct: stats.max_drawdown_pct,
          chs: stats.chs,
          report,
        });
      } catch (e) {
        ok = false;
        ctx.say(`  failed: ${f.path}: ${(e as Error).message}`);
        rows.push({ file: f.path, error: (e as Error).message });
      }
    }
    ctx.summary.sma_cross = { files: rows.length, results: rows };
    return ok && rows.length > 0;
  },
};

/** The demo's steps, in order. */
/** One account over every symbol of the source (tasks/_demo_portfolio.ts). */
const portfolioStep: DemoStep = {
  name: "portfolio",
  title: "Portfolio: every symbol on one account",
  run: (ctx) => portfolioDemoStep(ctx),
};

/** sma_cross optimised on one file, then walked forward (tasks/_demo_research.ts). */
const researchStep: DemoStep = {
  name: "research",
  title: "Research: optimise and walk forward (DSR, PBO, out-of-sample promotion)",
  run: (ctx) => researchDemoStep(ctx),
};

/** A virtual session and its live dashboard, replayed from the journal (tasks/_demo_dashboard.ts). */
const dashboardStep: DemoStep = {
  name: "dashboard",
  title: "Live dashboard of a virtual session",
  run: (ctx) => dashboardDemoStep(ctx),
};

/** Third-party layouts (issue 20): two vendor-style files written from the sample, read back (tasks/_demo_third_party.ts). */
const thirdPartyStep: DemoStep = {
  name: "third_party",
  title: "Third-party layouts: read, with every decision reported",
  run: (ctx) => thirdPartyDemoStep(ctx),
};

export const STEPS: DemoStep[] = [
  inspectStep,
  validateStep,
  prepareStep,
  smaCrossStep,
  strategiesStep,
  portfolioStep,
  researchStep,
  dashboardStep,
  thirdPartyStep,
];

const USAGE = "usage: deno task demo [--source DIR] [--out DIR] [--json]";

if (import.meta.main) {
  await runTask(async () => {
    const { values } = parseTaskArgs(Deno.args, {
      source: { type: "string" },
      out: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    }, USAGE);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const ctx: DemoContext = {
      source: values.source ?? SAMPLE_DIR,
      out: values.out ?? join("logs", "demo"),
      json: values.json,
      summary: {},
      say: (line) => {
        if (!values.json) console.log(line);
      },
    };
    const started = performance.now();
    const results: Array<{ step: string; ok: boolean; ms: number }> = [];
    for (const [i, step] of STEPS.entries()) {
      ctx.say(`\n== ${i + 1}/${STEPS.length} ${step.title} ==`);
      const t0 = performance.now();
      const ok = await step.run(ctx);
      results.push({ step: step.name, ok, ms: Math.round(performance.now() - t0) });
    }
    const summary = {
      source: ctx.source,
      out: ctx.out,
      finished_at: new Date().toISOString(),
      total_ms: Math.round(performance.now() - started),
      steps: results,
      ...ctx.summary,
    };
    await writeJsonAtomic(join(ctx.out, "summary.json"), summary);
    if (values.json) console.log(JSON.stringify(summary, null, 2));
    else {
      ctx.say(`\n== Summary ==`);
      for (const r of results) ctx.say(`  ${r.ok ? "ok    " : "FAILED"} ${r.step.padEnd(10)} ${r.ms} ms`);
      ctx.say(`  outputs in ${ctx.out} (summary.json, prepared/)`);
    }
    return results.every((r) => r.ok) ? 0 : 1;
  });
}
