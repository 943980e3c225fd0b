/**
 * `deno task backtest:batch [--source DIR] [--strategies a,b] [--timeframes H1,H4]
 * [--split train|test|all] [--test-ratio R] [--workers N] [--profile mt5|compat] [--out DIR] [--json]
 * [--date-order dmy|mdy]`
 *
 * Runs every strategy on every matching file in parallel workers and writes a new
 * logs/backtests/run_<UTC stamp>/ folder (config.json, results.json, trades/). Prints a summary per
 * strategy and asset class marked against the promotion targets.
 */
import { parseArgs } from "node:util";
import { type BatchOptions, DEFAULT_BATCH_STRATEGIES, runBatch } from "../lib/backtest/batch.ts";
import { writeBatchReport } from "../lib/backtest/batch_report.ts";
import { replaceBetweenMarkers, summaryMarkdown, summaryTable } from "../lib/backtest/batch_summary.ts";
import { writeTextAtomic } from "../lib/util/fs.ts";
import type { Split } from "../lib/backtest/batch_types.ts";
import { KinetraError } from "../lib/errors.ts";
import { numberOption, paramOptions, runTask } from "../lib/util/cli.ts";
import { defaultSourceDir } from "../lib/util/paths.ts";
import { resolveClusterUrl } from "../lib/cluster/url.ts";
import { onStopSignal } from "../lib/util/signals.ts";
import { parseModel } from "../lib/backtest/intrabar.ts";
import { dateOrderArg } from "../lib/data/cli_args.ts";

const HELP = `deno task backtest:batch [options]

Run strategies over every export of a folder in parallel workers.

  --source DIR         folder scanned recursively (default: data/master if it has files, else data/sample)
  --strategies LIST    comma-separated strategy names (default: ${DEFAULT_BATCH_STRATEGIES.join(",")})
  --timeframes LIST    keep only these timeframes, e.g. H1,H4 (default: all)
  --split S            train | test | all (default all). A prepared folder (train/ + test/) is used as
                       split; a raw file is cut chronologically (test = the last --test-ratio of its bars,
                       traded with the features and warm-up of the history before it)
  --test-ratio R       share of each raw file in its test part (default 0.2)
  --workers N          parallel workers (default: hardware threads; 0 = no workers)
  --profile P          engine profile: mt5 (default) | compat
  --param NAME=VALUE   override a parameter of every chosen strategy that has it (repeatable),
                       e.g. --param sl_atr=3; default: each strategy's defaults
  --strict             refuse (error timeframe_mismatch) a file whose name and bar spacing disagree on
                       the timeframe; default: use the detected timeframe and warn
  --out DIR            parent of the run folders (default logs/backtests)
  --cluster URL        run the jobs on BullMQ workers (deno task worker) through Redis at
                       redis://[user:pass@]host:port[/db] (default: $KINETRA_CLUSTER_URL or
                       .kinetra/cluster.json; none = local workers). See docs/CLUSTER.md
  --model M            open | ohlc (default) | lower: the path inside each bar (lower: from each
                       file's finest lower timeframe in its folder; see docs/BACKTESTING.md)
  --resume RUN_DIR     finish an earlier run folder: only its missing jobs run, with its settings
  --report             also write each run's HTML report (reports/) and the summary page report.html
                       (runs ranked, strategy x symbol heatmap, equity of the best and worst runs);
                       each file is run again in this thread for it
  --write-docs FILE    put the strategies' total rows as a markdown table between the markers
                       <!-- batch-summary-SPLIT:start --> and <!-- batch-summary-SPLIT:end --> of FILE
                       (docs/STRATEGIES.md: the figures there come from a run, not from typing)
  --json               print { run_dir, results: [...], summary: [...] } as JSON
  --allow-critical     also trade files whose validation has CRITICAL findings (default: each such file
                       is recorded as failed with critical_findings, naming them)
  --date-order O       dmy | mdy: read NN/NN/YYYY dates no row settles day-first or month-first
                       (default: such a file is recorded as failed with ambiguous_date)
  -h, --help           this help

Writes DIR/run_<UTC stamp>/config.json, results.json, summary.txt and trades/<file>__<strategy>.csv; a run
folder is never overwritten. A failure on one file is recorded with its error and the batch goes on.`;

