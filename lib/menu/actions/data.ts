/**
 * Data management: validate every file (findings by severity), prepare the train/test split,
 * run the fix pipeline, show the catalog. The work is lib/data's and lib/pipeline's.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { KinetraError } from "../../errors.ts";
import { exists } from "../../util/fs.ts";
import { listDatasets, requireData } from "../datasets.ts";
import { projectRoot } from "../docs_view.ts";
import { yieldToEvents } from "../operation.ts";
import { loadPart } from "../parts.ts";
import type { ActionContext, MenuAction } from "../types.ts";

/** A validation finding as lib/data reports it. */
export interface Finding {
  code: string;
  severity: string;
  message: string;
}

/** The part of lib/data's validation the menu calls. */
interface ValidateApi {
  validateFile(path: string): Promise<unknown>;
}

/** Findings out of a validation result (an array, or an object with `findings`). */
export function findingsOf(result: unknown): Finding[] {
  if (Array.isArray(result)) return result as Finding[];
  if (result && typeof result === "object" && Array.isArray((result as { findings?: unknown }).findings)) {
    return (result as { findings: Finding[] }).findings;
  }
  return [];
}

/** Validate every data file. */
export const validateData: MenuAction = {
  kind: "action",
  title: "Validate Data",
  description: "check every data file: format, order, duplicates, gaps, prices, timeframe",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const files = await listDatasets(opts.dataDir);
    requireData(files, opts.dataDir);
    const api = await loadPart<ValidateApi>("data/mod.ts", "Validation (lib/data)", ["validateFile"]);
    const bySeverity = new Map<string, number>();
    const byCode = new Map<string, number>();
    const worst: { file: string; findings: Finding[] }[] = [];
    await ctx.operation(`Validating ${files.length} files`, async (op) => {
      for (let i = 0; i < files.length; i++) {
        op.checkCancelled();
        let findings: Finding[];
        try {
          findings = findingsOf(await api.validateFile(files[i].path));
        } catch (e) {
          const ke = e as KinetraError;
          findings = [{ code: ke.code ?? "unreadable", severity: "error", message: ke.message }];
        }
        for (const f of findings) {
          bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
          byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);
        }
        if (findings.some((f) => f.severity === "error" || f.severity === "critical")) {
          worst.push({ file: files[i].rel, findings });
        }
        op.progress(i + 1, files.length, files[i].rel);
        await yieldToEvents();
      }
    });
    ask.say(`  ${files.length} files validated.`);
    if (byCode.size === 0) ask.say("  No findings.");
    for (const [sev, n] of [...bySeverity].sort()) ask.say(`    ${sev.padEnd(10)} ${n}`);
    for (const [code, n] of [...byCode].sort((a, b) => b[1] - a[1])) ask.say(`      ${code.padEnd(22)} ${n}`);
    for (const w of worst.slice(0, 10)) {
      ask.say(`  ${w.file}:`);
      for (
        const f of w.findings.filter((x) => x.severity === "error" || x.severity === "critical").slice(0, 3)
      ) {
        ask.say(`    ${f.code}: ${f.message}`);
      }
    }
    if (worst.length > 10) ask.say(`  ... and ${worst.length - 10} more files with errors`);
    ask.say(
      worst.length > 0
        ? "  Next: Run the Fix Pipeline (option 3) writes repaired copies; your files are never modified."
        : "  Next: Prepare Data (option 2).",
    );
  },
};

/** The part of lib/data's preparation the menu calls. */
interface PrepareApi {
  prepareDataset(opts: Record<string, unknown>): Promise<unknown>;
}

