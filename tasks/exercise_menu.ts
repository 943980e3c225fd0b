/**
 * `deno task exercise:menu [--iterations N] [--random-steps N] [--random-walks N] [--seed S]
 * [--data-dir DIR] [--only TEXT] [--no-eof] [--step-timeout SECONDS] [--report FILE] [--json]`:
 * runs the real menu as a child process over every path of its tree, end of input at every
 * prompt, random walks and a Ctrl-C, then writes logs/menu_exercise_report.json. Exit code 0 when
 * every check passed, 1 otherwise. See docs/MENU.md.
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { KinetraError } from "../lib/errors.ts";
import { exerciseMenu } from "../lib/menu/exerciser.ts";
import { buildMenuTree } from "../lib/menu/tree.ts";
import { numberOptionOr, runTask } from "../lib/util/cli.ts";
import { writeJsonAtomic } from "../lib/util/fs.ts";

/** A whole-number flag >= `min` with a default. */
function intFlag(name: string, v: string | undefined, def: number, min: number): number {
  return numberOptionOr(name, v, def, { integer: true, min, code: "bad_arguments" });
}

runTask(async () => {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        iterations: { type: "string" },
        "random-steps": { type: "string" },
        "random-walks": { type: "string" },
        seed: { type: "string" },
        "data-dir": { type: "string" },
        only: { type: "string" },
        "no-eof": { type: "boolean" },
        "no-interrupt": { type: "boolean" },
        "step-timeout": { type: "string" },
        concurrency: { type: "string" },
        report: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    throw new KinetraError("bad_arguments", `${(e as Error).message} (see deno task exercise:menu --help)`);
  }
  if (values.help) {
    console.log(
      "usage: deno task exercise:menu [--iterations N] [--random-steps N] [--random-walks N] [--seed S] " +
        "[--data-dir DIR] [--only TEXT] [--no-eof] [--no-interrupt] [--step-timeout SECONDS] [--concurrency N] " +
        "[--report FILE] [--json]",
    );
    return 0;
  }
  const root = fileURLToPath(new URL("../", import.meta.url));
  const dataDir = values["data-dir"];
  if (dataDir !== undefined) {
    try {
      if (!(await Deno.stat(dataDir)).isDirectory) throw new Error();
    } catch {
      throw new KinetraError("bad_arguments", `--data-dir ${dataDir} is not a folder`);
    }
  }
  const reportPath = values.report ?? "logs/menu_exercise_report.json";
  const report = await exerciseMenu({
    root,
    tree: buildMenuTree(),
    dataDir,
    iterations: intFlag("iterations", values.iterations, 1, 1),
    randomSteps: intFlag("random-steps", values["random-steps"], 40, 0),
    randomWalks: intFlag("random-walks", values["random-walks"], 2, 0),
    seed: intFlag("seed", values.seed, 1, 0),
    only: values.only,
    eofChecks: !values["no-eof"],
    interruptCheck: !values["no-interrupt"],
    stepTimeoutMs: intFlag("step-timeout", values["step-timeout"], 20, 1) * 1000,
    concurrency: intFlag("concurrency", values.concurrency, 2, 1),
    onProgress: values.json ? undefined : (line) => console.log(line),
  });
  await writeJsonAtomic(reportPath, report);
  if (values.json) {
    console.log(JSON.stringify(report));
  } else {
    for (const [kind, r] of Object.entries(report.runs)) {
      console.log(`${kind}: ${r.passed}/${r.tested} passed`);
    }
    for (const n of report.notes) console.log(`note: ${n}`);
    console.log(
      `menu exercise: ${report.paths_tested} runs over ${report.tree_paths.length} tree paths, ` +
        `${report.passed} passed, ${report.failed} failed in ${report.duration_s} s; report ${reportPath}`,
    );
  }
  return report.failed === 0 ? 0 : 1;
});
