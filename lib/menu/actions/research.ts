/**
 * Backtesting › Optimise Parameters and Walk-Forward Analysis: the menu's face of lib/research
 * (docs/RESEARCH.md). The grid is proposed from the strategy's declared parameters; every answer
 * can be changed; the results, an HTML report and the verdict on overfitting are written under the
 * logs folder.
 *
 * @module
 */
import { join } from "node:path";
import type { Strategy } from "../../strategies/contract.ts";
import { utcStamp, writeJsonAtomic, writeTextAtomic } from "../../util/fs.ts";
import { pickDataset } from "../datasets.ts";
import type { Prompter } from "../prompter.ts";
import type { ActionContext, MenuAction } from "../types.ts";
import { loadRegistry, pickStrategy } from "./strategies.ts";
import { withDateOrder } from "../date_order.ts";

type ResearchApi = typeof import("../../research/mod.ts");

async function research(): Promise<ResearchApi> {
  return await import("../../research/mod.ts");
}

/** A grid proposed from a strategy's declared parameters: about 6 values around each default. */
export function proposedGrid(s: Strategy): string[] {
  return Object.entries(s.params).map(([name, p]) => {
    const d = p.default;
    if (p.integer) {
      const lo = Math.max(p.min ?? 1, Math.max(1, Math.round(d / 2)));
      const hi = Math.min(p.max ?? Infinity, Math.max(lo + 1, d * 2));
      const step = Math.max(1, Math.round((hi - lo) / 6));
      return `${name}=${lo}:${hi}:${step}`;
    }
    const vals = [0.5, 0.75, 1, 1.5, 2].map((f) => Number((d * f).toPrecision(3)))
      .filter((v) => (p.min === undefined || v >= p.min) && (p.max === undefined || v <= p.max));
    return `${name}=${[...new Set(vals)].join(",")}`;
  });
}

const OBJECTIVES = ["sharpe", "omega", "return_pct", "sortino", "calmar", "profit_factor", "sqn", "chs"];

interface SweepAnswers {
  strategy: string;
  grid: string[];
  constraints: string[];
  objective: string;
}

