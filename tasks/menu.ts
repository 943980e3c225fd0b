/**
 * `deno task menu [--data-dir DIR] [--prepared-dir DIR] [--repaired-dir DIR] [--logs-dir DIR] [--config FILE]
 * [--repaired-dir DIR] [--no-probe] [--trace] [--date-order dmy|mdy]`: the interactive menu. Works on a terminal, with piped input and at end
 * of input (exit code 0). Folders can also come from KINETRA_DATA_DIR, KINETRA_PREPARED_DIR,
 * KINETRA_LOGS_DIR and KINETRA_CONFIG. See docs/MENU.md.
 */
import { parseArgs } from "node:util";
import { KinetraError } from "../lib/errors.ts";
import { MenuEof } from "../lib/menu/control.ts";
import { buildMenuTree } from "../lib/menu/tree.ts";
import { resolveMenuOptions } from "../lib/menu/options.ts";
import { runMenu } from "../lib/menu/runner.ts";
import { stdinInput } from "../lib/menu/line_input.ts";
import { noTracer, stderrTracer } from "../lib/menu/trace.ts";
import { operationRunning } from "../lib/menu/operation.ts";
import { runTask } from "../lib/util/cli.ts";
import { dateOrderArg } from "../lib/data/cli_args.ts";

runTask(async () => {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        "data-dir": { type: "string" },
        "prepared-dir": { type: "string" },
        "repaired-dir": { type: "string" },
        "logs-dir": { type: "string" },
        config: { type: "string" },
        "no-probe": { type: "boolean" },
        trace: { type: "boolean" },
        "date-order": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    throw new KinetraError("bad_arguments", `${(e as Error).message} (see deno task menu --help)`);
  }
  if (values.help) {
    console.log(
      "usage: deno task menu [--data-dir DIR] [--prepared-dir DIR] [--repaired-dir DIR] [--logs-dir DIR] [--config FILE] [--no-probe] [--trace] [--date-order dmy|mdy]",
    );
    return 0;
  }
  const opts = resolveMenuOptions({
    dataDir: values["data-dir"],
    preparedDir: values["prepared-dir"],
    repairedDir: values["repaired-dir"],
    logsDir: values["logs-dir"],
    config: values.config,
    noProbe: values["no-probe"] ? true : undefined,
    trace: values.trace ? true : undefined,
    dateOrder: dateOrderArg(values["date-order"], "see deno task menu --help"),
  });
  const input = stdinInput();
  const enc = new TextEncoder();
  // When the reader of our output goes away (`deno task menu | head`), end like end of input.
  let outputClosed = false;
  const write = (text: string) => {
    if (outputClosed) return;
    const bytes = enc.encode(text);
    let off = 0;
    try {
      while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
    } catch (e) {
      if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
      outputClosed = true;
      throw new MenuEof();
    }
  };
  // Ctrl-C at a prompt leaves the menu cleanly; during an operation, the operation handles it.
  const onSigint = () => {
    if (!operationRunning()) input.interrupt();
  };
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    const outcome = await runMenu(buildMenuTree(), opts, {
      input,
      write,
      trace: opts.trace ? stderrTracer() : noTracer,
    });
    return outcome.code;
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
    await input.close();
  }
});
