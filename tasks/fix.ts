/**
 * `deno task fix [--max-cycles N] [--auto-fix] [--dry-run] [--source DIR] [--log-dir DIR]
 * [--out DIR] [--prepared DIR] [--stages a,b] [--json]`: the continuous fix pipeline
 * (docs/FIX_PIPELINE.md). Exit code 0 when no CRITICAL, HIGH or MEDIUM error remains (LOW findings
 * are reported), 1 otherwise. The unit-test stage runs only when named in `--stages`.
 */
import { parseArgs } from "node:util";
import { KinetraError } from "../lib/errors.ts";
import { numberOption, runTask } from "../lib/util/cli.ts";
import { MASTER_DIR, REPAIRED_DIR } from "../lib/util/paths.ts";
import { allStages, defaultStages, formatSummary, runPipeline } from "../lib/pipeline/mod.ts";
import type { StageName } from "../lib/pipeline/mod.ts";

await runTask(async () => {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "max-cycles": { type: "string", default: "10" },
      "auto-fix": { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      source: { type: "string", default: MASTER_DIR },
      "log-dir": { type: "string", default: "logs/continuous_pipeline" },
      out: { type: "string", default: REPAIRED_DIR },
      prepared: { type: "string" },
      stages: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      "deno task fix [--max-cycles N] [--auto-fix] [--dry-run] [--source DIR] [--log-dir DIR] [--out DIR] [--prepared DIR] [--stages unit_tests,import_check,real_data,data_preparation,backtest_validation,menu_exerciser] [--json]",
    );
    return 0;
  }
  const maxCycles = numberOption("max-cycles", values["max-cycles"], { integer: true, min: 1 })!;
  let stages = defaultStages();
  if (values.stages) {
    const want = values.stages.split(",").map((s) => s.trim()) as StageName[];
    stages = allStages();
    const known = stages.map((s) => s.name);
    const bad = want.filter((w) => !known.includes(w));
    if (bad.length) {
      throw new KinetraError(
        "bad_argument",
        `unknown stage(s) ${bad.join(", ")}; known: ${known.join(", ")}`,
      );
    }
    stages = stages.filter((s) => want.includes(s.name));
  }
  const { report, exitCode } = await runPipeline({
    source: values.source,
    logDir: values["log-dir"],
    repairedDir: values.out,
    preparedDir: values.prepared,
    maxCycles,
    autoFix: values["auto-fix"],
    dryRun: values["dry-run"],
    stages,
    progressToStderr: values.json,
  });
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log("\n" + formatSummary(report));
  return exitCode;
});
