/**
 * `deno task data:inspect FILE [--json] [--timeframe TF] [--day-first | --month-first]`
 *
 * Inspect one export: format detected, rows, first/last time and close, timeframe declared and
 * detected, findings. Exit 0 when the file is readable (whatever the findings), 2 when it cannot
 * be read (with a message saying what was seen and what is expected).
 */
import { KinetraError } from "../lib/errors.ts";
import { formatInspect, inspectLoaded, loadBytes, parseTaskArgs, readFileBytes } from "../lib/data/mod.ts";
import { runTask } from "../lib/util/cli.ts";

const USAGE = "usage: deno task data:inspect FILE [--json] [--timeframe TF] [--day-first | --month-first]";

await runTask(async () => {
  const { values, positionals } = parseTaskArgs(Deno.args, {
    json: { type: "boolean", default: false },
    timeframe: { type: "string" },
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
  const dayFirst = values["day-first"] ? true : values["month-first"] ? false : undefined;
  const loaded = loadBytes(path, await readFileBytes(path), {
    timeframe: values.timeframe ?? "M1",
    dayFirst,
  });
  const rec = inspectLoaded(loaded);
  console.log(values.json ? JSON.stringify(rec, null, 2) : formatInspect(rec));
  return 0;
});
