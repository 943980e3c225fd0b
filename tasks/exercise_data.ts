/**
 * `deno task exercise:data [--source DIR] [--out DIR] [--sample N] [--profile] [--json]`: load,
 * validate and prepare every file of a folder and backtest a sample, with per-operation and
 * per-file timings and bottlenecks. Writes logs/real_data_exercise_report.json.
 */
import { parseArgs } from "node:util";
import { numberOption, runTask } from "../lib/util/cli.ts";
import { writeJsonAtomic } from "../lib/util/fs.ts";
import { onStopSignal } from "../lib/util/signals.ts";
import { defaultSourceDir } from "../lib/util/paths.ts";
import { categorize, exerciseData, SEVERITY_ORDER } from "../lib/pipeline/mod.ts";

await runTask(async () => {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      source: { type: "string" },
      out: { type: "string", default: "logs/real_data_exercise/prepared" },
      report: { type: "string", default: "logs/real_data_exercise_report.json" },
      sample: { type: "string", default: "4" },
      "no-prepare": { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      verbose: { type: "boolean", short: "v", default: false },
    },
    strict: true,
  });
  const sample = numberOption("sample", values.sample, { integer: true, min: 0 })!;
  const source = values.source ?? defaultSourceDir({ announce: true });
  const say = (l: string) => values.json ? console.error(l) : console.log(l);
  say(`real-data exerciser: ${source}`);
  // A stop signal (Ctrl-C, the menu's SIGTERM, a closed terminal) ends it early; the report keeps
  // what finished and says it was interrupted.
  const ac = new AbortController();
  const disposeSignals = onStopSignal((sig) => {
    if (!ac.signal.aborted) {
      console.error(`\n${sig}: stopping after the current file and saving the report ...`);
    }
    ac.abort();
  });
  const report = await exerciseData({
    signal: ac.signal,
    source,
    prepare: values["no-prepare"] ? false : { out: values.out, viewDir: `${values.out}_view` },
    backtestSample: sample,
    profile: values.profile,
    profilePath: values.profile ? values.report.replace(/\.json$/, "") + ".cpuprofile" : undefined,
    progress: values.verbose ? say : undefined,
  });
  disposeSignals();
  await writeJsonAtomic(values.report, report);
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(
      `files: ${report.data_files_found} found, ${report.data_files_loaded} loaded, ${report.total_rows_processed} rows, ${report.total_size_mb} MB`,
    );
    console.log("operation          ok  failed   total ms  note");
    for (const op of report.operations) {
      console.log(
        `${op.operation.padEnd(17)} ${String(op.successful).padStart(4)} ${String(op.failed).padStart(7)} ${
          String(op.total_ms).padStart(10)
        }  ${
          op.available ? (op.mb_per_s ? `${op.mb_per_s} MB/s` : (op.note ?? "")) : `UNAVAILABLE: ${op.note}`
        }`,
      );
    }
    console.log(`errors: ${report.errors.length} (most severe first)`);
    const rank = (e: { code: string; message: string }) =>
      SEVERITY_ORDER[categorize({ stage: "real_data", code: e.code, message: e.message }).severity];
    const sorted = [...report.errors].sort((a, b) => rank(a) - rank(b));
    for (const e of sorted.slice(0, 30)) {
      console.log(`  ${e.file ?? "-"}  ${e.code}: ${e.message.split("\n")[0]}`);
    }
    if (report.errors.length > 30) console.log(`  ... ${report.errors.length - 30} more in the report`);
    console.log("bottlenecks:");
    for (const b of report.bottlenecks.slice(0, 10)) {
      console.log(`  ${b.operation}${b.file ? ` ${b.file}` : ""}: ${b.time_ms} ms (${b.issue})`);
    }
    if (!report.bottlenecks.length) console.log("  none above the thresholds");
    if (report.profile) {
      console.log(`slowest functions (self time, CPU profile ${report.profile.path}):`);
      for (const f of report.profile.slowest.slice(0, 10)) {
        console.log(
          `  ${String(f.self_ms).padStart(8)} ms ${
            String(f.self_pct).padStart(5)
          }%  ${f.function} ${f.url}:${f.line}`,
        );
      }
    }
    console.log(`report: ${values.report}`);
  }
  if (report.interrupted) {
    console.error(`interrupted: partial report saved to ${values.report}`);
    return 130;
  }
  return report.errors.length ? 1 : 0;
});
