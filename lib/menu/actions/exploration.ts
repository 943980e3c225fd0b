/**
 * Exploration: a data summary by asset class (every file read for real: bars and date range), a
 * feature and regime snapshot for a chosen symbol and timeframe, and how to open the notebooks.
 *
 * @module
 */
import { join } from "node:path";
import type { BarArrays, Bars } from "../../data/types.ts";
import type { FeatureArrays } from "../../features/types.ts";
import { listDatasets, pickDataset, requireData } from "../datasets.ts";
import { projectRoot } from "../docs_view.ts";
import { yieldToEvents } from "../operation.ts";
import type { ActionContext, MenuAction } from "../types.ts";
import { needsDateOrder, withDateOrder } from "../date_order.ts";

/** The part of lib/data the menu calls. */
export interface DataReadApi {
  readBars(path: string, opts?: { dateOrder?: "dmy" | "mdy" }): Promise<Bars>;
  toArrays(bars: Bars): BarArrays;
}

/** The part of lib/features the menu calls. */
export interface FeaturesApi {
  computeFeatures(bars: BarArrays, names: readonly string[]): FeatureArrays;
  regimeName(code: number): string;
  REGIME_NAMES: readonly string[];
}

/** Load the data reader (or throw "not available"). */
export function loadDataRead(): Promise<DataReadApi> {
  return import("../../data/mod.ts");
}

/** One asset class's summary. */
export interface ClassSummary {
  assetClass: string;
  files: number;
  symbols: string[];
  timeframes: string[];
  bars: number;
  first: number;
  last: number;
  unreadable: string[];
}

const iso = (ms: number): string => Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : "n/a";

/** Data summary by asset class. */
export const dataSummaryByClass: MenuAction = {
  kind: "action",
  title: "Data Summary by Asset Class",
  description: "every file read: symbols, timeframes, bars and date range per asset class",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const files = await listDatasets(opts.dataDir);
    requireData(files, opts.dataDir);
    const data = await loadDataRead();
    const byClass = new Map<string, ClassSummary>();
    let ambiguous = 0;
    await ctx.operation(`Reading ${files.length} files`, async (op) => {
      for (let i = 0; i < files.length; i++) {
        op.checkCancelled();
        const f = files[i];
        const s = byClass.get(f.assetClass) ?? {
          assetClass: f.assetClass,
          files: 0,
          symbols: [],
          timeframes: [],
          bars: 0,
          first: Infinity,
          last: -Infinity,
          unreadable: [],
        };
        byClass.set(f.assetClass, s);
        s.files++;
        if (!s.symbols.includes(f.symbol)) s.symbols.push(f.symbol);
        const tf = f.timeframe ?? "?";
        if (!s.timeframes.includes(tf)) s.timeframes.push(tf);
        try {
          const a = data.toArrays(await data.readBars(f.path, { dateOrder: opts.dateOrder }));
          s.bars += a.length;
          if (a.length > 0) {
            s.first = Math.min(s.first, a.time[0]);
            s.last = Math.max(s.last, a.time[a.length - 1]);
          }
        } catch (e) {
          if (needsDateOrder(e)) ambiguous++;
          s.unreadable.push(`${f.rel}: ${(e as Error).message.split("\n")[0]}`);
        }
        op.progress(i + 1, files.length, f.rel);
        await yieldToEvents();
      }
    });
    ask.say(
      `  ${"class".padEnd(12)} ${"files".padStart(5)} ${
        "bars".padStart(10)
      }  range                    symbols`,
    );
    let total = 0;
    for (const s of [...byClass.values()].sort((a, b) => a.assetClass.localeCompare(b.assetClass))) {
      total += s.bars;
      ask.say(
        `  ${s.assetClass.padEnd(12)} ${String(s.files).padStart(5)} ${String(s.bars).padStart(10)}  ${
          iso(s.first)
        }..${iso(s.last)}   ${s.symbols.sort().join(" ")} [${s.timeframes.sort().join(" ")}]`,
      );
      for (const u of s.unreadable) ask.say(`      unreadable: ${u}`);
    }
    ask.say(`  ${files.length} files, ${total} bars in ${opts.dataDir}.`);
    if (ambiguous) {
      ask.say(
        `  ${ambiguous} file(s) have dates no row can order (day/month): start the menu with --date-order dmy|mdy,` +
          " or open one in Feature and Regime Snapshot (option 2) to be asked.",
      );
    }
    ask.say("  Next: Feature and Regime Snapshot (option 2) looks inside one symbol and timeframe.");
  },
};

