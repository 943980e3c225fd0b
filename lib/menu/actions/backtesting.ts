/**
 * Backtesting: a quick backtest (strategy, symbol and timeframe chosen from what exists) with a
 * one-file HTML report, a batch over the catalog (the batch runner in parallel workers), a
 * comparison of every registered strategy on one file, and opening the last report.
 *
 * @module
 */
import { join, resolve } from "node:path";
import type { BarArrays, Bars, BarsMeta } from "../../data/types.ts";
import { symbolSpec } from "../../market/instrument.ts";
import { barsForWindow, commonWindowStart, firstTradedBar } from "../../backtest/common_window.ts";
import { type FeatureArrays, resolveParams } from "../../strategies/contract.ts";
import { exists, utcStamp, writeJsonAtomic, writeTextAtomic } from "../../util/fs.ts";
import { OperationCancelled } from "../control.ts";
import { resolveTimeframe } from "../../data/timeframe.ts";
import { type DatasetFile, listDatasets, pickDataset, requireData } from "../datasets.ts";
import { projectRoot } from "../docs_view.ts";
import { type OperationHandle, yieldToEvents } from "../operation.ts";
import type { ActionContext, MenuAction } from "../types.ts";
import { type FeaturesApi, loadDataRead } from "./exploration.ts";
import { loadRegistry, pickStrategy } from "./strategies.ts";
import { recentResults } from "./system.ts";
import { withDateOrder } from "../date_order.ts";

/** The part of lib/backtest the menu calls. */
type BacktestApi = Pick<typeof import("../../backtest/mod.ts"), "runBacktest">;

/** A backtest result as lib/backtest returns it. */
export type BacktestResultView = import("../../backtest/mod.ts").BacktestResult;

/** The part of lib/portfolio the menu calls (currency conversion at the rates of the time). */
type ConversionApi = Pick<typeof import("../../portfolio/conversion.ts"), "conversionForFile">;

/** The part of lib/plot the menu calls. */
type PlotApi = Pick<typeof import("../../plot/mod.ts"), "backtestReportHtml" | "backtestReportInput">;

/** The common evaluation window of a comparison (see lib/backtest/common_window.ts). */
export interface EvaluationWindow {
  /** First evaluated bar of the file (after the longest warm-up of the set). */
  startBar: number;
  /** The strategy with the longest warm-up. */
  longest: string;
  /** Evaluated bars (from `startBar` to the end). */
  bars: number;
}

/**
 * Run strategies on one file through the library (read, features, engine). With `commonWindow`
 * every strategy is evaluated from the same bar (the longest warm-up of the set), so the rows of a
 * comparison are like-for-like.
 */
export async function backtestFile(
  file: DatasetFile,
  strategyNames: readonly string[],
  op: OperationHandle,
  { commonWindow = false, dateOrder }: { commonWindow?: boolean; dateOrder?: "dmy" | "mdy" } = {},
): Promise<{
  bars: BarArrays;
  meta: BarsMeta;
  results: { strategy: string; result: BacktestResultView }[];
  window: EvaluationWindow | null;
}> {
  const data = await loadDataRead();
  const registry = await loadRegistry();
  const engine = await import("../../backtest/mod.ts");
  const total = strategyNames.length + 1;
  op.progress(0, total, "reading");
  const loaded: Bars = await data.readBars(file.path, { dateOrder });
  const bars = data.toArrays(loaded);
  // A mislabelled file (named H4, bars one hour apart) is used as what its bars are, and said so.
  const tf = resolveTimeframe(loaded.meta.timeframe, loaded.meta.timeframeDetected, file.rel);
  const meta: BarsMeta = { ...loaded.meta, timeframe: tf.timeframe };
  if (tf.warning) op.log(`  Warning: ${tf.warning}`);
  // Profits converted at the rates of the time from the pairs beside the file, as `deno task backtest`.
  const conv = await import("../../portfolio/conversion.ts").then((c) =>
    c.conversionForFile({
      file: file.path,
      time: bars.time,
      timeframe: meta.timeframe ?? meta.timeframeDetected,
      spec: symbolSpec(meta.symbol || "GENERIC"),
    })
  );
  const results: { strategy: string; result: BacktestResultView }[] = [];
  let feats: FeaturesApi | null = null;
  const set = strategyNames.map((name) => {
    const strategy = registry.getStrategy(name);
    return { strategy, params: resolveParams(strategy, {}) };
  });
  const common = commonWindow ? commonWindowStart(set) : null;
  for (let i = 0; i < strategyNames.length; i++) {
    await yieldToEvents();
    op.checkCancelled();
    op.progress(i + 1, total, strategyNames[i]);
    const strategy = registry.getStrategy(strategyNames[i]);
    // runBacktest computes the strategy's features and the energy column (one policy for all); in a
    // common window the declared features come from the whole file, so the window sees the same values.
    let own: { bars: BarArrays; features?: FeatureArrays } = { bars };
    if (common) {
      feats ??= await import("../../features/mod.ts");
      const features = strategy.features.length ? feats.computeFeatures(bars, strategy.features) : {};
      own = barsForWindow(bars, features, common.start, firstTradedBar(strategy, set[i].params));
    }
    results.push({
      strategy: strategy.name,
      result: engine.runBacktest({
        bars: own.bars,
        meta,
        strategy,
        features: own.features,
        conversion: {
          info: conv.info,
          valueScale: conv.valueScale
            ? {
              open: conv.valueScale.open.subarray(bars.length - own.bars.length),
              close: conv.valueScale.close.subarray(bars.length - own.bars.length),
            }
            : null,
        },
      }),
    });
  }
  op.progress(total, total);
  const window = common
    ? { startBar: common.start, longest: common.longest, bars: Math.max(0, bars.length - common.start) }
    : null;
  return { bars, meta, results, window };
}

