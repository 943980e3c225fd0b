/**
 * Backtesting: a quick backtest (strategy, symbol and timeframe chosen from what exists) with a
 * one-file HTML report, a batch over the catalog (the batch runner in parallel workers), a
 * comparison of every registered strategy on one file, and opening the last report.
 *
 * @module
 */
import { join, resolve } from "node:path";
import type { BarArrays, Bars, BarsMeta } from "../../data/types.ts";
import { KinetraError } from "../../errors.ts";
import { exists, utcStamp, writeJsonAtomic, writeTextAtomic } from "../../util/fs.ts";
import { OperationCancelled } from "../control.ts";
import { resolveTimeframe } from "../../data/timeframe.ts";
import { type DatasetFile, listDatasets, pickDataset, requireData } from "../datasets.ts";
import { projectRoot } from "../docs_view.ts";
import { type OperationHandle, yieldToEvents } from "../operation.ts";
import { loadPart } from "../parts.ts";
import type { ActionContext, MenuAction } from "../types.ts";
import { loadDataRead } from "./exploration.ts";
import { loadRegistry, pickStrategy } from "./strategies.ts";
import { recentResults } from "./system.ts";

/** The part of lib/backtest the menu calls. */
type BacktestApi = Pick<typeof import("../../backtest/mod.ts"), "runBacktest">;

/** A backtest result as lib/backtest returns it. */
export type BacktestResultView = import("../../backtest/mod.ts").BacktestResult;

/** The part of lib/plot the menu calls. */
type PlotApi = Pick<typeof import("../../plot/mod.ts"), "backtestReportHtml">;

/** Run one strategy on one file through the library (read, then runBacktest: features, engine). */
export async function backtestFile(
  file: DatasetFile,
  strategyNames: readonly string[],
  op: OperationHandle,
): Promise<{ bars: BarArrays; meta: BarsMeta; results: { strategy: string; result: BacktestResultView }[] }> {
  const data = await loadDataRead();
  const registry = await loadRegistry();
  const engine = await loadPart<BacktestApi>("backtest/mod.ts", "The backtest engine (lib/backtest)", [
    "runBacktest",
  ]);
  const total = strategyNames.length + 1;
  op.progress(0, total, "reading");
  const loaded: Bars = await data.readBars(file.path);
  const bars = data.toArrays(loaded);
  // A mislabelled file (named H4, bars one hour apart) is used as what its bars are, and said so.
  const tf = resolveTimeframe(loaded.meta.timeframe, loaded.meta.timeframeDetected, file.rel);
  const meta: BarsMeta = { ...loaded.meta, timeframe: tf.timeframe };
  if (tf.warning) op.log(`  Warning: ${tf.warning}`);
  const results: { strategy: string; result: BacktestResultView }[] = [];
  for (let i = 0; i < strategyNames.length; i++) {
    await yieldToEvents();
    op.checkCancelled();
    op.progress(i + 1, total, strategyNames[i]);
    const strategy = registry.getStrategy(strategyNames[i]);
    // runBacktest computes the strategy's features and the energy column (one policy for all).
    results.push({ strategy: strategy.name, result: engine.runBacktest({ bars, meta, strategy }) });
  }
  op.progress(total, total);
  return { bars, meta, results };
}

const num = (v: unknown, digits = 2): string =>
  typeof v === "number" && Number.isFinite(v)
    ? v.toFixed(digits)
    : v === null || v === undefined
    ? "n/a"
    : String(v);

/** The stats shown after a run, in order. */
export const KEY_STATS: readonly [string, string][] = [
  ["trades", "trades"],
  ["return_pct", "return %"],
  ["buy_hold_return_pct", "buy & hold %"],
  ["max_drawdown_pct", "max drawdown %"],
  ["win_rate_pct", "win rate %"],
  ["sharpe", "Sharpe"],
  ["profit_factor", "profit factor"],
  ["omega", "Omega"],
  ["chs", "CHS"],
  ["energy_captured_pct", "energy captured %"],
  ["total_costs", "total costs"],
];