/** The features the snapshot shows (their percentile forms read as 0..1 ranks). */
export const SNAPSHOT_FEATURES: readonly string[] = [
  "energy_pct",
  "damping_pct",
  "entropy_pct",
  "reynolds_pct",
  "direction_score",
  "atr",
  "regime",
];

/** Feature and regime snapshot for a chosen symbol and timeframe. */
export const featureSnapshot: MenuAction = {
  kind: "action",
  title: "Feature and Regime Snapshot",
  description: "the latest physics features and the regime mix of a chosen symbol and timeframe",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const file = await pickDataset(ask, opts.dataDir);
    const data = await loadDataRead();
    const feats = await import("../../features/mod.ts");
    const { bars, f } = await withDateOrder(
      ctx,
      (dateOrder) =>
        ctx.operation(`Computing features of ${file.rel}`, async (op) => {
          op.progress(0, 2, "reading");
          const bars = data.toArrays(await data.readBars(file.path, { dateOrder }));
          await yieldToEvents();
          op.checkCancelled();
          op.progress(1, 2, "features");
          const f = feats.computeFeatures(bars, SNAPSHOT_FEATURES);
          op.progress(2, 2);
          return { bars, f };
        }),
    );
    const n = bars.length;
    if (n === 0) {
      ask.say("  The file has no bars.");
      return;
    }
    ask.say(
      `  ${file.symbol} ${file.timeframe ?? ""}: ${n} bars, ${iso(bars.time[0])}..${iso(bars.time[n - 1])}`,
    );
    ask.say(
      `  Latest bar ${
        new Date(bars.time[n - 1]).toISOString().slice(0, 16).replace("T", " ")
      } (export's clock), close ${bars.close[n - 1]}`,
    );
    for (const name of SNAPSHOT_FEATURES) {
      if (name === "regime") continue;
      const v = f[name][n - 1];
      ask.say(`    ${name.padEnd(16)} ${Number.isFinite(v) ? v.toPrecision(5) : "n/a (warm-up)"}`);
    }
    const reg = f.regime;
    ask.say(`  Regime now: ${feats.regimeName(reg[n - 1])}`);
    const window = Math.min(500, n);
    const counts = new Map<string, number>();
    for (let i = n - window; i < n; i++) {
      const name = feats.regimeName(reg[i]);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    ask.say(`  Regime mix over the last ${window} bars:`);
    for (const name of [...feats.REGIME_NAMES, "unknown"]) {
      const c = counts.get(name) ?? 0;
      if (c === 0) continue;
      const pct = (100 * c) / window;
      ask.say(`    ${name.padEnd(12)} ${pct.toFixed(1).padStart(5)} % ${"#".repeat(Math.round(pct / 2.5))}`);
    }
    ask.say(
      "  Next: Backtesting > Quick Backtest runs a strategy on this file; notebooks chart it (option 3).",
    );
  },
};

/** How to open the notebooks. */
export const openNotebooks: MenuAction = {
  kind: "action",
  title: "Open the Notebooks",
  description: "how to open the exploration notebooks with the Deno Jupyter kernel",
  async run({ ask }: ActionContext): Promise<void> {
    const dir = join(projectRoot(), "notebooks");
    let books: string[] = [];
    try {
      books = (await Array.fromAsync(Deno.readDir(dir))).filter((e) => e.name.endsWith(".ipynb")).map((e) =>
        e.name
      )
        .sort();
    } catch {
      books = [];
    }
    if (books.length === 0) {
      ask.say("  The notebooks are not available in this build (no .ipynb in notebooks/ yet).");
    } else {
      ask.say("  Notebooks:");
      for (const b of books) ask.say(`    notebooks/${b}`);
    }
    ask.say("  To open them:");
    ask.say("    1. deno task jupyter:install        (registers the Deno kernel for this project, once)");
    ask.say("    2. jupyter lab notebooks/          (or jupyter notebook; pick the Deno kernel)");
    ask.say("  They read data/sample by default; one cell at the top points them at data/master.");
    ask.say("  To run all of them headlessly and check their outputs: deno task notebooks");
    ask.say("  More: docs/NOTEBOOKS.md");
    await Promise.resolve();
  },
};
