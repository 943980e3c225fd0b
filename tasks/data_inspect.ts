/**
 * `deno task data:inspect FILE [--json] [--timeframe TF] [--date-order dmy|mdy]`
 *
 * Inspect one export: format detected, rows, first/last time and close, timeframe declared and
 * detected, findings (every reading decision among them, `read_decisions`). The read is the strict
 * one `readBars` does (rows of null prices are skipped with a `null_rows` finding). Exit 0 when the
 * file is readable (whatever the findings), 2 when it cannot be read (with a message saying what
 * was seen and what is expected; e.g. `ambiguous_date`: pass `--date-order`).
 */
import { KinetraError } from "../lib/errors.ts";
import {
  dateOrderArg,
  formatInspect,
  inspectLoaded,
  loadBytes,
  parseTaskArgs,
  readFileBytes,
} from "../lib/data/mod.ts";
import { runTask } from "../lib/util/cli.ts";

const USAGE = "usage: deno task data:inspect FILE [--json] [--timeframe TF] [--date-order dmy|mdy]" +
  " (--day-first / --month-first: the same as --date-order dmy / mdy)";

await runTask(async () => {
  const { values, positionals } = parseTaskArgs(Deno.args, {
    json: { type: "boolean", default: false },
    timeframe: { type: "string" },
    "date-order": { type: "string" },
    "day-first": { type: "boolean", default: false },
    "month-first": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  }, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new KinetraError("bad_argument", `expected exactly one FILE\n${USAGE}`);
  }
  const path = positionals[0];
  const dateOrder = dateOrderArg(values["date-order"], USAGE) ??
    (values["day-first"] ? "dmy" : values["month-first"] ? "mdy" : undefined);
  const loaded = loadBytes(path, await readFileBytes(path), {
    timeframe: values.timeframe ?? "M1",
    dateOrder,
  });
  const rec = inspectLoaded(loaded);
  console.log(values.json ? JSON.stringify(rec, null, 2) : formatInspect(rec));
  return 0;
});
