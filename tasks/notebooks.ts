/**
 * `deno task notebooks [NAME...] [--out DIR] [--timeout SEC] [--html] [--json]`: execute every notebook of
 * notebooks/ (or the named ones) headlessly with nbconvert and the Deno kernel, check that no cell
 * failed and that every cell that should show something did, and that the committed notebooks
 * carry no outputs; `--html` also exports each executed notebook to an offline HTML page.
 * Exit 1 when any check fails, 2 when Jupyter is missing.
 */
import { parseArgs } from "node:util";
import { KinetraError } from "../lib/errors.ts";
import {
  checkSourceNotebook,
  exportNotebookHtml,
  findNbconvert,
  listNotebooks,
  readNotebook,
  runNotebook,
} from "../lib/plot/notebooks.ts";
import { numberOption, runTask } from "../lib/util/cli.ts";

await runTask(async () => {
  let parsed;
  try {
    parsed = parseArgs({
      args: Deno.args,
      allowPositionals: true,
      options: {
        out: { type: "string", default: "logs/notebooks" },
        timeout: { type: "string", default: "120" },
        json: { type: "boolean", default: false },
        html: { type: "boolean", default: false },
      },
    });
  } catch (e) {
    throw new KinetraError(
      "bad_option",
      `${
        (e as Error).message.split(". ")[0]
      }\nusage: deno task notebooks [NAME...] [--out DIR] [--timeout SEC] [--html] [--json]`,
    );
  }
  const { values, positionals } = parsed;
  const timeout = numberOption("timeout", values.timeout, { positive: true, code: "bad_option" })!; // seconds
  const all = listNotebooks("notebooks");
  const chosen = positionals.length
    ? positionals.map((p) => {
      const hit = all.find((n) => n === p || n.endsWith(`/${p}`) || n.includes(p));
      if (!hit) {
        throw new KinetraError("notebook_not_found", `no notebook matches "${p}"; known: ${all.join(", ")}`);
      }
      return hit;
    })
    : all;
  if (!chosen.length) throw new KinetraError("notebook_not_found", "no notebooks in notebooks/");
  if (!findNbconvert()) {
    throw new KinetraError(
      "jupyter_missing",
      "Jupyter's nbconvert is not installed, so the notebooks cannot run (apt-get install jupyter-nbconvert)",
    );
  }
  const runs = [];
  let failed = 0;
  for (const path of chosen) {
    const clean = checkSourceNotebook(await readNotebook(path));
    const run = await runNotebook(path, { outDir: values.out, cellTimeoutSec: timeout });
    run.problems.unshift(...clean.map((p) => ({ ...p, message: `committed notebook: ${p.message}` })));
    run.ok = run.problems.length === 0;
    if (!run.ok) failed++;
    const html = values.html && run.problems.every((p) => p.cell > 0)
      ? await exportNotebookHtml(run.output)
      : null;
    runs.push({ ...run, html });
    if (!values.json) {
      console.log(
        `${run.ok ? "ok  " : "FAIL"} ${path}  ${
          run.seconds.toFixed(1)
        } s, ${run.code_cells} code cells, ${run.outputs} outputs`,
      );
      for (const p of run.problems) console.log(`     cell ${p.cell}: ${p.message}`);
      if (html) console.log(`     html: ${html}`);
    }
  }
  if (values.json) console.log(JSON.stringify({ notebooks: runs, failed }, null, 2));
  else {console.log(
      `notebooks: ${runs.length - failed} passed, ${failed} failed (executed copies in ${values.out}/)`,
    );}
  return failed ? 1 : 0;
});
