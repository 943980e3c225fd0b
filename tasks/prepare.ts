/**
 * `deno task prepare [--source DIR] [--out DIR] [--test-ratio R] [--force] [--allow-critical] [--json]`
 *
 * Chronological train/test split of every export of the source (default data/master, or
 * data/sample when data/master is empty) into `<out>/{train,test}` as Parquet plus
 * `<out>/manifest.json` (default out: data/prepared). Unchanged sources are skipped. Progress goes
 * to stderr (a bar on a terminal, plain lines otherwise); `--json` prints the manifest on stdout.
 * A file whose validation has CRITICAL findings is recorded as failed (`critical_findings`, naming
 * them) unless `--allow-critical`. Exit 1 when any file failed, 2 for bad arguments or a missing or empty source (the manifest is
 * left alone), 130 when stopped by a signal (the manifest lists the files that finished).
 */
import {
  dateOrderArg,
  formatManifest,
  makeProgress,
  parseTaskArgs,
  prepareDataset,
} from "../lib/data/mod.ts";
import { numberOptionOr, runTask } from "../lib/util/cli.ts";
import { defaultSourceDir, PREPARED_DIR } from "../lib/util/paths.ts";
import { onStopSignal } from "../lib/util/signals.ts";
import { DEFAULT_TEST_RATIO } from "../lib/util/defaults.ts";

const USAGE =
  "usage: deno task prepare [--source DIR] [--out DIR] [--test-ratio R] [--force] [--allow-critical] [--json]" +
  " [--date-order dmy|mdy]";

await runTask(async () => {
  const { values } = parseTaskArgs(Deno.args, {
    source: { type: "string" },
    out: { type: "string" },
    "test-ratio": { type: "string" },
    force: { type: "boolean", default: false },
    "allow-critical": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    "date-order": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  }, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const ratioText = values["test-ratio"];
  const testRatio = numberOptionOr("test-ratio", ratioText, DEFAULT_TEST_RATIO, { usage: USAGE });
  const dateOrder = dateOrderArg(values["date-order"], USAGE);
  const source = values.source ?? defaultSourceDir({ announce: true });
  const progress = makeProgress();
  // Ctrl-C, SIGTERM or SIGHUP: stop after the current file; the manifest keeps what finished.
  const ac = new AbortController();
  const disposeSignals = onStopSignal(() => ac.abort());
  const m = await prepareDataset({
    signal: ac.signal,
    source,
    out: values.out ?? PREPARED_DIR,
    testRatio,
    force: values.force,
    allowCritical: values["allow-critical"],
    dateOrder,
    onProgress: (done, total, label) => progress(done, total, label),
  });
  disposeSignals();
  console.log(values.json ? JSON.stringify(m, null, 2) : formatManifest(m));
  return m.totals.failed > 0 ? 1 : 0;
});