/** Quick backtest with an HTML report. */
export const quickBacktest: MenuAction = {
  kind: "action",
  title: "Quick Backtest",
  description: "one strategy on one symbol and timeframe, with an HTML report",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const strategy = await pickStrategy(ask);
    const file = await pickDataset(ask, opts.dataDir);
    const { bars, meta, results } = await ctx.operation(
      `Backtesting ${strategy} on ${file.rel}`,
      (op) => backtestFile(file, [strategy], op),
    );
    const r = results[0].result;
    ask.say(`  ${strategy} on ${file.symbol} ${meta.timeframe ?? ""} (${bars.length} bars):`);
    for (const [k, label] of KEY_STATS) {
      if (k in r.stats) ask.say(`    ${label.padEnd(20)} ${num(r.stats[k])}`);
    }
    const base = join(
      opts.logsDir,
      "menu",
      `backtest_${utcStamp()}_${strategy}_${file.symbol}_${meta.timeframe ?? "tf"}`,
    );
    const json = r.toJSON();
    await writeJsonAtomic(`${base}.json`, {
      strategy,
      symbol: meta.symbol,
      timeframe: meta.timeframe,
      source: file.path,
      ...json,
    });
    ask.say(`  Results: ${base}.json`);
    try {
      const plot = await loadPart<PlotApi>("plot/mod.ts", "Reports (lib/plot)", ["backtestReportHtml"]);
      const html = plot.backtestReportHtml({
        title: `${strategy} on ${meta.symbol} ${meta.timeframe ?? ""}`,
        subtitle: file.rel,
        time: bars.time,
        open: bars.open,
        high: bars.high,
        low: bars.low,
        close: bars.close,
        equity: r.equity,
        drawdownPct: r.drawdownPct,
        trades: json.trades as unknown as Parameters<PlotApi["backtestReportHtml"]>[0]["trades"],
        stats: json.stats,
      });
      await writeTextAtomic(`${base}.html`, html);
      ask.say(`  Report:  ${base}.html`);
      ask.say("  Next: Open the Last Report (option 4), or Compare Strategies on this file (option 3).");
    } catch (e) {
      ask.say(`  No HTML report: ${(e as Error).message}`);
      ask.say("  Next: Compare Strategies (option 3) on this file.");
    }
  },
};

/** Compare every registered strategy on one file. */
export const compareStrategies: MenuAction = {
  kind: "action",
  title: "Compare Strategies",
  description: "every registered strategy on one symbol and timeframe, side by side",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const names = (await loadRegistry()).listStrategies().map((s) => s.name);
    const file = await pickDataset(ask, opts.dataDir);
    const { results } = await ctx.operation(
      `Running ${names.length} strategies on ${file.rel}`,
      (op) => backtestFile(file, names, op),
    );
    results.sort((a, b) =>
      Number(b.result.stats.return_pct ?? -Infinity) - Number(a.result.stats.return_pct ?? -Infinity)
    );
    const cols = KEY_STATS.filter(([k]) => results.some((r) => k in r.result.stats)).slice(0, 8);
    ask.say(`  ${"strategy".padEnd(16)}${cols.map(([, l]) => l.slice(0, 12).padStart(13)).join("")}`);
    for (const { strategy, result } of results) {
      ask.say(`  ${strategy.padEnd(16)}${cols.map(([k]) => num(result.stats[k]).padStart(13)).join("")}`);
    }
    const out = join(
      opts.logsDir,
      "menu",
      `compare_${utcStamp()}_${file.symbol}_${file.timeframe ?? "tf"}.json`,
    );
    await writeJsonAtomic(out, {
      source: file.path,
      results: results.map((r) => ({ strategy: r.strategy, stats: r.result.stats })),
    });
    ask.say(`  Best by return: ${results[0]?.strategy ?? "n/a"}. Saved: ${out}`);
    ask.say("  Next: Quick Backtest (option 1) on the best one writes its full report.");
  },
};

/** The batch runner's entry point, or a clear "not available". */
async function batchTask(): Promise<string> {
  const path = join(projectRoot(), "tasks", "backtest_batch.ts");
  if (!(await exists(path))) {
    throw new KinetraError(
      "part_unavailable",
      "The batch runner is not available in this build: tasks/backtest_batch.ts does not exist yet.",
      { exitCode: 1 },
    );
  }
  return path;
}