function list(s: string | undefined): string[] | undefined {
  if (s === undefined) return undefined;
  const v = s.split(",").map((x) => x.trim()).filter(Boolean);
  return v.length ? v : undefined;
}

function batchModel(v: string | undefined): "open" | "ohlc" | "lower" {
  const m = parseModel(v);
  if (m === "ticks") {
    throw new KinetraError("bad_argument", "--model ticks needs one tick file: use deno task backtest");
  }
  return m;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: Deno.args,
      options: {
        source: { type: "string" },
        strategies: { type: "string" },
        timeframes: { type: "string" },
        split: { type: "string" },
        "test-ratio": { type: "string" },
        workers: { type: "string" },
        profile: { type: "string" },
        out: { type: "string" },
        param: { type: "string", multiple: true, default: [] },
        cluster: { type: "string" },
        model: { type: "string" },
        resume: { type: "string" },
        json: { type: "boolean", default: false },
        strict: { type: "boolean", default: false },
        report: { type: "boolean", default: false },
        "write-docs": { type: "string" },
        "allow-critical": { type: "boolean", default: false },
        "date-order": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new KinetraError("bad_argument", `${(e as Error).message}\n\n${HELP}`);
  }
  if (args.help) {
    console.log(HELP);
    return 0;
  }
  const split = (args.split ?? "all") as Split;
  if (!["train", "test", "all"].includes(split)) {
    throw new KinetraError("bad_argument", `--split must be train, test or all, got "${args.split}"`);
  }
  const profile = args.profile ?? "mt5";
  if (profile !== "mt5" && profile !== "compat") {
    throw new KinetraError("bad_argument", `--profile must be mt5 or compat, got "${profile}"`);
  }
  const dateOrder = dateOrderArg(args["date-order"], "usage: deno task backtest:batch --help");
  const workers = numberOption("workers", args.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0)) {
    throw new KinetraError("bad_argument", `--workers must be a whole number >= 0, got ${args.workers}`);
  }
  const cluster = await resolveClusterUrl(args.cluster);
  if (
    args.resume &&
    (args.source || args.strategies || args.timeframes || args.split || args.param?.length || dateOrder)
  ) {
    throw new KinetraError(
      "bad_argument",
      "--resume takes the run's own settings from its config.json; give no --source/--strategies/--timeframes/--split/--param/--date-order with it",
    );
  }
  const source = args.resume ? "" : args.source ?? defaultSourceDir({ announce: true });
  const tty = (() => {
    try {
      return Deno.stderr.isTerminal();
    } catch {
      return false;
    }
  })();
  const enc = new TextEncoder();
  // Ctrl+C, SIGTERM (the menu's stop) and SIGHUP (a closed terminal) stop the batch cleanly:
  // workers are terminated and results.json and summary.txt are still written.
  const ac = new AbortController();
  const disposeSignals = onStopSignal((sig) => {
    if (ac.signal.aborted) return;
    console.error(
      `\n${sig === "SIGINT" ? "interrupted" : sig}: stopping the workers and saving what finished ...`,
    );
    ac.abort();
  });
  const batchOpts: BatchOptions = {
    signal: ac.signal,
    cluster,
    resume: args.resume,
    source,
    strategies: list(args.strategies),
    timeframes: list(args.timeframes),
    split,
    testRatio: numberOption("test-ratio", args["test-ratio"]),
    allowCritical: args["allow-critical"],
    dateOrder,
    workers,
    profile,
    strictTimeframe: args.strict,
    model: batchModel(args.model),
    outDir: args.out,
    params: paramOptions(args.param as string[]),
    onProgress: (p) => {
      const secs = (p.elapsedMs / 1000).toFixed(1);
      if (tty) {
        const width = 30;
        const fill = Math.round((p.done / p.total) * width);
        const bar = "#".repeat(fill) + ".".repeat(width - fill);
        const err = p.errors ? `  errors ${p.errors}` : "";
        Deno.stderr.writeSync(
          enc.encode(`\r[${bar}] ${p.done}/${p.total} files  ${secs} s${err}  ${p.file}\x1b[K`),
        );
        if (p.done === p.total) Deno.stderr.writeSync(enc.encode("\n"));
      } else {
        console.error(`[${p.done}/${p.total}] ${p.file} (${secs} s, errors so far: ${p.errors})`);
      }
    },
  };
  const run = await runBatch(batchOpts);
  disposeSignals();
  // Mislabelled files: said once per file on stderr (and kept on each result in the JSON).
  const warned = new Set<string>();
  for (const r of run.results) {
    for (const w of r.warnings ?? []) {
      if (!warned.has(w)) console.error(`warning: ${w}`);
      warned.add(w);
    }
  }
  const failed = run.results.filter((r) => r.error).length;
  let reportPath: string | null = null;
  if (args["write-docs"] && !run.interrupted && !run.stopped) {
    const doc = args["write-docs"];
    const text = await Deno.readTextFile(doc).catch(() => {
      throw new KinetraError("bad_argument", `--write-docs: cannot read ${doc}`);
    });
    const table = summaryMarkdown(run.summary, {
      split,
      source: args.source ?? source,
      runDir: run.runDir,
      files: run.files,
    });
    const updated = replaceBetweenMarkers(text, `batch-summary-${split}`, table);
    if (updated === null) {
      throw new KinetraError(
        "bad_argument",
        `--write-docs: ${doc} has no <!-- batch-summary-${split}:start --> … <!-- batch-summary-${split}:end --> markers`,
      );
    }
    await writeTextAtomic(doc, updated);
    console.error(`docs: the summary table of ${doc} (split ${split}) now comes from ${run.runDir}`);
  }
  if (args.report && !run.interrupted && !run.stopped && !args.resume) {
    console.error("writing the reports (each file is run again in this thread) ...");
    reportPath = await writeBatchReport(run, batchOpts, (d, t) => console.error(`  report ${d}/${t} files`));
  }
  if (args.json) {
    console.log(JSON.stringify({
      run_dir: run.runDir,
      wall_ms: Math.round(run.wallMs),
      workers: run.workers,
      interrupted: run.interrupted,
      stopped: run.stopped,
      runner: run.runner,
      resumed_jobs: run.resumedJobs,
      totals_ms: run.totalsMs,
      results: run.results,
      summary: run.summary,
      report: reportPath,
    }));
  } else {
    console.log(summaryTable(run.summary, { split }));
    console.log("");
    const s = (ms: number): string => (ms / 1000).toFixed(2);
    console.log(
      `${run.files} files × ${
        run.results.length / Math.max(1, run.files)
      } strategies = ${run.results.length} runs, ${failed} failed; wall ${s(run.wallMs)} s ${
        run.runner === "cluster" ? "on the cluster" : `with ${run.workers} worker(s)`
      }${run.resumedJobs ? ` (${run.resumedJobs} file(s) kept from the earlier run)` : ""}`,
    );
    console.log(
      `time inside workers (summed): read ${s(run.totalsMs.read)} s, features ${
        s(run.totalsMs.features)
      } s, simulate ${s(run.totalsMs.simulate)} s`,
    );
    for (const r of run.results.filter((x) => x.error).slice(0, 10)) {
      console.log(`  failed: ${r.file} ${r.strategy}: [${r.error!.code}] ${r.error!.message}`);
    }
    if (run.interrupted) {
      const skipped = run.results.filter((r) => r.error?.code === "interrupted").length;
      console.log(`interrupted: ${skipped} runs did not finish (recorded with the error "interrupted")`);
      console.log(`partial results: ${run.runDir}`);
    }
    if (run.stopped && run.stopped.code !== "interrupted") {
      console.log(`stopped: ${run.stopped.message}; finish the missing jobs with --resume ${run.runDir}`);
    }
    console.log(`results: ${run.runDir}/results.json`);
    if (reportPath) console.log(`report: ${reportPath}`);
  }
  if (run.stopped && run.stopped.code !== "interrupted") {
    console.error(`error: ${run.stopped.message}; every finished result is kept in ${run.runDir}`);
    return 1;
  }
  if (run.interrupted) return 130;
  return failed === run.results.length ? 1 : 0;
}

if (import.meta.main) runTask(main);