/** Prepare the train/test split. */
export const prepareData: MenuAction = {
  kind: "action",
  title: "Prepare Data",
  description: "chronological train/test split of every file into the prepared folder, with a manifest",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const files = await listDatasets(opts.dataDir);
    requireData(files, opts.dataDir);
    const api = await loadPart<PrepareApi>("data/mod.ts", "Preparation (lib/data)", ["prepareDataset"]);
    const testPct = await ask.number("Share of each file kept for testing, in %", {
      default: 20,
      min: 5,
      max: 50,
    });
    const result = await ctx.operation(
      `Preparing ${files.length} files into ${opts.preparedDir}`,
      async (op) => {
        return await api.prepareDataset({
          source: opts.dataDir,
          sourceDir: opts.dataDir,
          out: opts.preparedDir,
          outDir: opts.preparedDir,
          testRatio: testPct / 100,
          signal: op.signal,
          onProgress: (done: number, total: number, note?: string) => op.progress(done, total, note),
        });
      },
    );
    const r = (result ?? {}) as Record<string, unknown>;
    const summary = Object.entries(r).filter(([, v]) => typeof v !== "object" || v === null).slice(0, 10);
    for (const [k, v] of summary) ask.say(`    ${k}: ${v}`);
    ask.say(`  Prepared data is in ${opts.preparedDir} (manifest.json lists every split).`);
    ask.say("  Next: Backtesting, or Live Testing > Virtual Trading replays the test split.");
  },
};

/** Run the fix pipeline (`tasks/fix.ts`) as a child process. */
export const fixPipeline: MenuAction = {
  kind: "action",
  title: "Run the Fix Pipeline",
  description: "check, categorise and repair problems; repaired copies go to data/repaired with a change log",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const task = join(projectRoot(), "tasks", "fix.ts");
    if (!(await exists(task))) {
      throw new KinetraError(
        "part_unavailable",
        "The fix pipeline is not available in this build: tasks/fix.ts does not exist yet.",
        { exitCode: 1 },
      );
    }
    const cycles = await ask.number("Maximum cycles", { default: 3, min: 1, max: 50, integer: true });
    const autoFix = await ask.confirm("Apply fixes automatically (repaired copies only)?", true);
    const args = [
      "run",
      "--no-prompt",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-ffi",
      "--allow-sys",
      "--allow-run",
      task,
      "--max-cycles",
      String(cycles),
      ...(autoFix ? ["--auto-fix"] : []),
      "--data",
      resolve(opts.dataDir),
      "--log-dir",
      resolve(join(opts.logsDir, "continuous_pipeline")),
    ];
    const out = await ctx.operation("Fix pipeline", (op) => op.runChild(Deno.execPath(), args));
    ask.say(
      out.code === 0
        ? "  The pipeline finished: no errors remain."
        : `  The pipeline ended with exit code ${out.code}.`,
    );
    ask.say(`  Reports: ${join(opts.logsDir, "continuous_pipeline")}`);
    ask.say("  Next: Validate Data (option 1) again, or System Status > Recent Results.");
  },
};

/** The part of lib/data's catalog the menu calls. */
interface CatalogApi {
  scanCatalog(dir: string): Promise<unknown>;
}

/** Show the catalog of the data folder. */
export const showCatalog: MenuAction = {
  kind: "action",
  title: "Show the Catalog",
  description: "every file with its symbol, timeframe, bars and date range",
  async run(ctx: ActionContext): Promise<void> {
    const { ask, opts } = ctx;
    const api = await loadPart<CatalogApi>("data/mod.ts", "The catalog (lib/data)", ["scanCatalog"]);
    const cat = await ctx.operation(`Scanning ${opts.dataDir}`, async (op) => {
      op.progress(0, 1);
      const c = await api.scanCatalog(opts.dataDir);
      op.progress(1, 1);
      return c;
    });
    const entries =
      (Array.isArray(cat) ? cat : (cat as { entries?: unknown[]; files?: unknown[] })?.entries ??
        (cat as { files?: unknown[] })?.files ?? []) as Record<string, unknown>[];
    if (entries.length === 0) {
      ask.say(`  The catalog of ${opts.dataDir} is empty.`);
      return;
    }
    for (const e of entries) {
      const path = String(e.path ?? e.file ?? e.source ?? "");
      const parts = [
        String(e.symbol ?? "").padEnd(12),
        String(e.timeframe ?? "?").padEnd(4),
        String(e.rows ?? e.bars ?? "").padStart(8),
        String(e.first ?? e.start ?? "").slice(0, 10),
        String(e.last ?? e.end ?? "").slice(0, 10),
        path,
      ];
      ask.say(`  ${parts.join("  ")}`);
    }
    ask.say(`  ${entries.length} files.`);
    ask.say("  Next: Validate Data (option 1).");
  },
};