/** The run_<stamp> folders under a batch output folder, oldest first. */
async function runFolders(outDir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(outDir)) {
      if (e.isDirectory && e.name.startsWith("run_")) names.push(e.name);
    }
  } catch { /* no folder yet */ }
  return names.sort();
}

/** Batch over the catalog: every registered strategy on every file, in parallel workers. */
export const batchBacktest: MenuAction = {
  kind: "action",
  title: "Batch over the Catalog",
  description: "every registered strategy on every data file, in parallel workers, with a summary",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const files = await listDatasets(opts.dataDir);
    requireData(files, opts.dataDir);
    const task = await batchTask();
    const names = (await loadRegistry()).listStrategies().map((s) => s.name);
    const which = await ask.choose("Strategies", ["all registered: " + names.join(", "), ...names], 0);
    const strategies = which === 0 ? names : [names[which - 1]];
    if (!(await ask.confirm(`Run ${strategies.length} strategies on ${files.length} files?`, true))) {
      ask.say("  Not started.");
      return;
    }
    const outDir = join(opts.logsDir, "backtests");
    const args = [
      "run",
      "--no-prompt",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-ffi",
      "--allow-sys",
      task,
      "--source",
      resolve(opts.dataDir),
      "--out",
      resolve(outDir),
      "--strategies",
      strategies.join(","),
    ];
    const before = new Set(await runFolders(outDir));
    let out;
    try {
      out = await ctx.operation(
        "Batch backtest",
        (op) => op.runChild(Deno.execPath(), args),
        { cooperative: true }, // Ctrl-C lets the child stop cleanly and print its last words
      );
    } catch (e) {
      if (e instanceof OperationCancelled) {
        // The child saves what finished on SIGTERM: say where, so nothing looks lost.
        const fresh = (await runFolders(outDir)).filter((d) => !before.has(d));
        ask.say(
          fresh.length
            ? `  Partial results (the runs that finished): ${join(outDir, fresh[fresh.length - 1])}`
            : `  No run folder was written under ${outDir} before it stopped.`,
        );
      }
      throw e;
    }
    if (out.code !== 0) {
      ask.say(`  The batch stopped with exit code ${out.code} (see the messages above).`);
      return;
    }
    const latest = (await recentResults(outDir, 1))[0];
    ask.say(`  Done. Results under ${outDir}${latest ? `: ${latest.path}` : ""}.`);
    ask.say("  Next: System Status > Recent Results, or the notebooks' strategy x symbol heatmap.");
  },
};

/** Open the newest HTML report under the logs folder. */
export const openLastReport: MenuAction = {
  kind: "action",
  title: "Open the Last Report",
  description: "the newest HTML backtest report under the logs folder",
  async run({ ask, opts }: ActionContext): Promise<void> {
    const reports = (await recentResults(opts.logsDir, 50)).filter((r) => r.path.endsWith(".html"));
    if (reports.length === 0) {
      ask.say(`  No HTML report under ${opts.logsDir} yet.`);
      ask.say("  Next: Quick Backtest (option 1) writes one.");
      return;
    }
    const r = reports[0];
    const abs = resolve(r.path);
    const info = await Deno.stat(abs);
    ask.say(
      `  Last report: ${r.path} (${(info.size / 1e6).toFixed(1)} MB, ${
        r.modified.toISOString().slice(0, 19)
      }Z)`,
    );
    ask.say(`  Open in a browser: file://${abs}`);
    const display = (() => {
      try {
        return Deno.env.get("DISPLAY") ?? Deno.env.get("WAYLAND_DISPLAY");
      } catch {
        return undefined;
      }
    })();
    if (display && ask.isTerminal && (await exists("/usr/bin/xdg-open"))) {
      if (await ask.confirm("Open it now with xdg-open?", true)) {
        const st = await new Deno.Command("/usr/bin/xdg-open", {
          args: [abs],
          stdout: "null",
          stderr: "null",
        })
          .output();
        ask.say(st.success ? "  Opened." : "  xdg-open failed; use the file:// address above.");
      }
    } else {
      ask.say(
        "  (No graphical display here: copy the file to a machine with a browser, or open the address.)",
      );
    }
  },
};