const num = (v: unknown, digits = 2): string =>
  typeof v === "number" && Number.isFinite(v)
    ? v.toFixed(digits)
    : v === null || v === undefined || typeof v === "number"
    ? "n/a"
    : String(v);

/** Stats that are counts (printed without decimals). */
const INTEGER_STATS = new Set(["trades", "bars", "open_trades", "rejected_orders"]);

/** `YYYY-MM-DD HH:MM` in the export's clock (bar times are stored as if UTC; no "Z": not UTC). */
function exportTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

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
    const { bars, meta, results } = await withDateOrder(ctx, (dateOrder) =>
      ctx.operation(
        `Backtesting ${strategy} on ${file.rel}`,
        (op) => backtestFile(file, [strategy], op, { dateOrder }),
      ));
    const r = results[0].result;
    ask.say(`  ${strategy} on ${file.symbol} ${meta.timeframe ?? ""} (${bars.length} bars):`);
    for (const [k, label] of KEY_STATS) {
      if (k in r.stats) ask.say(`    ${label.padEnd(20)} ${num(r.stats[k], INTEGER_STATS.has(k) ? 0 : 2)}`);
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
      const plot = await import("../../plot/mod.ts");
      const html = plot.backtestReportHtml(plot.backtestReportInput({
        title: `${strategy} on ${meta.symbol} ${meta.timeframe ?? ""}`,
        subtitle: file.rel,
        bars,
        result: r,
        strategy: (await loadRegistry()).getStrategy(strategy),
      }));
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
    const { results, bars, window } = await withDateOrder(ctx, (dateOrder) =>
      ctx.operation(
        `Running ${names.length} strategies on ${file.rel}`,
        (op) => backtestFile(file, names, op, { commonWindow: true, dateOrder }),
      ));
    results.sort((a, b) =>
      Number(b.result.stats.return_pct ?? -Infinity) - Number(a.result.stats.return_pct ?? -Infinity)
    );
    if (window && window.startBar < bars.length) {
      ask.say(
        `  Common evaluation window: ${exportTime(bars.time[window.startBar])} .. ${
          exportTime(bars.time[bars.length - 1])
        } (${window.bars} bars, export clock); the ${window.startBar} bars before it are the warm-up` +
          ` (the longest of the set: ${window.longest}).`,
      );
    }
    // One row per statistic, one column per strategy (best return first): full labels, no truncation.
    const rows = KEY_STATS.filter(([k]) => results.some((r) => k in r.result.stats));
    const cell = (k: string, v: unknown): string => num(v, INTEGER_STATS.has(k) ? 0 : 2);
    const labelW = Math.max(...rows.map(([, l]) => l.length)) + 2;
    const widths = results.map((r) =>
      Math.max(r.strategy.length, ...rows.map(([k]) => cell(k, r.result.stats[k]).length)) + 2
    );
    ask.say(`  ${"".padEnd(labelW)}${results.map((r, j) => r.strategy.padStart(widths[j])).join("")}`);
    for (const [k, label] of rows) {
      ask.say(
        `  ${label.padEnd(labelW)}${
          results.map((r, j) => cell(k, r.result.stats[k]).padStart(widths[j])).join("")
        }`,
      );
    }
    const out = join(
      opts.logsDir,
      "menu",
      `compare_${utcStamp()}_${file.symbol}_${file.timeframe ?? "tf"}.json`,
    );
    await writeJsonAtomic(out, {
      source: file.path,
      evaluation_window: window && window.startBar < bars.length
        ? {
          start: exportTime(bars.time[window.startBar]),
          end: exportTime(bars.time[bars.length - 1]),
          bars: window.bars,
          warmup_bars: window.startBar,
          longest_warmup: window.longest,
        }
        : null,
      results: results.map((r) => ({ strategy: r.strategy, stats: r.result.toJSON().stats })),
    });
    ask.say(`  Best by return: ${results[0]?.strategy ?? "n/a"}. Saved: ${out}`);
    ask.say("  Next: Quick Backtest (option 1) on the best one writes its full report.");
  },
};

/** The batch runner's entry point. */
function batchTask(): string {
  return join(projectRoot(), "tasks", "backtest_batch.ts");
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
    const task = batchTask();
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
      ...(opts.dateOrder ? ["--date-order", opts.dateOrder] : []),
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
