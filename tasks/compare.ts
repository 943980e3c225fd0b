/**
 * `deno task compare RUN_DIR RUN_DIR [--json]`: what changed between two batch runs (settings,
 * and per file and strategy the return, trades, drawdown and Sharpe before and after).
 * Exit 2 when a folder is not a batch run.
 */
import { parseArgs } from "node:util";
import { compareRuns, formatComparison, readRun } from "../lib/backtest/compare_runs.ts";
import { KinetraError } from "../lib/errors.ts";
import { runTask } from "../lib/util/cli.ts";

const USAGE = "usage: deno task compare RUN_DIR RUN_DIR [--json]   (run folders of deno task backtest:batch)";

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: Deno.args,
      options: {
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new KinetraError("bad_argument", `${(e as Error).message}\n${USAGE}`);
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (parsed.positionals.length !== 2) {
    throw new KinetraError(
      "bad_argument",
      `two run folders are needed, got ${parsed.positionals.length}\n${USAGE}`,
    );
  }
  const [a, b] = await Promise.all(parsed.positionals.map(readRun));
  const c = compareRuns(a, b);
  console.log(parsed.values.json ? JSON.stringify(c, null, 2) : formatComparison(c));
  return 0;
}

if (import.meta.main) runTask(main);
