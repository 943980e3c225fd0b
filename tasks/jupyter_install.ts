/**
 * `deno task jupyter:install [--name deno] [--no-check] [--json]`: register the Deno Jupyter kernel
 * for the user (`deno jupyter --install --force` with this deno binary), make sure its kernel.json
 * points at a working deno (rewriting argv[0] when `deno jupyter` recorded a stale path), write the
 * project-local kernelspec the notebook runner uses, and check the kernel by executing a one-cell
 * notebook with it.
 */
import { parseArgs } from "node:util";
import { KinetraError } from "../lib/errors.ts";
import { installUserKernel } from "../lib/plot/jupyter_install.ts";
import { runTask } from "../lib/util/cli.ts";

await runTask(async () => {
  let parsed;
  try {
    parsed = parseArgs({
      args: Deno.args,
      options: {
        name: { type: "string", default: "deno" },
        "no-check": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
      },
    });
  } catch (e) {
    throw new KinetraError(
      "bad_option",
      `${
        (e as Error).message.split(". ")[0]
      }\nusage: deno task jupyter:install [--name NAME] [--no-check] [--json]`,
    );
  }
  const { values } = parsed;
  const r = await installUserKernel({ name: values.name, check: !values["no-check"] });
  if (values.json) {
    console.log(JSON.stringify(r, null, 2));
  } else {
    console.log(`kernelspec "${r.name}" installed at ${r.kernel_json}`);
    console.log(
      `  kernel runs: ${r.argv0}${
        r.argv0_fixed ? " (argv[0] rewritten: deno jupyter recorded a stale path)" : ""
      }`,
    );
    console.log(`  project-local kernelspec for \`deno task notebooks\`: ${r.project_kernelspec}`);
    if (r.check === "skipped") console.log("  check: skipped (--no-check)");
    else if (r.check === "no_nbconvert") {
      console.log(
        "  check: skipped, Jupyter's nbconvert is not installed (apt-get install jupyter-nbconvert)",
      );
    } else console.log(`  check: a one-cell notebook ran on the kernel in ${r.check_seconds?.toFixed(1)} s`);
  }
  return 0;
});
