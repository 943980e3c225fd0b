/**
 * Data management: validate every file (findings by severity), prepare the train/test split,
 * run the fix pipeline, show the catalog. The work is lib/data's and lib/pipeline's.
 *
 * @module
 */
import { join, relative, resolve } from "node:path";
import { listDatasets, requireData } from "../datasets.ts";
import { projectRoot } from "../docs_view.ts";
import type { ActionContext, MenuAction } from "../types.ts";
import { DEFAULT_TEST_RATIO } from "../../util/defaults.ts";
import { TASK_PERMISSIONS } from "../../util/tasks.ts";

/** The part of lib/data's validation the menu calls. */
type ValidateApi = Pick<typeof import("../../data/mod.ts"), "validateFolder">;

/** Validate every data file. */
export const validateData: MenuAction = {
  kind: "action",
  title: "Validate Data",
  description: "check every data file: format, order, duplicates, gaps, prices, timeframe",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const files = await listDatasets(opts.dataDir);
    requireData(files, opts.dataDir);
    const api = await import("../../data/mod.ts");
    const result = await ctx.operation(`Validating ${files.length} files`, async (op) => {
      return await api.validateFolder(opts.dataDir, (done, total, rec) => {
        op.checkCancelled();
        op.progress(done, total, relative(opts.dataDir, rec.file));
      }, { dateOrder: opts.dateOrder });
    });
    const byCode = new Map<string, { n: number; severity: string }>();
    for (const r of result.records) {
      for (const f of r.findings) {
        const c = byCode.get(f.code) ?? { n: 0, severity: f.severity };
        c.n++;
        byCode.set(f.code, c);
      }
    }
    ask.say(`  ${result.records.length} files validated. Files by their worst finding:`);
    for (const sev of ["CRITICAL", "HIGH", "MEDIUM", "LOW", "none"]) {
      const n = result.by_severity[sev] ?? 0;
      if (n > 0) ask.say(`    ${sev.padEnd(9)} ${n}`);
    }
    if (byCode.size > 0) ask.say("  Findings by code (files):");
    for (const [code, c] of [...byCode].sort((a, b) => b[1].n - a[1].n)) {
      ask.say(`    ${code.padEnd(24)} ${String(c.n).padStart(4)}  ${c.severity}`);
    }
    const serious = result.records.filter((r) => r.severity === "CRITICAL" || r.severity === "HIGH");
    for (const r of serious.slice(0, 8)) {
      const f = r.findings.find((x) => x.severity === r.severity)!;
      ask.say(`  ${relative(opts.dataDir, r.file)}: ${f.code}: ${f.message.split("\n")[0].slice(0, 160)}`);
    }
    if (serious.length > 8) {
      ask.say(`  ... and ${serious.length - 8} more files with CRITICAL or HIGH findings`);
    }
    ask.say(
      serious.length > 0
        ? "  Next: Run the Fix Pipeline (option 3) writes repaired copies; your files are never modified."
        : "  Next: Prepare Data (option 2).",
    );
  },
};

/** The part of lib/data's preparation the menu calls. */
type PrepareApi = Pick<typeof import("../../data/mod.ts"), "prepareDataset">;

/** Prepare the train/test split. */
export const prepareData: MenuAction = {
  kind: "action",
  title: "Prepare Data",
  description: "chronological train/test split of every file into the prepared folder, with a manifest",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const files = await listDatasets(opts.dataDir);
    requireData(files, opts.dataDir);
    const api = await import("../../data/mod.ts");
    const testPct = await ask.number("Share of each file kept for testing, in %", {
      default: DEFAULT_TEST_RATIO * 100,
      min: 5,
      max: 50,
    });
    const manifest = await ctx.operation(
      `Preparing ${files.length} files into ${opts.preparedDir}`,
      (op) =>
        api.prepareDataset({
          source: opts.dataDir,
          out: opts.preparedDir,
          testRatio: testPct / 100,
          dateOrder: opts.dateOrder,
          // Ctrl-C stops it after the current file; the manifest still lists the finished ones.
          signal: op.signal,
          onProgress: (done, total, label) => op.progress(done, total, label),
        }),
    );
    const t = manifest.totals;
    ask.say(
      `  ${t.files} files: ${t.prepared} prepared, ${t.skipped} unchanged (skipped), ${t.failed} failed${
        t.kept ? `; ${t.kept} entries of earlier runs kept` : ""
      }.`,
    );
    for (const f of manifest.files.filter((x) => x.status === "failed").slice(0, 8)) {
      ask.say(`    failed: ${f.file}: ${f.error?.message ?? "?"}`);
    }
    ask.say(
      `  Train and test files are in ${opts.preparedDir}/train and /test; manifest.json lists every split.`,
    );
    ask.say("  Next: Backtesting, or Live Testing > Virtual Trading.");
  },
};

/** The quick stages of the fix pipeline (data only: no test suite, no menu exerciser). */
export const QUICK_FIX_STAGES = "real_data,data_preparation";