async function askSweep(ask: Prompter, api: ResearchApi): Promise<SweepAnswers> {
  const strategy = await pickStrategy(ask);
  const s = (await loadRegistry()).getStrategy(strategy);
  const defGrid = proposedGrid(s).join(" ");
  const gridText = await ask.text("Grid (NAME=START:STOP:STEP or NAME=v1,v2,..., separated by spaces)", {
    default: defGrid,
    validate: (v) => {
      try {
        api.buildSpace(s, v.trim().split(/\s+/));
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
  const names = Object.keys(s.params);
  const defConstraint = names.includes("fast") && names.includes("slow") ? "fast<slow" : "none";
  const constraintText = await ask.text('Constraint (e.g. "fast<slow", or none)', {
    default: defConstraint,
    validate: (v) => {
      if (v.trim().toLowerCase() === "none") return null;
      try {
        api.buildSpace(s, gridText.trim().split(/\s+/), [v]);
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
  const o = await ask.choose("Objective (maximised)", OBJECTIVES, 0);
  return {
    strategy,
    grid: gridText.trim().split(/\s+/),
    constraints: constraintText.trim().toLowerCase() === "none" ? [] : [constraintText],
    objective: OBJECTIVES[o],
  };
}

const f = (x: unknown, d = 3) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(d) : "n/a");

/** Optimise a strategy's parameters on one file. */
export const optimiseParameters: MenuAction = {
  kind: "action",
  title: "Optimise Parameters",
  description:
    "sweep a strategy's parameters on one file (grid, random or TPE) with DSR, PBO and Monte Carlo",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const api = await research();
    const sw = await askSweep(ask, api);
    const file = await pickDataset(ask, opts.dataDir);
    const m = await ask.choose("Search", ["grid (every point)", "random (seeded)", "bayes (TPE)"], 0);
    const method = (["grid", "random", "bayes"] as const)[m];
    const trials = method === "grid"
      ? undefined
      : await ask.number("Trials", { default: 50, min: 2, max: 100_000, integer: true });
    const dir = join(opts.logsDir, "menu", `optimize_${utcStamp()}_${sw.strategy}_${file.symbol}`);
    const r = await withDateOrder(
      ctx,
      (dateOrder) =>
        ctx.operation(`Optimising ${sw.strategy} on ${file.rel}`, (op) =>
          api.optimize({
            data: { file: file.path, dateOrder },
            strategy: sw.strategy,
            grid: sw.grid,
            constraints: sw.constraints,
            objective: sw.objective,
            method,
            trials,
            monteCarlo: 1000,
            outDir: dir,
            signal: op.signal,
            onProgress: (done, total) => op.progress(done, total),
          })),
    );
    const ranked = r.results.filter((t) => !t.excluded).sort((a, b) => b.objective! - a.objective!);
    const swept = r.space.dims.map((d) => d.name);
    ask.say(
      `  ${r.trials} trials (${r.excluded} excluded), ${r.seconds.toFixed(1)} s${
        r.interrupted ? ", interrupted" : ""
      }:`,
    );
    for (const t of ranked.slice(0, 5)) {
      ask.say(
        `    ${swept.map((n) => `${n}=${t.params[n]}`).join(" ").padEnd(28)} ${sw.objective} ${
          f(t.objective)
        }  trades ${t.stats?.trades ?? "?"}`,
      );
    }
    const d = r.deflated_sharpe;
    ask.say(
      `  DSR ${f(d.dsr)} (expected max Sharpe of ${d.trials} trials ${
        f(d.expected_max_sharpe, 4)
      } per bar) · PBO ${f(r.pbo.pbo)}`,
    );
    ask.say(`  ${api.overfitVerdict(d, r.pbo).text}`);
    const report = join(dir, "report.html");
    await writeTextAtomic(
      report,
      api.optimizeReportHtml(r, { title: `${sw.strategy} optimisation on ${file.rel}` }),
    );
    ask.say(`  Results: ${join(dir, "results.jsonl")}  Report: ${report}`);
    ask.say("  Next: Walk-Forward Analysis (option 6) judges the choice out of sample.");
  },
};

/** Walk-forward analysis on one file. */
export const walkForwardAnalysis: MenuAction = {
  kind: "action",
  title: "Walk-Forward Analysis",
  description:
    "optimise on rolling training windows, trade the choice on the next window, stitch the results",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const api = await research();
    const sw = await askSweep(ask, api);
    const file = await pickDataset(ask, opts.dataDir);
    const size = (v: string) => {
      try {
        api.parseWindowSize(v, "window");
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    };
    const train = await ask.text("Training window (bars, or 6M, 2W, 30D, 1Y)", {
      default: "6M",
      validate: size,
    });
    const test = await ask.text("Test window", { default: "2M", validate: size });
    const anchored = await ask.confirm("Anchored (every training window starts at the first bar)?", false);
    const r = await ctx.operation(`Walk-forward of ${sw.strategy} on ${file.rel}`, (op) =>
      api.walkForward({
        data: { file: file.path },
        strategy: sw.strategy,
        grid: sw.grid,
        constraints: sw.constraints,
        objective: sw.objective,
        train,
        test,
        anchored,
        signal: op.signal,
        onProgress: (k, n) => op.progress(k, n),
      }));
    for (const [k, w] of r.windows.entries()) {
      const p = w.best_params ? r.swept.map((n) => `${n}=${w.best_params![n]}`).join(" ") : "(none ranked)";
      ask.say(
        `    ${String(k + 1).padStart(2)} ${w.test.start.slice(0, 10)} … ${w.test.end.slice(0, 10)}  ${
          p.padEnd(24)
        } OOS return ${f(w.oos_stats.return_pct, 2)} %`,
      );
    }
    const s = r.oos.stats;
    ask.say(
      `  Stitched out of sample: return ${f(s.return_pct, 2)} %, ${s.trades} trades, Omega ${
        f(s.omega)
      }, CHS ${f(s.chs)}; walk-forward efficiency ${f(r.wfe)}`,
    );
    ask.say(
      `  Promotion (out of sample): ${r.promotion.passed ? "targets met" : "not promoted"} · ${
        api.overfitVerdict(r.deflated_sharpe, r.pbo).text
      }`,
    );
    const base = join(opts.logsDir, "menu", `walkforward_${utcStamp()}_${sw.strategy}_${file.symbol}`);
    await writeJsonAtomic(`${base}.json`, api.walkForwardJson(r));
    await writeTextAtomic(
      `${base}.html`,
      api.walkForwardReportHtml(r, { title: `${sw.strategy} walk-forward on ${file.rel}` }),
    );
    ask.say(`  Results: ${base}.json  Report: ${base}.html`);
  },
};
