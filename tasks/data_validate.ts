/**
 * `deno task data:validate [--source DIR] [--json] [--date-order dmy|mdy]`
 *
 * Validate every export of a folder (default data/master, or data/sample when data/master is
 * empty). Prints a table, or with `--json` a JSON array with one record per file. Exit 1 when any
 * file has a CRITICAL finding, 2 for a missing folder or bad arguments, else 0.
 */
import {
  dateOrderArg,
  formatValidation,
  makeProgress,
  noDataFilesError,
  parseTaskArgs,
  validateFolder,
} from "../lib/data/mod.ts";
import { runTask } from "../lib/util/cli.ts";
import { defaultSourceDir } from "../lib/util/paths.ts";

const USAGE = "usage: deno task data:validate [--source DIR] [--json] [--date-order dmy|mdy]";

await runTask(async () => {
  const { values, positionals } = parseTaskArgs(Deno.args, {
    source: { type: "string" },
    json: { type: "boolean", default: false },
    "date-order": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  }, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dateOrder = dateOrderArg(values["date-order"], USAGE);
  const source = values.source ?? positionals[0] ?? defaultSourceDir({ announce: true });
  if (!values.source && !positionals[0] && !values.json) console.error(`source: ${source}`);
  // A progress bar on a terminal only (stderr); logs and pipes get just the result.
  const progress = Deno.stderr.isTerminal() ? makeProgress({ terminal: true }) : null;
  const v = await validateFolder(
    source,
    progress ? (d, t, r) => progress(d, t, r.file) : undefined,
    { dateOrder },
  );
  if (v.records.length === 0) throw noDataFilesError(source);
  console.log(values.json ? JSON.stringify(v.records, null, 2) : formatValidation(v));
  return v.has_critical ? 1 : 0;
});