/** Every stage of the fix pipeline, the unit-test suite included (it runs once per run). */
export const ALL_FIX_STAGES =
  "unit_tests,import_check,real_data,data_preparation,backtest_validation,menu_exerciser";

/** Run the fix pipeline (`tasks/fix.ts`) as a child process. */
export const fixPipeline: MenuAction = {
  kind: "action",
  title: "Run the Fix Pipeline",
  description:
    "check, categorise and repair problems; repaired copies go to the repaired folder with a change log",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const task = join(projectRoot(), "tasks", "fix.ts");
    // Under the exerciser the full pipeline would run the test suite and the exerciser again
    // (endless recursion): only the data stages are offered there.
    const choices = [`data stages only (quick: ${QUICK_FIX_STAGES})`];
    if (!opts.underExerciser) {
      choices.push("every stage (test suite, imports, data, backtests, menu exerciser)");
    } else ask.say("  (Running under the menu exerciser: only the data stages are offered.)");
    const which = await ask.choose("Stages", choices, 0);
    const cycles = await ask.number("Maximum cycles", { default: 3, min: 1, max: 50, integer: true });
    const autoFix = await ask.confirm("Apply fixes automatically (repaired copies only)?", true);
    const logDir = resolve(join(opts.logsDir, "continuous_pipeline"));
    const args = [
      "run",
      "--no-prompt",
      ...TASK_PERMISSIONS["fix"],
      task,
      "--max-cycles",
      String(cycles),
      ...(autoFix ? ["--auto-fix"] : []),
      "--source",
      resolve(opts.dataDir),
      "--out",
      resolve(opts.repairedDir),
      "--log-dir",
      logDir,
      "--stages",
      which === 0 ? QUICK_FIX_STAGES : ALL_FIX_STAGES,
    ];
    const out = await ctx.operation(
      "Fix pipeline",
      (op) => op.runChild(Deno.execPath(), args),
      { cooperative: true }, // Ctrl-C lets the child stop cleanly and print its last words
    );
    // Count from the run's report: what fails the run (CRITICAL/HIGH/MEDIUM) apart from LOW findings.
    const reportPath = out.tail.map((l) => l.match(/^report: (.+\.json)$/)?.[1]).find((p) => p);
    let counts: { errors_failing?: number; errors_reported?: number; errors_fixed?: number } = {};
    try {
      if (reportPath) counts = JSON.parse(await Deno.readTextFile(reportPath));
    } catch { /* no readable report: the exit code alone is shown */ }
    const detail = counts.errors_failing !== undefined
      ? ` ${counts.errors_failing} failing (CRITICAL/HIGH/MEDIUM), ${counts.errors_reported} LOW finding(s) reported, ${counts.errors_fixed} fixed.`
      : "";
    ask.say(
      out.code === 0
        ? `  The pipeline finished: nothing that fails the run remains.${detail}`
        : `  The pipeline ended with exit code ${out.code}: problems remain.${detail}`,
    );
    ask.say(`  Reports and logs: ${logDir}; repaired copies: ${opts.repairedDir}`);
    ask.say("  Next: Validate Data (option 1) again, or System Status > Recent Results.");
  },
};

/** The part of lib/data's catalog the menu calls. */
type CatalogApi = Pick<typeof import("../../data/mod.ts"), "scanCatalog">;

/** Show the catalog of the data folder. */
export const showCatalog: MenuAction = {
  kind: "action",
  title: "Show the Catalog",
  description: "every file with its symbol, timeframe, declared range and size",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const api = await import("../../data/mod.ts");
    const cat = await api.scanCatalog(opts.dataDir);
    if (cat.files.length === 0) {
      ask.say(`  The catalog of ${opts.dataDir} is empty.`);
      return;
    }
    ask.say(
      `  ${"class".padEnd(10)} ${"symbol".padEnd(11)} ${"tf".padEnd(4)} ${"from".padEnd(10)} ${
        "to".padEnd(10)
      } ${"MB".padStart(6)}  file`,
    );
    for (const e of cat.files) {
      ask.say(
        `  ${e.asset_class.padEnd(10)} ${e.symbol.padEnd(11)} ${(e.timeframe ?? "?").padEnd(4)} ${
          (e.start ?? "").slice(0, 10).padEnd(10)
        } ${(e.end ?? "").slice(0, 10).padEnd(10)} ${
          (e.size_bytes / 1e6).toFixed(2).padStart(6)
        }  ${e.relative_path}${e.name_matched ? "" : "  (name does not follow SYMBOL_TF_START_END)"}`,
      );
    }
    ask.say(
      `  ${cat.files.length} files, ${cat.symbols.length} symbols, timeframes ${cat.timeframes.join(" ")}.`,
    );
    for (const [cls, syms] of Object.entries(cat.asset_classes)) {
      ask.say(`    ${cls.padEnd(12)} ${syms.join(" ")}`);
    }
    ask.say("  Next: Validate Data (option 1).");
  },
};
